package e2e

import (
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
)

// axeSource is axe-core, copied from its npm package by `npm run build`
// (see package.json) and committed, so the suite needs no Node.
var axeSource = sync.OnceValues(func() (string, error) {
	b, err := os.ReadFile("testdata/axe.min.js")
	return string(b), err
})

// axeRun runs axe on the document with the WCAG 2.x A and AA rules (colour
// contrast among them) and axe's best practices, and returns the violations.
const axeRun = `axe.run(document, {
	runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]},
	resultTypes: ["violations"],
}).then(r => ({
	violations: r.violations.map(v => ({
		id: v.id, impact: v.impact || "", help: v.help,
		nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ")),
	})),
	checked: [...r.passes, ...r.incomplete, ...r.violations].map(v => v.id),
}))`

type axeResult struct {
	Violations []struct {
		ID, Impact, Help string
		Nodes            []string
	}
	Checked []string // ids of the rules that applied to the page
}

// checkAxe injects axe into the page through the DevTools protocol (the
// page's CSP, which allows no inline scripts, does not apply) and fails the
// test on any serious or critical violation; lesser ones are logged.
func (tb *tab) checkAxe(state string) {
	tb.t.Helper()
	src, err := axeSource()
	if err != nil {
		tb.t.Fatalf("reading axe-core (run npm run build to vendor it): %v", err)
	}
	if !eval[bool](tb, `typeof window.axe !== "undefined"`) {
		tb.do("injecting axe-core", chromedp.Evaluate[chromedp.Void](src))
	}
	res := eval[axeResult](tb, axeRun)
	if !slices.Contains(res.Checked, "color-contrast") {
		tb.t.Errorf("%s: axe did not check colour contrast (rules checked: %v)", state, res.Checked)
	}
	for _, v := range res.Violations {
		msg := v.ID + " (" + v.Impact + "): " + v.Help + " at " + strings.Join(v.Nodes, ", ")
		if v.Impact == "serious" || v.Impact == "critical" {
			tb.t.Errorf("%s: axe: %s", state, msg)
		} else {
			tb.t.Logf("%s: axe (not failing): %s", state, msg)
		}
	}
}

// TestAccessibility runs axe on every page and on the error states.
func TestAccessibility(t *testing.T) {
	t.Parallel()
	tb := newTab(t, tabOptions{})
	o := newOwner("Alan Turing")

	tb.open("/")
	tb.checkAxe("home, logged out")
	tb.open("/login")
	tb.checkAxe("login")

	tb.open("/signup")
	tb.checkAxe("signup")
	tb.typeInto("#name", o.name)
	tb.typeInto("#email", o.email)
	tb.typeInto("#password", o.password)
	tb.click(submitOf("signup-form"))
	tb.waitFor("the dashboard", and(atPath("/"), present(sel("owner-name"))))
	tb.checkAxe("dashboard, empty, with the welcome notice")

	tb.open("/stores/new")
	tb.checkAxe("new store")
	tb.fillStore(store{name: "Bletchley Books", email: "bb@example.com", categories: tooLongCategory})
	tb.expectStatus(422, "/stores")
	tb.click(submitOf("store-form"))
	tb.waitFor("the inline error", present(sel("error-summary")))
	tb.checkAxe("new store with an inline error")
	tb.typeInto("#categories", "Books, Puzzles")
	tb.typeInto("#paymentMethods", "Cash, Card")
	tb.click(submitOf("store-form"))
	tb.waitFor("the store page", and(`document.readyState === "complete"`, present(sel("store-name"))))
	id := storeIDFromPath(t, tb.path())
	tb.checkAxe("store page")
	tb.open("/stores/" + id + "/edit")
	tb.checkAxe("edit store")
	tb.open("/")
	tb.checkAxe("dashboard with a store")

	tb.expectStatus(404, "/stores/no-such-store")
	tb.open("/stores/no-such-store")
	tb.checkAxe("404 page")

	tb.open("/")
	tb.click(submitOf("logout-form"))
	tb.waitFor("the logged-out home page", and(atPath("/"), present(sel("logged-out"))))
	tb.open("/login")
	tb.typeInto("#email", o.email)
	tb.typeInto("#password", "wrong password")
	tb.expectStatus(401, "/login")
	tb.click(submitOf("login-form"))
	tb.waitFor("the wrong-password alert", present(sel("error-summary")))
	tb.checkAxe("login with the wrong-password alert")
}
