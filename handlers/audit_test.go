package handlers_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/securecookie"
)

// sessionValues opens a session cookie with keys: it holds the values'
// JSON after a format byte.
func sessionValues(t *testing.T, c *http.Cookie, keys [][]byte) map[string]any {
	t.Helper()
	codecs := securecookie.CodecsFromPairs(keys...)
	for _, codec := range codecs {
		codec.(*securecookie.SecureCookie).SetSerializer(securecookie.NopEncoder{})
	}
	var raw []byte
	if err := securecookie.DecodeMulti("fauna-session", c.Value, &raw, codecs...); err != nil {
		t.Fatalf("cookie does not open with the keys: %v", err)
	}
	values := map[string]any{}
	if len(raw) == 0 || raw[0] != 0x81 || json.Unmarshal(raw[1:], &values) != nil {
		t.Fatalf("the cookie does not hold the values' JSON: %q", raw)
	}
	return values
}

func TestAuditLog(t *testing.T) {
	a := newApp(t)
	a.clock.Set(time.Now())
	const pw, wrongPW = "correct horse battery", "wrong horse battery"
	b := a.browser()
	b.signup("Ada", "ada@example.com", pw)
	cookies := []string{b.cookie("fauna-session").Value}
	secret, _ := sessionValues(t, b.cookie("fauna-session"), testKeys)["secret"].(string)
	if secret == "" {
		t.Fatal("no secret in the session")
	}
	b.post("/logout", nil, true)
	for range 6 { // five failures, then throttled
		a.browser().post("/login", url.Values{"email": {"Ada@Example.com"}, "password": {wrongPW}}, false)
	}
	a.clock.Set(a.clock.Now().Add(time.Minute))
	wantStatus(t, b.post("/login", url.Values{"email": {"ada@example.com"}, "password": {pw}}, false), http.StatusSeeOther)
	cookies = append(cookies, b.cookie("fauna-session").Value)
	b.sendRaw(http.MethodPost, "/logout", "", false, crossSite)

	want := map[string]int{"signup.success": 1, "login.success": 2, "logout": 1, "login.failure": 5, "throttled": 1, "csrf.rejected": 1}
	got := map[string]int{}
	for _, e := range a.auditEvents() {
		ev, _ := e["event"].(string)
		got[ev]++
		if id, _ := e["request_id"].(string); id == "" {
			t.Errorf("%s: no request_id", ev)
		}
		if e["client_ip"] != "127.0.0.1" {
			t.Errorf("%s: client_ip = %v", ev, e["client_ip"])
		}
		if ev != "csrf.rejected" && e["email"] != "ada@example.com" {
			t.Errorf("%s: email = %v, want the normalised email", ev, e["email"])
		}
	}
	for ev, n := range want {
		if got[ev] != n {
			t.Errorf("%d %q audit lines, want %d", got[ev], ev, n)
		}
	}

	logs := a.logs.String()
	for name, s := range map[string]string{"password": pw, "wrong password": wrongPW, "token secret": secret, "cookie": cookies[0], "later cookie": cookies[1]} {
		if strings.Contains(logs, s) {
			t.Errorf("the log holds the %s", name)
		}
	}
}

// TestWebAndAPIAuditLinesHaveOneShape: a line the web writes (a refused
// cross-origin post) and one the API writes (a failed login) start with the
// same keys in the same order, so one parser reads both.
func TestWebAndAPIAuditLinesHaveOneShape(t *testing.T) {
	a := newApp(t)
	a.browser().post("/login", url.Values{"email": {"ada@example.com"}, "password": {"wrong horse battery"}}, false)
	a.browser().sendRaw(http.MethodPost, "/logout", "", false, crossSite)

	heads := map[string][]string{}
	for _, line := range strings.Split(a.logs.String(), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) != nil || m["msg"] != "audit" {
			continue
		}
		keys := jsonKeys(t, line)
		heads[m["event"].(string)] = keys[:min(len(keys), 6)]
	}
	want := []string{"time", "level", "msg", "event", "client_ip", "request_id"}
	for _, ev := range []string{"login.failure", "csrf.rejected"} {
		if !slices.Equal(heads[ev], want) {
			t.Errorf("%s line starts with %v, want %v", ev, heads[ev], want)
		}
	}
}

// jsonKeys are the keys of one JSON object in the order they appear.
func jsonKeys(t *testing.T, line string) []string {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(line))
	if _, err := dec.Token(); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}
