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

// keysContaining lists, with SCAN MATCH *, every key in the test Redis whose
// name contains token, wherever it starts.
func keysContaining(t *testing.T, c *redis.Client, token string) []string {
	t.Helper()
	var keys []string
	iter := c.Scan(context.Background(), 0, "*", 1000).Iterator()
	for iter.Next(context.Background()) {
		if strings.Contains(iter.Val(), token) {
			keys = append(keys, iter.Val())
		}
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	return keys
}

// dropKeys removes the keys under prefix when the test ends, rather than
// leaving them to expire.
func dropKeys(t *testing.T, c *redis.Client, prefix string) {
	t.Cleanup(func() {
		ctx := context.Background()
		iter := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			c.Del(ctx, iter.Val())
		}
	})
}

func TestRedisKeysStayUnderThePrefix(t *testing.T) {
	ctx := context.Background()
	c := redistest.Client(t)
	// A token in both the prefix and the keys finds the limiter's keys among
	// anything else in the shared test Redis, whatever was put in front.
	token := strings.TrimSuffix(strings.TrimPrefix(redistest.Prefix(), "shopkeeper-test:"), ":")
	prefix := "some-unique-test-prefix:" + token + ":"
	dropKeys(t, c, prefix)
	lim := throttle.NewRedis(c).WithPrefix(prefix)
	limit := throttle.PerMinute(5)
	for _, k := range []string{"login:" + token, "signup:" + token, "gone:" + token} {
		if res, err := lim.Allow(ctx, k, limit); err != nil || !res.Allowed {
			t.Fatalf("Allow(%s): %+v, %v", k, res, err)
		}
	}
	if err := lim.Reset(ctx, "gone:"+token); err != nil {
		t.Fatal(err)
	}

	keys := keysContaining(t, c, token)
	if len(keys) != 2 {
		t.Fatalf("keys made by the limiter: %q; want the two not reset", keys)
	}
	for _, k := range keys {
		if strings.HasPrefix(k, "rate:") || !strings.HasPrefix(k, prefix) {
			t.Errorf("key %q is not under the prefix %q", k, prefix)
		}
		if k != prefix+"login:"+token && k != prefix+"signup:"+token {
			t.Errorf("key %q is not the prefix followed by the key", k)
		}
		ttl, err := c.PTTL(ctx, k).Result()
		if err != nil {
			t.Fatal(err)
		}
		// One event of a 5-a-minute limit refills in 12 s.
		if ttl <= 0 || ttl > 12*time.Second {
			t.Errorf("PTTL %q = %v, want it to expire once refilled (within 12s)", k, ttl)
		}
	}
}

func TestRedisBurstThenRefused(t *testing.T) {
	ctx := context.Background()
	c := redistest.Client(t)
	prefix := redistest.Prefix()
	dropKeys(t, c, prefix)
	lim := throttle.NewRedis(c).WithPrefix(prefix)
	limit := throttle.PerMinute(5) // a token every 12s, 5 at once
	for i := range 5 {
		if res, err := lim.Allow(ctx, "k", limit); err != nil || !res.Allowed {
			t.Fatalf("event %d of the burst: %+v, %v", i+1, res, err)
		}
	}
	// The bucket now holds 5 events: it is empty again in 60 s.
	if ttl := c.PTTL(ctx, prefix+"k").Val(); ttl < 55*time.Second || ttl > time.Minute {
		t.Errorf("PTTL after the burst = %v, want just under a minute", ttl)
	}
	prev := 12 * time.Second
	for i := range 3 {
		res, err := lim.Allow(ctx, "k", limit)
		if err != nil || res.Allowed {
			t.Fatalf("refusal %d: %+v, %v; want refused", i+1, res, err)
		}
		// Refusals are not recorded, so RetryAfter only shrinks as time
		// passes; it would grow by 12 s a time if they were.
		if res.RetryAfter < 10*time.Second || res.RetryAfter > prev {
			t.Fatalf("refusal %d: RetryAfter = %v, want just under 12s and no more than %v", i+1, res.RetryAfter, prev)
		}
		prev = res.RetryAfter
	}
	if res, err := lim.Allow(ctx, "other", limit); err != nil || !res.Allowed {
		t.Fatalf("another key: %+v, %v; keys are not independent", res, err)
	}
}

func TestRedisRefusalsAreNotRecorded(t *testing.T) {
	ctx := context.Background()
	c := redistest.Client(t)
	prefix := redistest.Prefix()
	dropKeys(t, c, prefix)
	lim := throttle.NewRedis(c).WithPrefix(prefix)
	limit := throttle.Limit{Rate: 1, Period: 300 * time.Millisecond, Burst: 1}
	if res, err := lim.Allow(ctx, "k", limit); err != nil || !res.Allowed {
		t.Fatalf("first event: %+v, %v", res, err)
	}
	var wait time.Duration
	for i := range 5 {
		res, err := lim.Allow(ctx, "k", limit)
		if err != nil || res.Allowed {
			t.Fatalf("refusal %d: %+v, %v; want refused", i+1, res, err)
		}
		if res.RetryAfter < time.Millisecond || res.RetryAfter > 300*time.Millisecond {
			t.Fatalf("refusal %d: RetryAfter = %v, want within one interval (300ms)", i+1, res.RetryAfter)
		}
		wait = res.RetryAfter
	}
	// Waiting RetryAfter is enough, however many refusals came before.
	time.Sleep(wait + 5*time.Millisecond)
	if res, err := lim.Allow(ctx, "k", limit); err != nil || !res.Allowed {
		t.Fatalf("after waiting RetryAfter: %+v, %v; want allowed", res, err)
	}
}

func TestRedisIdleKeysExpire(t *testing.T) {
	ctx := context.Background()
	c := redistest.Client(t)
	prefix := redistest.Prefix()
	dropKeys(t, c, prefix)
	lim := throttle.NewRedis(c).WithPrefix(prefix)
	limit := throttle.Limit{Rate: 1, Period: 100 * time.Millisecond, Burst: 3}
	if res, err := lim.Allow(ctx, "k", limit); err != nil || !res.Allowed {
		t.Fatalf("%+v, %v", res, err)
	}
	if n := c.Exists(ctx, prefix+"k").Val(); n != 1 {
		t.Fatal("no key stored for an allowed event")
	}
	time.Sleep(250 * time.Millisecond) // the one event refilled after 100ms
	if n := c.Exists(ctx, prefix+"k").Val(); n != 0 {
		t.Fatalf("key still there after its bucket refilled (PTTL %v)", c.PTTL(ctx, prefix+"k").Val())
	}
}

func TestRedisReset(t *testing.T) {
	ctx := context.Background()
	c := redistest.Client(t)
	prefix := redistest.Prefix()
	dropKeys(t, c, prefix)
	lim := throttle.NewRedis(c).WithPrefix(prefix)
	limit := throttle.Limit{Rate: 1, Period: time.Hour, Burst: 1}
	for _, k := range []string{"k", "kept"} {
		if res, err := lim.Allow(ctx, k, limit); err != nil || !res.Allowed {
			t.Fatalf("Allow(%s): %+v, %v", k, res, err)
		}
	}
	if res, err := lim.Allow(ctx, "k", limit); err != nil || res.Allowed {
		t.Fatalf("second event: %+v, %v; limit not applied", res, err)
	}
	if err := lim.Reset(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	if n := c.Exists(ctx, prefix+"k").Val(); n != 0 {
		t.Error("Reset left the key in Redis")
	}
	if res, err := lim.Allow(ctx, "k", limit); err != nil || !res.Allowed {
		t.Fatalf("after Reset: %+v, %v; want allowed", res, err)
	}
	if res, _ := lim.Allow(ctx, "kept", limit); res.Allowed {
		t.Error("Reset of one key reset another")
	}
	if err := lim.Reset(ctx, "never-seen"); err != nil {
		t.Errorf("Reset of an unknown key: %v", err)
	}
}

func TestRedisPrefixesKeepDeploymentsApart(t *testing.T) {
	ctx := context.Background()
	c := redistest.Client(t)
	one, two := redistest.Prefix(), redistest.Prefix()
	dropKeys(t, c, one)
	dropKeys(t, c, two)
	a := throttle.NewRedis(c).WithPrefix(one)
	b := throttle.NewRedis(c).WithPrefix(two)
	limit := throttle.PerHour(1)
	if res, err := a.Allow(ctx, "login:ada@example.com", limit); err != nil || !res.Allowed {
		t.Fatalf("%+v, %v", res, err)
	}
	if res, err := b.Allow(ctx, "login:ada@example.com", limit); err != nil || !res.Allowed {
		t.Fatalf("another deployment's count was used: %+v, %v", res, err)
	}
	if err := b.Reset(ctx, "login:ada@example.com"); err != nil {
		t.Fatal(err)
	}
	if res, _ := a.Allow(ctx, "login:ada@example.com", limit); res.Allowed {
		t.Fatal("Reset in another deployment reset this one's count")
	}
}

func TestRedisConcurrentInstancesAllowExactlyTheBurst(t *testing.T) {
	ctx := context.Background()
	prefix := redistest.Prefix()
	dropKeys(t, redistest.Client(t), prefix)
	const instances, attempts = 4, 10
	limit := throttle.PerHour(7)
	allowed := make(chan int, instances)
	for range instances {
		// Each instance has its own client, as separate processes would.
		lim := throttle.NewRedis(redistest.Client(t)).WithPrefix(prefix)
		go func() {
			n := 0
			for range attempts {
				res, err := lim.Allow(ctx, "k", limit)
				if err != nil {
					t.Error(err)
				}
				if res.Allowed {
					n++
				}
			}
			allowed <- n
		}()
	}
	total := 0
	for range instances {
		total += <-allowed
	}
	if total != limit.Burst {
		t.Fatalf("%d of %d concurrent attempts allowed, want exactly the burst of %d", total, instances*attempts, limit.Burst)
	}
}

func TestRedisRejectsAnInvalidLimit(t *testing.T) {
	lim := throttle.NewRedis(redistest.Client(t)).WithPrefix(redistest.Prefix())
	for _, l := range []throttle.Limit{{Rate: 0, Period: time.Minute, Burst: 1}, {Rate: 1, Period: 0, Burst: 1}} {
		if _, err := lim.Allow(context.Background(), "k", l); err == nil {
			t.Errorf("Allow with %+v: no error", l)
		}
	}
}
