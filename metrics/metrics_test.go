package metrics_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"shopkeeper/metrics"
)

func scrape(t *testing.T, m *metrics.Metrics) string {
	t.Helper()
	w := httptest.NewRecorder()
	m.Handler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	b, _ := io.ReadAll(w.Body)
	return string(b)
}

func TestLabelsStayBounded(t *testing.T) {
	m := metrics.New(metrics.Operations("Dashboard", "Login"), metrics.Events("login.failure", "logout"))
	m.Request("/stores/:id", "GET", 200, time.Millisecond)
	m.Request("unmatched", "BREW", 405, time.Millisecond)
	m.Operation("Dashboard", time.Millisecond)
	m.Operation("SomethingAClientMadeUp", time.Millisecond)
	m.Event("login.failure")
	m.Event("not-an-event")
	m.HashWait(3 * time.Millisecond)
	out := scrape(t, m)
	for _, want := range []string{
		`shopkeeper_http_requests_total{method="GET",route="/stores/:id",status="200"} 1`,
		`shopkeeper_http_requests_total{method="other",route="unmatched",status="405"} 1`,
		`shopkeeper_graphql_operation_duration_seconds_count{operation="Dashboard"} 1`,
		`shopkeeper_graphql_operation_duration_seconds_count{operation="other"} 1`,
		`shopkeeper_auth_events_total{event="login.failure"} 1`,
		`shopkeeper_password_hash_wait_seconds_count 1`,
		`go_goroutines`,
		// Known names are there before they first happen.
		`shopkeeper_graphql_operation_duration_seconds_count{operation="Login"} 0`,
		`shopkeeper_auth_events_total{event="logout"} 0`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("scrape lacks %s", want)
		}
	}
	for _, leak := range []string{"BREW", "SomethingAClientMadeUp", "not-an-event"} {
		if strings.Contains(out, leak) {
			t.Errorf("a client-chosen value became a label: %s", leak)
		}
	}
}

func TestNilMetricsRecordNothing(t *testing.T) {
	var m *metrics.Metrics
	m.Request("/", "GET", 200, time.Millisecond)
	m.Event("login.success")
	m.HashWait(time.Millisecond)
	m.Operation("Login", time.Millisecond)
}

func TestWithoutEventNamesEveryEventCounts(t *testing.T) {
	m := metrics.New()
	m.Event("csrf.rejected")
	m.Operation("Dashboard", time.Millisecond)
	out := scrape(t, m)
	for _, want := range []string{
		`shopkeeper_auth_events_total{event="csrf.rejected"} 1`,
		`shopkeeper_graphql_operation_duration_seconds_count{operation="other"} 1`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("scrape lacks %s", want)
		}
	}
}

func TestRegisterAddsACollector(t *testing.T) {
	m := metrics.New()
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "shopkeeper_test_gauge", Help: "A test gauge."})
	g.Set(7)
	if err := m.Register(g); err != nil {
		t.Fatal(err)
	}
	if out := scrape(t, m); !strings.Contains(out, "shopkeeper_test_gauge 7") {
		t.Errorf("scrape lacks the registered gauge:\n%s", out)
	}
	if err := m.Register(g); err == nil {
		t.Error("registering the same collector twice was accepted")
	}
}
