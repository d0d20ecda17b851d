package app

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// startBody opens a connection to the door and sends a POST to path that
// declares a body of length bytes, and only first of it: the rest is the
// test's to send, or not.
func (d *door) startBody(t *testing.T, path, contentType string, length int, first string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(d.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	head := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n%s",
		path, strings.TrimPrefix(d.base, "http://"), contentType, length, first)
	if _, err := io.WriteString(conn, head); err != nil {
		t.Fatal(err)
	}
	return conn
}

// answer reads the response on conn until deadline; a nil response with a
// timeout error means none had come.
func answer(conn net.Conn, deadline time.Time) (status int, header http.Header, body string, err error) {
	if err := conn.SetReadDeadline(deadline); err != nil {
		return 0, nil, "", err
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return 0, nil, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b), err
}

// TestBodiesBeyondTheBudgetAreTurnedAway: 70 clients each declare a 1 MiB
// body to /graphql and send a few bytes of it. The first 64 fill the
// 64 MiB budget and are still being read; the other six wait a second and
// get a 503 with Retry-After, as does a form posted meanwhile. Once the
// slow clients go, a normal request is served.
func TestBodiesBeyondTheBudgetAreTurnedAway(t *testing.T) {
	d := startDoor(t, nil)
	const clients, room = 70, 64
	start := time.Now()
	conns := make([]net.Conn, clients)
	for i := range conns {
		conns[i] = d.startBody(t, "/graphql", "application/json", 1<<20, `{"query":`)
	}

	// A form posted once the budget is full (the first 503 says so) waits
	// its turn and is told the server is busy, as a page.
	type page struct {
		status int
		header http.Header
		body   string
		err    error
	}
	formDone := make(chan page, 1)
	firstBusy := make(chan struct{}) // closed at the first 503: the budget is full by then
	var once sync.Once
	go func() {
		<-firstBusy
		resp, err := http.Post(d.base+"/forgot", "application/x-www-form-urlencoded", strings.NewReader("email=a%40example.com"))
		if err != nil {
			formDone <- page{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		formDone <- page{resp.StatusCode, resp.Header, string(b), err}
	}()

	// Well inside the 3 s grace the slow bodies get: those still being
	// read have no answer yet.
	deadline := start.Add(2500 * time.Millisecond)
	var (
		mu            sync.Mutex
		busy, reading int
		readingConns  []net.Conn
		wg            sync.WaitGroup
		unexpected    []string
	)
	for _, conn := range conns {
		wg.Go(func() {
			status, header, body, err := answer(conn, deadline)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case errors.Is(err, os.ErrDeadlineExceeded):
				reading++
				readingConns = append(readingConns, conn)
			case err != nil:
				unexpected = append(unexpected, err.Error())
			case status == http.StatusServiceUnavailable && header.Get("Retry-After") != "" && strings.Contains(body, "busy"):
				busy++
				once.Do(func() { close(firstBusy) })
			default:
				unexpected = append(unexpected, fmt.Sprintf("%d %v %q", status, header, body))
			}
		})
	}
	wg.Wait()
	once.Do(func() { close(firstBusy) }) // none came: the check below says so
	if busy != clients-room || reading != room || len(unexpected) > 0 {
		t.Fatalf("%d turned away (want %d), %d still being read (want %d); other answers: %q",
			busy, clients-room, reading, room, unexpected)
	}

	p := <-formDone
	if p.err != nil {
		t.Fatal(p.err)
	}
	if p.status != http.StatusServiceUnavailable || p.header.Get("Retry-After") == "" ||
		!strings.Contains(p.body, `data-testid="error-page"`) || !strings.Contains(p.body, "Please try again in a moment") {
		t.Fatalf("a form posted while the budget was full: %d, Retry-After %q\n%.600s", p.status, p.header.Get("Retry-After"), p.body)
	}

	// The slow clients give up; their reservations come back.
	for _, conn := range readingConns {
		conn.Close()
	}
	if a := d.graphql(t, "", `{ __typename }`, nil); a.Status != http.StatusOK || string(a.Data) != `{"__typename":"Query"}` {
		t.Fatalf("after the slow clients left: %d %s %+v", a.Status, a.Data, a.Errors)
	}
}

// TestBodiesTooSlowAreCutOff: a body trickling in a byte every 200 ms,
// far below the floor rate, or stalled, is answered 408 once the grace is
// over, long before the server's 15 s ReadTimeout would end it, on
// /graphql and on pages.
func TestBodiesTooSlowAreCutOff(t *testing.T) {
	d := startDoor(t, nil)
	for _, tc := range []struct {
		name, path, contentType, first, want string
		stalled                              bool // sends nothing after first
	}{
		{"graphql", "/graphql", "application/json", `{"query":"`, "arrived too slowly", false},
		{"forgot", "/forgot", "application/x-www-form-urlencoded", "email=", "The form arrived too slowly", false},
		{"login stalled", "/login", "application/x-www-form-urlencoded", "email=", "The form arrived too slowly", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			conn := d.startBody(t, tc.path, tc.contentType, 1000, tc.first)
			stop := make(chan struct{})
			defer close(stop)
			go func() {
				tick := time.NewTicker(200 * time.Millisecond)
				defer tick.Stop()
				for {
					select {
					case <-stop:
						return
					case <-tick.C:
						if tc.stalled {
							continue
						}
						if _, err := conn.Write([]byte("a")); err != nil {
							return
						}
					}
				}
			}()
			status, _, body, err := answer(conn, time.Now().Add(10*time.Second))
			if err != nil {
				t.Fatalf("no answer within 10 s: %v", err)
			}
			if status != http.StatusRequestTimeout || !strings.Contains(body, tc.want) {
				t.Fatalf("status %d, want 408 saying %q\n%.600s", status, tc.want, body)
			}
			// The request log tells what the client was answered, not
			// that it went away.
			line := fmt.Sprintf(`"route":%q,"status":408`, tc.path)
			for deadline := time.Now().Add(5 * time.Second); !strings.Contains(d.logs.String(), line); {
				if time.Now().After(deadline) {
					t.Fatalf("no request log line with %s:\n%s", line, d.logs.String())
				}
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
}

// TestBodiesDeadSessionShowsNoName: once a session is logged out, a copy of
// its cookie shows the owner's name and email nowhere, not even on the
// pages that ask the API nothing else; each shows the logged-out nav.
func TestBodiesDeadSessionShowsNoName(t *testing.T) {
	d := startDoor(t, nil)
	const name, email, password = "Zelda Quartermain", "zelda.q@example.com", "a long enough password"
	if a := d.graphql(t, "", `mutation($n: String!, $e: String!, $p: String!) { registerOwner(name: $n, email: $e, password: $p) { _id } }`,
		map[string]any{"n": name, "e": email, "p": password}); len(a.Errors) > 0 {
		t.Fatalf("registerOwner: %+v", a.Errors)
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	resp, err := noRedirect.PostForm(d.base+"/login", url.Values{"email": {email}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "fauna-session" {
			cookie = c
		}
	}
	if resp.StatusCode != http.StatusSeeOther || cookie == nil {
		t.Fatalf("login: %d, cookie %v", resp.StatusCode, cookie)
	}
	get := func(t *testing.T, path string) (int, http.Header, string) {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, d.base+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.AddCookie(cookie)
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, resp.Header, string(b)
	}

	// Live, the pages that ask the API nothing else show who is logged in.
	if status, _, body := get(t, "/forgot"); status != http.StatusOK || !strings.Contains(body, name) || !strings.Contains(body, `data-testid="nav-user"`) {
		t.Fatalf("/forgot while logged in: %d, want the owner's name in the nav\n%.800s", status, body)
	}

	req, err := http.NewRequest(http.MethodPost, d.base+"/logout", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Origin", d.base)
	req.AddCookie(cookie)
	if resp, err = noRedirect.Do(req); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d", resp.StatusCode)
	}

	loggedOut := func(t *testing.T, path string, status int, body string) {
		t.Helper()
		lower := strings.ToLower(body)
		if strings.Contains(lower, "zelda") || strings.Contains(lower, "quartermain") || strings.Contains(lower, email) {
			t.Errorf("%s with the logged-out cookie shows the owner\n%s", path, body)
		}
		if !strings.Contains(body, `data-testid="nav-login"`) || strings.Contains(body, `data-testid="logout-form"`) {
			t.Errorf("%s with the logged-out cookie: status %d, not the logged-out nav\n%.800s", path, status, body)
		}
	}
	// Pages that answer at once: the page, logged out, and the dead
	// cookie cleared.
	for _, tc := range []struct {
		path   string
		status int
	}{
		{"/forgot", http.StatusOK},
		{"/reset?token=x", http.StatusOK},
		{"/no-such-page", http.StatusNotFound},
	} {
		t.Run(tc.path, func(t *testing.T) {
			status, header, body := get(t, tc.path)
			if status != tc.status {
				t.Errorf("status %d, want %d", status, tc.status)
			}
			loggedOut(t, tc.path, status, body)
			if sc := strings.Join(header.Values("Set-Cookie"), "\n"); !strings.Contains(sc, "fauna-session=") || !strings.Contains(sc, "Max-Age=0") {
				t.Errorf("the dead session's cookie is kept: Set-Cookie %q", sc)
			}
		})
	}
	// Pages that send a logged-in visitor elsewhere: a browser follows,
	// keeping the cookies it is given, and ends on a logged-out page.
	for _, path := range []string{"/login", "/signup", "/"} {
		t.Run(path, func(t *testing.T) {
			jar, err := cookiejar.New(nil)
			if err != nil {
				t.Fatal(err)
			}
			u, err := url.Parse(d.base)
			if err != nil {
				t.Fatal(err)
			}
			jar.SetCookies(u, []*http.Cookie{{Name: cookie.Name, Value: cookie.Value, Path: "/"}})
			resp, err := (&http.Client{Jar: jar}).Get(d.base + path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != http.StatusOK {
				t.Errorf("status %d at %s, want 200", resp.StatusCode, resp.Request.URL)
			}
			loggedOut(t, path, resp.StatusCode, string(b))
		})
	}
}
