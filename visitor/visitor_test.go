package visitor

import (
	"net/http/httptest"
	"testing"
)

func TestUserAgent(t *testing.T) {
	r := httptest.NewRequest("POST", "/graphql", nil)
	r.Header.Set("User-Agent", "in-process client")
	if got := Of(r).UserAgent; got != "in-process client" {
		t.Fatalf("no context value: %q, want the header", got)
	}
	if _, ok := FromContext(r.Context()); ok {
		t.Fatal("FromContext reports a value never set")
	}
	for _, browser := range []string{"Firefox/140.0", ""} {
		r := r.WithContext(NewContext(r.Context(), Visitor{UserAgent: browser}))
		if got := Of(r).UserAgent; got != browser {
			t.Fatalf("context %q: got %q; the context wins, even empty", browser, got)
		}
		if got, ok := FromContext(r.Context()); !ok || got.UserAgent != browser {
			t.Fatalf("FromContext = %q, %v", got.UserAgent, ok)
		}
	}
}

func TestOfAddr(t *testing.T) {
	r := httptest.NewRequest("POST", "/graphql", nil)
	r.RemoteAddr = "198.51.100.4:5123"
	dev := &Device{Email: "ada@example.com", ID: "d1"}
	cases := []struct {
		name string
		ctx  *Visitor
		want Visitor
	}{
		{"no visitor: the connection's", nil, Visitor{Addr: "198.51.100.4"}},
		{"the web's visitor wins", &Visitor{Addr: "203.0.113.7", UserAgent: "Firefox", Device: dev}, Visitor{Addr: "203.0.113.7", UserAgent: "Firefox", Device: dev}},
		{"no address: the connection's", &Visitor{UserAgent: "Firefox"}, Visitor{Addr: "198.51.100.4", UserAgent: "Firefox"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := r
			if tc.ctx != nil {
				r = r.WithContext(NewContext(r.Context(), *tc.ctx))
			}
			if got := Of(r); got != tc.want {
				t.Fatalf("Of = %+v, want %+v", got, tc.want)
			}
		})
	}
}
