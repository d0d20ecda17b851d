package handlers_test

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"shopkeeper/gql"
	"shopkeeper/handlers"
)

const (
	firefoxLinux  = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
	chromeWindows = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
	safariIOS     = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
)

// loginWith logs this browser in as email, sending userAgent.
func (b *browser) loginWith(email, password, userAgent string) {
	b.app.t.Helper()
	body := url.Values{"email": {email}, "password": {password}}.Encode()
	r := b.sendRaw(http.MethodPost, "/login", body, false, map[string]string{"User-Agent": userAgent})
	wantStatus(b.app.t, r, http.StatusSeeOther)
}

// sessionIDs reads the account page: this browser's session id and the others'.
func (b *browser) sessionIDs() (current string, others []string) {
	b.app.t.Helper()
	r := b.get("/account", false)
	wantStatus(b.app.t, r, http.StatusOK)
	r.doc.Find(`[data-testid="session-row"]`).Each(func(_ int, s *goquery.Selection) {
		id := strings.TrimPrefix(s.AttrOr("id", ""), "session-")
		if s.Find(`[data-testid="session-current"]`).Length() > 0 {
			current = id
		} else {
			others = append(others, id)
		}
	})
	return current, others
}

// wantLoggedOut checks the browser's session is over: the account page
// sends it to log in.
func wantLoggedOut(t *testing.T, b *browser) {
	t.Helper()
	r := b.get("/account", false)
	wantStatus(t, r, http.StatusSeeOther)
	if loc := r.Header.Get("Location"); loc != "/login?next=%2Faccount" {
		t.Errorf("Location = %q, want the login page coming back to /account", loc)
	}
}

func wantLoggedIn(t *testing.T, b *browser) {
	t.Helper()
	wantStatus(t, b.get("/account", false), http.StatusOK)
}

// adaWithTwoSessions signs Ada up in one browser (Firefox on Linux) and
// logs her in in a second (Chrome on Windows).
func adaWithTwoSessions(t *testing.T, a *app) (mine, other *browser) {
	t.Helper()
	mine, other = a.browser(), a.browser()
	mine.signup("Ada Lovelace", "ada@example.com", "correct horse")
	mine.loginWith("ada@example.com", "correct horse", firefoxLinux)
	other.loginWith("ada@example.com", "correct horse", chromeWindows)
	return mine, other
}

func TestAccountPage(t *testing.T) {
	a := newApp(t)
	mine, _ := adaWithTwoSessions(t, a)

	r := mine.get("/account", false)
	wantStatus(t, r, http.StatusOK)
	if got := r.text(`[data-testid="profile-name"]`); got != "Ada Lovelace" {
		t.Errorf("profile name = %q", got)
	}
	if got := r.text(`[data-testid="profile-email"]`); got != "ada@example.com" {
		t.Errorf("profile email = %q", got)
	}
	if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control = %q", cc)
	}
	rows := r.doc.Find(`[data-testid="session-row"]`)
	if rows.Length() != 2 { // the signup's session was replaced by the login
		t.Fatalf("%d session rows, want 2:\n%s", rows.Length(), r.text(`[data-testid="session-list"]`))
	}
	devices := map[string]bool{}
	rows.Each(func(_ int, s *goquery.Selection) {
		device := strings.TrimSpace(s.Find(`[data-testid="session-device"]`).Text())
		current := s.Find(`[data-testid="session-current"]`).Length() == 1
		revoke := s.Find(`form[data-testid="session-revoke"]`).Length() == 1
		devices[device] = current
		if current == revoke {
			t.Errorf("%s: This device %v, revoke form %v; want exactly one", device, current, revoke)
		}
		if s.Find("time").Length() != 3 {
			t.Errorf("%s: %d times, want started, last used, ends", device, s.Find("time").Length())
		}
	})
	if cur, ok := devices["Firefox on Linux"]; !ok || !cur {
		t.Errorf("rows = %v; want Firefox on Linux as This device", devices)
	}
	if cur, ok := devices["Chrome on Windows"]; !ok || cur {
		t.Errorf("rows = %v; want Chrome on Windows as another session", devices)
	}
	if r.doc.Find(`[data-testid="nav-user"][href="/account"]`).Length() != 1 {
		t.Error("the nav does not link to the account page")
	}

	t.Run("logged out", func(t *testing.T) {
		b := a.browser()
		wantLoggedOut(t, b)
		h := b.get("/account", true)
		wantStatus(t, h, http.StatusOK)
		if got := h.Header.Get("HX-Redirect"); got != "/login?next=%2Faccount" {
			t.Errorf("HX-Redirect = %q", got)
		}
		p := b.post("/account/password", url.Values{"current_password": {"x"}, "new_password": {"y"}}, false)
		wantStatus(t, p, http.StatusSeeOther)
		if got := p.Header.Get("Location"); got != "/login?next=%2Faccount" {
			t.Errorf("posting logged out: Location = %q", got)
		}
	})
}

func TestEndSession(t *testing.T) {
	for _, htmx := range []bool{false, true} {
		name := map[bool]string{false: "plain", true: "htmx"}[htmx]
		t.Run(name, func(t *testing.T) {
			a := newApp(t)
			mine, other := adaWithTwoSessions(t, a)
			_, others := mine.sessionIDs()
			if len(others) != 1 {
				t.Fatalf("other sessions = %v", others)
			}
			var r *response
			if htmx {
				r = mine.send(http.MethodDelete, "/account/sessions/"+others[0], nil, true)
				wantStatus(t, r, http.StatusOK)
				if r.isFullPage() {
					t.Error("the in-place answer is a full page")
				}
				flash := r.doc.Find(`#flash[role="status"]`)
				if v, _ := flash.Attr("hx-swap-oob"); v != "innerHTML" || strings.TrimSpace(flash.Text()) != "Session ended." {
					t.Errorf("flash: hx-swap-oob %q, text %q", v, flash.Text())
				}
				// No other row is left: the focus goes to the list's heading.
				if r.doc.Find(`h2#sessions-heading[hx-swap-oob="true"][autofocus]`).Length() != 1 {
					t.Errorf("the heading does not take the focus:\n%s", r.body)
				}
				if !strings.Contains(r.Header.Get("Vary"), "HX-Request") {
					t.Errorf("Vary = %q", r.Header.Get("Vary"))
				}
			} else {
				r = mine.post("/account/sessions/"+others[0]+"/revoke", nil, false)
				wantStatus(t, r, http.StatusSeeOther)
				if loc := r.Header.Get("Location"); loc != "/account" {
					t.Errorf("Location = %q", loc)
				}
				page := mine.get("/account", false)
				if got := page.text(`[data-testid="flash"]`); got != "Session ended." {
					t.Errorf("flash = %q", got)
				}
			}
			wantLoggedOut(t, other)
			wantLoggedIn(t, mine)
			if _, left := mine.sessionIDs(); len(left) != 0 {
				t.Errorf("sessions left besides this one: %v", left)
			}
		})
	}
}

// TestEndSessionFocusesNextRow: with more rows, the focus goes to the row
// after the ended one, or the one before when it was the bottom row.
func TestEndSessionFocusesNextRow(t *testing.T) {
	a := newApp(t)
	mine, _ := adaWithTwoSessions(t, a)
	a.browser().loginWith("ada@example.com", "correct horse", safariIOS)
	_, others := mine.sessionIDs()
	if len(others) != 2 {
		t.Fatalf("other sessions = %v", others)
	}
	r := mine.send(http.MethodDelete, "/account/sessions/"+others[1], nil, true)
	wantStatus(t, r, http.StatusOK)
	row := r.doc.Find(`li[data-testid="session-row"][hx-swap-oob="true"]`)
	if id, _ := row.Attr("id"); id != "session-"+others[0] {
		t.Errorf("the focused row is %q, want session-%s", id, others[0])
	}
	if row.Find("button[autofocus]").Length() != 1 {
		t.Error("the row's button does not take the focus")
	}
}

// TestEndSessionOfAnotherOwner: another owner's session, or no session at
// all, is not found, and nothing is ended.
func TestEndSessionOfAnotherOwner(t *testing.T) {
	a := newApp(t)
	ada, _ := adaWithTwoSessions(t, a)
	bea := a.browser()
	bea.signup("Bea", "bea@example.com", "correct horse")
	beaID, _ := bea.sessionIDs()
	adaID, adaOthers := ada.sessionIDs()
	for _, id := range []string{beaID, "no-such-session", "%2e%2e"} {
		for _, htmx := range []bool{false, true} {
			var r *response
			if htmx {
				r = ada.send(http.MethodDelete, "/account/sessions/"+id, nil, true)
			} else {
				r = ada.post("/account/sessions/"+id+"/revoke", nil, false)
			}
			wantStatus(t, r, http.StatusNotFound)
			if r.isFullPage() == htmx {
				t.Errorf("%s: full page %v for htmx %v", id, r.isFullPage(), htmx)
			}
		}
	}
	wantLoggedIn(t, bea)
	if cur, others := ada.sessionIDs(); cur != adaID || len(others) != len(adaOthers) {
		t.Errorf("Ada's sessions changed: %s %v, was %s %v", cur, others, adaID, adaOthers)
	}
}

// TestEndThisSession: ending this browser's own session is a logout.
func TestEndThisSession(t *testing.T) {
	a := newApp(t)
	mine, other := adaWithTwoSessions(t, a)
	cur, _ := mine.sessionIDs()
	r := mine.post("/account/sessions/"+cur+"/revoke", nil, false)
	wantStatus(t, r, http.StatusSeeOther)
	if loc := r.Header.Get("Location"); loc != "/" {
		t.Errorf("Location = %q", loc)
	}
	wantLoggedOut(t, mine)
	wantLoggedIn(t, other)
}

func TestLogoutOthers(t *testing.T) {
	for _, htmx := range []bool{false, true} {
		t.Run(map[bool]string{false: "plain", true: "htmx"}[htmx], func(t *testing.T) {
			a := newApp(t)
			mine, second := adaWithTwoSessions(t, a)
			third := a.browser()
			third.loginWith("ada@example.com", "correct horse", safariIOS)
			r := mine.post("/account/logout-others", nil, htmx)
			if htmx {
				wantStatus(t, r, http.StatusOK)
				if got := r.Header.Get("HX-Redirect"); got != "/account" {
					t.Errorf("HX-Redirect = %q", got)
				}
			} else {
				wantStatus(t, r, http.StatusSeeOther)
				if got := r.Header.Get("Location"); got != "/account" {
					t.Errorf("Location = %q", got)
				}
			}
			if got := mine.get("/account", false).text(`[data-testid="flash"]`); got != "Your other sessions have ended." {
				t.Errorf("flash = %q", got)
			}
			wantLoggedOut(t, second)
			wantLoggedOut(t, third)
			if cur, others := mine.sessionIDs(); cur == "" || len(others) != 0 {
				t.Errorf("this session %q, others %v; want this one alone", cur, others)
			}
		})
	}
}

func TestLogoutEverywhere(t *testing.T) {
	for _, htmx := range []bool{false, true} {
		t.Run(map[bool]string{false: "plain", true: "htmx"}[htmx], func(t *testing.T) {
			a := newApp(t)
			mine, other := adaWithTwoSessions(t, a)
			r := mine.post("/logout", url.Values{"everywhere": {"1"}}, htmx)
			if htmx {
				wantStatus(t, r, http.StatusOK)
				if got := r.Header.Get("HX-Redirect"); got != "/" {
					t.Errorf("HX-Redirect = %q", got)
				}
			} else {
				wantStatus(t, r, http.StatusSeeOther)
				if got := r.Header.Get("Location"); got != "/" {
					t.Errorf("Location = %q", got)
				}
			}
			if got := mine.get("/", false).text(`[data-testid="flash"]`); got != "You have logged out of every session." {
				t.Errorf("flash = %q", got)
			}
			wantLoggedOut(t, mine)
			wantLoggedOut(t, other)
		})
	}
}

func TestChangePassword(t *testing.T) {
	for _, htmx := range []bool{false, true} {
		t.Run(map[bool]string{false: "plain", true: "htmx"}[htmx], func(t *testing.T) {
			a := newApp(t)
			mine, other := adaWithTwoSessions(t, a)
			before := mine.cookie("fauna-session").Value

			wrong := mine.post("/account/password", url.Values{"current_password": {"not my password"}, "new_password": {"a brand new secret"}}, htmx)
			wantStatus(t, wrong, http.StatusUnauthorized)
			if got := wrong.text(`[role="alert"]`); !strings.Contains(got, "The email or password is incorrect.") {
				t.Errorf("alert = %q", got)
			}
			if wrong.isFullPage() == htmx {
				t.Errorf("full page %v for htmx %v", wrong.isFullPage(), htmx)
			}
			if wrong.doc.Find("form#password-form").Length() != 1 {
				t.Error("the answer has no password form")
			}
			if strings.Contains(wrong.body, "not my password") || strings.Contains(wrong.body, "a brand new secret") {
				t.Error("a password was echoed back")
			}

			weak := mine.post("/account/password", url.Values{"current_password": {"correct horse"}, "new_password": {"short"}}, htmx)
			wantStatus(t, weak, http.StatusUnprocessableEntity)
			if v, _ := weak.doc.Find("#new_password").Attr("aria-invalid"); v != "true" {
				t.Errorf("new_password aria-invalid = %q:\n%s", v, weak.body)
			}
			if weak.text("#new_password-error") == "" {
				t.Error("no message next to new_password")
			}
			wantLoggedIn(t, other) // nothing changed yet

			ok := mine.post("/account/password", url.Values{"current_password": {"correct horse"}, "new_password": {"a brand new secret"}}, htmx)
			if htmx {
				wantStatus(t, ok, http.StatusOK)
				if got := ok.Header.Get("HX-Redirect"); got != "/account" {
					t.Errorf("HX-Redirect = %q", got)
				}
			} else {
				wantStatus(t, ok, http.StatusSeeOther)
				if got := ok.Header.Get("Location"); got != "/account" {
					t.Errorf("Location = %q", got)
				}
			}
			if setCookie(ok) == nil || mine.cookie("fauna-session").Value == before {
				t.Error("the session was not re-issued with the new token")
			}
			page := mine.get("/account", false)
			wantStatus(t, page, http.StatusOK)
			if got := page.text(`[data-testid="flash"]`); got != "Your password has been changed." {
				t.Errorf("flash = %q", got)
			}
			if got := page.text(`[data-testid="nav-user"]`); got != "Ada Lovelace" {
				t.Errorf("nav name = %q, want the name kept", got)
			}
			wantLoggedOut(t, other)
			wantStatus(t, a.browser().post("/login", url.Values{"email": {"ada@example.com"}, "password": {"correct horse"}}, false), http.StatusUnauthorized)
			wantStatus(t, a.browser().post("/login", url.Values{"email": {"ada@example.com"}, "password": {"a brand new secret"}}, false), http.StatusSeeOther)
		})
	}
}

func TestChangePasswordIsThrottled(t *testing.T) {
	a := newApp(t)
	mine, _ := adaWithTwoSessions(t, a)
	wrong := url.Values{"current_password": {"not my password"}, "new_password": {"a brand new secret"}}
	for i := 0; ; i++ {
		r := mine.post("/account/password", wrong, i%2 == 0)
		if r.StatusCode == http.StatusTooManyRequests {
			wantThrottled(t, r, i%2 == 0)
			break
		}
		wantStatus(t, r, http.StatusUnauthorized)
		if i > 20 {
			t.Fatal("20 wrong current passwords and no 429")
		}
	}
	wantLoggedIn(t, mine)
}

// apiRefusingNewPassword answers changePassword as an API with a stricter
// rule than the web's would: the new password refused by its argument name.
type apiRefusingNewPassword struct{ next http.Handler }

func (h apiRefusingNewPassword) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if bytes.Contains(body, []byte("changePassword")) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"errors":[{"message":"Choose a less common password.","extensions":{"code":"validation failed","field":"newPassword"}}],"data":null}`)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	h.next.ServeHTTP(w, r)
}

func TestChangePasswordShowsTheAPIsFieldError(t *testing.T) {
	a := newApp(t)
	b := a.sibling(false, func(o *handlers.Options) { o.API = gql.NewHandler(apiRefusingNewPassword{a.graph}) })
	mine := b.browser()
	mine.signup("Ada Lovelace", "ada@example.com", "correct horse")
	for _, htmx := range []bool{false, true} {
		r := mine.post("/account/password", url.Values{"current_password": {"correct horse"}, "new_password": {"password1234"}}, htmx)
		wantStatus(t, r, http.StatusUnprocessableEntity)
		if got := r.text("#new_password-error"); got != "Choose a less common password." {
			t.Errorf("htmx %v: message next to new_password = %q:\n%s", htmx, got, r.body)
		}
	}
}

func TestDeleteAccount(t *testing.T) {
	for _, htmx := range []bool{false, true} {
		t.Run(map[bool]string{false: "plain", true: "htmx"}[htmx], func(t *testing.T) {
			a := newApp(t)
			mine, other := adaWithTwoSessions(t, a)
			mine.createStore("Corner Shop")

			wrong := mine.post("/account/delete", url.Values{"password": {"not my password"}}, htmx)
			wantStatus(t, wrong, http.StatusUnauthorized)
			if got := wrong.text(`[role="alert"]`); !strings.Contains(got, "The email or password is incorrect.") {
				t.Errorf("alert = %q", got)
			}
			if wrong.isFullPage() == htmx || wrong.doc.Find("form#delete-account-form").Length() != 1 {
				t.Errorf("full page %v for htmx %v, or no delete form", wrong.isFullPage(), htmx)
			}
			empty := mine.post("/account/delete", url.Values{}, htmx)
			wantStatus(t, empty, http.StatusUnprocessableEntity)
			wantLoggedIn(t, mine)

			r := mine.post("/account/delete", url.Values{"password": {"correct horse"}}, htmx)
			if htmx {
				wantStatus(t, r, http.StatusOK)
				if got := r.Header.Get("HX-Redirect"); got != "/" {
					t.Errorf("HX-Redirect = %q", got)
				}
			} else {
				wantStatus(t, r, http.StatusSeeOther)
				if got := r.Header.Get("Location"); got != "/" {
					t.Errorf("Location = %q", got)
				}
			}
			home := mine.get("/", false)
			if got := home.text(`[data-testid="flash"]`); got != "Your account has been deleted." {
				t.Errorf("flash = %q", got)
			}
			if home.doc.Find(`[data-testid="logged-out"]`).Length() != 1 {
				t.Error("home does not show the logged-out prompt")
			}
			wantLoggedOut(t, mine)
			wantLoggedOut(t, other)
			wantStatus(t, a.browser().post("/login", url.Values{"email": {"ada@example.com"}, "password": {"correct horse"}}, false), http.StatusUnauthorized)
			again := a.browser()
			again.signup("Ada Again", "ada@example.com", "another password")
			if h := again.get("/", false); h.doc.Find(`[data-testid="store-row"]`).Length() != 0 {
				t.Error("the new account has the old account's stores")
			}
		})
	}
}
