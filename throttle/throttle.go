// Package throttle limits how often something may happen per key (a login
// attempt per account, a signup per IP address) with GCRA, the generic cell
// rate algorithm: a token bucket kept as one timestamp per key. Memory keeps
// the timestamps in this process; Redis keeps them in Redis (a Lua script
// running the same algorithm), so every instance counts against one limit.
package throttle

import "time"

// Limit allows Burst events at once, refilled at Rate events per Period.
type Limit struct {
	Rate   int
	Period time.Duration
	Burst  int
}

// PerMinute is rate events a minute with a burst of as many.
func PerMinute(rate int) Limit { return Limit{Rate: rate, Period: time.Minute, Burst: rate} }

// PerHour is rate events an hour with a burst of as many.
func PerHour(rate int) Limit { return Limit{Rate: rate, Period: time.Hour, Burst: rate} }

// interval is the time one event's token takes to come back.
func (l Limit) interval() time.Duration { return l.Period / time.Duration(l.Rate) }

// Result is the answer to one Allow.
type Result struct {
	Allowed bool
	// RetryAfter is how long until the next event would be allowed; zero
	// when Allowed.
	RetryAfter time.Duration
}

// RetryAfterSeconds is the wait d in the whole seconds a client is told
// (Retry-After, extensions.retryAfter): rounded up, so a client that waits
// that long is allowed, and at least 1.
func RetryAfterSeconds(d time.Duration) int {
	return max(1, int((d+time.Second-1)/time.Second))
}
