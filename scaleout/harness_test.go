// Package scaleout tests Shopkeeper run as several processes on one
// PostgreSQL and one Redis: what a deployment behind a load balancer relies on.
package scaleout

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"shopkeeper/internal/serverproc"
	"shopkeeper/throttle/redistest"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "shopkeeper-scaleout-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary, err = serverproc.Build(dir, "shopkeeper/cmd/shopkeeper", "shopkeeper")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// sessionKeys are shared by every instance, as a deployment must.
const sessionKeys = "scale-out-test-key-0123456789abcdef"

// instance is one running shopkeeper process.
type instance struct {
	p   *serverproc.Process
	url string
}

// start runs the binary with env on a free loopback port and waits for it;
// it is stopped when the test ends.
func start(t *testing.T, env map[string]string) *instance {
	t.Helper()
	vars := []string{"PATH=" + os.Getenv("PATH"), "SHOP_DATA_DIR=" + t.TempDir(), "SHOP_SESSION_KEYS=" + sessionKeys,
		// Every run and test counts its limits afresh, whatever an earlier
		// run left in the shared Redis.
		"SHOP_REDIS_PREFIX=" + redisPrefix(t)}
	for k, v := range env {
		vars = append(vars, k+"="+v)
	}
	p, err := serverproc.Start(binary, serverproc.Options{Env: vars, LogFile: filepath.Join(t.TempDir(), "log")})
	if err != nil {
		t.Fatalf("instance did not start: %v", err)
	}
	t.Cleanup(func() { _ = p.Stop(20 * time.Second) })
	return &instance{p: p, url: p.URL}
}

// log is what the instance has logged so far.
func (in *instance) log() string { return in.p.Log() }

// kill ends the process at once, as a crash or kill -9 would.
func (in *instance) kill() { in.p.Kill() }

// browser is a visitor whose cookie jar works across instances on 127.0.0.1
// (cookies do not depend on the port).
type browser struct {
	t   *testing.T
	jar *cookiejar.Jar
	hc  *http.Client
}

func newBrowser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, jar: jar, hc: &http.Client{
		Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

type answer struct {
	status   int
	location string
	body     string
}

func (b *browser) do(method, u string, form url.Values, htmx bool) answer {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if htmx {
		req.Header.Set("HX-Request", "true")
	}
	resp, err := b.hc.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, location: resp.Header.Get("Location"), body: string(raw)}
}

func (b *browser) get(u string) answer { return b.do(http.MethodGet, u, nil, false) }
func (b *browser) post(u string, form url.Values) answer {
	return b.do(http.MethodPost, u, form, false)
}

func (b *browser) want(a answer, status int, what string) {
	b.t.Helper()
	if a.status != status {
		b.t.Fatalf("%s: status %d, want %d; body:\n%.600s", what, a.status, status, a.body)
	}
}

// loggedIn reports whether the dashboard at base shows this browser's owner.
func (b *browser) loggedIn(base, name string) bool {
	a := b.get(base + "/")
	return a.status == http.StatusOK && strings.Contains(a.body, `data-testid="nav-user"`) && strings.Contains(a.body, name)
}

func uniqueEmail(prefix string) string {
	return fmt.Sprintf("%s-%d@example.com", prefix, time.Now().UnixNano())
}

// redisPrefix is shared by the instances of one test and by no other test.
func redisPrefix(t *testing.T) string {
	if p, ok := prefixes.Load(t.Name()); ok {
		return p.(string)
	}
	p, _ := prefixes.LoadOrStore(t.Name(), redistest.Prefix())
	return p.(string)
}

var prefixes sync.Map
