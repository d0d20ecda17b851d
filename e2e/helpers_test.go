package e2e

import (
	"fmt"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// owner is a store owner a test signs up.
type owner struct{ name, email, password string }

var ownerSeq atomic.Int64

// newOwner returns an owner no other test uses.
func newOwner(name string) owner {
	n := ownerSeq.Add(1)
	slug := strings.ToLower(strings.Fields(name)[0])
	return owner{name: name, email: fmt.Sprintf("%s-%d@example.com", slug, n), password: "correct horse battery"}
}

// store is what a test types into the store form.
type store struct{ name, email, paymentMethods, categories string }

// sel is the CSS selector of a data-testid marker.
func sel(testid string) string { return fmt.Sprintf("[data-testid=%q]", testid) }

// submitOf is the submit button of the form with the given data-testid.
func submitOf(form string) string { return sel(form) + ` button[type="submit"]` }

// Conditions for waitFor.
func atPath(path string) string {
	return fmt.Sprintf(`location.pathname === %q && document.readyState === "complete"`, path)
}

func present(selector string) string {
	return fmt.Sprintf(`document.querySelector(%q) !== null`, selector)
}

func and(conds ...string) string { return "(" + strings.Join(conds, ") && (") + ")" }

// inPlace runs trigger, waits for cond and then proves the page did not
// load again: a marker set on window before survives, and the browser made
// no document request. This is what tells an htmx swap from a page load.
func (tb *tab) inPlace(what, cond string, trigger func()) {
	tb.t.Helper()
	n := tb.documentCount()
	marker := eval[float64](tb, `window.__e2eMarker = Math.random()`)
	trigger()
	tb.waitFor(what, cond)
	if got := eval[float64](tb, `window.__e2eMarker ?? -1`); got != marker {
		tb.t.Fatalf("%s: the page was loaded again (the window marker is gone); want an in-place htmx swap", what)
	}
	if docs := tb.documentsSince(n); len(docs) > 0 {
		tb.t.Fatalf("%s: the browser loaded %d document(s) (%+v); want an in-place htmx swap", what, len(docs), docs)
	}
}

// post submits a form with JavaScript off by clicking button, waits for the
// resulting page and checks the browser really posted the form to action
// and, when redirectTo is set, followed a 303 to it. It returns the status
// of the page it ends on.
func (tb *tab) post(what, button, action, redirectTo string) int64 {
	tb.t.Helper()
	n := tb.documentCount()
	resp := tb.submitAndLoad(what, chromedp.Click(chromedp.CSS(button)))
	docs := tb.documentsSince(n)
	if len(docs) == 0 || docs[0].Method != "POST" || pathOf(docs[0].URL) != action {
		tb.t.Fatalf("%s: want a plain form POST to %s, the browser loaded %+v", what, action, docs)
	}
	if redirectTo == "" {
		if len(docs) != 1 {
			tb.t.Fatalf("%s: want the answer to the POST itself, the browser loaded %+v", what, docs)
		}
		return resp.Status
	}
	if len(docs) != 2 || docs[1].RedirectStatus != 303 || docs[1].Method != "GET" || pathOf(docs[1].URL) != redirectTo {
		tb.t.Fatalf("%s: want POST %s then 303 See Other to %s, the browser loaded %+v", what, action, redirectTo, docs)
	}
	return resp.Status
}

// fillStore types s into the store form.
func (tb *tab) fillStore(s store) {
	tb.t.Helper()
	tb.typeInto("#name", s.name)
	tb.typeInto("#email", s.email)
	tb.typeInto("#paymentMethods", s.paymentMethods)
	tb.typeInto("#categories", s.categories)
}

// wantText fails unless the element's visible text is want.
func (tb *tab) wantText(selector, want string) {
	tb.t.Helper()
	if got := tb.text(selector); got != want {
		tb.t.Errorf("text of %s = %q, want %q", selector, got, want)
	}
}

// wantValue fails unless the field holds want.
func (tb *tab) wantValue(selector, want string) {
	tb.t.Helper()
	got := eval[string](tb, fmt.Sprintf(`document.querySelector(%q).value`, selector))
	if got != want {
		tb.t.Errorf("value of %s = %q, want %q", selector, got, want)
	}
}

// wantFocus fails unless the focused element matches selector.
func (tb *tab) wantFocus(selector string) {
	tb.t.Helper()
	// htmx moves focus to [autofocus] when it settles the swap, a moment
	// after the new content is present: wait for it, within a bound.
	check := fmt.Sprintf(`document.activeElement?.matches(%q) ?? false`, selector)
	ok := eval[bool](tb, check)
	for deadline := time.Now().Add(3 * time.Second); !ok && time.Now().Before(deadline); {
		time.Sleep(25 * time.Millisecond)
		ok = eval[bool](tb, check)
	}
	if !ok {
		got := eval[string](tb, `document.activeElement ? document.activeElement.outerHTML.slice(0, 120) : "nothing"`)
		tb.t.Errorf("focus is on %s, want %s", got, selector)
	}
}

// storeIDFromPath returns ID from "/stores/ID".
func storeIDFromPath(t *testing.T, path string) string {
	t.Helper()
	id, ok := strings.CutPrefix(path, "/stores/")
	if !ok || id == "" || strings.Contains(id, "/") {
		t.Fatalf("want a store page /stores/ID, at %s", path)
	}
	return id
}

func pathOf(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return rawURL
	}
	return u.Path
}
