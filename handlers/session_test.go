package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"shopkeeper/handlers"
)

// copyCookie gives a new browser the session cookie another one held.
func (a *app) browserWith(c *http.Cookie) *browser {
	b := a.browser()
	b.jar.SetCookies(mustURL(a.url), []*http.Cookie{{Name: c.Name, Value: c.Value, Path: "/"}})
	return b
}

func TestLoginWhileLoggedInRevokesTheOldSession(t *testing.T) {
	for _, htmx := range []bool{false, true} {
		t.Run(map[bool]string{false: "plain", true: "htmx"}[htmx], func(t *testing.T) {
			a := newApp(t)
			b := a.browser()
			b.signup("Ada", "ada@example.com", "correct horse")
			old := b.cookie("fauna-session")
			if !a.browserWith(old).loggedIn() {
				t.Fatal("a copy of a live cookie should work")
			}
			r := b.post("/login", url.Values{"email": {"ada@example.com"}, "password": {"correct horse"}}, htmx)
			if c := setCookie(r); c == nil || c.Value == old.Value || c.MaxAge <= 0 {
				t.Fatalf("login did not issue a fresh cookie: %+v", c)
			}
			if !b.loggedIn() {
				t.Fatal("the new login does not work")
			}
			thief := a.browserWith(old)
			home := thief.get("/", false)
			wantStatus(t, home, http.StatusSeeOther)
			if !strings.HasPrefix(home.Header.Get("Location"), "/login") {
				t.Errorf("old cookie after a new login: Location = %q, want the login page", home.Header.Get("Location"))
			}
		})
	}
}

func TestAuthenticatedAnswersAreNotStored(t *testing.T) {
	a := newApp(t)
	b := a.browser()
	b.signup("Ada", "ada@example.com", "correct horse")
	id := b.createStore("Corner Shop")
	for _, path := range []string{"/", "/stores/" + id, "/stores/" + id + "/edit", "/stores/new"} {
		for _, htmx := range []bool{false, true} {
			r := b.get(path, htmx)
			wantStatus(t, r, http.StatusOK)
			if got := r.Header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("%s htmx=%v: Cache-Control = %q", path, htmx, got)
			}
		}
	}
	r := b.post("/stores", url.Values{"name": {""}}, true)
	wantStatus(t, r, http.StatusUnprocessableEntity)
	if got := r.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("form fragment: Cache-Control = %q", got)
	}
}

func TestCookieSecure(t *testing.T) {
	base := newApp(t)
	trustLocal := func(o *handlers.Options) { o.TrustedProxies = []string{"127.0.0.1", "::1"} }
	secure := func(v string) appOption { return func(o *handlers.Options) { o.CookieSecure = v } }
	https := map[string]string{"X-Forwarded-Proto": "https"}
	cases := []struct {
		name   string
		app    *app
		header map[string]string
		want   bool
	}{
		{"auto over plain HTTP", base, nil, false},
		{"auto over TLS", base.sibling(true), nil, true},
		{"auto, trusted proxy says https", base.sibling(false, trustLocal), https, true},
		{"auto, untrusted client says https", base, https, false},
		{"true over plain HTTP", base.sibling(false, secure("true")), nil, true},
		{"false over TLS", base.sibling(true, secure("false")), nil, false},
		{"false, trusted proxy says https", base.sibling(false, trustLocal, secure("false")), https, false},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			email := "owner" + string(rune('a'+i)) + "@example.com"
			r := tc.app.browser().sendRaw(http.MethodPost, "/signup",
				url.Values{"name": {"Owner"}, "email": {email}, "password": {"long enough"}}.Encode(), false, tc.header)
			wantStatus(t, r, http.StatusSeeOther)
			c := setCookie(r)
			if c == nil {
				t.Fatal("no session cookie")
			}
			if c.Secure != tc.want {
				t.Errorf("Secure = %v, want %v", c.Secure, tc.want)
			}
		})
	}
}
