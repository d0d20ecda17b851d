package e2e

import (
	"fmt"
	"testing"
	"time"
)

// deleteRowInPlace deletes the dashboard row of store id with its Delete
// button and waits for the row to go without a page load. Before that it
// keeps a reference to the page's live region, for wantDeletedMessage.
func (tb *tab) deleteRowInPlace(id string) {
	tb.t.Helper()
	eval[bool](tb, `(window.__e2eRegion = document.querySelector('[role="status"]'), true)`)
	row := "#store-" + id
	tb.inPlace("deleting the row of "+id, fmt.Sprintf(`document.querySelector(%q) === null`, row), func() {
		tb.click(row + " " + sel("store-delete") + " button")
	})
}

// soon reports whether the JavaScript condition holds within a moment: the
// out-of-band swaps settle a little after the row has gone.
func (tb *tab) soon(cond string) bool {
	tb.t.Helper()
	for deadline := time.Now().Add(3 * time.Second); ; time.Sleep(25 * time.Millisecond) {
		if eval[bool](tb, "Boolean("+cond+")") {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}

// wantDeletedMessage checks "Store deleted." shows in the live region
// (role=status) the page had before the delete: a region added together
// with its text may go unannounced by screen readers.
func (tb *tab) wantDeletedMessage() {
	tb.t.Helper()
	if !tb.soon(fmt.Sprintf(`document.querySelector(%q)?.innerText.trim() === "Store deleted."`, sel("flash"))) {
		tb.t.Errorf(`no "Store deleted." message after the delete; the flash says %q`, tb.text(sel("flash")))
		return
	}
	same := eval[bool](tb, fmt.Sprintf(`window.__e2eRegion !== null && document.querySelector(%q).closest('[role="status"]') === window.__e2eRegion`, sel("flash")))
	if !same {
		tb.t.Error(`"Store deleted." is not inside a live region the page had before the delete`)
	}
}

// TestDeleteLastStoreInPlace deletes the last store from its dashboard row
// with JavaScript on: the page ends as the no-JS path's does (the empty
// state and "Store deleted."), and the focus lands on the empty state's
// link rather than on <body>.
func TestDeleteLastStoreInPlace(t *testing.T) {
	t.Parallel()
	tb := newTab(t, tabOptions{})
	tb.signUp(newOwner("Katherine Johnson"))
	id := tb.addStore(store{name: "Orbit Maps", email: "maps@example.com", categories: "Maps"})
	tb.open("/")
	tb.acceptDialogs()
	tb.deleteRowInPlace(id)

	if !tb.soon(present(sel("empty-state"))) {
		t.Error("no empty state after deleting the last store")
	} else {
		tb.wantText(sel("empty-state"), "You have no stores yet. Add your first store.")
	}
	if tb.exists(sel("store-list")) {
		t.Error("the empty list is still on the page next to the empty state")
	}
	tb.wantDeletedMessage()
	tb.wantFocus(sel("empty-state") + ` a[href="/stores/new"]`)
	if eval[bool](tb, `document.activeElement === document.body || document.activeElement === null`) {
		t.Error("the focus fell to <body>")
	}
	tb.checkAxe("dashboard after deleting the last store in place")

	// A reload shows the same page, without the one-time message.
	tb.open("/")
	if !tb.exists(sel("empty-state")) || tb.exists(sel("flash")) {
		t.Errorf("after a reload: empty state %v, message %v; want the empty state alone", tb.exists(sel("empty-state")), tb.exists(sel("flash")))
	}
}

// TestDeleteRowMovesFocus deletes rows that are not the last: the message
// shows each time and the focus moves to the next row's link, or to the
// row before when the bottom row went.
func TestDeleteRowMovesFocus(t *testing.T) {
	t.Parallel()
	tb := newTab(t, tabOptions{})
	tb.signUp(newOwner("Mary Winston"))
	first := tb.addStore(store{name: "Wind Tunnel", email: "tunnel@example.com"})
	second := tb.addStore(store{name: "Slide Rules", email: "rules@example.com"})
	third := tb.addStore(store{name: "Punch Cards", email: "cards@example.com"})
	tb.open("/")
	tb.acceptDialogs()

	tb.deleteRowInPlace(first)
	tb.wantDeletedMessage()
	tb.wantFocus("#store-" + second + " " + sel("store-link"))

	tb.deleteRowInPlace(third)
	tb.wantDeletedMessage()
	tb.wantFocus("#store-" + second + " " + sel("store-link"))
	if got := tb.count(sel("store-row")); got != 1 || tb.exists(sel("empty-state")) {
		t.Errorf("%d rows, empty state %v; want the one row left and no empty state", got, tb.exists(sel("empty-state")))
	}
	tb.checkAxe("dashboard after deleting rows in place")
}
