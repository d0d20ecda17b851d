package visitor

import (
	"net/http/httptest"
	"testing"
)

func TestUserAgent(t *testing.T) {
	r := httptest.NewRequest("POST", "/graphql", nil)
	r.Header.Set("User-Agent", "in-process client")
	if got := UserAgent(r); got != "in-process client" {
		t.Fatalf("no context value: %q, want the header", got)
	}
	if _, ok := UserAgentFromContext(r.Context()); ok {
		t.Fatal("UserAgentFromContext reports a value never set")
	}
	for _, browser := range []string{"Firefox/140.0", ""} {
		r := r.WithContext(WithUserAgent(r.Context(), browser))
		if got := UserAgent(r); got != browser {
			t.Fatalf("context %q: got %q; the context wins, even empty", browser, got)
		}
		if got, ok := UserAgentFromContext(r.Context()); !ok || got != browser {
			t.Fatalf("UserAgentFromContext = %q, %v", got, ok)
		}
	}
}
