package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp/kb"
)

// logIn logs o in through the login form.
func (tb *tab) logIn(o owner) {
	tb.t.Helper()
	tb.open("/login")
	tb.typeInto("#email", o.email)
	tb.typeInto("#password", o.password)
	tb.click(submitOf("login-form"))
	tb.waitFor("the dashboard after logging in", and(atPath("/"), present(sel("owner-name"))))
}

// otherSession is the selector of the first session row that is not this device's.
const otherSession = `[data-testid="session-row"]:has([data-testid="session-revoke"])`

// wantSessionsHere checks the account page lists n sessions, this one marked.
func (tb *tab) wantSessionsHere(n int) {
	tb.t.Helper()
	if got := tb.count(sel("session-row")); got != n {
		tb.t.Errorf("%d session rows, want %d", got, n)
	}
	if got := tb.count(sel("session-current")); got != 1 {
		tb.t.Errorf("%d rows say This device, want 1", got)
	} else {
		tb.wantText(sel("session-current"), "This device")
	}
}

// wantLoggedOutHere checks the tab's session is over: the account page
// sends it to log in.
func (tb *tab) wantLoggedOutHere(what string) {
	tb.t.Helper()
	tb.open("/account")
	if !strings.HasPrefix(tb.path(), "/login?") {
		tb.t.Errorf("%s: the account page opened at %s, want the login page", what, tb.path())
	}
}

// TestAccountWithJavaScript: the account page with htmx: a session ended in
// place, a wrong and a right password change, and the account deleted.
func TestAccountWithJavaScript(t *testing.T) {
	t.Parallel()
	tb := newTab(t, tabOptions{})
	o := newOwner("Grace Hopper")
	tb.signUp(o)
	other := newTab(t, tabOptions{})
	other.logIn(o)

	tb.click(sel("nav-user"))
	tb.waitFor("the account page", and(atPath("/account"), present(sel("session-list"))))
	tb.wantText(sel("profile-email"), o.email)
	tb.wantSessionsHere(2)
	tb.wantText(sel("session-current")+" ~ x, "+sel("session-row")+" "+sel("session-device"), "Headless Chrome on Linux")
	tb.checkAxe("account page")

	tb.acceptDialogs()
	eval[bool](tb, `(window.__e2eRegion = document.querySelector('[role="status"]'), true)`)
	tb.inPlace("ending the other session", fmt.Sprintf(`document.querySelector(%q) === null`, otherSession), func() {
		tb.click(otherSession + " button")
	})
	if !tb.soon(fmt.Sprintf(`document.querySelector(%q)?.innerText.trim() === "Session ended."`, sel("flash"))) {
		t.Errorf(`no "Session ended." message; the flash says %q`, tb.text(sel("flash")))
	} else if !eval[bool](tb, fmt.Sprintf(`document.querySelector(%q).closest('[role="status"]') === window.__e2eRegion`, sel("flash"))) {
		t.Error(`"Session ended." is not inside the live region the page had before`)
	}
	tb.wantFocus("#sessions-heading")
	tb.wantSessionsHere(1)
	tb.checkAxe("account page after ending a session in place")
	other.wantLoggedOutHere("the ended session")

	// A wrong current password: 401, the alert in place.
	tb.typeInto("#current_password", "not my password")
	tb.typeInto("#new_password", "a brand new secret")
	tb.expectStatus(401, "/account/password")
	tb.inPlace("a wrong current password", present(sel("password-form")+" "+sel("error-summary")), func() {
		tb.click(submitOf("password-form"))
	})
	tb.wantText(sel("password-form")+" "+sel("error-summary")+" li", "The email or password is incorrect.")
	tb.wantFocus(sel("error-summary"))
	tb.wantValue("#current_password", "")

	tb.typeInto("#current_password", o.password)
	tb.typeInto("#new_password", "a brand new secret")
	tb.click(submitOf("password-form"))
	tb.waitFor("the account page after the change", and(atPath("/account"),
		fmt.Sprintf(`document.querySelector(%q)?.innerText.trim() === "Your password has been changed."`, sel("flash"))))
	tb.wantSessionsHere(1)

	// Delete the account; the email is free again.
	tb.typeInto("#password", "a brand new secret")
	tb.click(submitOf("delete-account-form"))
	tb.waitFor("home after deleting", and(atPath("/"), present(sel("logged-out"))))
	tb.wantText(sel("flash"), "Your account has been deleted.")
	tb.signUp(o)
}

// TestAccountWithoutJavaScript: the same forms as plain posts, answered
// with full pages and 303s.
func TestAccountWithoutJavaScript(t *testing.T) {
	t.Parallel()
	tb := newTab(t, tabOptions{noJS: true})
	o := newOwner("Dorothy Vaughan")
	tb.signUp(o)
	second, third := newTab(t, tabOptions{noJS: true}), newTab(t, tabOptions{noJS: true})
	second.logIn(o)
	third.logIn(o)

	tb.open("/account")
	tb.wantSessionsHere(3)
	action := eval[string](tb, fmt.Sprintf(`document.querySelector(%q).getAttribute("action")`, otherSession+" form"))
	tb.post("ending a session", otherSession+" button", action, "/account")
	tb.wantText(sel("flash"), "Session ended.")
	tb.wantSessionsHere(2)

	tb.post("logging out the other sessions", submitOf("logout-others-form"), "/account/logout-others", "/account")
	tb.wantText(sel("flash"), "Your other sessions have ended.")
	tb.wantSessionsHere(1)
	second.wantLoggedOutHere("the first ended session")
	third.wantLoggedOutHere("the logged-out session")

	tb.typeInto("#current_password", "not my password")
	tb.typeInto("#new_password", "a brand new secret")
	tb.expectStatus(401, "/account/password")
	if got := tb.post("a wrong current password", submitOf("password-form"), "/account/password", ""); got != 401 {
		t.Errorf("a wrong current password answered %d, want 401", got)
	}
	tb.wantText(sel("password-form")+" "+sel("error-summary")+" li", "The email or password is incorrect.")

	tb.typeInto("#password", o.password)
	tb.post("deleting the account", submitOf("delete-account-form"), "/account/delete", "/")
	tb.wantText(sel("flash"), "Your account has been deleted.")
	tb.wantLoggedOutHere("the deleted account")
}

// TestAccountKeyboardOnly ends a session with the keyboard alone: the
// focus goes from the ended row's button to the list's heading.
func TestAccountKeyboardOnly(t *testing.T) {
	t.Parallel()
	tb := newTab(t, tabOptions{})
	o := newOwner("Annie Easley")
	tb.signUp(o)
	newTab(t, tabOptions{}).logIn(o)

	tb.tabTo(sel("nav-user"))
	tb.enter()
	tb.waitFor("the account page", and(atPath("/account"), present(sel("session-list"))))
	tb.acceptDialogs()
	tb.tabTo(otherSession + " button")
	tb.enter()
	tb.waitFor("the row to go", fmt.Sprintf(`document.querySelector(%q) === null`, otherSession))
	tb.wantFocus("#sessions-heading")
	tb.tabTo(submitOf("logout-everywhere-form"))
	tb.enter()
	tb.waitFor("the logged-out home page", and(atPath("/"), present(sel("logged-out"))))
	tb.wantText(sel("flash"), "You have logged out of every session.")
	tb.press(kb.Tab) // the page still takes the keyboard
}
