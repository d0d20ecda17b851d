package components

import (
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
)

var accountClock = time.Date(2026, 11, 30, 9, 5, 0, 0, time.UTC)

func someAccount() AccountView {
	return AccountView{
		Name: "Ada Lovelace", Email: "ada@example.com",
		Sessions: []SessionRow{
			{ID: "s1", Device: "Firefox on Linux", Started: accountClock, LastUsed: accountClock.Add(time.Minute), Expires: accountClock.Add(30 * time.Minute), Current: true},
			{ID: "s2", Device: "Safari on iOS", Started: accountClock.Add(-time.Hour), LastUsed: accountClock.Add(-time.Hour), Expires: accountClock.Add(-30 * time.Minute).In(time.FixedZone("CET", 3600))},
			{ID: "a/b", Device: "Chrome on Windows <b>", Started: accountClock, LastUsed: accountClock, Expires: accountClock},
		},
	}
}

func TestAccountPage(t *testing.T) {
	doc, _ := render(t, AccountPage(Page{Title: "Your account", User: owner}, someAccount()))

	if got := strings.TrimSpace(one(t, doc, `[data-testid="profile-name"]`).Text()); got != "Ada Lovelace" {
		t.Errorf("profile name = %q", got)
	}
	if got := strings.TrimSpace(one(t, doc, `[data-testid="profile-email"]`).Text()); got != "ada@example.com" {
		t.Errorf("profile email = %q", got)
	}
	rows := doc.Find(`[data-testid="session-row"]`)
	if rows.Length() != 3 {
		t.Fatalf("%d session rows, want 3", rows.Length())
	}
	cur := rows.Eq(0)
	if got := strings.TrimSpace(cur.Find(`[data-testid="session-device"]`).Text()); got != "Firefox on Linux" {
		t.Errorf("device = %q", got)
	}
	if got := strings.TrimSpace(cur.Find(`[data-testid="session-current"]`).Text()); got != "This device" {
		t.Errorf("current row says %q, want This device", got)
	}
	if cur.Find("form").Length() != 0 {
		t.Error("the current session has a revoke form")
	}
	times := cur.Find("time")
	wantTimes := []struct{ datetime, text string }{
		{"2026-11-30T09:05:00Z", "30 Nov 2026, 09:05 UTC"},
		{"2026-11-30T09:06:00Z", "30 Nov 2026, 09:06 UTC"},
		{"2026-11-30T09:35:00Z", "30 Nov 2026, 09:35 UTC"},
	}
	if times.Length() != len(wantTimes) {
		t.Fatalf("%d times in the row, want %d", times.Length(), len(wantTimes))
	}
	for i, w := range wantTimes {
		if got := attr(times.Eq(i), "datetime"); got != w.datetime {
			t.Errorf("time %d datetime = %q, want %q", i, got, w.datetime)
		}
		if got := times.Eq(i).Text(); got != w.text {
			t.Errorf("time %d = %q, want %q", i, got, w.text)
		}
	}
	if !strings.Contains(cur.Text(), "Started") || !strings.Contains(cur.Text(), "Last used") || !strings.Contains(cur.Text(), "Ends") {
		t.Errorf("the times are not labelled: %q", cur.Text())
	}
	// Another zone is shown in UTC, like the rest.
	if got := rows.Eq(1).Find("time").Eq(2).Text(); got != "30 Nov 2026, 08:35 UTC" {
		t.Errorf("expiry in another zone = %q", got)
	}
	if rows.Eq(1).Find(`[data-testid="session-current"]`).Length() != 0 {
		t.Error("another session says This device")
	}

	if f := doc.Find(`form[data-testid="logout-others-form"]`); attr(f, "action") != "/account/logout-others" || attr(f, "method") != "post" || attr(f, "hx-post") != "/account/logout-others" {
		t.Errorf("logout-others form: action %q method %q hx-post %q", attr(f, "action"), attr(f, "method"), attr(f, "hx-post"))
	}
	everywhere := one(t, doc, `form[data-testid="logout-everywhere-form"]`)
	if attr(everywhere, "action") != "/logout" || attr(everywhere, "method") != "post" || attr(everywhere, "hx-post") != "/logout" {
		t.Errorf("logout-everywhere form: action %q method %q hx-post %q", attr(everywhere, "action"), attr(everywhere, "method"), attr(everywhere, "hx-post"))
	}
	if got := attr(everywhere.Find(`input[type="hidden"][name="everywhere"]`), "value"); got != "1" {
		t.Errorf("everywhere = %q, want 1", got)
	}
	one(t, doc, "form#password-form")
	del := one(t, doc, "form#delete-account-form")
	if attr(del, "hx-confirm") == "" {
		t.Error("the delete form has no hx-confirm")
	}
	if !strings.Contains(del.Find(`[data-testid="delete-warning"]`).Text(), "cannot be undone") {
		t.Error("the delete form has no warning for a browser without JavaScript")
	}
	for _, h := range []string{"Profile", "Sessions", "Change password", "Delete account"} {
		found := false
		doc.Find("h2").Each(func(_ int, s *goquery.Selection) { found = found || strings.TrimSpace(s.Text()) == h })
		if !found {
			t.Errorf("no %q heading", h)
		}
	}
}

// TestAccountPageAlone: with this session the only one, there is nothing
// for "Log out other sessions" to do.
func TestAccountPageAlone(t *testing.T) {
	v := someAccount()
	v.Sessions = v.Sessions[:1]
	doc, _ := render(t, AccountPage(Page{Title: "Your account", User: owner}, v))
	if doc.Find(`[data-testid="logout-others-form"]`).Length() != 0 {
		t.Error("Log out other sessions is offered with no other session")
	}
	one(t, doc, `[data-testid="logout-everywhere-form"]`)
}

func TestSessionRow(t *testing.T) {
	r := someAccount().Sessions[2]
	doc, html := render(t, SessionRowView(r, false))
	li := one(t, doc, `li[data-testid="session-row"]`)
	if got := attr(li, "id"); got != "session-a/b" {
		t.Errorf("row id = %q", got)
	}
	if strings.Contains(html, "<b>") {
		t.Error("the device name was not escaped")
	}
	f := one(t, doc, `form[data-testid="session-revoke"]`)
	want := map[string]string{
		"method": "post", "action": "/account/sessions/a%2Fb/revoke", "hx-delete": "/account/sessions/a%2Fb",
		"hx-target": "closest li", "hx-swap": "delete", "hx-status:4xx": rowErrorSwap, "hx-status:5xx": rowErrorSwap,
	}
	for k, v := range want {
		if got := attr(f, k); got != v {
			t.Errorf("revoke form %s = %q, want %q", k, got, v)
		}
	}
	if got := strings.Join(strings.Fields(f.Find("button").Text()), " "); got != "End session Chrome on Windows <b>, started 30 Nov 2026, 09:05 UTC" {
		t.Errorf("button text = %q", got)
	}
	if _, ok := f.Find("button").Attr("autofocus"); ok {
		t.Error("a row in the page takes the focus")
	}
	if _, ok := li.Attr("hx-swap-oob"); ok {
		t.Error("a row in the page is an out-of-band swap")
	}
	one(t, doc, `[data-testid="session-row-status"]`)
}

func TestSessionEndedSwaps(t *testing.T) {
	next := someAccount().Sessions[1]
	t.Run("next row", func(t *testing.T) {
		doc, _ := render(t, SessionEndedSwaps(SessionEnded{Message: "Session ended.", Next: &next}))
		flash := one(t, doc, `#flash[role="status"]`)
		if attr(flash, "hx-swap-oob") != "innerHTML" || strings.TrimSpace(flash.Text()) != "Session ended." {
			t.Errorf("flash: oob %q, text %q", attr(flash, "hx-swap-oob"), flash.Text())
		}
		li := one(t, doc, "li#session-s2")
		if attr(li, "hx-swap-oob") != "true" {
			t.Errorf("next row hx-swap-oob = %q", attr(li, "hx-swap-oob"))
		}
		if _, ok := li.Find("button").Attr("autofocus"); !ok {
			t.Error("the next row's button does not take the focus")
		}
		if doc.Find("[autofocus]").Length() != 1 {
			t.Errorf("%d elements take the focus, want 1", doc.Find("[autofocus]").Length())
		}
	})
	t.Run("none left", func(t *testing.T) {
		doc, _ := render(t, SessionEndedSwaps(SessionEnded{Message: "Session ended."}))
		h := one(t, doc, "h2#sessions-heading")
		for k, v := range map[string]string{"hx-swap-oob": "true", "tabindex": "-1"} {
			if got := attr(h, k); got != v {
				t.Errorf("heading %s = %q, want %q", k, got, v)
			}
		}
		if _, ok := h.Attr("autofocus"); !ok {
			t.Error("the heading does not take the focus")
		}
	})
}
