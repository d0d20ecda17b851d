package e2e

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestScreenshots walks the journey the README shows. With -screenshots=DIR
// (make screenshots) it writes login-error.png, dashboard.png, store.png and
// account.png there; without it, it checks the same pages and writes nothing.
func TestScreenshots(t *testing.T) {
	t.Parallel()
	tb := newTab(t, tabOptions{})
	tb.do("sizing the window", chromedp.EmulateViewport(960, 720))
	o := owner{name: "Ada Lovelace", email: "ada@example.com", password: "correct horse battery"}
	tb.signUp(o)
	stores := []store{
		{name: "Analytical Books", email: "books@example.com", paymentMethods: "Cash, Card", categories: "Books, Maths"},
		{name: "Engine Coffee", email: "coffee@example.com", paymentMethods: "Card", categories: "Coffee, Pastries"},
		{name: "Difference Hardware", email: "tools@example.com", paymentMethods: "Cash", categories: "Tools"},
	}
	ids := make([]string, len(stores))
	for i, s := range stores {
		ids[i] = tb.addStore(s)
	}

	tb.open("/")
	tb.click(submitOf("logout-form"))
	tb.waitFor("the logged-out home page", and(atPath("/"), present(sel("logged-out"))))
	tb.open("/login")
	tb.typeInto("#email", o.email)
	tb.typeInto("#password", "not my password")
	tb.expectStatus(401, "/login")
	tb.click(submitOf("login-form"))
	tb.waitFor("the wrong-password alert", present(sel("error-summary")))
	tb.screenshot("login-error.png")

	tb.typeInto("#password", o.password)
	tb.click(submitOf("login-form"))
	tb.waitFor("the dashboard", and(atPath("/"), present(sel("store-list"))))
	if got := tb.count(sel("store-row")); got != len(stores) {
		t.Errorf("the dashboard shows %d stores, want %d", got, len(stores))
	}
	tb.screenshot("dashboard.png")

	tb.click("#store-" + ids[0] + " " + sel("store-link"))
	tb.waitFor("the store page", and(atPath("/stores/"+ids[0]), present(sel("store-name"))))
	tb.wantText(sel("store-name"), stores[0].name)
	tb.screenshot("store.png")

	// The account page, with Ada logged in on a second browser too.
	newTab(t, tabOptions{}).logIn(o)
	tb.click(sel("nav-user"))
	tb.waitFor("the account page", and(atPath("/account"), present(sel("session-list"))))
	tb.wantSessionsHere(2)
	tb.screenshot("account.png")
}

// screenshot writes the viewport as name into -screenshots, when set. The
// focus is moved off form fields first so no text cursor shows.
func (tb *tab) screenshot(name string) {
	tb.t.Helper()
	eval[bool](tb, `(document.activeElement?.matches("input") && document.activeElement.blur(), true)`)
	ctx := tb.ctx
	b, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		tb.t.Fatalf("screenshot %s: %v", name, err)
	}
	if _, err := png.Decode(bytes.NewReader(b)); err != nil {
		tb.t.Fatalf("screenshot %s is not a PNG: %v", name, err)
	}
	if *screenshotsDir == "" {
		return
	}
	if err := os.MkdirAll(*screenshotsDir, 0o755); err != nil {
		tb.t.Fatal(err)
	}
	path := filepath.Join(*screenshotsDir, name)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		tb.t.Fatal(err)
	}
	tb.t.Logf("wrote %s", path)
}
