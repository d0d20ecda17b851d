package handlers_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"shopkeeper/handlers"
)

// benchServer is the whole web front and the API in process, with an owner
// holding 10 stores, as the load benchmark's dashboard phase sees it. The
// cookie is the one a browser holds after its first dashboard, which showed
// the pending flash: requests with it read the session and leave it alone.
func benchServer(b *testing.B) (http.Handler, *http.Cookie) {
	// Production logs go to a pipe; a growing test buffer would dominate.
	a := newApp(b, func(o *handlers.Options) { o.Logger = slog.New(slog.NewJSONHandler(io.Discard, nil)) })
	br := a.browser()
	br.signup("Bench Owner", "bench@example.com", "correct horse")
	for i := range 10 {
		br.createStore(fmt.Sprintf("Store %d", i+1))
	}
	first := br.get("/", false)
	wantStatus(b, first, http.StatusOK)
	cookie := setCookie(first)
	if cookie == nil {
		b.Fatal("the first dashboard did not take the pending flash out of the cookie")
	}
	return a.handler, cookie
}

// wantSessionKept fails the benchmark if the answer rewrote the session: a
// steady visitor's cookie is only read.
func wantSessionKept(b *testing.B, w *httptest.ResponseRecorder) {
	if c := w.Header().Values("Set-Cookie"); len(c) > 0 {
		b.Fatalf("the answer set a cookie: %q", c)
	}
}

func BenchmarkLoginPage(b *testing.B) {
	h, _ := benchServer(b)
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/login", nil))
		if w.Code != http.StatusOK {
			b.Fatalf("status %d", w.Code)
		}
	}
}

func BenchmarkDashboard(b *testing.B) {
	h, cookie := benchServer(b)
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.AddCookie(cookie)
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "Store 10") {
			b.Fatalf("status %d", w.Code)
		}
		wantSessionKept(b, w)
	}
}

// BenchmarkSessionDecode is a logged-in request that stops at the session:
// decoding and checking the cookie, then a 404 with no API call.
func BenchmarkSessionDecode(b *testing.B) {
	h, cookie := benchServer(b)
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/login?next="+url.QueryEscape("/"), nil)
		req.AddCookie(cookie)
		h.ServeHTTP(w, req)
		if w.Code != http.StatusSeeOther {
			b.Fatalf("status %d", w.Code)
		}
		wantSessionKept(b, w)
	}
}
