package throttle_test

import (
	"bytes"
	"context"
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
