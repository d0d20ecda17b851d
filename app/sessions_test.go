package app

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"shopkeeper/rules"
)

// webVisitor is a browser with a cookie jar, logged in through the web's
// login form.
type webVisitor struct {
	d  *door
	hc *http.Client
}

// webLogin logs in through POST /login, as a browser would, and returns
// the browser holding the session cookie.
func (d *door) webLogin(t *testing.T, email, password string) *webVisitor {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	v := &webVisitor{d: d, hc: &http.Client{Jar: jar}}
	status, body := v.post(t, "/login", url.Values{"email": {email}, "password": {password}})
	if status != http.StatusOK || strings.Contains(body, `action="/login"`) {
		t.Fatalf("web login: %d %.300s", status, body)
	}
	return v
}

// post sends a form from this site's own pages (a same-origin Origin, as
// the CSRF check wants), follows the 303, and returns the final status and
// body.
func (v *webVisitor) post(t *testing.T, path string, form url.Values) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, v.d.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", v.d.base)
	return v.do(t, req)
}

func (v *webVisitor) get(t *testing.T, path string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, v.d.base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	return v.do(t, req)
}

func (v *webVisitor) do(t *testing.T, req *http.Request) (int, string) {
	t.Helper()
	resp, err := v.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

// postRaw posts a form without following redirects, for answers that are
// not a redirect (429, 422), and returns the response and body.
func (v *webVisitor) postRaw(t *testing.T, path string, form url.Values) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, v.d.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", v.d.base)
	hc := *v.hc
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

// live reports whether secret is still a live token: a query with it
// answers, or is refused as an invalid token.
func (d *door) live(t *testing.T, secret string) bool {
	t.Helper()
	a := d.graphql(t, secret, `{ countStores }`, nil)
	if len(a.Errors) == 0 {
		return true
	}
	if code := a.Errors[0].Extensions["code"]; code != rules.CodeInvalidToken {
		t.Fatalf("countStores: %d %+v", a.Status, a.Errors)
	}
	return false
}

// createStores makes n stores as the holder of secret, 19 aliased
// createStore fields a request (as many as the complexity limit allows),
// and fails on any error.
func (d *door) createStores(t *testing.T, secret string, n int) {
	t.Helper()
	for done := 0; done < n; {
		k := min(19, n-done)
		var q strings.Builder
		q.WriteString("mutation {")
		for i := range k {
			fmt.Fprintf(&q, ` s%d: createStore(data: { name: "Shop %d", email: "s@shop.test" }) { _id }`, i, done+i)
		}
		q.WriteString(" }")
		if a := d.graphql(t, secret, q.String(), nil); len(a.Errors) > 0 {
			t.Fatalf("creating stores %d to %d: %+v", done+1, done+k, a.Errors)
		}
		done += k
	}
}

var sessionRow = `data-testid="session-row"`

// TestLogoutOthersEndsEverySession: an owner logged in 152 times uses the
// web's "Log out other sessions"; every other token is dead afterwards,
// this session lives, and it took one API call, not one per session.
func TestLogoutOthersEndsEverySession(t *testing.T) {
	d := startDoor(t, map[string]string{"SHOP_RATE_LIMITS": "off"})
	const email, pw = "many@example.com", "long enough password"
	others := []string{d.signUp(t, email, pw)}
	for range 150 {
		others = append(others, d.login(t, email, pw))
	}
	browser := d.webLogin(t, email, pw) // the 152nd

	status, body := browser.post(t, "/account/logout-others", nil)
	if status != http.StatusOK || !strings.Contains(body, "Your other sessions have ended.") {
		t.Fatalf("after logging out the others: %d %.300s", status, body)
	}
	alive := 0
	for _, secret := range others {
		if d.live(t, secret) {
			alive++
		}
	}
	if alive > 0 {
		t.Fatalf("%d of the %d other sessions still live", alive, len(others))
	}
	status, body = browser.get(t, "/account")
	if status != http.StatusOK || strings.Count(body, sessionRow) != 1 || !strings.Contains(body, "This device") {
		t.Fatalf("this session after logging out the others: %d, %d session rows", status, strings.Count(body, sessionRow))
	}
	logs := d.logs.String()
	if n := strings.Count(logs, `"event":"session.revoked"`); n != 0 || !strings.Contains(logs, `"keep_current":true`) {
		t.Fatalf("want one logout keeping the current session, not %d revokes one by one", n)
	}
}

// TestLoginPastSessionCap: an owner has at most 100 live sessions; the
// 101st login ends the least recently used one (here the first, as none
// has been used since) and every other lives on.
func TestLoginPastSessionCap(t *testing.T) {
	d := startDoor(t, map[string]string{"SHOP_RATE_LIMITS": "off"})
	const email, pw = "cap@example.com", "long enough password"
	secrets := []string{d.signUp(t, email, pw)}
	for range 99 {
		secrets = append(secrets, d.login(t, email, pw))
	}
	if !d.live(t, secrets[0]) {
		t.Fatal("the first of 100 sessions is dead")
	}
	newest := d.login(t, email, pw)
	if d.live(t, secrets[0]) {
		t.Fatal("the least recently used session lives on after the 101st login")
	}
	for i, secret := range append(secrets[1:], newest) {
		if !d.live(t, secret) {
			t.Fatalf("session %d ended by the 101st login", i+2)
		}
	}
	a := d.graphql(t, newest, `{ mySessions { _id } }`, nil)
	var data struct {
		MySessions []struct {
			ID string `json:"_id"`
		}
	}
	if err := json.Unmarshal(a.Data, &data); err != nil || len(data.MySessions) != 100 {
		t.Fatalf("mySessions: %d sessions (%v), want 100", len(data.MySessions), err)
	}
}

// TestStoreCapThroughBothDoors: by default an owner has at most 1,000
// stores; the 1,001st is refused as validation failed on /graphql and with
// the new-store form's alert (422) on the web.
func TestStoreCapThroughBothDoors(t *testing.T) {
	d := startDoor(t, map[string]string{"SHOP_RATE_LIMITS": "off"})
	const email, pw = "full@example.com", "long enough password"
	secret := d.signUp(t, email, pw)
	d.createStores(t, secret, 1000)

	a := d.graphql(t, secret, `mutation { createStore(data: { name: "One more", email: "s@shop.test" }) { _id } }`, nil)
	if len(a.Errors) != 1 || a.Errors[0].Extensions["code"] != rules.CodeValidationFailed ||
		!strings.Contains(a.Errors[0].Message, "at most 1000 stores") {
		t.Fatalf("store 1,001 on /graphql: %+v", a.Errors)
	}

	browser := d.webLogin(t, email, pw)
	resp, body := browser.postRaw(t, "/stores", url.Values{"name": {"One more"}, "email": {"s@shop.test"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `role="alert"`) ||
		!strings.Contains(body, "at most 1000 stores") {
		t.Fatalf("store 1,001 on the web: %d %.300s", resp.StatusCode, body)
	}
	a = d.graphql(t, secret, `{ countStores }`, nil)
	if string(a.Data) != `{"countStores":1000}` {
		t.Fatalf("countStores: %s", a.Data)
	}
}

// TestMaxStoresSetting: SHOP_MAX_STORES sets the limit.
func TestMaxStoresSetting(t *testing.T) {
	d := startDoor(t, map[string]string{"SHOP_MAX_STORES": "2"})
	secret := d.signUp(t, "two@example.com", "long enough password")
	d.createStores(t, secret, 2)
	a := d.graphql(t, secret, `mutation { createStore(data: { name: "Third", email: "s@shop.test" }) { _id } }`, nil)
	if len(a.Errors) != 1 || a.Errors[0].Extensions["code"] != rules.CodeValidationFailed ||
		!strings.Contains(a.Errors[0].Message, "at most 2 stores") {
		t.Fatalf("store 3 of 2: %+v", a.Errors)
	}
}

// TestStoreWritesThrottled: an owner's store writes past 60 in a minute
// are refused with TOO_MANY_REQUESTS and retryAfter on /graphql, and 429
// with Retry-After and the form's alert on the web; with
// SHOP_RATE_LIMITS=off they are not. The clock is real and the limit
// gives one write back a second, so the test writes until refused and
// checks that the refusal comes after the 60 the burst allows and soon
// after, not at an exact write.
func TestStoreWritesThrottled(t *testing.T) {
	const email, pw = "busy@example.com", "long enough password"
	t.Run("on", func(t *testing.T) {
		d := startDoor(t, nil)
		secret := d.signUp(t, email, pw)
		browser := d.webLogin(t, email, pw)
		d.createStores(t, secret, 60)
		refused := false
		for i := 61; i <= 120 && !refused; i++ {
			a := d.graphql(t, secret, `mutation { createStore(data: { name: "Late", email: "s@shop.test" }) { _id } }`, nil)
			if len(a.Errors) == 0 {
				continue
			}
			if a.Errors[0].Extensions["code"] != rules.CodeTooManyRequests {
				t.Fatalf("write %d: %+v, want TOO_MANY_REQUESTS", i, a.Errors)
			}
			if secs, _ := a.Errors[0].Extensions["retryAfter"].(float64); secs < 1 {
				t.Fatalf("retryAfter = %v", a.Errors[0].Extensions["retryAfter"])
			}
			refused = true
		}
		if !refused {
			t.Fatal("120 store writes and none refused")
		}
		for i := range 30 {
			resp, body := browser.postRaw(t, "/stores", url.Values{"name": {"From the web"}, "email": {"s@shop.test"}})
			if resp.StatusCode == http.StatusSeeOther {
				continue // a write the second since gave back
			}
			if secs, err := strconv.Atoi(resp.Header.Get("Retry-After")); resp.StatusCode != http.StatusTooManyRequests || err != nil || secs < 1 ||
				!strings.Contains(body, `role="alert"`) || !strings.Contains(body, "Please wait") {
				t.Fatalf("web write %d past the limit: %d Retry-After %q %.300s", i+1, resp.StatusCode, resp.Header.Get("Retry-After"), body)
			}
			return
		}
		t.Fatal("30 store writes on the web past the limit and none refused")
	})
	t.Run("off", func(t *testing.T) {
		d := startDoor(t, map[string]string{"SHOP_RATE_LIMITS": "off"})
		secret := d.signUp(t, email, pw)
		d.createStores(t, secret, 80)
		a := d.graphql(t, secret, `{ countStores }`, nil)
		if string(a.Data) != `{"countStores":80}` {
			t.Fatalf("countStores: %s %+v", a.Data, a.Errors)
		}
	})
}
