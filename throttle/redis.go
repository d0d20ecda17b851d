package throttle

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
)

// keyPrefix keeps the limiter's keys apart from anything else in Redis;
// WithPrefix changes it.
const keyPrefix = "shopkeeper:throttle:"

// Redis is a GCRA limiter kept in Redis (redis_rate), so every instance
// behind a load balancer counts against the same limits.
type Redis struct {
	limiter *redis_rate.Limiter
	client  redis.UniversalClient
	prefix  string
}

// NewRedis returns a limiter storing its state in client.
func NewRedis(client redis.UniversalClient) *Redis {
	return &Redis{limiter: redis_rate.NewLimiter(client), client: client, prefix: keyPrefix}
}

// WithPrefix returns a copy whose keys live under prefix, so tests sharing
// one Redis do not see each other's counts.
func (r *Redis) WithPrefix(prefix string) *Redis {
	c := *r
	c.prefix = prefix
	return &c
}

// Allow records one event under key if limit allows it now.
func (r *Redis) Allow(ctx context.Context, key string, limit Limit) (Result, error) {
	res, err := r.limiter.Allow(ctx, r.prefix+key, redis_rate.Limit{Rate: limit.Rate, Period: limit.Period, Burst: limit.Burst})
	if err != nil {
		return Result{}, err
	}
	if res.Allowed > 0 {
		return Result{Allowed: true}, nil
	}
	return Result{RetryAfter: max(res.RetryAfter, time.Millisecond)}, nil
}

// Reset forgets key.
func (r *Redis) Reset(ctx context.Context, key string) error {
	return r.limiter.Reset(ctx, r.prefix+key)
}

// Ping reports whether Redis answers, for readiness.
func (r *Redis) Ping(ctx context.Context) error { return r.client.Ping(ctx).Err() }

// limiter is what Fallback combines.
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
type Fallback struct {
	shared, local limiter
	logger        *slog.Logger
	now           func() time.Time
	down          atomic.Bool
	retryAt       atomic.Int64 // Unix nanoseconds; 0 while the shared limiter answers
}

// NewFallback returns a limiter preferring shared, falling back to local.
func NewFallback(shared, local limiter, logger *slog.Logger) *Fallback {
	return &Fallback{shared: shared, local: local, logger: logger, now: time.Now}
}

// Allow asks the shared limiter, or the local one while the shared one fails.
func (f *Fallback) Allow(ctx context.Context, key string, limit Limit) (Result, error) {
	if f.skipShared() {
		return f.local.Allow(ctx, key, limit)
	}
	res, err := f.shared.Allow(ctx, key, limit)
	if err != nil {
		f.fellBack(ctx, err)
		return f.local.Allow(ctx, key, limit)
	}
	f.recovered(ctx)
	return res, nil
}

// Reset resets key in both limiters (only locally while the shared one is
// down: its count there then ends by itself as the limit refills).
func (f *Fallback) Reset(ctx context.Context, key string) error {
	if !f.skipShared() {
		if err := f.shared.Reset(ctx, key); err != nil {
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
