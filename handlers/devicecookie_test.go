package handlers_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"shopkeeper/handlers"
	"shopkeeper/visitor"
)

// deviceSetCookie returns the fauna-device Set-Cookie header of r, parsed.
func deviceSetCookie(r *response) *http.Cookie {
	var last *http.Cookie
	for _, c := range r.Cookies() {
		if c.Name == "fauna-device" {
			last = c
		}
	}
	return last
}

// withDevice puts a fauna-device cookie with value in b's jar.
func (b *browser) withDevice(value string) {
	b.jar.SetCookies(mustURL(b.app.url), []*http.Cookie{{Name: "fauna-device", Value: value, Path: "/"}})
}

func TestDeviceCookieAttributes(t *testing.T) {
	base := newApp(t)
	secure := func(v string) appOption { return func(o *handlers.Options) { o.CookieSecure = v } }
	cases := []struct {
		name       string
		app        *app
		wantSecure bool
	}{
		{"auto over plain HTTP", base, false},
		{"auto over TLS", base.sibling(true), true},
		{"true over plain HTTP", base.sibling(false, secure("true")), true},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			email := "owner" + string(rune('a'+i)) + "@example.com"
			tc.app.browser().signup("Owner", email, "correct horse")
			r := tc.app.browser().post("/login", url.Values{"email": {email}, "password": {"correct horse"}}, false)
			wantStatus(t, r, http.StatusSeeOther)
			c := deviceSetCookie(r)
			if c == nil {
				t.Fatal("a successful login set no fauna-device cookie")
			}
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure != tc.wantSecure {
				t.Errorf("HttpOnly %v, SameSite %v, Path %q, Secure %v; want true, Lax, /, %v", c.HttpOnly, c.SameSite, c.Path, c.Secure, tc.wantSecure)
			}
			if year := 365 * 24 * 60 * 60; c.MaxAge != year {
				t.Errorf("Max-Age = %d, want a year (%d)", c.MaxAge, year)
			}
			if c.Expires.Before(time.Now().Add(364 * 24 * time.Hour)) {
				t.Errorf("Expires = %v, want a year from now", c.Expires)
			}
			if strings.Contains(c.Value, "example.com") || strings.Contains(c.Value, "owner") {
				t.Errorf("the cookie shows its account: %q", c.Value)
			}
		})
	}
}

// exhaustAccount spends the account's login budget with wrong guesses from
// browsers without a device cookie, until a no-device login with the right
// password is refused.
func exhaustAccount(t *testing.T, a *app, email, password string) {
	t.Helper()
	wrong := url.Values{"email": {email}, "password": {"wrong guess"}}
	for range 5 {
		wantStatus(t, a.browser().post("/login", wrong, false), http.StatusUnauthorized)
	}
	wantThrottled(t, a.browser().post("/login", url.Values{"email": {email}, "password": {password}}, false), false)
}

func TestDeviceCookieKeepsItsOwnerLoggingIn(t *testing.T) {
	a := newApp(t)
	a.clock.Set(time.Now())
	owner := a.browser()
	owner.signup("Ada", "ada@example.com", "correct horse")
	other := a.browser()
	other.signup("Bea", "bea@example.com", "other horse")
	if owner.cookie("fauna-device") == nil || other.cookie("fauna-device") == nil {
		t.Fatal("signing up (a login) set no device cookie")
	}
	owner.post("/logout", nil, false)
	exhaustAccount(t, a, "ada@example.com", "correct horse")
	right := url.Values{"email": {"ada@example.com"}, "password": {"correct horse"}}

	// Cookies that are no proof for this account draw on the account's
	// budget, which is spent.
	sealed := owner.cookie("fauna-device").Value
	mid, flip := len(sealed)/2, byte('A')
	if sealed[mid] == 'A' {
		flip = 'B'
	}
	tampered := sealed[:mid] + string(flip) + sealed[mid+1:]
	for name, b := range map[string]*browser{
		"another account's cookie": other,
		"a tampered cookie":        func() *browser { b := a.browser(); b.withDevice(tampered); return b }(),
		"a made-up cookie":         func() *browser { b := a.browser(); b.withDevice("ada@example.com"); return b }(),
	} {
		t.Run(name, func(t *testing.T) {
			wantThrottled(t, b.post("/login", right, false), false)
		})
	}

	// The owner's browser logs in, again and again, while the account is
	// throttled.
	for i := range 3 {
		r := owner.post("/login", right, i%2 == 1)
		if i%2 == 1 {
			wantStatus(t, r, http.StatusOK)
		} else {
			wantStatus(t, r, http.StatusSeeOther)
		}
		if !owner.loggedIn() {
			t.Fatalf("login %d with the device cookie: not logged in", i+1)
		}
		owner.post("/logout", nil, false)
	}
	wantThrottled(t, a.browser().post("/login", right, false), false)
}

func TestDeviceBudgetIsLimitedToo(t *testing.T) {
	a := newApp(t)
	a.clock.Set(time.Now())
	owner := a.browser()
	owner.signup("Ada", "ada@example.com", "correct horse")
	owner.post("/logout", nil, false)
	wrong := url.Values{"email": {"ada@example.com"}, "password": {"wrong guess"}}
	for range 5 {
		wantStatus(t, owner.post("/login", wrong, false), http.StatusUnauthorized)
	}
	if secs := wantThrottled(t, owner.post("/login", wrong, false), false); secs != 12 {
		t.Errorf("Retry-After = %d, want 12 (five a minute)", secs)
	}
	// The device's guesses did not touch the account's budget.
	wantStatus(t, a.browser().post("/login", url.Values{"email": {"ada@example.com"}, "password": {"correct horse"}}, false), http.StatusSeeOther)
}

func TestDeviceCookieOutlivesLogoutButNotTheAccount(t *testing.T) {
	a := newApp(t)
	b := a.browser()
	b.signup("Ada", "ada@example.com", "correct horse")
	r := b.post("/logout", nil, false)
	wantStatus(t, r, http.StatusSeeOther)
	if c := deviceSetCookie(r); c != nil {
		t.Errorf("logout touched the device cookie: %+v", c)
	}
	if b.cookie("fauna-device") == nil {
		t.Fatal("the device cookie is gone after logout")
	}
	wantStatus(t, b.post("/login", url.Values{"email": {"ada@example.com"}, "password": {"correct horse"}}, false), http.StatusSeeOther)
	r = b.post("/account/delete", url.Values{"password": {"correct horse"}}, false)
	wantStatus(t, r, http.StatusSeeOther)
	if c := deviceSetCookie(r); c == nil || c.MaxAge >= 0 {
		t.Errorf("account deletion did not expire the device cookie: %+v", c)
	}
	if b.cookie("fauna-device") != nil {
		t.Error("the device cookie outlived the account")
	}
}

// TestDeviceHeaderOnlyFromTrustedProxies: /graphql believes a device a web
// role passes on only from a trusted proxy, and only with a valid seal.
func TestDeviceHeaderOnlyFromTrustedProxies(t *testing.T) {
	var seen []visitor.Device
	graphql := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, _ := visitor.FromContext(r.Context())
		d, _ := v.CheckedDevice()
		seen = append(seen, d)
	})
	// A sealed cookie from a web front with the same keys.
	a := newApp(t)
	owner := a.browser()
	owner.signup("Ada", "ada@example.com", "correct horse")
	seal := owner.cookie("fauna-device").Value

	cases := []struct {
		name    string
		trusted []string
		header  string
		want    string // the device's email, "" for none
	}{
		{"trusted proxy, valid seal", []string{"192.0.2.1"}, seal, "ada@example.com"},
		{"untrusted caller, valid seal", nil, seal, ""},
		{"trusted proxy, forged claim", []string{"192.0.2.1"}, "ada@example.com", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			seen = nil
			h, err := handlers.NewServer(handlers.Options{GraphQL: graphql, SessionKeys: testKeys, TrustedProxies: tc.trusted, Logger: a.web.Logger})
			if err != nil {
				t.Fatal(err)
			}
			req := httptest.NewRequestWithContext(context.Background(), http.MethodPost, "/graphql", strings.NewReader("{}"))
			req.RemoteAddr = "192.0.2.1:1234"
			req.Header.Set(visitor.DeviceHeader, tc.header)
			h.ServeHTTP(httptest.NewRecorder(), req)
			if len(seen) != 1 {
				t.Fatalf("the API was called %d times", len(seen))
			}
			if seen[0].Email != tc.want {
				t.Errorf("device = %+v, want email %q", seen[0], tc.want)
			}
		})
	}
}
