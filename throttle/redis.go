package throttle

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// keyPrefix keeps the limiter's keys apart from anything else in Redis;
// WithPrefix changes it.
const keyPrefix = "shopkeeper:throttle:"

// gcra is Memory.Allow run inside Redis, atomically. The key holds the
// theoretical arrival time (TAT) of the next event, in microseconds since
// the Unix epoch: whole numbers well within the 2^53 a Lua number holds
// exactly. The clock is Redis's own TIME, so instances with skewed clocks
// still agree. A refused event changes nothing. An allowed one stores the
// new TAT with PX set to when the bucket will have refilled, so idle keys
// vanish by themselves.
//
// KEYS[1] = the key; ARGV[1] = interval (µs, >= 1); ARGV[2] = burst.
// Returns {1, 0} when allowed, {0, retry after in µs} when refused.
var gcra = redis.NewScript(`
-- TIME is not deterministic: before Redis 5 a script that calls it may only
-- write with effects replication, the default since.
if redis.replicate_commands then redis.replicate_commands() end

local key = KEYS[1]
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])

local t = redis.call("TIME")
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])

local tat = tonumber(redis.call("GET", key) or "")
if not tat or tat < now then
  tat = now
end
local nxt = tat + interval
-- The event fits if, after it, the bucket is no more than burst deep.
local allow_at = nxt - burst * interval
if now < allow_at then
  return {0, allow_at - now}
end
redis.call("SET", key, string.format("%.0f", nxt), "PX", math.ceil((nxt - now) / 1000))
return {1, 0}
`)

// Redis is a GCRA limiter kept in Redis, so every instance behind a load
// balancer counts against the same limits. It behaves as Memory does, with
// one key per counted key: the prefix followed by the key, nothing else.
type Redis struct {
	client  redis.UniversalClient
	prefix  string
	timeout time.Duration
}

// CallTimeout bounds each call to Redis. A call does not end with the
// request that made it: a client hanging up must neither skip its count
// nor pass for Redis being down. A Redis slower than this is down.
const CallTimeout = 300 * time.Millisecond

// NewRedis returns a limiter storing its state in client.
func NewRedis(client redis.UniversalClient) *Redis {
	return &Redis{client: client, prefix: keyPrefix, timeout: CallTimeout}
}

// WithTimeout returns a copy whose calls are bounded by d instead of
// CallTimeout.
func (r *Redis) WithTimeout(d time.Duration) *Redis {
	c := *r
	c.timeout = d
	return &c
}

// callContext is the context of one call to Redis: ctx's values, none of
// its cancellation, and the call's own deadline.
func (r *Redis) callContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), r.timeout)
}

// WithPrefix returns a copy whose keys live under prefix, so tests sharing
// one Redis do not see each other's counts.
func (r *Redis) WithPrefix(prefix string) *Redis {
	c := *r
	c.prefix = prefix
	return &c
}

// errInvalidLimit is returned for a limit without a rate or a period, which
// has no interval between events.
var errInvalidLimit = errors.New("throttle: limit needs a positive Rate and Period")

// Allow records one event under key if limit allows it now. A refused event
// is not recorded, so waiting RetryAfter is always enough.
func (r *Redis) Allow(ctx context.Context, key string, limit Limit) (Result, error) {
	if limit.Rate <= 0 || limit.Period <= 0 {
		return Result{}, errInvalidLimit
	}
	// Redis's clock counts microseconds: the interval is truncated to whole
	// ones (exact for limits per second, minute or hour), and at least one.
	interval := max(limit.interval().Microseconds(), 1)
	ctx, cancel := r.callContext(ctx)
	defer cancel()
	res, err := gcra.Run(ctx, r.client, []string{r.prefix + key}, interval, limit.Burst).Int64Slice()
	if err != nil {
		return Result{}, fmt.Errorf("throttle: redis: %w", err)
	}
	if len(res) != 2 {
		return Result{}, fmt.Errorf("throttle: redis: unexpected answer %v", res)
	}
	if res[0] == 1 {
		return Result{Allowed: true}, nil
	}
	return Result{RetryAfter: max(time.Duration(res[1])*time.Microsecond, time.Millisecond)}, nil
}

// Reset forgets key.
func (r *Redis) Reset(ctx context.Context, key string) error {
	ctx, cancel := r.callContext(ctx)
	defer cancel()
	return r.client.Del(ctx, r.prefix+key).Err()
}

// Ping reports whether Redis answers, for readiness.
func (r *Redis) Ping(ctx context.Context) error { return r.client.Ping(ctx).Err() }

// limiter is the shared side of a Fallback.
type limiter interface {
	Allow(ctx context.Context, key string, limit Limit) (Result, error)
	Reset(ctx context.Context, key string) error
}

// fallbackRetry is how long Fallback counts locally after the shared
// limiter failed, before asking it again: a dead Redis then costs one failed
// call per interval, not one (with its dial timeout) per login attempt.
const fallbackRetry = 5 * time.Second

// Fallback uses a shared limiter and, while it fails (Redis down), a local
// one, so logins keep working with per-instance limits. After a failure it
// stays local for a few seconds before trying the shared limiter again. It
// logs a warning when it falls back and a note when the shared limiter
// answers again, not once per request.
//
// Every refusal the shared limiter gives is also held in the local one
// (Memory.Hold): a key that was throttled stays throttled while the shared
// limiter is down, and counts on at its steady rate after, rather than
// starting again with a full burst on every instance.
//
// Only the shared limiter failing falls back: a call whose request has gone
// (its context canceled or past its deadline) is that request's end, not
// the shared limiter's.
type Fallback struct {
	shared  limiter
	local   *Memory
	logger  *slog.Logger
	now     func() time.Time
	down    atomic.Bool
	retryAt atomic.Int64 // Unix nanoseconds; 0 while the shared limiter answers
}

// NewFallback returns a limiter preferring shared, falling back to local.
func NewFallback(shared limiter, local *Memory, logger *slog.Logger) *Fallback {
	return &Fallback{shared: shared, local: local, logger: logger, now: time.Now}
}

// Allow asks the shared limiter, or the local one while the shared one fails.
func (f *Fallback) Allow(ctx context.Context, key string, limit Limit) (Result, error) {
	if f.skipShared() {
		return f.local.Allow(ctx, key, limit)
	}
	res, err := f.shared.Allow(ctx, key, limit)
	if err != nil {
		if ctx.Err() != nil {
			return Result{}, err // the request is over; the shared limiter may be fine
		}
		f.fellBack(ctx, err)
		return f.local.Allow(ctx, key, limit)
	}
	f.recovered(ctx)
	if !res.Allowed {
		f.local.Hold(key, limit, res.RetryAfter)
	}
	return res, nil
}

// Reset resets key in both limiters (only locally while the shared one is
// down: its count there then ends by itself as the limit refills).
func (f *Fallback) Reset(ctx context.Context, key string) error {
	if !f.skipShared() {
		if err := f.shared.Reset(ctx, key); err != nil && ctx.Err() == nil {
			f.fellBack(ctx, err)
		}
	}
	return f.local.Reset(ctx, key)
}

// skipShared reports whether the shared limiter failed less than
// fallbackRetry ago.
func (f *Fallback) skipShared() bool {
	at := f.retryAt.Load()
	return at != 0 && f.now().UnixNano() < at
}

func (f *Fallback) fellBack(ctx context.Context, err error) {
	f.retryAt.Store(f.now().Add(fallbackRetry).UnixNano())
	if !f.down.Swap(true) {
		f.logger.WarnContext(ctx, "shared rate limiter unavailable: counting in this instance only", "err", err)
	}
}

func (f *Fallback) recovered(ctx context.Context) {
	if f.down.Swap(false) {
		f.retryAt.Store(0)
		f.logger.InfoContext(ctx, "shared rate limiter answers again")
	}
}
