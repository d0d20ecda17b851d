package handlers_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"shopkeeper/api"
	"shopkeeper/throttle"
)

// TestStoreCapOnTheForm: past the owner's store limit, the new-store form
// comes back (422) with the API's message as its alert and what was typed
// kept, as a page and as htmx's fragment.
func TestStoreCapOnTheForm(t *testing.T) {
	a := newAppWithAPI(t, func(o *api.Options) { o.MaxStores = 1 })
	b := a.browser()
	b.signup("Ada Lovelace", "ada@example.com", "correct horse")
	b.createStore("First")
	for _, htmx := range []bool{false, true} {
		r := b.post("/stores", storeForm("Second"), htmx)
		wantStatus(t, r, http.StatusUnprocessableEntity)
		if got := r.text(`[role="alert"]`); !strings.Contains(got, "at most 1 stores") {
			t.Errorf("htmx %v: alert = %q, want the API's message", htmx, got)
		}
		if got, _ := r.doc.Find(`input[name="name"]`).Attr("value"); got != "Second" {
			t.Errorf("htmx %v: name field = %q, want what was typed", htmx, got)
		}
		if r.isFullPage() == htmx {
			t.Errorf("full page = %v for htmx = %v", r.isFullPage(), htmx)
		}
	}
}

// TestStoreWritesThrottledOnTheWeb: past the owner's store write limit, a
// store form answers 429 with Retry-After and the inline alert, and a
// delete from the dashboard the 429 page.
func TestStoreWritesThrottledOnTheWeb(t *testing.T) {
	limits := api.DefaultLimits
	limits.StoreWritesPerOwner = throttle.PerMinute(2)
	a := newAppWithAPI(t, withLimits(limits))
	a.clock.Set(time.Now())
	b := a.browser()
	b.signup("Ada Lovelace", "ada@example.com", "correct horse")
	id := b.createStore("First")
	b.createStore("Second")
	wantThrottled(t, b.post("/stores", storeForm("Third"), false), false)
	wantThrottled(t, b.post("/stores/"+id, storeForm("Renamed"), true), true)
	wantStatus(t, b.post("/stores/"+id+"/delete", nil, false), http.StatusTooManyRequests)
}
