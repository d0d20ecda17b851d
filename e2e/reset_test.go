package e2e

import (
	"net/url"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"shopkeeper/internal/testkit"
)

const (
	msgResetSent = "If an account exists for that email, we have sent a link to reset its password."
	msgResetDone = "Your password has been changed. Log in with the new one."
)

// mailedResetToken waits for the reset mail to email in the binary's
// outbox and returns its token.
func mailedResetToken(t *testing.T, email string) string {
	t.Helper()
	token, err := testkit.ResetToken(filepath.Join(suite.dataDir, "outbox"), email, stepTimeout)
	if err != nil {
		t.Fatal(err)
	}
	return token
}

// TestPasswordResetWithJavaScript: from the login page's link to a new
// password with htmx; the old password and the used link stop working,
// and the owner's other session ends.
func TestPasswordResetWithJavaScript(t *testing.T) {
	t.Parallel()
	o := newOwner("Katherine Johnson")
	elsewhere := newTab(t, tabOptions{})
	elsewhere.signUp(o)
	tb := newTab(t, tabOptions{})

	tb.open("/login")
	tb.click(sel("forgot-link"))
	tb.waitFor("the forgot page", and(atPath("/forgot"), present(sel("forgot-form"))))
	tb.typeInto("#email", o.email)
	tb.click(submitOf("forgot-form"))
	tb.waitFor("the login page with the neutral notice", and(atPath("/login"), present(sel("flash"))))
	tb.wantText(sel("flash"), msgResetSent)

	token := mailedResetToken(t, o.email)
	link := "/reset?token=" + url.QueryEscape(token)
	tb.open(link)
	newPassword := "a completely new secret"
	tb.typeInto("#new_password", newPassword)
	tb.click(submitOf("reset-form"))
	tb.waitFor("the login page after the reset", and(atPath("/login"), present(sel("flash"))))
	tb.wantText(sel("flash"), msgResetDone)
	elsewhere.wantLoggedOutHere("the session from before the reset")

	tb.typeInto("#email", o.email)
	tb.typeInto("#password", o.password)
	tb.expectStatus(401, "/login")
	tb.click(submitOf("login-form"))
	tb.waitFor("the wrong-password alert", present(sel("error-summary")))

	tb.open(link)
	tb.typeInto("#new_password", "yet another new secret")
	tb.expectStatus(400, "/reset")
	tb.inPlace("the used link refused", present(sel("reset-invalid")), func() { tb.click(submitOf("reset-form")) })
	if !tb.exists(sel("reset-invalid") + ` a[href="/forgot"]`) {
		t.Error("the notice has no link to ask again")
	}

	tb.logIn(owner{name: o.name, email: o.email, password: newPassword})
}

// TestPasswordResetWithoutJavaScript: the same with plain form posts.
func TestPasswordResetWithoutJavaScript(t *testing.T) {
	t.Parallel()
	o := newOwner("Mary Jackson")
	newTab(t, tabOptions{}).signUp(o)
	tb := newTab(t, tabOptions{noJS: true})

	tb.open("/forgot")
	tb.typeInto("#email", o.email)
	tb.post("asking for a link", submitOf("forgot-form"), "/forgot", "/login")
	tb.wantText(sel("flash"), msgResetSent)

	link := "/reset?token=" + url.QueryEscape(mailedResetToken(t, o.email))
	tb.open(link)
	tb.typeInto("#new_password", "short")
	tb.do("submitting past the browser's check", chromedp.SetAttributeValue("#reset-form", "novalidate", ""))
	tb.expectStatus(422, "/reset")
	if got := tb.post("a weak password", submitOf("reset-form"), "/reset", ""); got != 422 {
		t.Errorf("a weak password answered %d, want 422", got)
	}
	if !tb.exists("#new_password-error") {
		t.Error("no error next to the new password")
	}
	newPassword := "a completely new secret"
	tb.typeInto("#new_password", newPassword)
	tb.post("setting the new password", submitOf("reset-form"), "/reset", "/login")
	tb.wantText(sel("flash"), msgResetDone)

	tb.typeInto("#email", o.email)
	tb.typeInto("#password", o.password)
	tb.expectStatus(401, "/login")
	if got := tb.post("the old password", submitOf("login-form"), "/login", ""); got != 401 {
		t.Errorf("the old password answered %d, want 401", got)
	}

	tb.open(link)
	tb.typeInto("#new_password", "yet another new secret")
	tb.expectStatus(400, "/reset")
	if got := tb.post("the used link", submitOf("reset-form"), "/reset", ""); got != 400 {
		t.Errorf("the used link answered %d, want 400", got)
	}
	if !tb.exists(sel("reset-invalid") + ` a[href="/forgot"]`) {
		t.Error("no notice with a link to ask again")
	}

	tb.open("/login")
	tb.typeInto("#email", o.email)
	tb.typeInto("#password", newPassword)
	tb.post("logging in with the new password", submitOf("login-form"), "/login", "/")
	if !tb.exists(sel("owner-name")) {
		t.Error("not logged in with the new password")
	}
}

// TestPasswordResetAccessibility runs axe on the forgot and reset pages
// and their error states.
func TestPasswordResetAccessibility(t *testing.T) {
	t.Parallel()
	tb := newTab(t, tabOptions{})
	tb.open("/forgot")
	tb.checkAxe("forgot")
	tb.typeInto("#email", "not-an-email")
	tb.expectStatus(422, "/forgot")
	tb.do("submitting past the browser's check", chromedp.Evaluate[chromedp.Void](`document.querySelector("#forgot-form").noValidate = true`))
	tb.click(submitOf("forgot-form"))
	tb.waitFor("the inline error", present(sel("error-summary")))
	tb.checkAxe("forgot with an inline error")

	tb.open("/reset?token=" + url.QueryEscape("no-such-token"))
	tb.checkAxe("reset")
	tb.typeInto("#new_password", "a completely new secret")
	tb.expectStatus(400, "/reset")
	tb.click(submitOf("reset-form"))
	tb.waitFor("the invalid-link notice", present(sel("reset-invalid")))
	tb.checkAxe("reset with an invalid link")
}
