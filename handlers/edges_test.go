package handlers_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
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
