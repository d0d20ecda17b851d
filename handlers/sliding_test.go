package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"shopkeeper/api"
)

// newSlidingApp is an app whose logins idle out after 10 minutes and end 25
// minutes after they began, with both clocks stopped at start.
func newSlidingApp(t *testing.T, start time.Time) *app {
	a := newAppWithAPI(t, func(o *api.Options) { o.TokenTTL = 10 * time.Minute; o.SessionMax = 25 * time.Minute })
	a.clock.Set(start)
	a.apiNow.Set(start)
	return a
}

// at moves the web's and the API's clocks to start + d.
func (a *app) at(start time.Time, d time.Duration) {
	a.clock.Set(start.Add(d))
	a.apiNow.Set(start.Add(d))
}

// TestSessionSlides uses the dashboard (one API call per page) at set times
// and follows the cookie: it is re-issued only when the token's expiry
// moved, with a Max-Age reaching the new expiry, never past the cap; the
// login ends at the cap however busy it is.
func TestSessionSlides(t *testing.T) {
	start := time.Date(2030, 5, 6, 7, 0, 0, 0, time.UTC)
	a := newSlidingApp(t, start)
	b := a.browser()
	b.signup("Ada", "ada@example.com", "correct horse")
	wantStatus(t, b.get("/", false), http.StatusOK) // takes the welcome flash

	steps := []struct {
		name   string
		at     time.Duration
		maxAge int // of the re-issued cookie; 0 = not re-issued
	}{
		{"more than half the ttl left: no new cookie", 4 * time.Minute, 0},
		{"less than half left: the cookie follows the token", 6 * time.Minute, 600},
		{"right after a slide: no new cookie", 7 * time.Minute, 0},
		{"slides again", 12 * time.Minute, 600},
		{"the cap stops it", 20 * time.Minute, 300},
		{"at the cap nothing moves", 24 * time.Minute, 0},
	}
	for _, st := range steps {
		a.at(start, st.at)
		for _, htmx := range []bool{false, true} {
			r := b.get("/", htmx)
			wantStatus(t, r, http.StatusOK)
			c := setCookie(r)
			switch {
			case st.maxAge == 0 && c != nil:
				t.Errorf("%s (htmx %v): cookie re-issued, Max-Age %d", st.name, htmx, c.MaxAge)
			case st.maxAge != 0 && !htmx && (c == nil || c.MaxAge != st.maxAge):
				t.Errorf("%s: cookie %v, want one with Max-Age %d", st.name, c, st.maxAge)
			case st.maxAge != 0 && htmx && c != nil:
				t.Errorf("%s: the second page re-issued the cookie again (Max-Age %d)", st.name, c.MaxAge)
			}
			if c != nil && !c.Expires.IsZero() && c.Expires.After(start.Add(25*time.Minute)) {
				t.Errorf("%s: cookie expires %v, past the cap", st.name, c.Expires)
			}
		}
	}

	// Busy to the end, the login ends at the cap: the page sends the
	// visitor to log in again and come back, htmx included.
	a.at(start, 25*time.Minute)
	r := b.get("/stores/new", true)
	wantStatus(t, r, http.StatusOK)
	if got := r.Header.Get("HX-Redirect"); got != "/login?next=%2Fstores%2Fnew" {
		t.Errorf("at the cap: HX-Redirect = %q, want the login page with next", got)
	}
	if b.loggedIn() {
		t.Error("still logged in at the cap")
	}
}

// TestIdleSessionEnds: a login used only while more than half its ttl is
// left never slides, so it ends at its first ttl.
func TestIdleSessionEnds(t *testing.T) {
	start := time.Date(2030, 5, 6, 7, 0, 0, 0, time.UTC)
	a := newSlidingApp(t, start)
	b := a.browser()
	b.signup("Ada", "ada@example.com", "correct horse")
	a.at(start, 4*time.Minute)
	wantStatus(t, b.get("/", false), http.StatusOK)
	copied := a.browserWith(b.cookie("fauna-session"))
	a.at(start, 10*time.Minute)
	r := b.get("/stores/new", false)
	wantStatus(t, r, http.StatusSeeOther)
	if got := r.Header.Get("Location"); got != "/login?next=%2Fstores%2Fnew" {
		t.Errorf("Location = %q", got)
	}
	// The API agrees: a web clock that lags cannot keep the token alive.
	a.clock.Set(start.Add(9 * time.Minute))
	r = copied.get("/", true)
	wantStatus(t, r, http.StatusOK)
	if got := r.Header.Get("HX-Redirect"); !strings.HasPrefix(got, "/login") {
		t.Errorf("with a lagging web clock: HX-Redirect = %q, want the login page", got)
	}
}

// TestLogoutAfterASlideEndsTheSession: the expiry the API reports while
// revoking the token must not bring the cookie back.
func TestLogoutAfterASlideEndsTheSession(t *testing.T) {
	start := time.Date(2030, 5, 6, 7, 0, 0, 0, time.UTC)
	a := newSlidingApp(t, start)
	b := a.browser()
	b.signup("Ada", "ada@example.com", "correct horse")
	a.at(start, 6*time.Minute)
	r := b.post("/logout", url.Values{}, false)
	wantStatus(t, r, http.StatusSeeOther)
	if b.loggedIn() {
		t.Fatal("still logged in after logout")
	}
}
