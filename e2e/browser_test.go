package e2e

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// Time limits. Every wait is bounded, so a broken page fails the test
// instead of hanging it.
const (
	testTimeout = 60 * time.Second // one test, all its steps
	stepTimeout = 10 * time.Second // one step, such as waiting for a swap
)

// tab is one test's browser tab in a fresh browser context (its own
// cookies). It records what the page does that a test must not allow:
// console errors (CSP violations included), uncaught exceptions, and
// requests to any host but the app.
type tab struct {
	t   *testing.T
	ctx context.Context // the tab, bounded by testTimeout
	js  bool

	mu        sync.Mutex
	problems  []string          // console errors, exceptions, foreign requests
	documents []documentRequest // top-level page loads, in order
	statuses  map[string]int64  // request id -> status, for network errors
	allowed   map[string]bool   // "status path" the test expects to fail
}

type documentRequest struct {
	Method, URL string
	// RedirectStatus is the status of the answer that led here, e.g. 303
	// after a plain form post; 0 when the browser asked for it directly.
	RedirectStatus int64
}

type tabOptions struct {
	noJS  bool
	width int64 // viewport width in CSS pixels; 0 = the browser's default
}

// newTab opens a tab for t. At the end of t it checks the recorded problems
// and, if t failed, leaves a screenshot and the page's HTML in -artifacts.
func newTab(t *testing.T, o tabOptions) *tab {
	t.Helper()
	tb := &tab{t: t, js: !o.noJS, statuses: map[string]int64{}, allowed: map[string]bool{}}
	tabCtx, cancelTab := chromedp.NewContext(suite.browser,
		chromedp.WithNewBrowserContext(),
		chromedp.WithListener(tb.record),
	)
	// The first Run opens the tab, which then lives as long as tabCtx.
	if err := chromedp.Do(tabCtx); err != nil {
		cancelTab()
		t.Fatalf("opening a tab: %v", err)
	}
	ctx, cancel := context.WithTimeout(tabCtx, testTimeout)
	tb.ctx = ctx
	t.Cleanup(func() {
		tb.checkProblems()
		if t.Failed() {
			tb.saveArtifacts(tabCtx)
		}
		cancel()
		cancelTab()
	})
	// Tabs run side by side in windows of their own; each page behaves as
	// if its window had the focus, as keyboard tests need.
	tb.call("emulating focus", func(ctx context.Context) error {
		_, err := chromedp.Call(ctx, emulation.SetFocusEmulationEnabled, emulation.SetFocusEmulationEnabledParams{Enabled: true})
		return err
	})
	if o.noJS {
		tb.call("disable JavaScript", func(ctx context.Context) error {
			_, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
			return err
		})
	}
	if o.width > 0 {
		tb.do("set the viewport", chromedp.EmulateViewport(o.width, 812, chromedp.EmulateMobile))
	}
	return tb
}

// record runs on the tab's event loop, so it only writes down what it sees.
func (tb *tab) record(ev any) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			tb.problems = append(tb.problems, fmt.Sprintf("console.%s: %s", ev.Type, consoleArgs(ev.Args)))
		}
	case *runtime.EventExceptionThrown:
		tb.problems = append(tb.problems, "uncaught exception: "+exceptionText(ev.ExceptionDetails))
	case *cdplog.EventEntryAdded:
		e := ev.Entry
		if e.Level != cdplog.EntryLevelError {
			return
		}
		// Chromium logs every 4xx/5xx answer as a network error. The app
		// answers some on purpose (422 for invalid input, 401 for a wrong
		// password, 404); a test lists the ones it expects.
		if e.Source == cdplog.EntrySourceNetwork && tb.expectedFailure(e) {
			return
		}
		tb.problems = append(tb.problems, fmt.Sprintf("console (%s): %s %s", e.Source, e.Text, e.URL))
	case *network.EventRequestWillBeSent:
		u, err := url.Parse(ev.Request.URL)
		if err == nil && (u.Scheme == "http" || u.Scheme == "https" || u.Scheme == "ws" || u.Scheme == "wss") && u.Host != suite.host {
			tb.problems = append(tb.problems, "request to another host: "+ev.Request.URL)
		}
		if ev.Type == network.ResourceTypeDocument {
			d := documentRequest{Method: ev.Request.Method, URL: ev.Request.URL}
			if ev.RedirectResponse != nil {
				d.RedirectStatus = ev.RedirectResponse.Status
			}
			tb.documents = append(tb.documents, d)
		}
	case *network.EventResponseReceived:
		tb.statuses[string(ev.RequestID)] = ev.Response.Status
	}
}

var statusInText = regexp.MustCompile(`status of (\d{3})`)

// expectedFailure reports whether a network error entry is an answer the
// test said to expect. Called with tb.mu held.
func (tb *tab) expectedFailure(e *cdplog.Entry) bool {
	u, err := url.Parse(e.URL)
	if err != nil || u.Host != suite.host {
		return false
	}
	m := statusInText.FindStringSubmatch(e.Text)
	if m == nil {
		return false
	}
	return tb.allowed[m[1]+" "+u.Path]
}

// expectStatus tells the tab that an answer with status for path is part of
// the test, so Chromium's "Failed to load resource" log line is no problem.
func (tb *tab) expectStatus(status int, path string) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	tb.allowed[fmt.Sprintf("%d %s", status, path)] = true
}

func (tb *tab) checkProblems() {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	for _, p := range tb.problems {
		tb.t.Errorf("page problem: %s", p)
	}
}

// saveArtifacts writes a screenshot and the page's HTML for a failed test.
func (tb *tab) saveArtifacts(tabCtx context.Context) {
	ctx, cancel := context.WithTimeout(tabCtx, 5*time.Second)
	defer cancel()
	dir := filepath.Join(*artifactsDir, strings.NewReplacer("/", "_", " ", "_").Replace(tb.t.Name()))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.t.Logf("artifacts: %v", err)
		return
	}
	if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
		_ = os.WriteFile(filepath.Join(dir, "screenshot.png"), png, 0o644)
	} else {
		tb.t.Logf("artifacts: screenshot: %v", err)
	}
	if html, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`)); err == nil {
		_ = os.WriteFile(filepath.Join(dir, "page.html"), []byte(html), 0o644)
	} else {
		tb.t.Logf("artifacts: HTML: %v", err)
	}
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	abs, _ := filepath.Abs(dir)
	tb.t.Logf("failure artifacts for %s in %s", loc, abs)
}

// do runs actions with the step timeout, failing the test on error.
func (tb *tab) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		tb.t.Fatalf("%s: %v", what, err)
	}
}

// call runs f with the step timeout, failing the test on error.
func (tb *tab) call(what string, f func(ctx context.Context) error) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	if err := f(ctx); err != nil {
		tb.t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates a JavaScript expression through the DevTools protocol,
// which the page's CSP does not apply to and which works with the page's
// own scripts disabled.
func eval[T any](tb *tab, expr string) T {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, awaitPromise))
	if err != nil {
		tb.t.Fatalf("evaluating %s: %v", abbreviate(expr), err)
	}
	return v
}

func awaitPromise(p *runtime.EvaluateParams) { p.AwaitPromise = new(true) }

// waitFor polls a JavaScript condition until it is true or the step
// timeout ends.
func (tb *tab) waitFor(what, cond string) {
	tb.t.Helper()
	deadline := time.Now().Add(stepTimeout)
	var lastErr error
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(tb.ctx, time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("Boolean("+cond+")"))
		cancel()
		if err == nil && ok {
			return
		}
		lastErr = err
		if tb.ctx.Err() != nil {
			break
		}
		time.Sleep(25 * time.Millisecond)
	}
	loc := eval[string](tb, "location.pathname + location.search")
	tb.t.Fatalf("waiting for %s (%s) on %s: timed out (last error: %v)", what, cond, loc, lastErr)
}

// open navigates to path and waits for the page to load; it returns the
// HTTP status of the document.
func (tb *tab) open(path string) int64 {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(suite.baseURL+path))
	if err != nil {
		tb.t.Fatalf("opening %s: %v", path, err)
	}
	return resp.Status
}

// submitAndLoad runs trigger (a click or Enter on a form) and waits for the
// full page load it causes, returning the final document's response.
func (tb *tab) submitAndLoad(what string, trigger ...chromedp.Action[chromedp.Void]) *network.Response {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, trigger...)
	if err != nil {
		tb.t.Fatalf("%s: %v", what, err)
	}
	return resp
}

// documentCount is how many page loads the tab has seen so far.
func (tb *tab) documentCount() int {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return len(tb.documents)
}

// documentsSince returns the page loads after the first n.
func (tb *tab) documentsSince(n int) []documentRequest {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return append([]documentRequest(nil), tb.documents[n:]...)
}

// path is the page's current path and query.
func (tb *tab) path() string {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		tb.t.Fatalf("reading the location: %v", err)
	}
	u, err := url.Parse(loc)
	if err != nil {
		tb.t.Fatalf("parsing the location %q: %v", loc, err)
	}
	return u.RequestURI()
}

// text is the visible text of the first element matching the CSS selector.
func (tb *tab) text(sel string) string {
	tb.t.Helper()
	return eval[string](tb, fmt.Sprintf(`(document.querySelector(%q)?.innerText ?? "").trim()`, sel))
}

// exists reports whether an element matches the CSS selector.
func (tb *tab) exists(sel string) bool {
	tb.t.Helper()
	return eval[bool](tb, fmt.Sprintf(`document.querySelector(%q) !== null`, sel))
}

// count is how many elements match the CSS selector.
func (tb *tab) count(sel string) int {
	tb.t.Helper()
	return eval[int](tb, fmt.Sprintf(`document.querySelectorAll(%q).length`, sel))
}

// typeInto replaces the field's text with value: it focuses the field,
// selects what is there and inserts the text as the keyboard would
// (Input.insertText fires the same input events; typing key by key is
// kept for the keyboard test, where it is the point, as it is slow).
func (tb *tab) typeInto(sel, value string) {
	tb.t.Helper()
	eval[bool](tb, fmt.Sprintf(`(() => { const f = document.querySelector(%q); f.focus(); f.select(); return true })()`, sel))
	if value == "" {
		tb.press(kb.Backspace)
		return
	}
	tb.call("typing into "+sel, func(ctx context.Context) error {
		_, err := chromedp.Call(ctx, input.InsertText, input.InsertTextParams{Text: value})
		return err
	})
}

// focus moves the focus to the first element matching the CSS selector.
func (tb *tab) focus(sel string) {
	tb.t.Helper()
	tb.do("focusing "+sel, chromedp.Focus(chromedp.CSS(sel)))
}

// press sends keys (e.g. kb.Enter) to the focused element.
func (tb *tab) press(keys string, opts ...chromedp.KeyOption) {
	tb.t.Helper()
	tb.do("pressing "+fmt.Sprintf("%q", keys), chromedp.KeyEvent(keys, opts...))
}

// click clicks the first element matching the CSS selector with the mouse.
func (tb *tab) click(sel string) {
	tb.t.Helper()
	tb.do("clicking "+sel, chromedp.Click(chromedp.CSS(sel)))
}

// acceptDialogs answers every confirm() the page opens with OK, as a user
// deleting a store would.
func (tb *tab) acceptDialogs() {
	dialogs := chromedp.Events(tb.ctx, page.JavascriptDialogOpening)
	go func() {
		for _, err := range dialogs {
			if err != nil {
				return
			}
			_, _ = chromedp.Call(tb.ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}()
}

// cookies returns the browser's cookies for the app.
func (tb *tab) cookies() []*network.Cookie {
	tb.t.Helper()
	var out []*network.Cookie
	tb.call("reading cookies", func(ctx context.Context) error {
		res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{suite.baseURL + "/"}})
		out = res.Cookies
		return err
	})
	return out
}

func consoleArgs(args []*runtime.RemoteObject) string {
	var parts []string
	for _, a := range args {
		switch {
		case len(a.Value) > 0:
			parts = append(parts, string(a.Value))
		case a.Description != "":
			parts = append(parts, a.Description)
		default:
			parts = append(parts, string(a.Type))
		}
	}
	return strings.Join(parts, " ")
}

func exceptionText(d *runtime.ExceptionDetails) string {
	if d == nil {
		return ""
	}
	if d.Exception != nil && d.Exception.Description != "" {
		return d.Exception.Description
	}
	return d.Text
}

func abbreviate(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 80 {
		return s[:77] + "..."
	}
	return s
}
