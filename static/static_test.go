package static

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
)

func TestPathResolvesEveryAsset(t *testing.T) {
	want := []string{"app.css", "htmx.min.js", "favicon.svg"}
	pattern := regexp.MustCompile(`^/static/[a-z.]+\.[0-9a-f]{8}\.[a-z]+$`)
	for _, name := range want {
		t.Run(name, func(t *testing.T) {
			got := Path(name)
			if !pattern.MatchString(got) {
				t.Fatalf("Path(%q) = %q, want a fingerprinted /static/ URL", name, got)
			}
			ext := name[strings.LastIndex(name, "."):]
			if !strings.HasSuffix(got, ext) {
				t.Errorf("Path(%q) = %q, want the extension %s kept last", name, got, ext)
			}
		})
	}
	if got := len(Names()); got != len(want) {
		t.Errorf("Names() has %d assets, want %d: %v", got, len(want), Names())
	}
	if got := Path("missing.css"); got != "" {
		t.Errorf("Path(missing.css) = %q, want empty", got)
	}
}

func TestFingerprintChangesWithContent(t *testing.T) {
	if got, want := fingerprint("htmx.min.js", "0123abcd"), "htmx.min.0123abcd.js"; got != want {
		t.Errorf("fingerprint = %q, want %q", got, want)
	}
	a := assets().byName["app.css"]
	if a == nil || len(a.body) == 0 {
		t.Fatal("app.css is not embedded or empty")
	}
}

func TestHandler(t *testing.T) {
	h := Handler()
	tests := []struct {
		name, method, path string
		wantStatus         int
		wantType           string
		wantBody           string
	}{
		{"css", http.MethodGet, Path("app.css"), 200, "text/css; charset=utf-8", ".uk-card"},
		{"htmx", http.MethodGet, Path("htmx.min.js"), 200, "text/javascript; charset=utf-8", "htmx"},
		{"favicon", http.MethodGet, Path("favicon.svg"), 200, "image/svg+xml", "<svg"},
		{"head", http.MethodHead, Path("app.css"), 200, "text/css; charset=utf-8", ""},
		{"plain name", http.MethodGet, "/static/app.css", 404, "", ""},
		{"stale hash", http.MethodGet, "/static/app.00000000.css", 404, "", ""},
		{"unknown", http.MethodGet, "/static/nope.js", 404, "", ""},
		{"directory", http.MethodGet, "/static/", 404, "", ""},
		{"outside prefix", http.MethodGet, strings.TrimPrefix(Path("app.css"), "/static"), 404, "", ""},
		{"traversal", http.MethodGet, "/static/../static.go", 404, "", ""},
		{"post", http.MethodPost, Path("app.css"), 405, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
			res := rec.Result()
			if res.StatusCode != tc.wantStatus {
				t.Fatalf("status = %d, want %d", res.StatusCode, tc.wantStatus)
			}
			if got := res.Header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options = %q, want nosniff", got)
			}
			if tc.wantStatus != 200 {
				if cc := res.Header.Get("Cache-Control"); strings.Contains(cc, "immutable") {
					t.Errorf("error response is cacheable: %q", cc)
				}
				return
			}
			if got := res.Header.Get("Content-Type"); got != tc.wantType {
				t.Errorf("Content-Type = %q, want %q", got, tc.wantType)
			}
			if got := res.Header.Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
				t.Errorf("Cache-Control = %q", got)
			}
			if etag := res.Header.Get("ETag"); !regexp.MustCompile(`^"[0-9a-f]{32}"$`).MatchString(etag) {
				t.Errorf("ETag = %q, want a quoted hash", etag)
			}
			if !strings.Contains(rec.Body.String(), tc.wantBody) {
				t.Errorf("body does not contain %q", tc.wantBody)
			}
			if tc.method == http.MethodHead && rec.Body.Len() != 0 {
				t.Errorf("HEAD sent %d body bytes", rec.Body.Len())
			}
		})
	}
}

func TestHandlerConditionalGet(t *testing.T) {
	h := Handler()
	url := Path("app.css")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, url, nil))
	etag := rec.Header().Get("ETag")

	req := httptest.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("If-None-Match", etag)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusNotModified {
		t.Fatalf("status = %d, want 304 for a matching If-None-Match", rec.Code)
	}
	if rec.Body.Len() != 0 {
		t.Errorf("304 carried %d body bytes", rec.Body.Len())
	}
}

func TestHandlerServesPrecompressedCopies(t *testing.T) {
	h := Handler()
	for _, name := range []string{"app.css", "htmx.min.js"} {
		want, err := dist.ReadFile("dist/" + name)
		if err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			accept, encoding string
			decode           func(io.Reader) (io.Reader, error)
		}{
			{"gzip, deflate, br, zstd", "br", func(r io.Reader) (io.Reader, error) { return brotli.NewReader(r), nil }},
			{"gzip", "gzip", func(r io.Reader) (io.Reader, error) { return gzip.NewReader(r) }},
			{"br;q=0, gzip", "gzip", func(r io.Reader) (io.Reader, error) { return gzip.NewReader(r) }},
			{"", "", func(r io.Reader) (io.Reader, error) { return r, nil }},
			{"identity", "", func(r io.Reader) (io.Reader, error) { return r, nil }},
		}
		for _, tc := range cases {
			t.Run(name+" "+tc.accept, func(t *testing.T) {
				req := httptest.NewRequest(http.MethodGet, Path(name), nil)
				req.Header.Set("Accept-Encoding", tc.accept)
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					t.Fatalf("status %d", w.Code)
				}
				if got := w.Header().Get("Content-Encoding"); got != tc.encoding {
					t.Fatalf("Content-Encoding = %q, want %q", got, tc.encoding)
				}
				if !strings.Contains(w.Header().Get("Vary"), "Accept-Encoding") {
					t.Error("no Vary: Accept-Encoding")
				}
				if tc.encoding != "" && w.Body.Len() >= len(want) {
					t.Errorf("%s copy is %d bytes, not smaller than %d", tc.encoding, w.Body.Len(), len(want))
				}
				r, err := tc.decode(w.Body)
				if err != nil {
					t.Fatal(err)
				}
				got, err := io.ReadAll(r)
				if err != nil || !bytes.Equal(got, want) {
					t.Fatalf("decoded body differs from dist/%s (err %v)", name, err)
				}
			})
		}
	}
}

func TestCompressedCopiesAreCurrent(t *testing.T) {
	// A stale copy would serve old bytes under the new fingerprint.
	for _, name := range Names() {
		want, _ := dist.ReadFile("dist/" + name)
		if b, err := compressed.ReadFile("compressed/" + name + ".gz"); err == nil {
			r, err := gzip.NewReader(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(r)
			if !bytes.Equal(got, want) {
				t.Errorf("compressed/%s.gz is stale: run go generate ./static", name)
			}
		}
		if b, err := compressed.ReadFile("compressed/" + name + ".br"); err == nil {
			got, _ := io.ReadAll(brotli.NewReader(bytes.NewReader(b)))
			if !bytes.Equal(got, want) {
				t.Errorf("compressed/%s.br is stale: run go generate ./static", name)
			}
		}
	}
}
