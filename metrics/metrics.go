// Package metrics owns Shopkeeper's Prometheus registry: HTTP requests by
// route and status, security events, time spent waiting for a password hash
// slot, and GraphQL operation latency; other collectors (database pools) are
// registered by whoever owns what they measure. Every label takes values
// from a fixed set (route templates, the operation and event names given to
// New), so clients cannot grow the number of series.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics records what Shopkeeper does. Its methods are safe for
// concurrent use; a nil *Metrics records nothing.
type Metrics struct {
	registry   *prometheus.Registry
	requests   *prometheus.CounterVec
	latency    *prometheus.HistogramVec
	events     *prometheus.CounterVec
	hashWait   prometheus.Histogram
	operations *prometheus.HistogramVec

	// knownOperations and knownEvents bound the operation and event labels;
	// a nil knownEvents counts every event (see Events).
	knownOperations map[string]bool
	knownEvents     map[string]bool
}

// An Option sets what New counts.
type Option func(*Metrics)

// Operations names the GraphQL operations timed under their own name; any
// other is timed as "other". Without it every operation is "other".
func Operations(names ...string) Option {
	return func(m *Metrics) { m.knownOperations = set(m.knownOperations, names) }
}

// Events names the security events counted; others are ignored. Without it
// every event is counted: events are named by code, never by clients.
func Events(names ...string) Option {
	return func(m *Metrics) { m.knownEvents = set(m.knownEvents, names) }
}

func set(m map[string]bool, names []string) map[string]bool {
	if m == nil {
		m = make(map[string]bool, len(names))
	}
	for _, n := range names {
		m[n] = true
	}
	return m
}

// New returns metrics registered in a registry of their own, with the Go
// runtime and process collectors. The known operations and events are
// there from the start, at zero.
func New(opts ...Option) *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "shopkeeper_http_requests_total",
			Help: "HTTP requests answered, by route template, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "shopkeeper_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by route template and method.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route", "method"}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "shopkeeper_auth_events_total",
			Help: "Security events (the audit log's event names), by event.",
		}, []string{"event"}),
		hashWait: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "shopkeeper_password_hash_wait_seconds",
			Help:    "Time a login or sign-up waited for a free password hashing slot.",
			Buckets: []float64{.0001, .001, .01, .05, .1, .25, .5, 1, 2},
		}),
		operations: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "shopkeeper_graphql_operation_duration_seconds",
			Help:    "Time to run a GraphQL operation, by operation name (known names only, else \"other\").",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"operation"}),
	}
	m.registry.MustRegister(m.requests, m.latency, m.events, m.hashWait, m.operations,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, o := range opts {
		o(m)
	}
	for name := range m.knownEvents {
		m.events.WithLabelValues(name)
	}
	for name := range m.knownOperations {
		m.operations.WithLabelValues(name)
	}
	return m
}

// Register adds a collector to the registry, such as one reporting a
// database's connection pools.
func (m *Metrics) Register(c prometheus.Collector) error {
	return m.registry.Register(c)
}

// Handler serves the metrics in Prometheus' text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// Request records one answered HTTP request. route is the route template
// ("/stores/:id"), or "unmatched".
func (m *Metrics) Request(route, method string, status int, d time.Duration) {
	if m == nil {
		return
	}
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
	default:
		method = "other" // clients may send any token; keep the series bounded
	}
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route, method).Observe(d.Seconds())
}

// Event counts a security event; names not given to Events are ignored.
func (m *Metrics) Event(name string) {
	if m == nil || (m.knownEvents != nil && !m.knownEvents[name]) {
		return
	}
	m.events.WithLabelValues(name).Inc()
}

// HashWait records how long a caller waited for a password hashing slot.
func (m *Metrics) HashWait(d time.Duration) {
	if m == nil {
		return
	}
	m.hashWait.Observe(d.Seconds())
}

// Operation records how long a GraphQL operation took.
func (m *Metrics) Operation(name string, d time.Duration) {
	if m == nil {
		return
	}
	if !m.knownOperations[name] {
		name = "other"
	}
	m.operations.WithLabelValues(name).Observe(d.Seconds())
}
