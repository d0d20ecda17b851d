package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"shopkeeper/internal/testkit"
)

// resetToken waits for the reset mail to email and returns its token.
func (a *app) resetToken(email string) string {
	a.t.Helper()
	token, err := testkit.ResetToken(a.outbox, email, 5*time.Second)
	if err != nil {
		a.t.Fatal(err)
	}
	return token
}

// TestPasswordReset: the whole flow, as plain posts and with htmx: the
// mailed link's token sets a new password, the browser's session ends, the
// new password logs in, the old one and the used link do not.
func TestPasswordReset(t *testing.T) {
	for _, htmx := range []bool{false, true} {
		t.Run(map[bool]string{false: "plain", true: "htmx"}[htmx], func(t *testing.T) {
			a := newApp(t)
			b := a.browser()
			b.signup("Ada Lovelace", "ada@example.com", "correct horse")

			r := b.post("/forgot", url.Values{"email": {"ada@example.com"}}, htmx)
			wantRedirect(t, r, htmx, "/login")
			token := a.resetToken("ada@example.com")

			page := b.get("/reset?token="+url.QueryEscape(token), false)
			wantStatus(t, page, http.StatusOK)
			if got := page.doc.Find(`input[name="token"]`).AttrOr("value", ""); got != token {
				t.Fatalf("form token = %q, want the mailed one", got)
			}

			r = b.post("/reset", url.Values{"token": {token}, "new_password": {"a brand new secret"}}, htmx)
			wantRedirect(t, r, htmx, "/login")
			wantLoggedOut(t, b)
			login := b.get("/login", false)
			wantStatus(t, login, http.StatusOK)
			if got := login.text(`[data-testid="flash"]`); got != msgResetDone {
				t.Errorf("flash = %q, want %q", got, msgResetDone)
			}

			old := a.browser().post("/login", url.Values{"email": {"ada@example.com"}, "password": {"correct horse"}}, false)
			wantStatus(t, old, http.StatusUnauthorized)
			fresh := a.browser()
			fresh.loginWith("ada@example.com", "a brand new secret", firefoxLinux)
			wantLoggedIn(t, fresh)

			again := a.browser().post("/reset", url.Values{"token": {token}, "new_password": {"yet another secret"}}, htmx)
			wantStatus(t, again, http.StatusBadRequest)
			if again.doc.Find(`[data-testid="reset-invalid"] a[href="/forgot"]`).Length() != 1 {
				t.Errorf("a used link: want the invalid-link notice:\n%s", again.body)
			}
		})
	}
}

// TestForgotMailsOnlyAnAccount: the neutral answer hides whether a mail
// went out; only the owner of the account gets one.
func TestForgotMailsOnlyAnAccount(t *testing.T) {
	a := newApp(t)
	a.browser().signup("Ada Lovelace", "ada@example.com", "correct horse")
	wantRedirect(t, a.browser().post("/forgot", url.Values{"email": {"nobody@example.com"}}, false), false, "/login")
	wantRedirect(t, a.browser().post("/forgot", url.Values{"email": {"ada@example.com"}}, false), false, "/login")
	a.resetToken("ada@example.com")
	mails := a.settledOutbox()
	for _, m := range mails {
		for _, to := range m.To {
			if to != "ada@example.com" {
				t.Errorf("a mail went to %s", to)
			}
		}
	}
}

func wantRedirect(t *testing.T, r *response, htmx bool, target string) {
	t.Helper()
	if htmx {
		wantStatus(t, r, http.StatusOK)
		if got := r.Header.Get("HX-Redirect"); got != target {
			t.Errorf("HX-Redirect = %q, want %q", got, target)
		}
		return
	}
	wantStatus(t, r, http.StatusSeeOther)
	if got := r.Header.Get("Location"); got != target {
		t.Errorf("Location = %q, want %q", got, target)
	}
}

// TestForgotThrottledIsNeutral: past the API's limits on reset requests
// (per email and per address) the answer is still the neutral one, and no
// more mails go out.
func TestForgotThrottledIsNeutral(t *testing.T) {
	a := newApp(t)
	a.browser().signup("Ada Lovelace", "ada@example.com", "correct horse")
	var first *response
	for i := range 8 {
		for _, htmx := range []bool{false, true} {
			b := a.browser()
			r := b.post("/forgot", url.Values{"email": {"ada@example.com"}}, htmx)
			wantRedirect(t, r, htmx, "/login")
			if login := b.get("/login", false); login.text(`[data-testid="flash"]`) != msgResetSent {
				t.Fatalf("request %d: flash = %q", i, login.text(`[data-testid="flash"]`))
			}
			if !htmx {
				if first == nil {
					first = r
				} else if r.body != first.body {
					t.Errorf("request %d: body %q, want %q", i, r.body, first.body)
				}
			}
		}
	}
	a.resetToken("ada@example.com")
	mails := a.settledOutbox()
	t.Logf("%d mails for 16 requests", len(mails))
	if len(mails) == 0 || len(mails) >= 16 {
		t.Errorf("%d mails for 16 requests, want at least one and fewer than 16 (throttled)", len(mails))
	}
}

// settledOutbox reads the outbox once the mail queue has stopped adding to
// it for a while (or after a few seconds at most).
func (a *app) settledOutbox() []testkit.Mail {
	a.t.Helper()
	var mails []testkit.Mail
	stable := 0
	for deadline := time.Now().Add(5 * time.Second); stable < 10 && time.Now().Before(deadline); {
		got, err := testkit.Outbox(a.outbox)
		if err == nil && len(got) == len(mails) {
			stable++
		} else {
			stable = 0
		}
		if err == nil {
			mails = got
		}
		time.Sleep(30 * time.Millisecond)
	}
	return mails
}

// TestResetLinkIgnoresTheRequestHost: the mailed link is built from the
// configured base URL, whatever Host or X-Forwarded-Host the request that
// asked for it carried.
func TestResetLinkIgnoresTheRequestHost(t *testing.T) {
	a := newApp(t)
	a.browser().signup("Ada Lovelace", "ada@example.com", "correct horse")
	b := a.browser()
	req, err := http.NewRequest(http.MethodPost, a.url+"/forgot", strings.NewReader(url.Values{"email": {"ada@example.com"}}.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Host = "evil.example"
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-Host", "evil.example")
	wantRedirect(t, b.do(req), false, "/login")
	a.resetToken("ada@example.com")
	mails := a.settledOutbox()
	if len(mails) != 1 {
		t.Fatalf("%d mails, want 1", len(mails))
	}
	if text := mails[0].Text; strings.Contains(text, "evil.example") || !strings.Contains(text, "http://shop.example/reset?token=") {
		t.Fatalf("the link does not come from the base URL:\n%s", text)
	}
}
