package handlers

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzSafeNext checks that whatever safeNext lets through stays on this
// site when a browser resolves it, and that anything else becomes "/".
func FuzzSafeNext(f *testing.F) {
	for _, s := range []string{
		"/", "/stores/new", "/stores/abc/edit?x=1#top", "https://evil.example/", "//evil.example",
		`/\evil.example`, "javascript:alert(1)", "/\t/evil.example", "/%2F%2Fevil.example", "http:evil.example",
		" /x", "\x00/", "/\u3000/evil.example", "/x\r\nSet-Cookie: a=b", "///evil.example", "/.//evil.example",
	} {
		f.Add(s)
	}
	base, _ := url.Parse("https://shop.example/stores/1/edit")
	f.Fuzz(func(t *testing.T, next string) {
		got := safeNext(next)
		if got != "/" && got != next {
			t.Fatalf("safeNext(%q) = %q: neither the input nor /", next, got)
		}
		u, err := url.Parse(got)
		if err != nil {
			t.Fatalf("safeNext(%q) = %q, which does not parse: %v", next, got, err)
		}
		if r := base.ResolveReference(u); r.Scheme != "https" || r.Host != "shop.example" || r.User != nil {
			t.Fatalf("safeNext(%q) = %q leads to %s", next, got, r)
		}
		// Browsers strip tabs and newlines and read "\" as "/" before
		// resolving, so none may be left in a path that passes.
		if strings.ContainsAny(got, "\\\t\r\n") || strings.HasPrefix(got, "//") {
			t.Fatalf("safeNext(%q) = %q, which a browser may read as another host", next, got)
		}
		if l := loginURL(next); !strings.HasPrefix(l, "/login") || strings.ContainsAny(l, "\r\n") {
			t.Fatalf("loginURL(%q) = %q", next, l)
		}
	})
}
