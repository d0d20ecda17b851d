package throttle

import (
	"context"
	"slices"
	"sync"
	"time"
)

// DefaultMaxKeys bounds Memory: at about 100 bytes a key, 100k keys is
// around 10 MiB however many addresses or emails an attacker invents.
const DefaultMaxKeys = 100_000

// sweepEvery is how often idle keys are dropped.
const sweepEvery = time.Minute

// MemoryOptions configure a Memory limiter. The zero value is ready to use.
type MemoryOptions struct {
	MaxKeys int              // zero = DefaultMaxKeys
	Now     func() time.Time // nil = time.Now
}

// Memory is a GCRA limiter in this process's memory, for a single instance.
// Its memory is bounded: keys whose bucket has refilled are dropped every
// minute, and when MaxKeys is reached the keys closest to refilled go
// first, so what is lost is the least penalty. Instances behind a load
// balancer each count on their own; share a Redis one across instances.
type Memory struct {
	mu        sync.Mutex
	tat       map[string]time.Time // theoretical arrival time of the next event
	maxKeys   int
	now       func() time.Time
	lastSweep time.Time
}

// NewMemory returns an empty Memory limiter.
func NewMemory(opts MemoryOptions) *Memory {
	if opts.MaxKeys <= 0 {
		opts.MaxKeys = DefaultMaxKeys
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Memory{tat: make(map[string]time.Time), maxKeys: opts.MaxKeys, now: opts.Now}
}

// Allow records one event under key if limit allows it now. A refused event
// is not recorded, so waiting RetryAfter is always enough.
func (m *Memory) Allow(_ context.Context, key string, limit Limit) (Result, error) {
	now := m.now()
	interval := limit.interval()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.maybeSweep(now)

	tat, ok := m.tat[key]
	if !ok || tat.Before(now) {
		tat = now
	}
	next := tat.Add(interval)
	// The event fits if, after it, the bucket is no more than Burst deep.
	allowAt := next.Add(-time.Duration(limit.Burst) * interval)
	if now.Before(allowAt) {
		return Result{RetryAfter: allowAt.Sub(now)}, nil
	}
	if !ok && len(m.tat) >= m.maxKeys {
		m.evict(now)
	}
	m.tat[key] = next
	return Result{Allowed: true}, nil
}

// Hold makes key refuse events for retryAfter from now, as another
// limiter holding the same limit just did, and count on from there: once
// retryAfter has passed, the bucket allows one event per interval, not a
// fresh burst. A key already held longer keeps its own state.
func (m *Memory) Hold(key string, limit Limit, retryAfter time.Duration) {
	now := m.now()
	interval := limit.interval()
	// Allow refuses until tat + interval - Burst*interval.
	tat := now.Add(retryAfter).Add(time.Duration(limit.Burst-1) * interval)
	m.mu.Lock()
	defer m.mu.Unlock()
	if old, ok := m.tat[key]; ok && !old.Before(tat) {
		return
	}
	if _, ok := m.tat[key]; !ok && len(m.tat) >= m.maxKeys {
		m.evict(now)
	}
	m.tat[key] = tat
}

// Reset forgets key, as if it had never been seen.
func (m *Memory) Reset(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.tat, key)
	return nil
}

// Len is the number of keys held, for tests and metrics.
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.tat)
}

// maybeSweep drops keys whose bucket is full again: they are no different
// from keys never seen.
func (m *Memory) maybeSweep(now time.Time) {
	if now.Sub(m.lastSweep) < sweepEvery {
		return
	}
	m.lastSweep = now
	m.sweep(now)
}

func (m *Memory) sweep(now time.Time) {
	for k, tat := range m.tat {
		if !tat.After(now) {
			delete(m.tat, k)
		}
	}
}

// evict makes room when the table is full: idle keys first, then the
// sixteenth of the keys nearest to refilled, so a flood of new keys costs
// one sort per many inserts rather than one per insert.
func (m *Memory) evict(now time.Time) {
	m.sweep(now)
	if len(m.tat) < m.maxKeys {
		return
	}
	type entry struct {
		key string
		tat time.Time
	}
	all := make([]entry, 0, len(m.tat))
	for k, t := range m.tat {
		all = append(all, entry{k, t})
	}
	slices.SortFunc(all, func(a, b entry) int { return a.tat.Compare(b.tat) })
	for _, e := range all[:max(1, len(all)/16)] {
		delete(m.tat, e.key)
	}
}
