package handlers_test

import (
	"net/http"
	"net/url"
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
	a.resetToken("ada@example.com") // the queue is in order: the first request's mail, if any, is out
	mails, err := testkit.Outbox(a.outbox)
	if err != nil {
		t.Fatal(err)
	}
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
