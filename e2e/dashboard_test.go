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

// TestHeaderOneLineAt390 checks the logged-in header at a 390 px wide
// phone with a long owner name: one line, the name cut short with an
// ellipsis, the Logout button whole, nothing wider than the screen.
func TestHeaderOneLineAt390(t *testing.T) {
	t.Parallel()
	tb := newTab(t, tabOptions{width: 390})
	o := newOwner("Wernher-Maximilian-Ferdinand-Alexander von Braunschweig-Lüneburg-Wolfenbüttel")
	tb.signUp(o)
	for _, path := range []string{"/", "/stores/new"} {
		tb.open(path)
		if w := eval[int](tb, "window.innerWidth"); w != 390 {
			t.Fatalf("the viewport is %d px wide, want 390", w)
		}
		h := eval[struct {
			RowTop, LogoutTop, LogoutBottom, BrandMiddle float64
			LogoutClipped, LogoutWraps, NameCut          bool
			NameEllipsis                                 string
			NameText                                     string
			Overflow                                     []string
		}](tb, `(() => {
			const nav = document.querySelector("header nav");
			const rowTop = nav.getBoundingClientRect().top + parseFloat(getComputedStyle(nav).paddingTop);
			const logout = document.querySelector('[data-testid="logout-form"] button').getBoundingClientRect();
			const button = document.querySelector('[data-testid="logout-form"] button');
			const brand = document.querySelector('[data-testid="nav-home"]').getBoundingClientRect();
			const name = document.querySelector('[data-testid="nav-user"]');
			const w = document.documentElement.clientWidth;
			return {
				rowTop, logoutTop: logout.top, logoutBottom: logout.bottom,
				brandMiddle: (brand.top + brand.bottom) / 2,
				logoutClipped: button.scrollWidth > button.clientWidth || logout.right > w,
				logoutWraps: (() => { const r = document.createRange(); r.selectNodeContents(button); return r.getClientRects().length !== 1; })(),
				nameCut: name.scrollWidth > name.clientWidth,
				nameEllipsis: getComputedStyle(name).textOverflow,
				nameText: name.textContent,
				overflow: document.documentElement.scrollWidth <= w ? [] :
					[...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > w + 0.5)
						.slice(0, 5).map(e => e.outerHTML.slice(0, 100)),
			};
		})()`)
		if d := h.LogoutTop - h.RowTop; d < -0.5 || d > 0.5 {
			t.Errorf("%s: the Logout button's top is %.1f px, the header row's top %.1f px: it is not on the row of the brand and links", path, h.LogoutTop, h.RowTop)
		}
		if h.BrandMiddle < h.LogoutTop || h.BrandMiddle > h.LogoutBottom {
			t.Errorf("%s: the brand's middle (%.1f px) is outside the Logout button's line (%.1f–%.1f px)", path, h.BrandMiddle, h.LogoutTop, h.LogoutBottom)
		}
		if h.LogoutClipped || h.LogoutWraps {
			t.Errorf("%s: the Logout button is not whole (clipped %v, wrapped %v)", path, h.LogoutClipped, h.LogoutWraps)
		}
		if !h.NameCut || h.NameEllipsis != "ellipsis" {
			t.Errorf("%s: the owner name is not cut short with an ellipsis (cut %v, text-overflow %q)", path, h.NameCut, h.NameEllipsis)
		}
		if h.NameText != o.name {
			t.Errorf("%s: the name's text is %q, want the whole name for screen readers", path, h.NameText)
		}
		if len(h.Overflow) > 0 {
			t.Errorf("%s scrolls sideways at 390 px; too wide: %v", path, h.Overflow)
		}
	}
	tb.checkAxe("header at 390 px with a long owner name")
}
