package handlers_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// rowDelete deletes the store with id as its dashboard row does with htmx:
// the row's own hx-delete URL, read from the dashboard, with HX-Request.
// It returns the dashboard it read the URL from and the answer.
func (b *browser) rowDelete(id string) (dashboard, answer *response) {
	b.app.t.Helper()
	dashboard = b.get("/", false)
	wantStatus(b.app.t, dashboard, http.StatusOK)
	del, ok := dashboard.doc.Find("#store-" + id + " [hx-delete]").Attr("hx-delete")
	if !ok {
		b.app.t.Fatalf("the dashboard has no row with an hx-delete control for %s:\n%s", id, dashboard.body)
	}
	return dashboard, b.send(http.MethodDelete, del, nil, true)
}

// TestDashboardRowDelete checks what an in-place row delete answers: the
// row goes (the row's hx-swap removes it whatever the body), and
// out-of-band swaps put "Store deleted." in the page's live region, turn
// the list into the empty state when the last store went, and move the
// focus to a neighbouring row's link, or to the empty state's link.
func TestDashboardRowDelete(t *testing.T) {
	tests := []struct {
		name   string
		stores []string // created in this order, so listed in this order
		del    int      // index in stores of the one to delete
		// focus is the store whose link takes the focus; -1 for the empty
		// state's "Add your first store" link.
		focus int
	}{
		{name: "the last store", stores: []string{"Only Shop"}, del: 0, focus: -1},
		{name: "a middle row", stores: []string{"First", "Middle", "Last"}, del: 1, focus: 2},
		{name: "the first row", stores: []string{"First", "Second"}, del: 0, focus: 1},
		{name: "the bottom row", stores: []string{"First", "Second", "Bottom"}, del: 2, focus: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := newApp(t)
			b := a.browser()
			b.signup("Ada Lovelace", "ada@example.com", "correct horse")
			b.get("/", false) // takes the welcome flash
			ids := make([]string, len(tc.stores))
			for i, name := range tc.stores {
				ids[i] = b.createStore(name)
			}

			before, r := b.rowDelete(ids[tc.del])
			wantStatus(t, r, http.StatusOK)
			if r.Header.Get("HX-Redirect") != "" || r.isFullPage() {
				t.Fatalf("want a fragment for the row to go in place, got HX-Redirect %q, full page %v", r.Header.Get("HX-Redirect"), r.isFullPage())
			}
			if !strings.Contains(r.Header.Get("Vary"), "HX-Request") {
				t.Errorf("Vary = %q, want HX-Request in it", r.Header.Get("Vary"))
			}

			// Every out-of-band element replaces one the dashboard has.
			oob := r.doc.Find("[hx-swap-oob]")
			if oob.Length() == 0 {
				t.Fatalf("the answer has no out-of-band swaps:\n%s", r.body)
			}
			oob.Each(func(_ int, s *goquery.Selection) {
				id := attrOf(s, "id")
				if id == "" || before.doc.Find("#"+id).Length() != 1 {
					t.Errorf("out-of-band element %s has no counterpart on the dashboard", outerOf(s))
				}
			})
			// The message, into the live region the page already has.
			region := before.doc.Find("#flash")
			if attrOf(region, "role") != "status" {
				t.Errorf("the dashboard's flash region has role %q, want status", attrOf(region, "role"))
			}
			msg := oobElement(t, r, "flash")
			if got := attrOf(msg, "hx-swap-oob"); got != "innerHTML" {
				t.Errorf("the message swaps with %q, want innerHTML (the live region stays)", got)
			}
			if got := strings.TrimSpace(msg.Find(`[data-testid="flash"]`).Text()); got != "Store deleted." {
				t.Errorf("message = %q, want Store deleted.", got)
			}

			focused := r.doc.Find("[autofocus]")
			if focused.Length() != 1 {
				t.Fatalf("%d elements with autofocus, want 1:\n%s", focused.Length(), r.body)
			}
			if tc.focus < 0 {
				stores := oobElement(t, r, "stores")
				empty := stores.Find(`[data-testid="empty-state"]`)
				if !strings.Contains(empty.Text(), "You have no stores yet.") {
					t.Errorf("the list is not swapped for the empty state: %s", outerOf(stores))
				}
				if stores.Find(`[data-testid="store-row"]`).Length() != 0 {
					t.Error("the empty state still lists stores")
				}
				if attrOf(focused, "href") != "/stores/new" || !focused.ParentsFiltered(`[data-testid="empty-state"]`).Is("*") {
					t.Errorf("the focus goes to %s, want the empty state's Add link", outerOf(focused))
				}
			} else {
				if stores := r.doc.Find("#stores"); stores.Length() != 0 {
					t.Errorf("stores remain, but the list is replaced: %s", outerOf(stores))
				}
				want := ids[tc.focus]
				if attrOf(focused, "id") != "store-link-"+want || attrOf(focused, "href") != "/stores/"+want ||
					strings.TrimSpace(focused.Text()) != tc.stores[tc.focus] || attrOf(focused, "hx-swap-oob") != "true" {
					t.Errorf("the focus goes to %s, want the link of %q", outerOf(focused), tc.stores[tc.focus])
				}
			}

			// Nothing outside them: the row's own swap removes the row.
			r.doc.Find("[hx-swap-oob]").Remove()
			if rest := strings.TrimSpace(r.doc.Find("body").Text()); rest != "" {
				t.Errorf("the answer has content outside its out-of-band swaps: %q", rest)
			}

			// The store is gone for good, and the next dashboard agrees,
			// without showing the message a second time.
			wantStatus(t, b.get("/stores/"+ids[tc.del], false), http.StatusNotFound)
			after := b.get("/", false)
			if after.doc.Find("#store-"+ids[tc.del]).Length() != 0 {
				t.Error("the deleted store is still on the dashboard")
			}
			if got := after.doc.Find(`[data-testid="empty-state"]`).Length() == 1; got != (tc.focus < 0) {
				t.Errorf("empty state on the next dashboard = %v, want %v", got, tc.focus < 0)
			}
			if after.doc.Find(`[data-testid="flash"]`).Length() != 0 {
				t.Error("the message shows again on the next page")
			}
		})
	}
}

// TestDashboardRowDeleteElsewhere checks a row delete whose row the server
// cannot place (a store not on the dashboard's first page, or a list that
// changed behind the page): the message still comes, and the focus goes
// to the list's heading rather than nowhere.
func TestDashboardRowDeleteElsewhere(t *testing.T) {
	a := newApp(t)
	b := a.browser()
	b.signup("Ada Lovelace", "ada@example.com", "correct horse")
	ids := make([]string, 51) // one more than the dashboard lists at once
	for i := range ids {
		ids[i] = b.createStore("Shop")
	}
	r := b.send(http.MethodDelete, "/stores/"+ids[50]+"?from=dashboard", nil, true)
	wantStatus(t, r, http.StatusOK)
	if got := strings.TrimSpace(oobElement(t, r, "flash").Text()); got != "Store deleted." {
		t.Errorf("message = %q", got)
	}
	focused := r.doc.Find("[autofocus]")
	heading := oobElement(t, r, "stores-heading")
	if focused.Length() != 1 || !focused.Is("#stores-heading") || attrOf(heading, "tabindex") != "-1" {
		t.Errorf("the focus goes to %s, want the focusable list heading", outerOf(focused))
	}
	if r.doc.Find("#stores").Length() != 0 {
		t.Error("stores remain, but the list is replaced")
	}
}

// oobElement is the answer's out-of-band element with id, failing unless
// there is exactly one.
func oobElement(t *testing.T, r *response, id string) *goquery.Selection {
	t.Helper()
	s := r.doc.Find("#" + id)
	if s.Length() != 1 || !s.Is("[hx-swap-oob]") {
		t.Fatalf("want one out-of-band #%s in the answer:\n%s", id, r.body)
	}
	return s
}

func attrOf(s *goquery.Selection, name string) string {
	v, _ := s.Attr(name)
	return v
}

func outerOf(s *goquery.Selection) string {
	if s.Length() == 0 {
		return "nothing"
	}
	h, _ := goquery.OuterHtml(s.First())
	return h
}
