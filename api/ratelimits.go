package api

import (
	"context"
	"log/slog"
	"strconv"

	"shopkeeper/storage"
	"shopkeeper/throttle"
	"shopkeeper/visitor"
)

// Limiter counts events per key against a limit: *throttle.Memory in one
// process, *throttle.Fallback over Redis when instances share the counts.
type Limiter interface {
	// Allow records one event under key if limit allows it now.
	Allow(ctx context.Context, key string, limit throttle.Limit) (throttle.Result, error)
	// Reset forgets key.
	Reset(ctx context.Context, key string) error
}

// Limits are how often logins and sign-ups may be tried, whichever door
// they come through: the web's forms call login and registerOwner too.
// SECURITY.md explains the numbers.
type Limits struct {
	// LoginPerIP counts every login attempt from one client address.
	LoginPerIP throttle.Limit
	// LoginPerAccount and LoginPerAccountLong count attempts at one email
	// since its last successful login: the first allows a short burst, the
	// second slows a sustained attack down further (the backoff).
	LoginPerAccount, LoginPerAccountLong throttle.Limit
	// LoginPerDevice and LoginPerDeviceLong count the attempts of a browser
	// whose device cookie names the account it logs in to, instead of the
	// account's and the address's counts, so guesses from elsewhere never
	// lock its owner out. Zero means the default.
	LoginPerDevice, LoginPerDeviceLong throttle.Limit
	// SignupPerIP counts sign-ups from one client address that pass input
	// validation: each costs a password hash, and "already exists" answers
	// would otherwise let a client test emails in bulk.
	SignupPerIP throttle.Limit
	// ResetPerEmail and ResetPerIP count password reset requests per email
	// and per client address; a refused request still answers true and
	// sends no mail. Zero means the default.
	ResetPerEmail, ResetPerIP throttle.Limit
	// StoreWritesPerOwner counts an owner's store writes (create, update,
	// partial update, delete) from every session. Zero means the default.
	StoreWritesPerOwner throttle.Limit
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
	LoginPerDevice:      throttle.PerMinute(5),
	LoginPerDeviceLong:  throttle.PerHour(20),
	SignupPerIP:         throttle.PerHour(10),
	ResetPerEmail:       throttle.PerHour(5),
	ResetPerIP:          throttle.PerHour(5),
	StoreWritesPerOwner: throttle.PerMinute(60),
}

// fillDefaults sets the limits that zero means the default for (the ones
// added after the first: a caller naming only those keeps working).
func (l *Limits) fillDefaults() {
	for _, f := range []struct{ limit, def *throttle.Limit }{
		{&l.LoginPerDevice, &DefaultLimits.LoginPerDevice},
		{&l.LoginPerDeviceLong, &DefaultLimits.LoginPerDeviceLong},
		{&l.ResetPerEmail, &DefaultLimits.ResetPerEmail},
		{&l.ResetPerIP, &DefaultLimits.ResetPerIP},
		{&l.StoreWritesPerOwner, &DefaultLimits.StoreWritesPerOwner},
	} {
		if *f.limit == (throttle.Limit{}) {
			*f.limit = *f.def
		}
	}
}

// counter is one key and the limit it is held to.
type counter struct {
	key   string
	limit throttle.Limit
}

// throttle records one attempt at action under each counter and fails with
// errThrottled when one refuses. It stops at the first refusal, so a refused
// attempt is not counted against the others. A limiter that fails (a shared
// store down) lets the attempt through: the limits slow guessing down, the
// password check is what keeps accounts.
func (s *Server) throttle(ctx context.Context, action, email string, counters ...counter) error {
	if s.limits.Off {
		return nil
	}
	for _, ct := range counters {
		res, err := s.limiter.Allow(ctx, ct.key, ct.limit)
		if err != nil && ctx.Err() != nil {
			return ctx.Err() // the client went away: nothing to let through
		}
		if err != nil {
			s.logError(ctx, "rate limiter failed; letting the attempt through", err)
			continue
		}
		if !res.Allowed {
			secs := throttle.RetryAfterSeconds(res.RetryAfter)
			s.audit(ctx, EventThrottled, slog.String("action", action), slog.String("email", email), slog.Int("retry_after", secs))
			return &throttledError{retryAfter: secs}
		}
	}
	return nil
}

// loginCounters are the counters one login attempt at email touches. A
// browser whose device cookie names email (visitor.Device, checked by the
// web) draws on that device's own budget only: the account's counts, which
// anyone knowing the email can exhaust, and the address's, which anyone
// behind the same address can, do not apply to it.
func (s *Server) loginCounters(ctx context.Context, email string) []counter {
	if id, ok := deviceFor(ctx, email); ok {
		return []counter{
			{"login:device:" + id, s.limits.LoginPerDevice},
			{"login:device-long:" + id, s.limits.LoginPerDeviceLong},
		}
	}
	return []counter{
		{"login:ip:" + clientKey(ctx), s.limits.LoginPerIP},
		{"login:account:" + email, s.limits.LoginPerAccount},
		{"login:account-long:" + email, s.limits.LoginPerAccountLong},
	}
}

// loginSucceeded forgets the failed attempts that counted against this
// login: the device's when it came with one, else the account's. A login
// with a device leaves the account's counts as they were: an attacker
// spending them should not get them back whenever the owner logs in.
func (s *Server) loginSucceeded(ctx context.Context, email string) {
	if s.limits.Off {
		return
	}
	keys := []string{"login:account:" + email, "login:account-long:" + email}
	if id, ok := deviceFor(ctx, email); ok {
		keys = []string{"login:device:" + id, "login:device-long:" + id}
	}
	for _, key := range keys {
		if err := s.limiter.Reset(ctx, key); err != nil {
			s.logError(ctx, "resetting a login counter failed", err)
		}
	}
}

// deviceFor returns the id of the visitor's device when its cookie names
// the account email (normalised).
func deviceFor(ctx context.Context, email string) (string, bool) {
	v, _ := visitor.FromContext(ctx)
	d, ok := v.CheckedDevice()
	if !ok || storage.NormalizeEmail(d.Email) != email {
		return "", false
	}
	return d.ID, true
}

func (s *Server) signupCounters(ctx context.Context) []counter {
	return []counter{{"signup:ip:" + clientKey(ctx), s.limits.SignupPerIP}}
}

// clientKey is the caller's address as the limits count it.
func clientKey(ctx context.Context) string {
	v, _ := visitor.FromContext(ctx)
	return visitor.Key(v.Addr)
}

// throttledError is a refused attempt; the client may try again after
// retryAfter seconds. Its message says nothing about which limit was
// reached, so it reads the same whether or not the account exists.
type throttledError struct{ retryAfter int }

func (e *throttledError) Error() string {
	return "Too many attempts, try again in " + strconv.Itoa(e.retryAfter) + " s"
}
