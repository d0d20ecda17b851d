package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

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

// TestTheNavNamesTheOwnerOnEveryPage: the owner's name is kept with the
// session at login, so the pages that do not ask the API for it (the 404
// page, a form shown again) name the owner too, not their email.
func TestTheNavNamesTheOwnerOnEveryPage(t *testing.T) {
	a := newApp(t)
	signedUp := a.browser()
	signedUp.signup("Ada Lovelace", "ada@example.com", "correct horse")
	id := signedUp.createStore("Corner Shop")
	loggedIn := a.browser()
	wantStatus(t, loggedIn.post("/login", url.Values{"email": {"ada@example.com"}, "password": {"correct horse"}}, false), http.StatusSeeOther)

	pages := []struct {
		name string
		do   func(b *browser) *response
		want int
	}{
		{"dashboard", func(b *browser) *response { return b.get("/", false) }, http.StatusOK},
		{"new store", func(b *browser) *response { return b.get("/stores/new", false) }, http.StatusOK},
		{"store", func(b *browser) *response { return b.get("/stores/"+id, false) }, http.StatusOK},
		{"edit store", func(b *browser) *response { return b.get("/stores/"+id+"/edit", false) }, http.StatusOK},
		{"invalid store form", func(b *browser) *response { return b.post("/stores", url.Values{"name": {""}}, false) }, http.StatusUnprocessableEntity},
		{"not found", func(b *browser) *response { return b.get("/no/such/page", false) }, http.StatusNotFound},
		{"another owner's store", func(b *browser) *response { return b.get("/stores/999999", false) }, http.StatusNotFound},
	}
	for who, b := range map[string]*browser{"after sign-up": signedUp, "after login": loggedIn} {
		for _, p := range pages {
			t.Run(who+", "+p.name, func(t *testing.T) {
				r := p.do(b)
				wantStatus(t, r, p.want)
				if got := r.text(`[data-testid="nav-user"]`); got != "Ada Lovelace" {
					t.Errorf("nav user = %q, want the owner's name", got)
				}
			})
		}
	}
}

// TestOneSessionCookiePerAnswer: however many things an answer changes in
// the session (a login and its welcome, an ended session, its notice and a
// kept form), it sends the cookie once.
func TestOneSessionCookiePerAnswer(t *testing.T) {
	a := newApp(t)
	ada := a.browser()
	ada.signup("Ada", "ada@example.com", "correct horse")
	id := ada.createStore("Corner Shop")
	login := url.Values{"email": {"ada@example.com"}, "password": {"correct horse"}}
	expire := func() {
		a.clock.Set(time.Now().Add(31 * time.Minute))
		t.Cleanup(func() { a.clock.Set(time.Time{}) })
	}
	cases := []struct {
		name string
		do   func() *response
	}{
		{"sign-up", func() *response {
			return a.browser().post("/signup", url.Values{"name": {"Bea"}, "email": {"bea@example.com"}, "password": {"correct horse"}}, false)
		}},
		{"sign-up, htmx", func() *response {
			return a.browser().post("/signup", url.Values{"name": {"Cy"}, "email": {"cy@example.com"}, "password": {"correct horse"}}, true)
		}},
		{"login", func() *response { return a.browser().post("/login", login, false) }},
		{"login, htmx", func() *response { return a.browser().post("/login", login, true) }},
		{"login while logged in", func() *response { return ada.post("/login", login, false) }},
		{"logout", func() *response {
			b := a.browser()
			b.post("/login", login, false)
			return b.post("/logout", nil, false)
		}},
		{"ended session, page", func() *response {
			b := a.browser()
			b.post("/login", login, false)
			expire()
			return b.get("/stores/new", false)
		}},
		{"ended session, form kept", func() *response {
			b := a.browser()
			b.post("/login", login, false)
			expire()
			return b.send(http.MethodPut, "/stores/"+id, storeForm("Typed while away"), true)
		}},
		{"revoked token, form kept", func() *response {
			b := a.browser()
			b.post("/login", login, false)
			a.browserWith(b.cookie("fauna-session")).post("/logout", nil, false)
			return b.post("/stores/"+id, storeForm("Typed meanwhile"), false)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.do()
			if r.StatusCode != http.StatusSeeOther && r.StatusCode != http.StatusOK {
				t.Fatalf("status %d; body:\n%.400s", r.StatusCode, r.body)
			}
			n := 0
			for _, c := range r.Cookies() {
				if c.Name == "fauna-session" {
					n++
				}
			}
			if n != 1 {
				t.Errorf("%d fauna-session cookies set, want 1", n)
			}
		})
	}
}

// TestADraftTooLargeForTheCookieIsDropped: a form too large to keep in the
// cookie is not kept, and the rest of the session (the notice that it
// ended) still is.
func TestADraftTooLargeForTheCookieIsDropped(t *testing.T) {
	a := newApp(t)
	ada := a.browser()
	ada.signup("Ada", "ada@example.com", "correct horse")
	id := ada.createStore("Corner Shop")
	a.clock.Set(time.Now().Add(31 * time.Minute))
	r := ada.post("/stores/"+id, storeForm(strings.Repeat("é", 3000)), false)
	wantStatus(t, r, http.StatusSeeOther)
	if c := setCookie(r); c == nil || c.MaxAge <= 0 {
		t.Fatalf("the ended session's notice was not kept: %+v", c)
	}
	if !strings.Contains(a.logs.String(), "too large to keep") {
		t.Error("no warning that the form was not kept")
	}
	wantNoErrorLogged(t, a)
	a.clock.Set(time.Time{})
	if got := ada.get("/login", false).text(`[data-testid="flash"]`); !strings.Contains(got, "session has ended") {
		t.Errorf("login page flash = %q, want the session-ended notice", got)
	}
}
