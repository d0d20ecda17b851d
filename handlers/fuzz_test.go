package handlers_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorilla/securecookie"

	"shopkeeper/api"
	"shopkeeper/handlers"
)

// fuzzServer is the whole web front (every middleware) called without a
// socket, so the fuzzer can send bytes a client library would refuse.
type fuzzServer struct {
	h     http.Handler
	owner string // Cookie header of a logged-in owner
	store string // one of the owner's stores
}

func newFuzzServer(f *testing.F) *fuzzServer {
	limits := api.DefaultLimits
	limits.Off = true // reach the API on every input, not a 429
	a := newAppWithAPI(f, withLimits(limits))
	b := a.browser()
	b.signup("Ada", "ada@example.com", "correct horse")
	id := b.createStore("Original")
	h, err := handlers.NewServer(a.web)
	if err != nil {
		f.Fatal(err)
	}
	return &fuzzServer{h: h, owner: "fauna-session=" + b.cookie("fauna-session").Value, store: id}
}

func (s *fuzzServer) serve(t *testing.T, req *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	s.h.ServeHTTP(w, req)
	if w.Code >= 500 {
		t.Fatalf("%s %s answered %d:\n%s", req.Method, req.URL, w.Code, w.Body)
	}
	if w.Header().Get("Content-Security-Policy") == "" || w.Header().Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("%s %s answered without the security headers", req.Method, req.URL)
	}
	return w
}

// FuzzFormPosts posts arbitrary bodies to every form: the answer is never a
// 5xx, and only the statuses a form can give.
func FuzzFormPosts(f *testing.F) {
	s := newFuzzServer(f)
	f.Add(uint8(0), "email=ada%40example.com&password=correct+horse", false)
	f.Add(uint8(0), "email=ada%40example.com&password=wrong&next=%2F%2Fevil", true)
	f.Add(uint8(1), "name=Bea&email=bea%40example.com&password=long+enough", true)
	f.Add(uint8(1), "name=%ff&email=%00&password=", false)
	f.Add(uint8(2), "name=Shop&email=s%40example.com&paymentMethods=card%2C+cash&categories=food", false)
	f.Add(uint8(3), "name=Shop&email=s%40example.com&categories="+strings.Repeat("a%2C", 30), true)
	f.Add(uint8(4), "name=%zz", false)
	f.Add(uint8(2), "name="+strings.Repeat("x", 70<<10), true)
	allowed := map[int]bool{200: true, 303: true, 400: true, 401: true, 413: true, 422: true}
	f.Fuzz(func(t *testing.T, route uint8, body string, htmx bool) {
		method, path, cookie := http.MethodPost, "/login", ""
		switch route % 5 {
		case 1:
			path = "/signup"
		case 2:
			path, cookie = "/stores", s.owner
		case 3:
			method, path, cookie = http.MethodPut, "/stores/"+s.store, s.owner
		case 4:
			path, cookie = "/stores/"+s.store, s.owner
		}
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if cookie != "" {
			req.Header.Set("Cookie", cookie)
		}
		if htmx {
			req.Header.Set("HX-Request", "true")
		}
		if w := s.serve(t, req); !allowed[w.Code] {
			t.Fatalf("%s %s answered %d", method, path, w.Code)
		}
	})
}

// FuzzSessionCookie sends arbitrary session cookies: undecodable ones, and
// properly signed ones holding values of any shape. Neither may cause a 5xx.
func FuzzSessionCookie(f *testing.F) {
	s := newFuzzServer(f)
	valid := strings.TrimPrefix(s.owner, "fauna-session=")
	f.Add(valid, "", int64(0), "", "", "", false)
	f.Add(valid[:len(valid)/2], "", int64(0), "", "", "", false)
	f.Add(strings.Replace(valid, "M", "N", 1), "", int64(0), "", "", "", false)
	f.Add("", "secret", int64(1)<<62, "ada@example.com", "nobody", "", false)
	f.Add("", "secret", int64(-1), "", "", `{"Path":"/stores/new","Form":{"Name":"x"}}`, true)
	f.Add("", "", int64(0), "", "", `{"Path":`, true)
	codecs := securecookie.CodecsFromPairs(testKeys...)
	paths := []string{"/", "/stores/new", "/login", "/stores/" + s.store + "/edit"}
	f.Fuzz(func(t *testing.T, raw, secret string, ttl int64, email, flash, draft string, odd bool) {
		cookie := raw
		if raw == "" {
			// A cookie the server's keys open, holding fuzzed values; odd
			// swaps the types the server expects.
			values := map[any]any{"secret": secret, "ttl": ttl, "email": email, "flash": flash, "draft": draft, "ownerId": email}
			if odd {
				values = map[any]any{"secret": ttl, "ttl": secret, "flash": int64(len(flash)), "draft": []byte(draft), 7: "x"}
			}
			enc, err := securecookie.EncodeMulti("fauna-session", values, codecs...)
			if err != nil {
				t.Skip("values too large for a cookie")
			}
			cookie = enc
		}
		for _, path := range paths {
			req := httptest.NewRequest(http.MethodGet, path, nil)
			req.Header.Set("Cookie", "fauna-session="+cookie)
			s.serve(t, req)
		}
	})
}
