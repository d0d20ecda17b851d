package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// signUp signs o up through the htmx form and waits for the dashboard.
func (tb *tab) signUp(o owner) {
	tb.t.Helper()
	tb.open("/signup")
	tb.typeInto("#name", o.name)
	tb.typeInto("#email", o.email)
	tb.typeInto("#password", o.password)
	tb.click(submitOf("signup-form"))
	tb.waitFor("the dashboard after signing up", and(atPath("/"), present(sel("owner-name"))))
}

// addStore adds s through the htmx form and returns its id.
func (tb *tab) addStore(s store) string {
	tb.t.Helper()
	tb.open("/stores/new")
	tb.fillStore(s)
	tb.click(submitOf("store-form"))
	tb.waitFor("the new store's page", and(`/^\/stores\/[^/]+$/.test(location.pathname)`, `!location.pathname.endsWith("/new")`, `document.readyState === "complete"`))
	return storeIDFromPath(tb.t, tb.path())
}

// TestPageTitles checks every page says what it is in its title.
func TestPageTitles(t *testing.T) {
	t.Parallel()
	tb := newTab(t, tabOptions{})
	o := newOwner("Mary Jackson")
	check := func(path, want string) {
		t.Helper()
		if got := eval[string](tb, "document.title"); got != want {
			t.Errorf("title of %s = %q, want %q", path, got, want)
		}
	}
	for path, want := range map[string]string{
		"/":       "Welcome · Shopkeeper",
		"/login":  "Log in · Shopkeeper",
		"/signup": "Sign up · Shopkeeper",
	} {
		tb.open(path)
		check(path, want)
	}
	tb.expectStatus(404, "/no-such-page")
	tb.open("/no-such-page")
	check("/no-such-page", "Not found · Shopkeeper")

	tb.signUp(o)
	check("/", "Your stores · Shopkeeper")
	tb.open("/stores/new")
	check("/stores/new", "Add a store · Shopkeeper")
	id := tb.addStore(store{name: "Langley Parts", email: "parts@example.com"})
	check("/stores/"+id, "Langley Parts · Shopkeeper")
	tb.open("/stores/" + id + "/edit")
	check("/stores/"+id+"/edit", "Edit Langley Parts · Shopkeeper")
}

// TestFavicon checks the layout links a favicon the server really serves,
// and that the browser asks for no other (such as /favicon.ico).
func TestFavicon(t *testing.T) {
	t.Parallel()
	tb := newTab(t, tabOptions{})
	tb.open("/login")
	href := eval[string](tb, `document.querySelector('link[rel="icon"]')?.getAttribute("href") ?? ""`)
	if href == "" {
		t.Fatal("the page links no favicon")
	}
	resp, err := http.Get(suite.baseURL + href)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/svg+xml" || !strings.Contains(string(body), "<svg") {
		t.Errorf("GET %s = %d %q, want 200 image/svg+xml", href, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

// TestErrorPagesUseTheLayout checks a 404 page is a whole page of the app:
// styled, with the navigation and the main landmark, and a way home.
func TestErrorPagesUseTheLayout(t *testing.T) {
	t.Parallel()
	tb := newTab(t, tabOptions{})
	tb.expectStatus(404, "/no-such-page")
	if status := tb.open("/no-such-page"); status != 404 {
		t.Errorf("GET /no-such-page = %d, want 404", status)
	}
	for _, s := range []string{"header nav " + sel("nav-home"), "main#main " + sel("error-page"), `main a[href="/"]`} {
		if !tb.exists(s) {
			t.Errorf("the 404 page has no %s", s)
		}
	}
	tb.wantText(sel("error-status"), "Error 404")
	tb.wantText(sel("error-title"), "Not found")
	// The stylesheet applied: the body has the layout's grey background.
	if bg := eval[string](tb, `getComputedStyle(document.body).backgroundColor`); bg == "rgba(0, 0, 0, 0)" || bg == "rgb(255, 255, 255)" {
		t.Errorf("the 404 page's body background is %s: the stylesheet did not apply", bg)
	}
}

// TestStaleDashboardRow deletes a row whose store is already gone (deleted
// in another tab): the error shows inside the row, focused, and the list
// keeps its structure.
func TestStaleDashboardRow(t *testing.T) {
	t.Parallel()
	tb := newTab(t, tabOptions{})
	tb.signUp(newOwner("Dorothy Vaughan"))
	gone := tb.addStore(store{name: "Gone Already", email: "gone@example.com"})
	kept := tb.addStore(store{name: "Still Here", email: "here@example.com"})
	tb.open("/")
	// Another tab deletes the store; this dashboard still shows it.
	status := eval[int](tb, fmt.Sprintf(`fetch("/stores/%s/delete", {method: "POST", redirect: "manual"}).then(r => r.status)`, gone))
	if status != 0 { // an opaque redirect reads as 0
		t.Fatalf("deleting the store behind the page's back answered %d", status)
	}
	tb.acceptDialogs()
	tb.expectStatus(404, "/stores/"+gone)
	row := "#store-" + gone
	tb.inPlace("the failed delete's error", present(row+" "+sel("error-fragment")), func() {
		tb.click(row + " " + sel("store-delete") + " button")
	})
	tb.wantText(row+" "+sel("error-fragment")+" p", "Not found")
	tb.wantFocus(sel("error-fragment"))
	if n := eval[int](tb, fmt.Sprintf(`document.querySelectorAll(%q).length`, sel("store-list")+" > :not(li)")); n != 0 {
		t.Errorf("the store list has %d children that are not <li>", n)
	}
	if !tb.exists("#store-" + kept) {
		t.Error("the other row went away")
	}
	tb.checkAxe("dashboard with a failed row delete")
}

// inFlight holds the next request matching urlPattern in the browser (the
// DevTools Fetch domain) once trigger has sent it, runs check while it is
// held, then lets it go on. It is how the test sees what a slow answer
// looks like, without slowing the server.
func (tb *tab) inFlight(what, urlPattern string, trigger, check func()) {
	tb.t.Helper()
	ctx, cancel := context.WithCancel(tb.ctx)
	defer cancel()
	paused := make(chan fetch.RequestID, 1)
	events := chromedp.Events(ctx, fetch.RequestPaused)
	go func() {
		for ev, err := range events {
			if err != nil {
				return
			}
			paused <- ev.RequestID
			return
		}
	}()
	tb.call("holding "+urlPattern, func(ctx context.Context) error {
		_, err := chromedp.Call(ctx, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{
			URLPattern: urlPattern, ResourceType: network.ResourceTypeFetch, RequestStage: fetch.RequestStageRequest,
		}}})
		return err
	})
	defer tb.call("releasing the Fetch domain", func(ctx context.Context) error {
		_, err := chromedp.Call(ctx, fetch.Disable, struct{}{})
		return err
	})
	trigger()
	var id fetch.RequestID
	select {
	case id = <-paused:
	case <-time.After(stepTimeout):
		tb.t.Fatalf("%s: no request to %s was sent", what, urlPattern)
	}
	check()
	tb.call("letting the request go on", func(ctx context.Context) error {
		_, err := chromedp.Call(ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: id})
		return err
	})
}

// busyState describes a submit button while its request is in flight.
type busyState struct {
	Disabled       bool
	SpinnerVisible bool
}

func (tb *tab) busyState(button string) busyState {
	tb.t.Helper()
	return eval[busyState](tb, fmt.Sprintf(`(() => {
		const b = document.querySelector(%q);
		const s = b.querySelector(".spinner");
		const visible = s !== null && getComputedStyle(s).display !== "none" && s.getBoundingClientRect().width > 0;
		return {disabled: b.disabled, spinnerVisible: visible};
	})()`, button))
}

// TestBusyButtons checks that while a form's request is in flight its
// submit button is disabled and shows a spinner, and that both go when the
// answer is in.
func TestBusyButtons(t *testing.T) {
	t.Parallel()
	tb := newTab(t, tabOptions{})
	o := newOwner("Annie Easley")
	tb.signUp(o)
	id := tb.addStore(store{name: "Rocket Supplies", email: "rockets@example.com"})

	expectBusy := func(what, button string) {
		t.Helper()
		if got := tb.busyState(button); !got.Disabled || !got.SpinnerVisible {
			t.Errorf("%s in flight: button disabled=%v spinner visible=%v, want both", what, got.Disabled, got.SpinnerVisible)
		}
	}
	expectIdle := func(what, button string) {
		t.Helper()
		if got := tb.busyState(button); got.Disabled || got.SpinnerVisible {
			t.Errorf("%s at rest: button disabled=%v spinner visible=%v, want neither", what, got.Disabled, got.SpinnerVisible)
		}
	}

	// The store form, answered with an inline error.
	tb.open("/stores/" + id + "/edit")
	expectIdle("edit store", submitOf("store-form"))
	tb.typeInto("#categories", tooLongCategory)
	tb.expectStatus(422, "/stores/"+id)
	tb.inFlight("saving the store", "*/stores/"+id,
		func() { tb.click(submitOf("store-form")) },
		func() { expectBusy("saving the store", submitOf("store-form")) })
	tb.waitFor("the inline error", present(sel("error-summary")))
	expectIdle("the store form after its error", submitOf("store-form"))

	// A dashboard row's delete button.
	tb.open("/")
	tb.acceptDialogs()
	del := "#store-" + id + " " + sel("store-delete") + " button"
	expectIdle("delete", del)
	tb.inFlight("deleting the store", "*/stores/"+id+"?from=dashboard",
		func() { tb.click(del) },
		func() { expectBusy("deleting the store", del) })
	tb.waitFor("the row to go", fmt.Sprintf(`document.querySelector("#store-%s") === null`, id))

	// The login form, answered with the wrong-password alert.
	tb.click(submitOf("logout-form"))
	tb.waitFor("the logged-out home page", and(atPath("/"), present(sel("logged-out"))))
	tb.open("/login")
	tb.typeInto("#email", o.email)
	tb.typeInto("#password", "wrong password")
	tb.expectStatus(401, "/login")
	tb.inFlight("logging in", "*/login",
		func() { tb.click(submitOf("login-form")) },
		func() { expectBusy("logging in", submitOf("login-form")) })
	tb.waitFor("the wrong-password alert", present(sel("error-summary")))
	expectIdle("the login form after its error", submitOf("login-form"))
}

// TestNarrowScreen checks every page fits a 375 px wide phone screen
// without sideways scrolling, with long names and an open error.
func TestNarrowScreen(t *testing.T) {
	t.Parallel()
	tb := newTab(t, tabOptions{width: 375})
	fits := func(state string) {
		t.Helper()
		over := eval[[]string](tb, `(() => {
			const w = document.documentElement.clientWidth;
			if (document.documentElement.scrollWidth <= w) return [];
			return [...document.querySelectorAll("body *")]
				.filter(e => e.getBoundingClientRect().right > w + 0.5)
				.slice(0, 5).map(e => e.outerHTML.slice(0, 100));
		})()`)
		if len(over) > 0 {
			t.Errorf("%s scrolls sideways at 375 px; too wide: %v", state, over)
		}
	}
	tb.open("/")
	if w := eval[int](tb, "window.innerWidth"); w != 375 {
		t.Fatalf("the viewport is %d px wide, want 375", w)
	}
	fits("the logged-out home page")
	tb.open("/login")
	fits("the login page")
	tb.open("/signup")
	fits("the signup page")

	o := newOwner("Wernher-Maximilian-Ferdinand-Alexander von Braunschweig-Lüneburg-Wolfenbüttel")
	tb.signUp(o)
	fits("the dashboard with a long owner name")
	longName := strings.Repeat("Supercalifragilistic", 4) // one 80-character word
	id := tb.addStore(store{
		name: longName, email: "a-very-long-mailbox-name-for-the-store@an-equally-long-domain-example.com",
		paymentMethods: "Cash, Card, Cheque, Bank transfer, Gift voucher", categories: "Books, Coffee, " + strings.Repeat("x", 40),
	})
	fits("a store page with a long name")
	tb.open("/")
	fits("the dashboard with a long store name")
	tb.open("/stores/" + id + "/edit")
	fits("the edit form")
	tb.typeInto("#categories", tooLongCategory)
	tb.expectStatus(422, "/stores/"+id)
	tb.click(submitOf("store-form"))
	tb.waitFor("the inline error", present(sel("error-summary")))
	fits("the edit form with an error")
	tb.expectStatus(404, "/no-such-page")
	tb.open("/no-such-page")
	fits("the 404 page")
}
