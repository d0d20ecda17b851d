package handlers_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"shopkeeper/handlers"
)

// TestRequestLogLine: every answer carries a request id, kept only from a
// trusted proxy and only when it is plain, and the request's log line says
// what was asked, what was answered and under which id.
func TestRequestLogLine(t *testing.T) {
	a := newApp(t)
	proxied := a.sibling(false, func(o *handlers.Options) { o.TrustedProxies = []string{"127.0.0.1", "::1"} })
	fresh := regexp.MustCompile(`^[0-9a-f]{24}$`)
	cases := []struct {
		name   string
		app    *app
		sent   string // X-Request-Id from the client
		kept   bool
		path   string
		route  string
		status int
	}{
		{"none sent", a, "", false, "/login", "/login", http.StatusOK},
		{"from a client", a, "upstream-1", false, "/login", "/login", http.StatusOK},
		{"from a trusted proxy", proxied, "upstream-2", true, "/login", "/login", http.StatusOK},
		{"from a trusted proxy, not plain", proxied, "up stream", false, "/login", "/login", http.StatusOK},
		{"from a trusted proxy, too long", proxied, strings.Repeat("a", 65), false, "/login", "/login", http.StatusOK},
		{"no route", a, "", false, "/nowhere", "unmatched", http.StatusNotFound},
	}
	seen := map[string]bool{}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			header := map[string]string{}
			if tc.sent != "" {
				header["X-Request-Id"] = tc.sent
			}
			r := tc.app.browser().sendRaw(http.MethodGet, tc.path, "", false, header)
			wantStatus(t, r, tc.status)
			id := r.Header.Get("X-Request-Id")
			switch {
			case tc.kept && id != tc.sent:
				t.Errorf("X-Request-Id = %q, want %q kept", id, tc.sent)
			case !tc.kept && !fresh.MatchString(id):
				t.Errorf("X-Request-Id = %q, want a fresh one", id)
			case seen[id]:
				t.Errorf("X-Request-Id %q given twice", id)
			}
			seen[id] = true
			var lines []map[string]any
			for _, l := range logLines(t, a) {
				if l["msg"] == "request" && l["request_id"] == id {
					lines = append(lines, l)
				}
			}
			if len(lines) != 1 {
				t.Fatalf("%d request lines with id %q, want 1; log:\n%s", len(lines), id, a.logs.String())
			}
			l := lines[0]
			if l["level"] != "INFO" || l["method"] != "GET" || l["route"] != tc.route || l["status"] != float64(tc.status) {
				t.Errorf("request line %v, want INFO GET %s %d", l, tc.route, tc.status)
			}
			if d, ok := l["duration"].(float64); !ok || d <= 0 {
				t.Errorf("request line %v has no duration", l)
			}
			if _, ok := l["time"].(string); !ok {
				t.Errorf("request line %v has no time", l)
			}
		})
	}
}
