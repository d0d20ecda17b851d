package handlers_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"shopkeeper/api"
	"shopkeeper/gql"
	"shopkeeper/handlers"
	"shopkeeper/internal/testkit"
	"shopkeeper/mail"
	"shopkeeper/password"
	"shopkeeper/storage/sqlite"
	"shopkeeper/throttle"
)

// testKeys are fixed session key pairs (hash, block) for the tests.
var testKeys = [][]byte{[]byte(strings.Repeat("h", 32)), []byte(strings.Repeat("b", 32))}

// app is the whole web front with the real GraphQL API in process on a
// SQLite file, as the default binary runs it.
type app struct {
	t      testing.TB
	url    string
	graph  *api.Server
	clock  *clock
	logs   *syncBuffer
	apiNow *clock
	// web is what the web front was built with, for siblings.
	web handlers.Options
	// transport reaches a TLS server; nil for plain HTTP.
	transport http.RoundTripper
	// handler is the whole web front, for benchmarks that skip the socket.
	handler http.Handler
	// outbox is where the API's mails go, one .eml file each.
	outbox string
}

type (
	clock      = testkit.Clock
	syncBuffer = testkit.Buffer
)

type appOption func(*handlers.Options)

// newApp starts the web front and API on a temporary SQLite database.
func newApp(t testing.TB, opts ...appOption) *app {
	t.Helper()
	return newAppWithAPI(t, nil, opts...)
}

// newAppWithAPI is newApp with apiOpt applied to the API's options too.
func newAppWithAPI(t testing.TB, apiOpt func(*api.Options), opts ...appOption) *app {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "shop.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	a := &app{t: t, clock: &clock{}, apiNow: &clock{}, logs: &syncBuffer{}, outbox: filepath.Join(t.TempDir(), "outbox")}
	logger := slog.New(slog.NewJSONHandler(a.logs, nil))
	mails := mail.NewQueue(mail.QueueOptions{Sender: &mail.Outbox{Dir: a.outbox, From: "Shopkeeper <shop@example.com>"}, Log: logger})
	t.Cleanup(func() { _ = mails.Close(context.Background()) })
	ao := api.Options{
		DB:       db,
		TokenTTL: 30 * time.Minute,
		Logger:   logger,
		Hasher:   password.New(password.Options{Params: password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}}),
		Now:      a.apiNow.Now,
		// The web's clock drives the limits, so tests can wait a limit out.
		Limiter: throttle.NewMemory(throttle.MemoryOptions{Now: a.clock.Now}),
		Mailer:  mails,
		BaseURL: "http://shop.example",
	}
	if apiOpt != nil {
		apiOpt(&ao)
	}
	a.graph = api.New(ao)
	a.web = handlers.Options{
		API:          gql.NewInProcess(a.graph),
		GraphQL:      a.graph,
		SessionKeys:  testKeys,
		CookieSecure: "auto",
		Ready:        db.Ping,
		Logger:       logger,
		Now:          a.clock.Now,
	}
	return a.sibling(false, opts...)
}

// sibling starts another web front over the same API, database, clocks and
// log, built with this one's options and then opts; over TLS when tls is set.
func (a *app) sibling(tls bool, opts ...appOption) *app {
	a.t.Helper()
	b := *a
	for _, opt := range opts {
		opt(&b.web)
	}
	h, err := handlers.NewServer(b.web)
	if err != nil {
		a.t.Fatal(err)
	}
	b.handler = h
	srv := httptest.NewUnstartedServer(h)
	if tls {
		srv.StartTLS()
		b.transport = srv.Client().Transport
	} else {
		srv.Start()
		b.transport = nil
	}
	a.t.Cleanup(srv.Close)
	b.url = srv.URL
	return &b
}

// browser is one visitor with a cookie jar; it does not follow redirects,
// so tests see each 303 and HX-Redirect.
type browser struct {
	app *app
	hc  *http.Client
	jar *cookiejar.Jar
}

func (a *app) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{app: a, jar: jar, hc: &http.Client{
		Jar:           jar,
		Transport:     a.transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// response is a finished request: status, headers and the parsed body.
type response struct {
	*http.Response
	body string
	doc  *goquery.Document
}

func (b *browser) do(req *http.Request) *response {
	b.app.t.Helper()
	resp, err := b.hc.Do(req)
	if err != nil {
		b.app.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		b.app.t.Fatal(err)
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(string(raw)))
	if err != nil {
		b.app.t.Fatal(err)
	}
	return &response{Response: resp, body: string(raw), doc: doc}
}

func (b *browser) get(path string, htmx bool) *response {
	req, err := http.NewRequest(http.MethodGet, b.app.url+path, nil)
	if err != nil {
		b.app.t.Fatal(err)
	}
	if htmx {
		req.Header.Set("HX-Request", "true")
	}
	return b.do(req)
}

// send submits a form with method, as htmx (HX-Request) or as a plain form.
func (b *browser) send(method, path string, form url.Values, htmx bool) *response {
	return b.sendRaw(method, path, form.Encode(), htmx, nil)
}

// sendRaw submits body as a form, with extra request headers.
func (b *browser) sendRaw(method, path, body string, htmx bool, header map[string]string) *response {
	req, err := http.NewRequest(method, b.app.url+path, strings.NewReader(body))
	if err != nil {
		b.app.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if htmx {
		req.Header.Set("HX-Request", "true")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	return b.do(req)
}

func (b *browser) post(path string, form url.Values, htmx bool) *response {
	return b.send(http.MethodPost, path, form, htmx)
}

// signup registers an owner and leaves this browser logged in as them.
func (b *browser) signup(name, email, password string) {
	b.app.t.Helper()
	r := b.post("/signup", url.Values{"name": {name}, "email": {email}, "password": {password}}, false)
	if r.StatusCode != http.StatusSeeOther {
		b.app.t.Fatalf("signup: status %d, body:\n%s", r.StatusCode, r.body)
	}
}

func (b *browser) cookie(name string) *http.Cookie {
	u, _ := url.Parse(b.app.url)
	for _, c := range b.jar.Cookies(u) {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// isFullPage tells a whole document from an htmx fragment.
func (r *response) isFullPage() bool {
	return strings.HasPrefix(strings.ToLower(strings.TrimSpace(r.body)), "<!doctype html>")
}

func (r *response) text(selector string) string {
	return strings.TrimSpace(r.doc.Find(selector).Text())
}

func wantStatus(t testing.TB, r *response, want int) {
	t.Helper()
	if r.StatusCode != want {
		t.Fatalf("status = %d, want %d; body:\n%s", r.StatusCode, want, r.body)
	}
}

// setCookie returns the fauna-session Set-Cookie header of r, parsed; the
// last one when there are several, as browsers keep the last.
func setCookie(r *response) *http.Cookie {
	var last *http.Cookie
	for _, c := range r.Cookies() {
		if c.Name == "fauna-session" {
			last = c
		}
	}
	return last
}
