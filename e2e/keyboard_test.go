package e2e

import (
	"context"
	"fmt"
	"testing"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// tabTo presses Tab until the focus is on selector, as a keyboard user
// moves through a page, and fails if it never gets there. Every stop on
// the way must show where the focus is.
func (tb *tab) tabTo(selector string) {
	tb.t.Helper()
	const maxPresses = 40
	for range maxPresses {
		tb.press(kb.Tab)
		st := eval[struct {
			Match   bool
			Visible bool
			Element string
		}](tb, fmt.Sprintf(`(() => {
			const e = document.activeElement;
			if (!e || e === document.body) return {match: false, visible: true, element: "body"};
			const cs = getComputedStyle(e);
			return {
				match: e.matches(%q),
				visible: cs.outlineStyle !== "none" && parseFloat(cs.outlineWidth) > 0,
				element: e.outerHTML.slice(0, 100),
			};
		})()`, selector))
		if !st.Visible {
			tb.t.Errorf("keyboard focus on %s has no visible outline", st.Element)
		}
		if st.Match {
			return
		}
	}
	tb.t.Fatalf("%d presses of Tab never reached %s", maxPresses, selector)
}

// keys types text key by key into the focused element.
func (tb *tab) keys(text string) {
	tb.t.Helper()
	tb.do(fmt.Sprintf("typing %q", text), chromedp.KeyEvent(text))
}

// enter presses Enter once, as a keyboard does: one keyDown carrying the
// text "\r" (which makes the keypress that submits a form) and one keyUp.
// chromedp's KeyEvent adds a separate char event, which a form takes as a
// second press and submits twice.
func (tb *tab) enter() {
	tb.t.Helper()
	tb.call("pressing Enter", func(ctx context.Context) error {
		for _, typ := range []input.DispatchKeyEventType{input.DispatchKeyEventTypeKeyDown, input.DispatchKeyEventTypeKeyUp} {
			p := input.DispatchKeyEventParams{Type: typ, Key: "Enter", Code: "Enter", WindowsVirtualKeyCode: 13, NativeVirtualKeyCode: 13}
			if typ == input.DispatchKeyEventTypeKeyDown {
				p.Text, p.UnmodifiedText = "\r", "\r"
			}
			if _, err := chromedp.Call(ctx, input.DispatchKeyEvent, p); err != nil {
				return err
			}
		}
		return nil
	})
}

// TestKeyboardOnly walks the journeys with the keyboard alone: Tab to move,
// typing, Enter to follow links and submit forms. Only the browser's own
// confirm dialog is answered through the DevTools protocol.
func TestKeyboardOnly(t *testing.T) {
	t.Parallel()
	tb := newTab(t, tabOptions{})
	o := newOwner("Ida Rhodes")

	tb.open("/signup")
	tb.press(kb.Tab)
	tb.wantFocus(".skip-link")
	tb.enter()
	tb.wantFocus("main#main")
	tb.tabTo("#name")
	tb.keys(o.name)
	tb.tabTo("#email")
	tb.keys(o.email)
	tb.tabTo("#password")
	tb.keys(o.password)
	tb.enter()
	tb.waitFor("the dashboard after signing up", and(atPath("/"), present(sel("owner-name"))))

	// Log out and back in, with a wrong password first.
	tb.tabTo(submitOf("logout-form"))
	tb.enter()
	tb.waitFor("the logged-out home page", and(atPath("/"), present(sel("logged-out"))))
	tb.tabTo(sel("nav-login"))
	tb.enter()
	tb.waitFor("the login page", and(atPath("/login"), present(sel("login-form"))))
	tb.tabTo("#email")
	tb.keys(o.email)
	tb.tabTo("#password")
	tb.expectStatus(401, "/login")
	tb.keys("wrong password")
	tb.enter()
	tb.waitFor("the wrong-password alert", present(sel("error-summary")))
	tb.wantFocus(sel("error-summary"))
	tb.tabTo("#password")
	tb.keys(o.password)
	tb.enter()
	tb.waitFor("the dashboard after logging in", and(atPath("/"), present(sel("owner-name"))))

	// Add a store, fixing an inline error through the summary's link.
	tb.tabTo(sel("nav-add-store"))
	tb.enter()
	tb.waitFor("the new store form", and(atPath("/stores/new"), present(sel("store-form"))))
	tb.tabTo("#name")
	tb.keys("Key Cutting")
	tb.tabTo("#email")
	tb.keys("keys@example.com")
	tb.tabTo("#categories")
	tb.keys(tooLongCategory)
	tb.expectStatus(422, "/stores")
	tb.enter()
	tb.waitFor("the inline error", present(sel("error-summary")))
	tb.wantFocus(sel("error-summary"))
	tb.tabTo(sel("error-summary") + ` a[href="#categories"]`)
	tb.enter()
	tb.wantFocus("#categories")
	eval[bool](tb, `(document.querySelector("#categories").select(), true)`) // as Ctrl+A would
	tb.keys("Keys, Locks")
	tb.enter()
	tb.waitFor("the store page", and(`/^\/stores\/[^/]+$/.test(location.pathname)`, `!location.pathname.endsWith("/new")`, `document.readyState === "complete"`, present(sel("store-name"))))
	id := storeIDFromPath(t, tb.path())
	tb.wantText(sel("store-name"), "Key Cutting")

	// Back to the dashboard and delete the row.
	tb.tabTo(`main a[href="/"]`)
	tb.enter()
	tb.waitFor("the dashboard", and(atPath("/"), present("#store-"+id)))
	tb.acceptDialogs()
	tb.tabTo("#store-" + id + " " + sel("store-delete") + " button")
	tb.enter()
	tb.waitFor("the row to go", fmt.Sprintf(`document.querySelector("#store-%s") === null`, id))

	tb.tabTo(submitOf("logout-form"))
	tb.enter()
	tb.waitFor("the logged-out home page", and(atPath("/"), present(sel("logged-out"))))
}
