package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"shopkeeper/rules"
)

// copyOf is a second browser holding b's session cookie, as whoever copied
// the cookie file would.
func copyOf(t *testing.T, b *browser) *browser {
	t.Helper()
	c := b.cookie("fauna-session")
	if c == nil {
		t.Fatal("no session cookie to copy")
	}
	copied := b.app.browser()
	u, _ := url.Parse(b.app.url)
	copied.jar.SetCookies(u, []*http.Cookie{{Name: c.Name, Value: c.Value, Path: "/"}})
	return copied
}

// navShows fails unless r's nav shows user ("" for the logged-out nav).
func navShows(t *testing.T, r *response, user string) {
	t.Helper()
	got := r.text(`[data-testid="nav-user"]`)
	loginLinks := r.doc.Find(`[data-testid="nav-login"]`).Length()
	switch {
	case user == "" && (got != "" || loginLinks != 1):
		t.Errorf("nav shows %q (%d login links), want the logged-out nav", got, loginLinks)
	case user != "" && (got != user || loginLinks != 0):
		t.Errorf("nav shows %q (%d login links), want %q", got, loginLinks, user)
	}
}

// The pages that ask the API nothing else, by what a visitor does.
var navPages = []struct {
	name   string
	status int
	visit  func(b *browser) *response
}{
	{"forgot", http.StatusOK, func(b *browser) *response { return b.get("/forgot", false) }},
	{"forgot, shown again", http.StatusUnprocessableEntity, func(b *browser) *response {
		return b.post("/forgot", url.Values{"email": {"not an email"}}, false)
	}},
	{"reset", http.StatusOK, func(b *browser) *response { return b.get("/reset?token=x", false) }},
	{"reset, shown again", http.StatusUnprocessableEntity, func(b *browser) *response {
		return b.post("/reset", url.Values{"token": {"x"}, "new_password": {"short"}}, false)
	}},
	{"not found", http.StatusNotFound, func(b *browser) *response { return b.get("/no-such-page", false) }},
	{"store form shown again", http.StatusUnprocessableEntity, func(b *browser) *response {
		return b.post("/stores", storeForm(""), false)
	}},
}

// TestNavShowsOnlyALiveSession: the pages that ask the API nothing else
// ask it whether the session lives before they show its owner. A live one
// shows its owner; a logged-out one shows nobody and loses its cookie.
func TestNavShowsOnlyALiveSession(t *testing.T) {
	a := newApp(t)
	ada := a.browser()
	ada.signup("Ada Lovelace", "ada@example.com", "correct horse")
	ada.get("/", false) // takes the welcome flash
	copied := copyOf(t, ada)

	for _, p := range navPages {
		t.Run("live/"+p.name, func(t *testing.T) {
			r := p.visit(ada)
			wantStatus(t, r, p.status)
			navShows(t, r, "Ada Lovelace")
		})
	}

	ada.post("/logout", nil, false)
	for _, p := range navPages {
		t.Run("logged out/"+p.name, func(t *testing.T) {
			b := copyOf(t, copied)
			r := p.visit(b)
			if p.name == "store form shown again" {
				// A protected page: the session ends as for any
				// refused token, and the visitor goes to log in.
				wantStatus(t, r, http.StatusSeeOther)
				if loc := r.Header.Get("Location"); !strings.HasPrefix(loc, "/login?next=") {
					t.Errorf("Location %q, want the login page, coming back to the form", loc)
				}
				navShows(t, b.get("/forgot", false), "")
				return
			}
			wantStatus(t, r, p.status)
			navShows(t, r, "")
			if c := setCookie(r); c == nil || c.MaxAge >= 0 {
				t.Errorf("the logged-out session's cookie was not cleared: %+v", c)
			}
		})
	}
}

// TestNavWithTheAPIDown: while the API cannot say whether the session
// lives, the pages show nobody logged in, and keep the session for when it
// answers again.
func TestNavWithTheAPIDown(t *testing.T) {
	f := &fakeAPI{}
	a := newApp(t, withFakeAPI(f))
	ada := a.browser()
	ada.signup("Ada Lovelace", "ada@example.com", "correct horse")
	ada.get("/", false) // takes the welcome flash

	f.answer("OwnerName", errorsAnswer("unavailable", map[string]any{"code": rules.CodeUnavailable}))
	r := ada.get("/forgot", false)
	wantStatus(t, r, http.StatusOK)
	navShows(t, r, "")
	if c := setCookie(r); c != nil {
		t.Errorf("the session was changed while the API was down: %+v", c)
	}

	f.mu.Lock()
	delete(f.answers, "OwnerName") // the API answers again
	f.mu.Unlock()
	navShows(t, ada.get("/forgot", false), "Ada Lovelace")
}
