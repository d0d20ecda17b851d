package components

import (
	"strings"
	"testing"

	"github.com/a-h/templ"
)

func TestLoginLinksToForgot(t *testing.T) {
	doc, _ := render(t, LoginPage(Page{Title: "Log in"}, LoginForm{}))
	link := one(t, doc, `main a[data-testid="forgot-link"]`)
	if got := attr(link, "href"); got != "/forgot" {
		t.Errorf("href = %q, want /forgot", got)
	}
	if got := strings.TrimSpace(link.Text()); got != "Forgot your password?" {
		t.Errorf("text = %q", got)
	}
}

func TestForgotForm(t *testing.T) {
	doc, _ := render(t, ForgotFormView(ForgotForm{Email: "ada@example", Errors: FieldErrors{"email": "Enter a valid email."}}))
	form := one(t, doc, "form#forgot-form")
	for name, want := range map[string]string{"method": "post", "action": "/forgot", "hx-post": "/forgot", "hx-target": "this", "hx-swap": "outerHTML"} {
		if got := attr(form, name); got != want {
			t.Errorf("form %s = %q, want %q", name, got, want)
		}
	}
	in := one(t, doc, `input[name="email"]`)
	for name, want := range map[string]string{"type": "email", "autocomplete": "email", "value": "ada@example", "aria-invalid": "true", "id": "email"} {
		if got := attr(in, name); got != want {
			t.Errorf("email %s = %q, want %q", name, got, want)
		}
	}
	one(t, doc, `label[for="email"]`)
	summary := one(t, doc, `[role="alert"][data-testid="error-summary"]`)
	if !strings.Contains(summary.Text(), "Enter a valid email.") {
		t.Errorf("summary = %q", summary.Text())
	}
	if got := doc.Find("#email-error").Text(); got != "Enter a valid email." {
		t.Errorf("field error = %q", got)
	}
}

func TestResetForm(t *testing.T) {
	doc, html := render(t, ResetFormView(ResetForm{Token: "tok<en>", Errors: FieldErrors{"new_password": "Too short"}}))
	form := one(t, doc, "form#reset-form")
	for name, want := range map[string]string{"method": "post", "action": "/reset", "hx-post": "/reset", "hx-target": "this", "hx-swap": "outerHTML"} {
		if got := attr(form, name); got != want {
			t.Errorf("form %s = %q, want %q", name, got, want)
		}
	}
	if strings.Contains(html, "tok<en>") {
		t.Error("token written unescaped")
	}
	token := one(t, doc, `input[type="hidden"][name="token"]`)
	if got := attr(token, "value"); got != "tok<en>" {
		t.Errorf("token = %q", got)
	}
	pw := one(t, doc, `input[name="new_password"]`)
	for name, want := range map[string]string{"type": "password", "autocomplete": "new-password", "aria-invalid": "true"} {
		if got := attr(pw, name); got != want {
			t.Errorf("new_password %s = %q, want %q", name, got, want)
		}
	}
	if _, ok := pw.Attr("value"); ok {
		t.Error("the password field carries a value")
	}
	one(t, doc, `label[for="new_password"]`)
	if got := one(t, doc, `[role="alert"]`).Text(); !strings.Contains(got, "Too short") {
		t.Errorf("summary = %q", got)
	}
}

func TestResetInvalid(t *testing.T) {
	for name, c := range map[string]templ.Component{"page": ResetInvalidPage(Page{Title: "Choose a new password"}), "fragment": ResetInvalidView()} {
		t.Run(name, func(t *testing.T) {
			doc, _ := render(t, c)
			box := one(t, doc, `[data-testid="reset-invalid"][role="alert"]`)
			if !strings.Contains(box.Text(), "This reset link is no longer valid") {
				t.Errorf("text = %q", box.Text())
			}
			if box.Find(`a[href="/forgot"]`).Length() != 1 {
				t.Error("no link to /forgot")
			}
			if doc.Find("form").Length() != 0 {
				t.Error("a form is shown with an unusable token")
			}
		})
	}
}
