package handlers

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"shopkeeper/throttle"
)

// Limiter counts events per key against a limit: *throttle.Memory in one
// process, a Redis-backed one when instances share the counts.
type Limiter interface {
	// Allow records one event under key if limit allows it now.
	Allow(ctx context.Context, key string, limit throttle.Limit) (throttle.Result, error)
	// Reset forgets key.
	Reset(ctx context.Context, key string) error
}

// Limits are how often logins and signups may be tried. SECURITY.md explains
// the numbers.
type Limits struct {
	// LoginPerIP counts every login attempt from one client address.
	LoginPerIP throttle.Limit
	// LoginPerAccount and LoginPerAccountLong count attempts at one email
	// since its last successful login: the first allows a short burst, the
	// second slows a sustained attack down further (the backoff).
	LoginPerAccount, LoginPerAccountLong throttle.Limit
	// SignupPerIP counts sign-ups from one client address that reach the API.
	SignupPerIP throttle.Limit
	// Off turns throttling off, for local load tests and browser suites only.
	Off bool
}

// DefaultLimits: a person mistyping a password gets five quick tries and
// then one every 12 s, and after 20 tries in an hour one every 3 min; a
// guesser gets at most 20 guesses an hour at an account. An office or
// campus behind one address still has 50 logins a minute.
var DefaultLimits = Limits{
	LoginPerIP:          throttle.PerMinute(50),
	LoginPerAccount:     throttle.PerMinute(5),
	LoginPerAccountLong: throttle.PerHour(20),
	SignupPerIP:         throttle.PerHour(10),
}

// throttler applies Limits to one request.
type throttler struct {
	lim    Limiter
	limits Limits
}

// counter is one key and the limit it is held to.
type counter struct {
	key   string
	limit throttle.Limit
}

// check records one attempt under each counter and reports the
// longest wait asked for, zero when every limit allowed it. It stops at the
// first refusal, so a refused attempt is not counted against the others.
// A limiter that fails (a shared store down) lets the attempt through: the
// limits slow guessing down, the password check is what keeps accounts.
func (t throttler) check(c *gin.Context, counters []counter) time.Duration {
	if t.limits.Off {
		return 0
	}
	for _, ct := range counters {
		res, err := t.lim.Allow(c.Request.Context(), ct.key, ct.limit)
		if err != nil {
			logUnexpected(c, "rate limiter failed; letting the attempt through", err)
			continue
		}
		if !res.Allowed {
			return max(res.RetryAfter, time.Second)
		}
	}
	return 0
}

// loginKeys are the counters one login attempt for email touches.
func (t throttler) loginKeys(c *gin.Context, email string) []counter {
	return []counter{
		{"login:ip:" + clientKey(c), t.limits.LoginPerIP},
		{"login:account:" + email, t.limits.LoginPerAccount},
		{"login:account-long:" + email, t.limits.LoginPerAccountLong},
	}
}

// loginSucceeded forgets the failed attempts at email.
func (t throttler) loginSucceeded(c *gin.Context, email string) {
	if t.limits.Off {
		return
	}
	for _, key := range []string{"login:account:" + email, "login:account-long:" + email} {
		if err := t.lim.Reset(c.Request.Context(), key); err != nil {
			logUnexpected(c, "resetting a login counter failed", err)
		}
	}
}

// signupKeys are the counters one sign-up touches.
func (t throttler) signupKeys(c *gin.Context) []counter {
	return []counter{{"signup:ip:" + clientKey(c), t.limits.SignupPerIP}}
}

// throttled sets Retry-After and returns the message to show inline. It says
// nothing about which limit was reached, so it reads the same whether or not
// the account exists.
func throttled(c *gin.Context, action, email string, wait time.Duration) string {
	secs := int(math.Ceil(wait.Seconds()))
	c.Header("Retry-After", strconv.Itoa(secs))
	audit(c, "throttled", slog.String("action", action), slog.String("email", email), slog.Int("retry_after", secs))
	unit := "seconds"
	if secs == 1 {
		unit = "second"
	}
	return fmt.Sprintf("Too many attempts. Please wait %d %s and try again.", secs, unit)
}

// clientKey is the client address as counted: c.ClientIP, which believes
// X-Forwarded-For only from SHOP_TRUSTED_PROXIES. An IPv6 client counts as
// its /64, the block one subscriber usually holds, so stepping through
// addresses inside it does not buy more attempts.
func clientKey(c *gin.Context) string {
	ip := c.ClientIP()
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	if a = a.Unmap(); a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// normalEmail is an email as the API compares it.
func normalEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
