package e2e

import (
	"testing"
)

// TestJourneyWithoutJavaScript is the same journey with the page's scripts
// off: every form is a plain POST answered with a full page (errors) or a
// 303 See Other (success).
func TestJourneyWithoutJavaScript(t *testing.T) {
	t.Parallel()
	tb := newTab(t, tabOptions{noJS: true})
	o := newOwner("Katherine Johnson")

	tb.open("/signup")
	if eval[bool](tb, `typeof window.htmx !== "undefined"`) {
		t.Fatal("htmx ran although the page's scripts are off")
	}
	tb.typeInto("#name", o.name)
	tb.typeInto("#email", o.email)
	tb.typeInto("#password", o.password)
	if got := tb.post("signing up", submitOf("signup-form"), "/signup", "/"); got != 200 {
		t.Errorf("the dashboard after signing up answered %d, want 200", got)
	}
	tb.wantText(sel("nav-user"), o.name)
	tb.wantText(sel("flash"), "Welcome to Shopkeeper, "+o.name+".")

	// Signing up again with the same email: the full page comes back with
	// the error inline and what was typed, except the password.
	tb.post("logging out", submitOf("logout-form"), "/logout", "/")
	tb.open("/signup")
	tb.typeInto("#name", o.name)
	tb.typeInto("#email", o.email)
	tb.typeInto("#password", o.password)
	tb.expectStatus(422, "/signup")
	if got := tb.post("signing up twice", submitOf("signup-form"), "/signup", ""); got != 422 {
		t.Errorf("signing up with a taken email answered %d, want 422", got)
	}
	tb.wantText(sel("field-error"), "An account with this email already exists. Log in instead?")
	tb.wantValue("#name", o.name)
	tb.wantValue("#email", o.email)
	tb.wantValue("#password", "")
	tb.wantFocus(sel("error-summary"))

	// A wrong password: 401 and the full login page with the alert.
	tb.open("/login")
	tb.typeInto("#email", o.email)
	tb.typeInto("#password", "wrong password")
	tb.expectStatus(401, "/login")
	if got := tb.post("logging in with a wrong password", submitOf("login-form"), "/login", ""); got != 401 {
		t.Errorf("a wrong password answered %d, want 401", got)
	}
	tb.wantText(sel("error-summary")+" li", "The email or password is incorrect.")
	tb.wantValue("#email", o.email)
	tb.wantValue("#password", "")
	tb.wantFocus(sel("error-summary"))

	tb.typeInto("#password", o.password)
	tb.post("logging in", submitOf("login-form"), "/login", "/")
	tb.wantText(sel("nav-user"), o.name)
	tb.wantText(sel("owner-name"), "Welcome, "+o.name)
	checkSessionCookie(tb)

	// Add a store: the inline error, then success.
	tb.open("/stores/new")
	s := store{name: "Night Market", email: "market@example.com", paymentMethods: "Cash", categories: tooLongCategory}
	tb.fillStore(s)
	tb.expectStatus(422, "/stores")
	if got := tb.post("adding an invalid store", submitOf("store-form"), "/stores", ""); got != 422 {
		t.Errorf("an invalid store answered %d, want 422", got)
	}
	tb.wantText(sel("field-error"), "Keep each item to at most 200 characters.")
	tb.wantText(sel("nav-user"), o.name)
	tb.wantValue("#name", s.name)
	tb.wantFocus(sel("error-summary"))
	tb.typeInto("#categories", "Food, Late nights")
	n := tb.documentCount()
	tb.click(submitOf("store-form"))
	tb.waitFor("the new store's page", and(`/^\/stores\/[^/]+$/.test(location.pathname)`, `!location.pathname.endsWith("/new")`, `document.readyState === "complete"`))
	docs := tb.documentsSince(n)
	id := storeIDFromPath(t, tb.path())
	if len(docs) != 2 || docs[0].Method != "POST" || pathOf(docs[0].URL) != "/stores" || docs[1].RedirectStatus != 303 {
		t.Errorf("adding a store: want POST /stores then 303 to /stores/%s, the browser loaded %+v", id, docs)
	}
	tb.wantText(sel("store-name"), s.name)
	tb.wantText(sel("store-categories"), "Food\nLate nights")

	// Edit it: a plain POST to /stores/ID.
	tb.open("/stores/" + id + "/edit")
	tb.typeInto("#name", "Night Market East")
	tb.post("editing the store", submitOf("store-form"), "/stores/"+id, "/stores/"+id)
	tb.wantText(sel("store-name"), "Night Market East")

	// Delete it from its dashboard row: a plain POST, then the dashboard.
	tb.open("/")
	row := "#store-" + id
	if !tb.exists(row) {
		t.Fatalf("the dashboard has no row %s", row)
	}
	tb.post("deleting the store", row+" "+sel("store-delete")+" button", "/stores/"+id+"/delete", "/")
	tb.wantText(sel("flash"), "Store deleted.")
	if tb.exists(row) {
		t.Error("the deleted store is still on the dashboard")
	}
	if !tb.exists(sel("empty-state")) {
		t.Error("the dashboard shows no empty state after deleting the only store")
	}

	tb.post("logging out", submitOf("logout-form"), "/logout", "/")
	if !tb.exists(sel("logged-out")) {
		t.Error("the home page after logout is not the logged-out prompt")
	}
	tb.open("/stores/new")
	if got := tb.path(); got != "/login?next=%2Fstores%2Fnew" {
		t.Errorf("after logout /stores/new went to %s, want /login?next=%%2Fstores%%2Fnew", got)
	}
}
