package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"shopkeeper/storage/postgres/pgtest"
	"shopkeeper/throttle/redistest"
)

const loginMutation = `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { secret } }`

// hangUp sends a login to /graphql and closes the connection as soon as the
// request is written, as a client that does not wait for the answer.
func (d *door) hangUp(t *testing.T, email, password string) {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": loginMutation, "variables": map[string]any{"e": email, "p": password}})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", strings.TrimPrefix(d.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "POST /graphql HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		strings.TrimPrefix(d.base, "http://"), len(body), body)
	conn.Close()
}

// waitForRequests waits until the server has logged n finished requests to
// route, however they ended.
func (d *door) waitForRequests(t *testing.T, route string, n int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		got := 0
		for _, line := range strings.Split(d.logs.String(), "\n") {
			var m map[string]any
			if json.Unmarshal([]byte(line), &m) == nil && m["msg"] == "request" && m["route"] == route {
				got++
			}
		}
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d requests to %s finished:\n%s", got, n, route, d.logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// loginFrom posts a login to /graphql as a client at addr (believed through
// X-Forwarded-For when the app trusts loopback proxies) and returns the
// error code, "" when it logged in.
func (d *door) loginFrom(t *testing.T, addr, email, password string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": loginMutation, "variables": map[string]any{"e": email, "p": password}})
	req, err := http.NewRequest(http.MethodPost, d.base+"/graphql", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", addr)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var a struct {
		Data struct {
			Login *struct{ Secret string }
		}
		Errors []struct {
			Extensions struct{ Code string }
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		t.Fatal(err)
	}
	if len(a.Errors) > 0 {
		return a.Errors[0].Extensions.Code
	}
	if a.Data.Login == nil || a.Data.Login.Secret == "" {
		t.Fatal("login answered neither a token nor an error")
	}
	return ""
}

// webBrowser is a browser with a cookie jar that does not follow redirects.
type webBrowser struct {
	d  *door
	hc *http.Client
}

func (d *door) browser() *webBrowser {
	jar, _ := cookiejar.New(nil)
	return &webBrowser{d: d, hc: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

func (b *webBrowser) post(t *testing.T, path string, form url.Values) *http.Response {
	t.Helper()
	resp, err := b.hc.PostForm(b.d.base+path, form)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

func (b *webBrowser) cookie(name string) *http.Cookie {
	u, _ := url.Parse(b.d.base)
	for _, c := range b.hc.Jar.Cookies(u) {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func responseCookie(resp *http.Response, name string) *http.Cookie {
	var last *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == name {
			last = c
		}
	}
	return last
}

func wantLoggedInHome(t *testing.T, resp *http.Response, what string) {
	t.Helper()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Fatalf("%s: %d to %q, want 303 to /", what, resp.StatusCode, resp.Header.Get("Location"))
	}
}

const fallbackWarning = "shared rate limiter unavailable"

// TestHungUpGuessesCountInRedis: logins whose clients hang up at once are
// counted in Redis like any other, and do not pass for Redis being down.
func TestHungUpGuessesCountInRedis(t *testing.T) {
	rdb := redistest.Client(t)
	prefix := redistest.Prefix()
	d := startDoor(t, map[string]string{"SHOP_REDIS_URL": redistest.URL(t), "SHOP_REDIS_PREFIX": prefix})
	const email = "hung-up@example.com"
	d.signUp(t, email, "long enough password")
	d.waitForRequests(t, "/graphql", 2)

	const guesses = 5 // the account's burst
	start := time.Now()
	for range guesses {
		d.hangUp(t, email, "wrong guess")
	}
	d.waitForRequests(t, "/graphql", 2+guesses)

	if strings.Contains(d.logs.String(), fallbackWarning) {
		t.Fatalf("clients hanging up made the instance fall back to local counts:\n%s", d.logs.String())
	}
	// Every guess is in Redis: five events of a five-a-minute bucket keep
	// the key a minute from the first, where four would keep it 48 s. The
	// time the guesses took (long under the race detector on a busy
	// machine) is taken off, with half an interval to spare either way.
	key := prefix + "throttle:login:account:" + email
	want := time.Duration(guesses-1)*12*time.Second + 6*time.Second - time.Since(start)
	if ttl := rdb.PTTL(context.Background(), key).Val(); ttl <= want {
		t.Fatalf("PTTL %s = %v, want over %v: not every hung-up guess was counted in Redis", key, ttl, want)
	}
	a := d.graphql(t, "", loginMutation, map[string]any{"e": email, "p": "long enough password"})
	if len(a.Errors) == 0 || a.Errors[0].Extensions["code"] != "TOO_MANY_REQUESTS" {
		t.Fatalf("after %d hung-up guesses: %s %+v; want TOO_MANY_REQUESTS", guesses, a.Data, a.Errors)
	}
}

// TestHungUpGuessesAcrossTwoInstances: two instances sharing PostgreSQL and
// Redis count hung-up guesses at one account together.
func TestHungUpGuessesAcrossTwoInstances(t *testing.T) {
	prefix := redistest.Prefix()
	env := map[string]string{
		"SHOP_DATABASE_URL": pgtest.NewDatabase(t),
		"SHOP_REDIS_URL":    redistest.URL(t),
		"SHOP_REDIS_PREFIX": prefix,
	}
	one, two := startDoor(t, env), startDoor(t, env)
	const email = "two-doors@example.com"
	one.signUp(t, email, "long enough password")
	one.waitForRequests(t, "/graphql", 2)

	for i := range 6 {
		[]*door{one, two}[i%2].hangUp(t, email, "wrong guess")
	}
	one.waitForRequests(t, "/graphql", 2+3)
	two.waitForRequests(t, "/graphql", 3)

	for name, d := range map[string]*door{"first": one, "second": two} {
		if strings.Contains(d.logs.String(), fallbackWarning) {
			t.Fatalf("the %s instance fell back to local counts:\n%s", name, d.logs.String())
		}
		a := d.graphql(t, "", loginMutation, map[string]any{"e": email, "p": "long enough password"})
		if len(a.Errors) == 0 || a.Errors[0].Extensions["code"] != "TOO_MANY_REQUESTS" {
			t.Fatalf("%s instance after 6 hung-up guesses over two: %s %+v; want TOO_MANY_REQUESTS", name, a.Data, a.Errors)
		}
	}
}

// TestOwnerWithDeviceCookieIsNeverLockedOut: guesses from four addresses
// spend the account's budget; the owner's browser, holding the device
// cookie of an earlier login, still logs in every time it tries.
func TestOwnerWithDeviceCookieIsNeverLockedOut(t *testing.T) {
	d := startDoor(t, map[string]string{"SHOP_TRUSTED_PROXIES": "127.0.0.1"})
	const email, pw = "owner@example.com", "long enough password"
	d.signUp(t, email, pw)
	owner := d.browser()
	right := url.Values{"email": {email}, "password": {pw}}
	wantLoggedInHome(t, owner.post(t, "/login", right), "the owner's first login")
	if owner.cookie("fauna-device") == nil {
		t.Fatal("the login set no fauna-device cookie")
	}
	owner.post(t, "/logout", nil)

	attackers := []string{"198.51.100.1", "198.51.100.2", "198.51.100.3", "198.51.100.4"}
	guess := func(n int) {
		for i := range n {
			if code := d.loginFrom(t, attackers[i%len(attackers)], email, "wrong guess"); code == "" {
				t.Fatal("a wrong guess logged in")
			}
		}
	}
	guess(8)
	if code := d.loginFrom(t, "192.0.2.9", email, pw); code != "TOO_MANY_REQUESTS" {
		t.Fatalf("a no-device login with the right password after the guesses: %q, want TOO_MANY_REQUESTS", code)
	}

	for i := range 4 {
		wantLoggedInHome(t, owner.post(t, "/login", right), fmt.Sprintf("the owner's login %d with the device cookie", i+1))
		owner.post(t, "/logout", nil)
		guess(3) // the guessing goes on meanwhile
		if resp := d.browser().post(t, "/login", right); resp.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("a browser without the device cookie: %d, want 429", resp.StatusCode)
		}
	}
}

// TestDeviceCookieOutlivesLogoutNotTheAccount: logout ends the session and
// leaves the device cookie; deleting the account expires it.
func TestDeviceCookieOutlivesLogoutNotTheAccount(t *testing.T) {
	d := startDoor(t, nil)
	const email, pw = "leaving@example.com", "long enough password"
	d.signUp(t, email, pw)
	b := d.browser()
	wantLoggedInHome(t, b.post(t, "/login", url.Values{"email": {email}, "password": {pw}}), "login")

	resp := b.post(t, "/logout", nil)
	if got := resp.Header.Get("Clear-Site-Data"); strings.Contains(got, "cookies") {
		t.Errorf("logout sent Clear-Site-Data %q, which wipes the device cookie", got)
	}
	if c := responseCookie(resp, "fauna-device"); c != nil {
		t.Errorf("logout set the device cookie: %+v", c)
	}
	if c := responseCookie(resp, "fauna-session"); c == nil || c.MaxAge >= 0 {
		t.Errorf("logout did not expire the session cookie: %+v", c)
	}
	if b.cookie("fauna-device") == nil {
		t.Fatal("no device cookie after logout")
	}

	wantLoggedInHome(t, b.post(t, "/login", url.Values{"email": {email}, "password": {pw}}), "login again")
	resp = b.post(t, "/account/delete", url.Values{"password": {pw}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("account deletion: %d", resp.StatusCode)
	}
	if c := responseCookie(resp, "fauna-device"); c == nil || c.MaxAge >= 0 {
		t.Errorf("account deletion did not expire the device cookie: %+v", c)
	}
	if b.cookie("fauna-device") != nil {
		t.Error("the device cookie outlived the account")
	}
}
