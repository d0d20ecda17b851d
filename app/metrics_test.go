package app

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"shopkeeper/api"
	"shopkeeper/gql"
	"shopkeeper/handlers"
	"shopkeeper/metrics"
)

func scrape(t *testing.T, m *metrics.Metrics) string {
	t.Helper()
	w := httptest.NewRecorder()
	m.Handler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if w.Code != http.StatusOK {
		t.Fatalf("/metrics: status %d", w.Code)
	}
	return w.Body.String()
}

// TestMetricsKnowEveryOperationAndEvent: the web's operations (read from
// gql/operations.graphql) are timed by name and every audited event is
// counted, with no list kept by hand in metrics.
func TestMetricsKnowEveryOperationAndEvent(t *testing.T) {
	ops, err := gql.OperationNames()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(ops, "Login") || !slices.Contains(ops, "Dashboard") || len(ops) < 5 {
		t.Fatalf("operations read from operations.graphql: %q", ops)
	}
	m, err := newMetrics()
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range append(ops, workshopOperations...) {
		m.Operation(op, time.Millisecond)
	}
	m.Operation("SomethingAClientMadeUp", time.Millisecond)
	events := slices.Concat(api.Events, []string{handlers.EventCSRFRejected})
	for _, e := range events {
		m.Event(e)
	}
	m.Event("not-an-event")
	out := scrape(t, m)
	for _, op := range append(ops, workshopOperations...) {
		if want := `shopkeeper_graphql_operation_duration_seconds_count{operation="` + op + `"} 1`; !strings.Contains(out, want) {
			t.Errorf("scrape lacks %s", want)
		}
	}
	if want := `shopkeeper_graphql_operation_duration_seconds_count{operation="other"} 1`; !strings.Contains(out, want) {
		t.Errorf("scrape lacks %s", want)
	}
	for _, e := range events {
		if want := `shopkeeper_auth_events_total{event="` + e + `"} 1`; !strings.Contains(out, want) {
			t.Errorf("scrape lacks %s", want)
		}
	}
	for _, leak := range []string{"SomethingAClientMadeUp", "not-an-event"} {
		if strings.Contains(out, leak) {
			t.Errorf("an unknown name became a label: %s", leak)
		}
	}
}

// TestMetricsReportTheDatabasePools: buildAPI registers the store's pools.
func TestMetricsReportTheDatabasePools(t *testing.T) {
	m, err := newMetrics()
	if err != nil {
		t.Fatal(err)
	}
	cfg := config(t, map[string]string{"SHOP_DATA_DIR": t.TempDir()})
	a, err := buildAPI(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), m, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.db.Close()
	out := scrape(t, m)
	for _, want := range []string{
		`shopkeeper_db_pool_max_connections{pool="write"} 1`,
		`shopkeeper_db_pool_open_connections{pool="read"}`,
		`shopkeeper_db_pool_in_use_connections{pool="write"} 0`,
		`shopkeeper_db_pool_waits_total{pool="read"}`,
		`shopkeeper_db_pool_wait_seconds_total{pool="write"}`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("scrape lacks %s", want)
		}
	}
}
