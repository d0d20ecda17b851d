package handlers_test

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"shopkeeper/api"
	"shopkeeper/handlers"
	"shopkeeper/metrics"
	"shopkeeper/storage"
)

// logLines are the JSON log records written so far.
func logLines(t *testing.T, a *app) []map[string]any {
	t.Helper()
	var out []map[string]any
	for line := range strings.SplitSeq(strings.TrimSpace(a.logs.String()), "\n") {
		if line == "" {
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		out = append(out, rec)
	}
	return out
}

// wantNoErrorLogged fails if anything was logged at level ERROR.
func wantNoErrorLogged(t *testing.T, a *app) {
	t.Helper()
	for _, rec := range logLines(t, a) {
		if rec["level"] == "ERROR" {
			t.Errorf("logged as an error: %v", rec)
		}
	}
}

func TestDashboardRefusesAMalformedCursor(t *testing.T) {
	a := newApp(t)
	b := a.browser()
	b.signup("Ada", "ada@example.com", "correct horse")
	wantStatus(t, b.get("/", false), http.StatusOK) // takes the welcome flash
	for _, tc := range []struct {
		name     string
		htmx     bool
		selector string
	}{
		{"page", false, `[data-testid="error-title"]`},
		{"fragment", true, `[data-testid="error-fragment"] p`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := b.get("/?after=garbage", tc.htmx)
			wantStatus(t, r, http.StatusBadRequest)
			if got := r.isFullPage(); got == tc.htmx {
				t.Errorf("full page = %v for htmx = %v", got, tc.htmx)
			}
			if got := r.doc.Find(tc.selector).First().Text(); got != "Bad request" {
				t.Errorf("title = %q, want %q", got, "Bad request")
			}
			if strings.Contains(r.body, "_cursor") {
				t.Error("the API's message reached the user")
			}
		})
	}
	// A cursor the dashboard itself issued still works.
	wantStatus(t, b.get("/?after=", false), http.StatusOK)
	wantNoErrorLogged(t, a)
}

func TestHeadAnswersLikeGet(t *testing.T) {
	m := metrics.New()
	a := newApp(t, func(o *handlers.Options) { o.Metrics = m; o.MetricsHandler = m.Handler() })
	owner := a.browser()
	owner.signup("Ada", "ada@example.com", "correct horse")
	wantStatus(t, owner.get("/", false), http.StatusOK) // takes the welcome flash
	id := createStore(t, owner, "Corner Shop")
	visitor := a.browser()
	css, _ := visitor.get("/login", false).doc.Find(`link[rel="stylesheet"]`).Attr("href")
	if !strings.HasPrefix(css, "/static/") {
		t.Fatalf("stylesheet at %q", css)
	}
	cases := []struct {
		name   string
		b      *browser
		path   string
		header map[string]string
		want   int
		// differ is a header known to differ, left to the file that sets it.
		differ string
	}{
		{"health", visitor, "/healthz", nil, 200, ""},
		{"ready", visitor, "/readyz", nil, 200, ""},
		{"metrics", visitor, "/metrics", nil, 200, ""},
		{"static file", visitor, css, nil, 200, ""},
		{"home", visitor, "/", nil, 200, ""},
		{"login", visitor, "/login", nil, 200, ""},
		{"signup", visitor, "/signup", nil, 200, ""},
		{"cross-site link", visitor, "/login", crossSite, 200, ""},
		{"login required", visitor, "/stores/new", nil, 303, ""},
		{"dashboard", owner, "/", nil, 200, ""},
		{"new store", owner, "/stores/new", nil, 200, ""},
		{"store", owner, "/stores/" + id, nil, 200, ""},
		{"edit store", owner, "/stores/" + id + "/edit", nil, 200, ""},
		{"not found", owner, "/stores/" + id + "/nope", nil, 404, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// Asking for gzip ourselves keeps the client from unpacking a
			// GET answer and dropping its Content-Encoding and length.
			header := map[string]string{"Accept-Encoding": "gzip"}
			maps.Copy(header, tc.header)
			get := tc.b.sendRaw(http.MethodGet, tc.path, "", false, header)
			head := tc.b.sendRaw(http.MethodHead, tc.path, "", false, header)
			wantStatus(t, get, tc.want)
			wantStatus(t, head, tc.want)
			if head.body != "" {
				t.Errorf("HEAD has a body: %q", head.body)
			}
			for k := range mergeKeys(get.Header, head.Header) {
				switch k {
				case "Date", "X-Request-Id", tc.differ:
					continue
				case "Content-Length":
					// net/http counts a GET body it buffered itself; a HEAD
					// answer may leave the length out, but never gets it wrong.
					if head.Header.Get(k) == "" {
						continue
					}
				}
				if g, h := get.Header.Values(k), head.Header.Values(k); strings.Join(g, "\n") != strings.Join(h, "\n") {
					t.Errorf("%s: GET %q, HEAD %q", k, g, h)
				}
			}
		})
	}
	if r := visitor.get("/metrics", false); !strings.Contains(r.body, `shopkeeper_http_requests_total{method="HEAD",route="/login",status="200"} 2`) {
		t.Error("/metrics does not count HEAD /login")
	}
}

func mergeKeys(hs ...http.Header) map[string]bool {
	keys := map[string]bool{}
	for _, h := range hs {
		for k := range h {
			keys[k] = true
		}
	}
	return keys
}

// createStore saves a store through the plain form and returns its id.
func createStore(t *testing.T, b *browser, name string) string {
	t.Helper()
	r := b.sendRaw(http.MethodPost, "/stores", "name="+name+"&email=shop%40example.com", false, nil)
	wantStatus(t, r, http.StatusSeeOther)
	loc := r.Header.Get("Location")
	id, ok := strings.CutPrefix(loc, "/stores/")
	if !ok || id == "" || strings.Contains(id, "/") {
		t.Fatalf("saved store sent to %q", loc)
	}
	return id
}

func TestTrailingSlashRedirectIgnoresForwardedPrefix(t *testing.T) {
	a := newApp(t)
	proxied := a.sibling(false, func(o *handlers.Options) { o.TrustedProxies = []string{"127.0.0.1", "::1"} })
	for _, tc := range []struct {
		name   string
		app    *app
		prefix string
	}{
		{"no header", a, ""},
		{"prefix", a, "/evil"},
		{"other host", a, "//evil.example"},
		{"dot segments", a, "/a/../evil"},
		{"from a trusted proxy", proxied, "/evil"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var header map[string]string
			if tc.prefix != "" {
				header = map[string]string{"X-Forwarded-Prefix": tc.prefix}
			}
			r := tc.app.browser().sendRaw(http.MethodGet, "/login/", "", false, header)
			wantStatus(t, r, http.StatusMovedPermanently)
			if got := r.Header.Get("Location"); got != "/login" {
				t.Errorf("Location = %q, want /login", got)
			}
		})
	}
}

// blockingStores holds the store listing of the dashboard until its caller
// gives up, once armed.
type blockingStores struct {
	storage.DB
	armed   atomic.Bool
	waiting chan struct{}
}

func (s *blockingStores) Stores(ctx context.Context, ownerID string, size int, cursor string) (storage.StorePage, error) {
	if s.armed.CompareAndSwap(true, false) {
		close(s.waiting)
		<-ctx.Done()
	}
	return s.DB.Stores(ctx, ownerID, size, cursor)
}

// requestRecorder remembers what the web front reported to metrics.
type requestRecorder struct {
	mu       sync.Mutex
	requests []string
}

func (r *requestRecorder) Request(route, method string, status int, _ time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests = append(r.requests, method+" "+route+" "+strconv.Itoa(status))
}

func (r *requestRecorder) Event(string) {}

func (r *requestRecorder) seen() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.requests...)
}

func TestClientGoneIsNotAnError(t *testing.T) {
	shops := &blockingStores{waiting: make(chan struct{})}
	rec := &requestRecorder{}
	a := newAppWithAPI(t, func(o *api.Options) {
		shops.DB = o.DB
		o.DB = shops
	}, func(o *handlers.Options) { o.Metrics = rec })
	b := a.browser()
	b.signup("Ada", "ada@example.com", "correct horse")

	shops.armed.Store(true)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-shops.waiting
		cancel()
	}()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.url+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp, err := b.hc.Do(req); !errors.Is(err, context.Canceled) {
		if err == nil {
			resp.Body.Close()
		}
		t.Fatalf("the request was not canceled: %v", err)
	}

	// The server finishes the request after the client has left.
	var line map[string]any
	deadline := time.Now().Add(5 * time.Second)
	for line == nil && time.Now().Before(deadline) {
		for _, l := range logLines(t, a) {
			if l["msg"] == "request" && l["method"] == "GET" && l["route"] == "/" {
				line = l
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	if line == nil {
		t.Fatalf("no request line for GET /; log:\n%s", a.logs.String())
	}
	if line["status"] != float64(499) || line["level"] != "INFO" {
		t.Errorf("request line %v, want status 499 at INFO", line)
	}
	wantNoErrorLogged(t, a)
	const want = "GET / 499"
	if got := rec.seen(); len(got) == 0 || got[len(got)-1] != want {
		t.Errorf("metrics saw %q, want last %q", got, want)
	}
}
