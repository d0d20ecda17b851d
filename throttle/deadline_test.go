package throttle_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"shopkeeper/throttle"
	"shopkeeper/throttle/redistest"
)

// A client that hangs up right after sending its login must still have it
// counted: the Redis call does not end with the request.
func TestRedisCallOutlivesItsRequest(t *testing.T) {
	c := redistest.Client(t)
	prefix := redistest.Prefix()
	dropKeys(t, c, prefix)
	// The app's client honours contexts, so the call's deadline holds.
	opts := *c.Options()
	opts.ContextTimeoutEnabled = true
	app := redis.NewClient(&opts)
	t.Cleanup(func() { app.Close() })
	lim := throttle.NewRedis(app).WithPrefix(prefix)
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the client went away
	res, err := lim.Allow(ctx, "k", throttle.PerMinute(5))
	if err != nil || !res.Allowed {
		t.Fatalf("Allow with the request gone: %+v, %v; want counted and allowed", res, err)
	}
	if n := c.Exists(context.Background(), prefix+"k").Val(); n != 1 {
		t.Fatal("the event of a request that went away was not recorded in Redis")
	}
	if err := lim.Reset(ctx, "k"); err != nil {
		t.Fatalf("Reset with the request gone: %v", err)
	}
	if n := c.Exists(context.Background(), prefix+"k").Val(); n != 0 {
		t.Fatal("Reset of a request that went away left the key")
	}
}

// silentServer accepts connections and never answers, as a Redis that hangs.
func silentServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			conns = append(conns, conn)
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}

// Each call has its own deadline, whatever the request's context allows.
// The client here has no socket timeouts, so only that deadline can end a
// call to a Redis that hangs; without it the calls never return.
func TestRedisCallHasItsOwnDeadline(t *testing.T) {
	c := redis.NewClient(&redis.Options{
		Addr: silentServer(t), MaxRetries: -1, Protocol: 2,
		ReadTimeout: -1, WriteTimeout: -1, ContextTimeoutEnabled: true,
	})
	t.Cleanup(func() { c.Close() })
	lim := throttle.NewRedis(c).WithTimeout(50 * time.Millisecond)
	errs := make(chan error, 2)
	go func() {
		_, err := lim.Allow(context.Background(), "k", throttle.PerMinute(5))
		errs <- err
		errs <- lim.Reset(context.Background(), "k")
	}()
	for _, call := range []string{"Allow", "Reset"} {
		select {
		case err := <-errs:
			if !errors.Is(err, os.ErrDeadlineExceeded) && !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("%s against a hung Redis: %v; want the call's deadline exceeded", call, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s against a hung Redis never returned: the call has no deadline of its own", call)
		}
	}
}

// scripted is a shared limiter answering what it is told, counting calls.
type scripted struct {
	res   throttle.Result
	err   error
	calls int
}

func (s *scripted) Allow(context.Context, string, throttle.Limit) (throttle.Result, error) {
	s.calls++
	return s.res, s.err
}

func (s *scripted) Reset(context.Context, string) error { s.calls++; return s.err }

// A key Redis throttled stays throttled while Redis is down, and after its
// wait counts on at the steady rate, not with a fresh burst.
func TestFallbackKeepsRefusalsWhileDown(t *testing.T) {
	ctx := context.Background()
	clk := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	shared := &scripted{res: throttle.Result{RetryAfter: 30 * time.Second}}
	var logs bytes.Buffer
	f := throttle.NewFallback(shared, throttle.NewMemory(throttle.MemoryOptions{Now: clk.Now}), slog.New(slog.NewTextHandler(&logs, nil)))
	f.SetClock(clk.Now)
	limit := throttle.PerMinute(5) // one every 12 s

	if res, err := f.Allow(ctx, "login:account:ada", limit); err != nil || res.Allowed {
		t.Fatalf("shared refusal: %+v, %v", res, err)
	}
	shared.res, shared.err = throttle.Result{}, errors.New("connection refused")
	clk.Advance(time.Second)
	res, err := f.Allow(ctx, "login:account:ada", limit)
	if err != nil || res.Allowed {
		t.Fatalf("with Redis down, a throttled key: %+v, %v; want still refused", res, err)
	}
	if res.RetryAfter != 29*time.Second {
		t.Errorf("RetryAfter = %v, want the 29 s Redis's refusal had left", res.RetryAfter)
	}
	if !strings.Contains(logs.String(), "shared rate limiter unavailable") {
		t.Fatalf("the test did not make Redis look down:\n%s", logs.String())
	}
	for i := range 5 {
		if res, _ := f.Allow(ctx, "login:account:bea", limit); !res.Allowed {
			t.Fatalf("another key, attempt %d: refused; only throttled keys stay throttled", i+1)
		}
	}
	clk.Advance(29 * time.Second)
	if res, _ := f.Allow(ctx, "login:account:ada", limit); !res.Allowed {
		t.Fatalf("after the wait: %+v, want one attempt allowed", res)
	}
	if res, _ := f.Allow(ctx, "login:account:ada", limit); res.Allowed {
		t.Fatal("after the wait a fresh burst was allowed; want one attempt per interval")
	}
	if err := f.Reset(ctx, "login:account:ada"); err != nil {
		t.Fatal(err)
	}
	if res, _ := f.Allow(ctx, "login:account:ada", limit); !res.Allowed {
		t.Fatal("Reset did not forget the held refusal")
	}
}

// A request that went away is not Redis going down.
func TestFallbackDoesNotFallBackForAGoneRequest(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	shared := &scripted{err: context.Canceled}
	var logs bytes.Buffer
	f := throttle.NewFallback(shared, throttle.NewMemory(throttle.MemoryOptions{}), slog.New(slog.NewTextHandler(&logs, nil)))
	if _, err := f.Allow(ctx, "k", throttle.PerMinute(5)); err == nil {
		t.Error("Allow for a gone request answered as if counted")
	}
	if err := f.Reset(ctx, "k"); err != nil {
		t.Errorf("Reset: %v", err)
	}
	if strings.Contains(logs.String(), "shared rate limiter unavailable") {
		t.Errorf("fell back because a request went away:\n%s", logs.String())
	}
	shared.err = nil
	shared.res = throttle.Result{Allowed: true}
	calls := shared.calls
	if res, _ := f.Allow(context.Background(), "k", throttle.PerMinute(5)); !res.Allowed || shared.calls != calls+1 {
		t.Fatalf("the next request was not counted by the shared limiter (%d calls)", shared.calls-calls)
	}
}
