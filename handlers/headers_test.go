package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"shopkeeper/handlers"
)

var securityHeaders = map[string]string{
	"Content-Security-Policy":    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
	"X-Content-Type-Options":     "nosniff",
	"Referrer-Policy":            "strict-origin-when-cross-origin",
	"Cross-Origin-Opener-Policy": "same-origin",
}

func wantSecurityHeaders(t *testing.T, r *response) {
	t.Helper()
	for k, want := range securityHeaders {
		if got := r.Header.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
}

func TestSecurityHeadersOnEveryAnswer(t *testing.T) {
	a := newApp(t)
	b := a.browser()
	css, _ := b.get("/login", false).doc.Find(`link[rel="stylesheet"]`).Attr("href")
	if !strings.HasPrefix(css, "/static/") {
		t.Fatalf("stylesheet at %q", css)
	}
	graphql := func() *response {
		req, _ := http.NewRequest(http.MethodPost, a.url+"/graphql", strings.NewReader(`{"query":"{ countStores }"}`))
		req.Header.Set("Content-Type", "application/json")
		return a.browser().do(req)
	}
	cases := []struct {
		name string
		do   func() *response
		want int
	}{
		{"page", func() *response { return b.get("/login", false) }, 200},
		{"fragment", func() *response { return b.post("/login", url.Values{"email": {"x"}}, true) }, 422},
		{"not found page", func() *response { return b.get("/nowhere", false) }, 404},
		{"not found fragment", func() *response { return b.get("/nowhere", true) }, 404},
		{"method not allowed", func() *response { return b.get("/logout", false) }, 405},
		{"cross-site refusal", func() *response { return b.sendRaw(http.MethodPost, "/login", "", true, crossSite) }, 403},
		{"too large", func() *response {
			return b.sendRaw(http.MethodPost, "/login", strings.Repeat("a", 260<<10), false, nil)
		}, 413},
		{"static file", func() *response { return b.get(css, false) }, 200},
		{"health", func() *response { return b.get("/healthz", false) }, 200},
		{"graphql", graphql, 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.do()
			wantStatus(t, r, tc.want)
			wantSecurityHeaders(t, r)
			if got := r.Header.Get("Strict-Transport-Security"); got != "" {
				t.Errorf("HSTS over plain HTTP: %q", got)
			}
		})
	}
}

func TestHSTSOnlyOverHTTPS(t *testing.T) {
	a := newApp(t)
	proxied := a.sibling(false, func(o *handlers.Options) { o.TrustedProxies = []string{"127.0.0.1", "::1"} })
	https := map[string]string{"X-Forwarded-Proto": "https"}
	const hsts = "max-age=63072000; includeSubDomains"
	cases := []struct {
		name   string
		app    *app
		header map[string]string
		want   string
	}{
		{"TLS", a.sibling(true), nil, hsts},
		{"trusted proxy says https", proxied, https, hsts},
		{"untrusted client says https", a, https, ""},
		{"plain HTTP", a, nil, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, path := range []string{"/login", "/nowhere"} {
				r := tc.app.browser().sendRaw(http.MethodGet, path, "", false, tc.header)
				if got := r.Header.Get("Strict-Transport-Security"); got != tc.want {
					t.Errorf("%s: HSTS = %q, want %q", path, got, tc.want)
				}
				wantSecurityHeaders(t, r)
			}
		})
	}
}

// The CSP has no 'unsafe-inline' for styles, so htmx must be told not to
// inject its indicator stylesheet.
func TestHTMXIsConfiguredForTheCSP(t *testing.T) {
	r := newApp(t).browser().get("/login", false)
	cfg, _ := r.doc.Find(`meta[name="htmx-config"]`).Attr("content")
	if !strings.Contains(cfg, `"includeIndicatorCSS":false`) {
		t.Errorf("htmx-config = %q", cfg)
	}
	if r.doc.Find("script:not([src]), style, [style]").Length() != 0 {
		t.Error("inline script or style on the page: the CSP would block it")
	}
}
