package e2e

import (
	"fmt"
	"strings"
	"testing"
)

// A long category fails the server's check (at most 200 characters) but no
// browser constraint, so the form reaches the server and comes back with an
// inline error.
var tooLongCategory = strings.Repeat("x", 201)

// TestJourneyWithJavaScript is the owner's whole journey with htmx: forms
// swap in place on errors, succeed through HX-Redirect, and a dashboard row
// is deleted without a page load.
func TestJourneyWithJavaScript(t *testing.T) {
	t.Parallel()
	tb := newTab(t, tabOptions{})
	o := newOwner("Grace Hopper")

	// Sign up: lands on the dashboard, logged in.
	tb.open("/signup")
	tb.typeInto("#name", o.name)
	tb.typeInto("#email", o.email)
	tb.typeInto("#password", o.password)
	tb.click(submitOf("signup-form"))
	tb.waitFor("the dashboard after signing up", and(atPath("/"), present(sel("owner-name"))))
	tb.wantText(sel("nav-user"), o.name)
	tb.wantText(sel("flash"), "Welcome to Shopkeeper, "+o.name+".")
	tb.wantText(sel("owner-email"), o.email)
	if !tb.exists(sel("empty-state")) {
		t.Error("a new owner's dashboard shows no empty state")
	}

	// Log out, then log in with a wrong password: the alert swaps in, the
	// email stays, the password does not, and the focus goes to the alert.
	tb.click(submitOf("logout-form"))
	tb.waitFor("the logged-out home page", and(atPath("/"), present(sel("nav-login"))))
	tb.open("/login")
	tb.typeInto("#email", o.email)
	tb.typeInto("#password", "wrong password")
	tb.expectStatus(401, "/login")
	tb.inPlace("the wrong-password alert", present(sel("error-summary")), func() {
		tb.click(submitOf("login-form"))
	})
	tb.wantText(sel("error-summary")+" li", "The email or password is incorrect.")
	if role := eval[string](tb, `document.querySelector('[data-testid="error-summary"]').getAttribute("role")`); role != "alert" {
		t.Errorf("the error summary has role %q, want alert", role)
	}
	tb.wantValue("#email", o.email)
	tb.wantValue("#password", "")
	tb.wantFocus(sel("error-summary"))
	if got := tb.count(sel("login-form")); got != 1 {
		t.Errorf("%d login forms on the page after the swap, want 1", got)
	}

	// The right password lands on / with the owner shown.
	tb.typeInto("#password", o.password)
	tb.click(submitOf("login-form"))
	tb.waitFor("the dashboard after logging in", and(atPath("/"), present(sel("owner-name"))))
	tb.wantText(sel("nav-user"), o.name)
	tb.wantText(sel("owner-name"), "Welcome, "+o.name)

	// The session cookie is HttpOnly: the browser has it, page scripts do not.
	checkSessionCookie(tb)

	// Add a store: an inline error first, then success.
	tb.click(sel("nav-add-store"))
	tb.waitFor("the new store form", and(atPath("/stores/new"), present(sel("store-form"))))
	first := store{name: "Corner Books", email: "books@example.com", paymentMethods: "Cash, Card", categories: "Books, " + tooLongCategory}
	tb.fillStore(first)
	tb.expectStatus(422, "/stores")
	tb.inPlace("the store form's inline error", present(sel("error-summary")), func() {
		tb.click(submitOf("store-form"))
	})
	tb.wantFocus(sel("error-summary"))
	tb.wantText(sel("field-error"), "Keep each item to at most 200 characters.")
	if got := eval[string](tb, `document.querySelector("#categories").getAttribute("aria-invalid")`); got != "true" {
		t.Errorf("the categories field has aria-invalid=%q, want true", got)
	}
	tb.wantValue("#name", first.name)
	tb.wantValue("#email", first.email)
	tb.wantValue("#categories", first.categories)
	first.categories = "Books, Coffee"
	tb.typeInto("#categories", first.categories)
	tb.click(submitOf("store-form"))
	tb.waitFor("the new store's page", and(`location.pathname.startsWith("/stores/")`, `document.readyState === "complete"`, present(sel("store-name"))))
	firstID := storeIDFromPath(t, tb.path())
	tb.wantText(sel("store-name"), first.name)
	tb.wantText(sel("store-email"), first.email)
	tb.wantText(sel("store-categories"), "Books\nCoffee")

	// Edit it (htmx sends PUT).
	tb.click(sel("store-edit"))
	tb.waitFor("the edit form", and(atPath("/stores/"+firstID+"/edit"), present(sel("store-form"))))
	tb.wantValue("#name", first.name)
	tb.wantValue("#categories", first.categories)
	tb.typeInto("#name", "Corner Books & Coffee")
	tb.click(submitOf("store-form"))
	tb.waitFor("the edited store's page", and(atPath("/stores/"+firstID), present(sel("store-name"))))
	tb.wantText(sel("store-name"), "Corner Books & Coffee")

	// A second store, so the dashboard has two rows.
	tb.open("/stores/new")
	tb.fillStore(store{name: "Harbour Fish", email: "fish@example.com", categories: "Fish"})
	tb.click(submitOf("store-form"))
	tb.waitFor("the second store's page", and(`location.pathname.startsWith("/stores/")`, `!location.pathname.endsWith("/new")`, present(sel("store-name"))))
	secondID := storeIDFromPath(t, tb.path())

	// Delete a row in place on the dashboard.
	tb.click(sel("nav-home"))
	tb.waitFor("the dashboard with two stores", and(atPath("/"), fmt.Sprintf(`document.querySelectorAll(%q).length === 2`, sel("store-row"))))
	tb.acceptDialogs()
	row := "#store-" + firstID
	tb.inPlace("deleting a dashboard row", `document.querySelector(`+fmt.Sprintf("%q", row)+`) === null`, func() {
		tb.click(row + " " + sel("store-delete") + " button")
	})
	if got := tb.count(sel("store-row")); got != 1 {
		t.Errorf("%d store rows after deleting one of two, want 1", got)
	}
	if !tb.exists("#store-" + secondID) {
		t.Error("the other store's row went too")
	}
	tb.open("/")
	if tb.exists(row) {
		t.Error("the deleted store is back after reloading the dashboard")
	}
	tb.expectStatus(404, "/stores/"+firstID)
	if status := tb.open("/stores/" + firstID); status != 404 {
		t.Errorf("the deleted store's page answered %d, want 404", status)
	}

	// Log out: the cookie goes, and protected pages send to the login page.
	tb.open("/")
	tb.click(submitOf("logout-form"))
	tb.waitFor("the logged-out home page", and(atPath("/"), present(sel("logged-out"))))
	for _, c := range tb.cookies() {
		if c.Name == "fauna-session" {
			t.Errorf("the session cookie is still set after logout: %+v", c)
		}
	}
	tb.open("/stores/new")
	if got := tb.path(); got != "/login?next=%2Fstores%2Fnew" {
		t.Errorf("after logout /stores/new went to %s, want /login?next=%%2Fstores%%2Fnew", got)
	}
}

// checkSessionCookie checks the browser holds the session cookie with the
// attributes the design asks for, and that page scripts cannot read it.
func checkSessionCookie(tb *tab) {
	tb.t.Helper()
	var found bool
	for _, c := range tb.cookies() {
		if c.Name != "fauna-session" {
			continue
		}
		found = true
		if !c.HTTPOnly {
			tb.t.Error("the session cookie is not HttpOnly")
		}
		if string(c.SameSite) != "Lax" {
			tb.t.Errorf("the session cookie has SameSite=%q, want Lax", c.SameSite)
		}
		if c.Path != "/" {
			tb.t.Errorf("the session cookie has Path=%q, want /", c.Path)
		}
		if c.Session {
			tb.t.Error("the session cookie has no expiry; want it to expire with the token")
		}
	}
	if !found {
		tb.t.Fatal("no fauna-session cookie after logging in")
	}
	if dc := eval[string](tb, `document.cookie`); strings.Contains(dc, "fauna-session") {
		tb.t.Errorf("document.cookie shows the session cookie: %q", dc)
	}
}
