package app

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
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

	// A form posted while the budget is full waits its turn and is told
	// the server is busy, as a page.
	type page struct {
		status int
		header http.Header
		body   string
		err    error
	}
	formDone := make(chan page, 1)
	go func() {
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
			default:
				unexpected = append(unexpected, fmt.Sprintf("%d %v %q", status, header, body))
			}
		})
	}
	wg.Wait()
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
// far below the floor rate, is answered 408 once the grace is over, long
// before the server's 15 s ReadTimeout would end it, on /graphql and on a
// page.
func TestBodiesTooSlowAreCutOff(t *testing.T) {
	d := startDoor(t, nil)
	for _, tc := range []struct {
		path, contentType, first, want string
	}{
		{"/graphql", "application/json", `{"query":"`, "arrived too slowly"},
		{"/forgot", "application/x-www-form-urlencoded", "email=", "The form arrived too slowly"},
	} {
		t.Run(strings.TrimPrefix(tc.path, "/"), func(t *testing.T) {
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
		})
	}
}
