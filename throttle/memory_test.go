package throttle_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"shopkeeper/throttle"
)

type fakeClock struct{ t time.Time }

func (c *fakeClock) Now() time.Time          { return c.t }
func (c *fakeClock) Advance(d time.Duration) { c.t = c.t.Add(d) }

func newMemory(maxKeys int) (*throttle.Memory, *fakeClock) {
	clk := &fakeClock{t: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	return throttle.NewMemory(throttle.MemoryOptions{MaxKeys: maxKeys, Now: clk.Now}), clk
}

func allow(t *testing.T, m *throttle.Memory, key string, l throttle.Limit) throttle.Result {
	t.Helper()
	r, err := m.Allow(context.Background(), key, l)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestBurstThenSteadyRate(t *testing.T) {
	m, clk := newMemory(0)
	limit := throttle.PerMinute(5) // a token every 12s, 5 at once
	for i := range 5 {
		if r := allow(t, m, "k", limit); !r.Allowed {
			t.Fatalf("event %d of the burst refused", i+1)
		}
	}
	r := allow(t, m, "k", limit)
	if r.Allowed || r.RetryAfter != 12*time.Second {
		t.Fatalf("sixth event: %+v, want refused with RetryAfter 12s", r)
	}
	// Refusals are not recorded: waiting RetryAfter is enough.
	allow(t, m, "k", limit)
	clk.Advance(12 * time.Second)
	if r := allow(t, m, "k", limit); !r.Allowed {
		t.Fatalf("after RetryAfter: %+v", r)
	}
	if r := allow(t, m, "k", limit); r.Allowed {
		t.Fatal("one token came back, two events were allowed")
	}
	if r := allow(t, m, "other", limit); !r.Allowed {
		t.Fatal("keys are not independent")
	}
}

func TestReset(t *testing.T) {
	m, _ := newMemory(0)
	limit := throttle.Limit{Rate: 1, Period: time.Hour, Burst: 1}
	allow(t, m, "k", limit)
	if allow(t, m, "k", limit).Allowed {
		t.Fatal("limit not applied")
	}
	if err := m.Reset(context.Background(), "k"); err != nil {
		t.Fatal(err)
	}
	if !allow(t, m, "k", limit).Allowed {
		t.Fatal("Reset did not forget the key")
	}
}

func TestIdleKeysAreDropped(t *testing.T) {
	m, clk := newMemory(0)
	for i := range 100 {
		allow(t, m, fmt.Sprint("k", i), throttle.PerMinute(5))
	}
	clk.Advance(2 * time.Minute) // every bucket has refilled
	allow(t, m, "fresh", throttle.PerMinute(5))
	if n := m.Len(); n != 1 {
		t.Fatalf("%d keys held after the others went idle, want 1", n)
	}
}

func TestMemoryIsBounded(t *testing.T) {
	m, _ := newMemory(64)
	limit := throttle.PerHour(1)
	allow(t, m, "victim", limit)
	for i := range 1000 {
		allow(t, m, fmt.Sprint("flood", i), limit)
	}
	if n := m.Len(); n > 64 {
		t.Fatalf("%d keys held, cap is 64", n)
	}
	if !allow(t, m, "new", limit).Allowed {
		t.Fatal("a full table refuses new keys")
	}
}

func TestEvictionDropsTheKeysNearestToRefilledFirst(t *testing.T) {
	m, clk := newMemory(16)
	limit := throttle.Limit{Rate: 1, Period: time.Hour, Burst: 1}
	// The fillers came first, so their buckets refill first: they go before
	// "heavy" when the table is full.
	for i := range 15 {
		allow(t, m, fmt.Sprint("filler", i), limit)
	}
	clk.Advance(time.Minute)
	allow(t, m, "heavy", limit)
	allow(t, m, "one-more", limit) // table full: evicts the oldest filler
	if allow(t, m, "heavy", limit).Allowed {
		t.Fatal("eviction dropped the key with the most recent debt")
	}
}

func TestConcurrentUse(t *testing.T) {
	m := throttle.NewMemory(throttle.MemoryOptions{MaxKeys: 32})
	limit := throttle.PerMinute(50)
	done := make(chan int)
	for g := range 4 {
		go func() {
			allowed := 0
			for i := range 200 {
				r, _ := m.Allow(context.Background(), fmt.Sprint("k", (g*200+i)%40), limit)
				if r.Allowed {
					allowed++
				}
				_ = m.Reset(context.Background(), "k0")
			}
			done <- allowed
		}()
	}
	total := 0
	for range 4 {
		total += <-done
	}
	if total == 0 {
		t.Fatal("nothing allowed")
	}
}
