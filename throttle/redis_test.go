package throttle_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"shopkeeper/throttle"
	"shopkeeper/throttle/redistest"
)

func TestRedisLimiterIsSharedBetweenInstances(t *testing.T) {
	ctx := context.Background()
	prefix := redistest.Prefix()
	a := throttle.NewRedis(redistest.Client(t)).WithPrefix(prefix)
	b := throttle.NewRedis(redistest.Client(t)).WithPrefix(prefix)
	limit := throttle.PerMinute(5)
	for i := range 5 {
		lim := map[bool]*throttle.Redis{true: a, false: b}[i%2 == 0]
		res, err := lim.Allow(ctx, "login:ada@example.com", limit)
		if err != nil || !res.Allowed {
			t.Fatalf("attempt %d: %+v, %v", i+1, res, err)
		}
	}
	res, err := b.Allow(ctx, "login:ada@example.com", limit)
	if err != nil || res.Allowed {
		t.Fatalf("6th attempt across two instances: %+v, %v; want refused", res, err)
	}
	if res.RetryAfter <= 0 || res.RetryAfter > 12*time.Second {
		t.Errorf("RetryAfter = %v, want up to one interval (12s)", res.RetryAfter)
	}
	if res, _ := a.Allow(ctx, "login:bea@example.com", limit); !res.Allowed {
		t.Error("another key was refused")
	}
	if err := a.Reset(ctx, "login:ada@example.com"); err != nil {
		t.Fatal(err)
	}
	if res, _ := b.Allow(ctx, "login:ada@example.com", limit); !res.Allowed {
		t.Error("Reset on one instance did not reset the other")
	}
}

func TestFallbackKeepsLimitingWhenRedisIsDown(t *testing.T) {
	ctx := context.Background()
	dead := throttle.NewRedis(redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 200 * time.Millisecond}))
	var logs bytes.Buffer
	f := throttle.NewFallback(dead, throttle.NewMemory(throttle.MemoryOptions{}), slog.New(slog.NewTextHandler(&logs, nil)))
	limit := throttle.PerMinute(2)
	for i := range 2 {
		if res, err := f.Allow(ctx, "k", limit); err != nil || !res.Allowed {
			t.Fatalf("attempt %d with Redis down: %+v, %v; want allowed by the local limiter", i+1, res, err)
		}
	}
	if res, err := f.Allow(ctx, "k", limit); err != nil || res.Allowed {
		t.Fatalf("3rd attempt: %+v, %v; want the local limit to hold", res, err)
	}
	if n := strings.Count(logs.String(), "shared rate limiter unavailable"); n != 1 {
		t.Errorf("warned %d times, want once:\n%s", n, logs.String())
	}
}

func TestFallbackPrefersRedis(t *testing.T) {
	ctx := context.Background()
	prefix := redistest.Prefix()
	shared := throttle.NewRedis(redistest.Client(t)).WithPrefix(prefix)
	// Two instances, each with its own memory, share Redis through Fallback.
	one := throttle.NewFallback(shared, throttle.NewMemory(throttle.MemoryOptions{}), slog.Default())
	two := throttle.NewFallback(shared, throttle.NewMemory(throttle.MemoryOptions{}), slog.Default())
	limit := throttle.PerMinute(1)
	if res, _ := one.Allow(ctx, "k", limit); !res.Allowed {
		t.Fatal("first attempt refused")
	}
	if res, _ := two.Allow(ctx, "k", limit); res.Allowed {
		t.Fatal("the second instance did not see the first one's attempt")
	}
}

// flaky is a shared limiter that fails while down is set, counting calls.
type flaky struct {
	down  bool
	calls int
}

func (f *flaky) Allow(context.Context, string, throttle.Limit) (throttle.Result, error) {
	f.calls++
	if f.down {
		return throttle.Result{}, errors.New("connection refused")
	}
	return throttle.Result{Allowed: true}, nil
}

func (f *flaky) Reset(context.Context, string) error {
	f.calls++
	if f.down {
		return errors.New("connection refused")
	}
	return nil
}

func TestFallbackAsksAgainOnlyAfterAPause(t *testing.T) {
	ctx := context.Background()
	now := time.Unix(1_700_000_000, 0)
	shared := &flaky{down: true}
	var logs bytes.Buffer
	f := throttle.NewFallback(shared, throttle.NewMemory(throttle.MemoryOptions{Now: func() time.Time { return now }}), slog.New(slog.NewTextHandler(&logs, nil)))
	f.SetClock(func() time.Time { return now })
	limit := throttle.PerMinute(100)

	for range 10 {
		if res, err := f.Allow(ctx, "k", limit); err != nil || !res.Allowed {
			t.Fatalf("with the shared limiter down: %+v, %v", res, err)
		}
	}
	if err := f.Reset(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	if shared.calls != 1 {
		t.Fatalf("the dead shared limiter was asked %d times in a burst, want once", shared.calls)
	}

	now = now.Add(6 * time.Second)
	shared.down = false
	if res, _ := f.Allow(ctx, "k", limit); !res.Allowed || shared.calls != 2 {
		t.Fatalf("after the pause: %+v, %d calls; want the shared limiter asked again", res, shared.calls)
	}
	if _, _ = f.Allow(ctx, "k", limit); shared.calls != 3 {
		t.Fatalf("%d calls: once it answers, every attempt should go to it", shared.calls)
	}
	if !strings.Contains(logs.String(), "shared rate limiter answers again") {
		t.Errorf("no note that the shared limiter came back:\n%s", logs.String())
	}
}
