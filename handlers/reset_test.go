package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

const (
	msgResetSent = "If an account exists for that email, we have sent a link to reset its password."
	msgResetDone = "Your password has been changed. Log in with the new one."
)

func TestLoginLinksToForgot(t *testing.T) {
	r := newApp(t).browser().get("/login", false)
	wantStatus(t, r, http.StatusOK)
	if got := r.doc.Find(`a[href="/forgot"]`).Text(); got != "Forgot your password?" {
		t.Errorf("link text = %q", got)
	}
}

func TestForgotPage(t *testing.T) {
	r := newApp(t).browser().get("/forgot", false)
	wantStatus(t, r, http.StatusOK)
	form := r.doc.Find(`form#forgot-form[method="post"][action="/forgot"][hx-post="/forgot"]`)
	if form.Length() != 1 {
		t.Fatalf("no forgot form:\n%s", r.body)
	}
	if form.Find(`input[name="email"][type="email"][autocomplete="email"]`).Length() != 1 {
		t.Error("no email field")
	}
}

// TestForgotIsNeutral: whether or not an account has the email, the answer
// is the same, as a plain post and with htmx.
func TestForgotIsNeutral(t *testing.T) {
	a := newApp(t)
	a.browser().signup("Ada Lovelace", "ada@example.com", "correct horse")
	for _, htmx := range []bool{false, true} {
		t.Run(map[bool]string{false: "plain", true: "htmx"}[htmx], func(t *testing.T) {
			var answers []*response
			for _, email := range []string{"ada@example.com", "nobody@example.com", "ADA@example.com "} {
				b := a.browser()
				r := b.post("/forgot", url.Values{"email": {email}}, htmx)
				answers = append(answers, r)
				if htmx {
					wantStatus(t, r, http.StatusOK)
					if got := r.Header.Get("HX-Redirect"); got != "/login" {
						t.Errorf("%s: HX-Redirect = %q, want /login", email, got)
					}
				} else {
					wantStatus(t, r, http.StatusSeeOther)
					if got := r.Header.Get("Location"); got != "/login" {
						t.Errorf("%s: Location = %q, want /login", email, got)
					}
				}
				login := b.get("/login", false)
				wantStatus(t, login, http.StatusOK)
				if got := login.text(`[data-testid="flash"]`); got != msgResetSent {
					t.Errorf("%s: flash = %q, want %q", email, got, msgResetSent)
				}
			}
			first := answers[0]
			for _, r := range answers[1:] {
				if r.StatusCode != first.StatusCode || r.body != first.body || r.Header.Get("Location") != first.Header.Get("Location") ||
					r.Header.Get("HX-Redirect") != first.Header.Get("HX-Redirect") || len(r.Header.Get("Set-Cookie")) != len(first.Header.Get("Set-Cookie")) {
					t.Errorf("answers differ:\n%d %v %q\n%d %v %q", first.StatusCode, first.Header, first.body, r.StatusCode, r.Header, r.body)
				}
			}
		})
	}
}

func TestForgotInputErrors(t *testing.T) {
	a := newApp(t)
	tests := []struct{ name, email string }{
		{"empty", ""},
		{"malformed", "ada-at-example.com"},
	}
	for _, tc := range tests {
		for _, htmx := range []bool{false, true} {
			t.Run(tc.name+map[bool]string{false: " plain", true: " htmx"}[htmx], func(t *testing.T) {
				r := a.browser().post("/forgot", url.Values{"email": {tc.email}}, htmx)
				wantStatus(t, r, http.StatusUnprocessableEntity)
				if r.isFullPage() == htmx {
					t.Errorf("full page = %v for htmx = %v", r.isFullPage(), htmx)
				}
				if r.text(`#email-error`) == "" || r.doc.Find(`[role="alert"]`).Length() != 1 {
					t.Errorf("no inline error:\n%s", r.body)
				}
				if got := r.doc.Find(`input[name="email"]`).AttrOr("value", ""); got != strings.TrimSpace(tc.email) {
					t.Errorf("email kept as %q, want %q", got, tc.email)
				}
				if r.Header.Get("Location") != "" || r.Header.Get("HX-Redirect") != "" {
					t.Error("an invalid form redirected")
				}
			})
		}
	}
}

func TestResetPage(t *testing.T) {
	a := newApp(t)
	r := a.browser().get("/reset?token=abc123", false)
	wantStatus(t, r, http.StatusOK)
	if got := r.Header.Get("Referrer-Policy"); got != "no-referrer" {
		t.Errorf("Referrer-Policy = %q, want no-referrer", got)
	}
	if got := r.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", got)
	}
	form := r.doc.Find(`form#reset-form[method="post"][action="/reset"][hx-post="/reset"]`)
	if form.Length() != 1 {
		t.Fatalf("no reset form:\n%s", r.body)
	}
	if got := form.Find(`input[type="hidden"][name="token"]`).AttrOr("value", ""); got != "abc123" {
		t.Errorf("token = %q", got)
	}
	if form.Find(`input[name="new_password"][type="password"][autocomplete="new-password"]`).Length() != 1 {
		t.Error("no new password field")
	}
	// Anything the page loads or links to elsewhere would see the token.
	r.doc.Find("script[src], link[href], img[src], a[href]").Each(func(_ int, s *goquery.Selection) {
		for _, at := range []string{"src", "href"} {
			if v, ok := s.Attr(at); ok && (strings.Contains(v, "//") || strings.Contains(v, "token")) {
				t.Errorf("the page refers to %q", v)
			}
		}
	})
	if got := a.browser().get("/login", false).Header.Get("Referrer-Policy"); got == "no-referrer" {
		t.Error("no-referrer set site-wide; want it on the reset page only")
	}

	t.Run("no token", func(t *testing.T) {
		r := a.browser().get("/reset", false)
		wantStatus(t, r, http.StatusBadRequest)
		if r.doc.Find(`[data-testid="reset-invalid"] a[href="/forgot"]`).Length() != 1 || r.doc.Find("form#reset-form").Length() != 0 {
			t.Errorf("want the invalid-link notice:\n%s", r.body)
		}
	})
}

func TestResetInvalidToken(t *testing.T) {
	a := newApp(t)
	for _, tc := range []struct {
		name, token string
	}{{"unknown", "not-a-token"}, {"missing", ""}} {
		for _, htmx := range []bool{false, true} {
			t.Run(tc.name+map[bool]string{false: " plain", true: " htmx"}[htmx], func(t *testing.T) {
				r := a.browser().post("/reset", url.Values{"token": {tc.token}, "new_password": {"a brand new password"}}, htmx)
				wantStatus(t, r, http.StatusBadRequest)
				if r.isFullPage() == htmx {
					t.Errorf("full page = %v for htmx = %v", r.isFullPage(), htmx)
				}
				box := r.doc.Find(`[data-testid="reset-invalid"][role="alert"]`)
				if !strings.Contains(box.Text(), "This reset link is no longer valid") || box.Find(`a[href="/forgot"]`).Length() != 1 {
					t.Errorf("want the invalid-link notice:\n%s", r.body)
				}
				if got := r.Header.Get("Referrer-Policy"); got != "no-referrer" {
					t.Errorf("Referrer-Policy = %q", got)
				}
			})
		}
	}
}

func TestResetWeakPassword(t *testing.T) {
	a := newApp(t)
	for _, htmx := range []bool{false, true} {
		t.Run(map[bool]string{false: "plain", true: "htmx"}[htmx], func(t *testing.T) {
			r := a.browser().post("/reset", url.Values{"token": {"some-token"}, "new_password": {"short"}}, htmx)
			wantStatus(t, r, http.StatusUnprocessableEntity)
			if r.isFullPage() == htmx {
				t.Errorf("full page = %v for htmx = %v", r.isFullPage(), htmx)
			}
			if r.text("#new_password-error") == "" || r.doc.Find(`[role="alert"]`).Length() != 1 {
				t.Errorf("no error next to new_password:\n%s", r.body)
			}
			if got := r.doc.Find(`input[name="token"]`).AttrOr("value", ""); got != "some-token" {
				t.Errorf("token kept as %q", got)
			}
			if strings.Contains(r.body, `value="short"`) {
				t.Error("the password was echoed back")
			}
		})
	}
}
