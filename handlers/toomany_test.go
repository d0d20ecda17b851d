package handlers_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"shopkeeper/api"
	"shopkeeper/handlers"
	"shopkeeper/throttle"
)

// withLimits sets the API's login and sign-up limits.
func withLimits(l api.Limits) func(*api.Options) {
	return func(o *api.Options) { o.Limits = l }
}

// wantThrottled checks a 429 answer: Retry-After in whole seconds, the
// inline alert, and the page or fragment htmx asked for.
func wantThrottled(t *testing.T, r *response, htmx bool) int {
	t.Helper()
	wantStatus(t, r, http.StatusTooManyRequests)
	secs, err := strconv.Atoi(r.Header.Get("Retry-After"))
	if err != nil || secs < 1 {
		t.Fatalf("Retry-After = %q", r.Header.Get("Retry-After"))
	}
	if got := r.text(`[role="alert"]`); !strings.Contains(got, "Too many attempts. Please wait "+strconv.Itoa(secs)) {
		t.Errorf("alert = %q", got)
	}
	if r.isFullPage() == htmx {
		t.Errorf("full page = %v for htmx = %v", r.isFullPage(), htmx)
	}
	return secs
}

func TestLoginIsThrottledPerAccount(t *testing.T) {
	a := newApp(t)
	a.clock.Set(time.Now())
	a.browser().signup("Ada", "ada@example.com", "correct horse")
	wrong := url.Values{"email": {"ada@example.com"}, "password": {"wrong guess"}}
	right := url.Values{"email": {"ada@example.com"}, "password": {"correct horse"}}
	b := a.browser()
	for i := range 5 {
		wantStatus(t, b.post("/login", wrong, i%2 == 0), http.StatusUnauthorized)
	}
	wantThrottled(t, b.post("/login", wrong, false), false)
	// The right password waits too, or guessing could go on; the email is
	// normalised, so changing its case does not help.
	r := a.browser().post("/login", url.Values{"email": {" ADA@Example.com"}, "password": {"correct horse"}}, true)
	if secs := wantThrottled(t, r, true); secs != 12 {
		t.Errorf("Retry-After = %d, want 12 (five a minute)", secs)
	}
	if b.loggedIn() {
		t.Fatal("a throttled login logged in")
	}
	// Other accounts are not affected.
	wantStatus(t, a.browser().post("/login", url.Values{"email": {"bea@example.com"}, "password": {"wrong guess"}}, false), http.StatusUnauthorized)

	// After Retry-After the right password works, and the count starts again.
	a.clock.Set(a.clock.Now().Add(12 * time.Second))
	wantStatus(t, b.post("/login", right, false), http.StatusSeeOther)
	for range 5 {
		wantStatus(t, a.browser().post("/login", wrong, false), http.StatusUnauthorized)
	}
	wantThrottled(t, a.browser().post("/login", wrong, false), false)
}

func TestLoginThrottleBacksOff(t *testing.T) {
	a := newApp(t)
	a.clock.Set(time.Now())
	wrong := url.Values{"email": {"ada@example.com"}, "password": {"wrong guess"}}
	// Keep guessing, waiting each Retry-After out, until a long wait comes.
	failures, wait := 0, 0
	for wait <= 12 {
		if failures > 30 {
			t.Fatal("30 failures and still only short waits")
		}
		r := a.browser().post("/login", wrong, false)
		if r.StatusCode == http.StatusUnauthorized {
			failures++
			continue
		}
		wait = wantThrottled(t, r, false)
		if failures >= 5 && failures < 20 && wait != 12 {
			t.Fatalf("after %d failures Retry-After = %ds, want 12", failures, wait)
		}
		a.clock.Set(a.clock.Now().Add(time.Duration(wait) * time.Second))
	}
	// About twenty failures in three minutes: then one every three minutes.
	if failures < 20 || wait < 120 {
		t.Errorf("long wait of %ds came after %d failures, want ≥ 120s after ≥ 20", wait, failures)
	}
}

func TestThrottledLoginLooksTheSameForUnknownAccounts(t *testing.T) {
	a := newApp(t)
	a.clock.Set(time.Now())
	a.browser().signup("Ada", "known@example.com", "correct horse")
	answers := map[string]*response{}
	for _, email := range []string{"known@example.com", "unknown@example.com"} {
		attempt := url.Values{"email": {email}, "password": {"wrong guess"}}
		for range 5 {
			a.browser().post("/login", attempt, true)
		}
		answers[email] = a.browser().post("/login", attempt, true)
	}
	known, unknown := answers["known@example.com"], answers["unknown@example.com"]
	wantThrottled(t, known, true)
	if unknown.StatusCode != known.StatusCode || unknown.Header.Get("Retry-After") != known.Header.Get("Retry-After") ||
		strings.ReplaceAll(unknown.body, "unknown@", "known@") != known.body {
		t.Errorf("throttled answers differ:\n%d %s %s\n---\n%d %s %s",
			known.StatusCode, known.Header.Get("Retry-After"), known.body,
			unknown.StatusCode, unknown.Header.Get("Retry-After"), unknown.body)
	}
}

func TestLoginIsThrottledPerClientAddress(t *testing.T) {
	limits := api.DefaultLimits
	limits.LoginPerIP = throttle.PerMinute(3)
	a := newAppWithAPI(t, withLimits(limits))
	a.clock.Set(time.Now())
	attempt := func(a *app, i int, xff string) *response {
		return a.browser().sendRaw(http.MethodPost, "/login",
			url.Values{"email": {"user" + strconv.Itoa(i) + "@example.com"}, "password": {"wrong guess"}}.Encode(),
			false, map[string]string{"X-Forwarded-For": xff})
	}
	// X-Forwarded-For from an untrusted peer is ignored: every attempt is
	// counted against the real address, however the header varies.
	for i := range 3 {
		wantStatus(t, attempt(a, i, "203.0.113."+strconv.Itoa(i)), http.StatusUnauthorized)
	}
	wantThrottled(t, attempt(a, 3, "203.0.113.99"), false)

	// Behind a trusted proxy, each client behind it has its own count.
	proxied := a.sibling(false, func(o *handlers.Options) { o.TrustedProxies = []string{"127.0.0.1", "::1"} })
	for i := range 3 {
		wantStatus(t, attempt(proxied, i, "203.0.113.1"), http.StatusUnauthorized)
	}
	wantThrottled(t, attempt(proxied, 3, "203.0.113.1"), false)
	wantStatus(t, attempt(proxied, 4, "203.0.113.2"), http.StatusUnauthorized)
	// IPv6 clients count per /64.
	for i := range 3 {
		wantStatus(t, attempt(proxied, 10+i, "2001:db8:1:1::"+strconv.Itoa(i+1)), http.StatusUnauthorized)
	}
	wantThrottled(t, attempt(proxied, 20, "2001:db8:1:1:ffff::9"), false)
}

func TestSignupIsThrottledPerClientAddress(t *testing.T) {
	limits := api.DefaultLimits
	limits.SignupPerIP = throttle.PerHour(2)
	a := newAppWithAPI(t, withLimits(limits))
	a.clock.Set(time.Now())
	form := func(i int) url.Values {
		return url.Values{"name": {"Owner"}, "email": {"owner" + strconv.Itoa(i) + "@example.com"}, "password": {"long enough"}}
	}
	// Invalid forms never reach the API and are not counted.
	for range 3 {
		wantStatus(t, a.browser().post("/signup", url.Values{"email": {"x"}}, true), http.StatusUnprocessableEntity)
	}
	for i := range 2 {
		wantStatus(t, a.browser().post("/signup", form(i), false), http.StatusSeeOther)
	}
	for _, htmx := range []bool{false, true} {
		r := a.browser().post("/signup", form(9), htmx)
		if secs := wantThrottled(t, r, htmx); secs != 1800 {
			t.Errorf("Retry-After = %d, want 1800 (two an hour)", secs)
		}
		if v, _ := r.doc.Find(`input[name="email"]`).Attr("value"); v != "owner9@example.com" {
			t.Errorf("email kept as %q", v)
		}
	}
	wantStatus(t, a.browser().post("/login", url.Values{"email": {"owner9@example.com"}, "password": {"long enough"}}, false), http.StatusUnauthorized)
}

func TestThrottlingCanBeTurnedOff(t *testing.T) {
	limits := api.DefaultLimits
	limits.Off = true
	a := newAppWithAPI(t, withLimits(limits))
	for range 8 {
		wantStatus(t, a.browser().post("/login", url.Values{"email": {"ada@example.com"}, "password": {"wrong guess"}}, false), http.StatusUnauthorized)
	}
}

// graphqlLogin tries a login through /graphql on the web front's own port,
// as the workshop front ends do, and returns the error code ("" if none)
// and retryAfter.
func (b *browser) graphqlLogin(email, password string, header map[string]string) (code string, retryAfter float64) {
	b.app.t.Helper()
	ans := b.graphqlWith(header, "", loginQuery, map[string]any{"e": email, "p": password})
	if len(ans.Errors) == 0 {
		return "", 0
	}
	code, _ = ans.Errors[0].Extensions["code"].(string)
	retryAfter, _ = ans.Errors[0].Extensions["retryAfter"].(float64)
	return code, retryAfter
}

// TestOneLoginBudgetWhateverTheDoor: guesses through /graphql count against
// the web form's limit for the same account, and the other way round.
func TestOneLoginBudgetWhateverTheDoor(t *testing.T) {
	a := newApp(t)
	a.clock.Set(time.Now())
	a.browser().signup("Ada", "ada@example.com", "correct horse")
	a.browser().signup("Bea", "bea@example.com", "correct horse")

	for range 5 {
		if code, _ := a.browser().graphqlLogin("ada@example.com", "wrong guess", nil); code != "authentication failed" {
			t.Fatalf("guess through /graphql: %q", code)
		}
	}
	wantThrottled(t, a.browser().post("/login", url.Values{"email": {"ada@example.com"}, "password": {"correct horse"}}, false), false)

	for range 5 {
		wantStatus(t, a.browser().post("/login", url.Values{"email": {"bea@example.com"}, "password": {"wrong guess"}}, true), http.StatusUnauthorized)
	}
	code, secs := a.browser().graphqlLogin("bea@example.com", "correct horse", nil)
	if code != "TOO_MANY_REQUESTS" || secs != 12 {
		t.Fatalf("/graphql after five form guesses: %q, retryAfter %v; want TOO_MANY_REQUESTS, 12", code, secs)
	}
}

// TestGraphQLCountsTheClientAddressLikeTheWeb: a /graphql caller's address
// is the connection's, X-Forwarded-For counting only from trusted proxies.
func TestGraphQLCountsTheClientAddressLikeTheWeb(t *testing.T) {
	limits := api.DefaultLimits
	limits.LoginPerIP = throttle.PerMinute(3)
	a := newAppWithAPI(t, withLimits(limits))
	a.clock.Set(time.Now())
	guess := func(a *app, i int, xff string) string {
		code, _ := a.browser().graphqlLogin("user"+strconv.Itoa(i)+"@example.com", "wrong guess", map[string]string{"X-Forwarded-For": xff})
		return code
	}
	for i := range 3 {
		if code := guess(a, i, "203.0.113."+strconv.Itoa(i)); code != "authentication failed" {
			t.Fatalf("guess %d: %q", i, code)
		}
	}
	if code := guess(a, 3, "203.0.113.99"); code != "TOO_MANY_REQUESTS" {
		t.Fatalf("a fourth guess from one address with a made-up X-Forwarded-For: %q", code)
	}
	proxied := a.sibling(false, func(o *handlers.Options) { o.TrustedProxies = []string{"127.0.0.1", "::1"} })
	for i := range 3 {
		if code := guess(proxied, 10+i, "198.51.100.1"); code != "authentication failed" {
			t.Fatalf("proxied guess %d: %q", i, code)
		}
	}
	if code := guess(proxied, 20, "198.51.100.1"); code != "TOO_MANY_REQUESTS" {
		t.Fatalf("a fourth guess from one client behind the proxy: %q", code)
	}
	if code := guess(proxied, 21, "198.51.100.2"); code != "authentication failed" {
		t.Fatalf("another client behind the proxy: %q", code)
	}
}
