// Package metrics owns Shopkeeper's Prometheus registry: HTTP requests by
// route and status, login outcomes, time spent waiting for a password hash
// slot, GraphQL operation latency, and database pool use. Every label takes
// values from a fixed set (route templates, known operation names), so
// clients cannot grow the number of series.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"shopkeeper/storage"
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
}

// New returns metrics registered in a registry of their own, with the Go
// runtime and process collectors.
func New() *Metrics {
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
			Help: "Security events: login.success, login.failure, throttled, logout, signup.success, csrf.rejected.",
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
	return m
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

// knownEvents bounds the event label.
var knownEvents = map[string]bool{
	"login.success": true, "login.failure": true, "throttled": true, "logout": true,
	"signup.success": true, "csrf.rejected": true,
}

// Event counts a security event; unknown names are ignored.
func (m *Metrics) Event(name string) {
	if m == nil || !knownEvents[name] {
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

// knownOperations are the operations Shopkeeper's web sends and the ones
// the workshop's front ends named; anything else is counted as "other".
var knownOperations = map[string]bool{
	"Login": true, "RegisterOwner": true, "Logout": true, "Dashboard": true, "OwnerName": true,
	"FindStore": true, "CreateStore": true, "UpdateStore": true, "DeleteStore": true,
	"OwnerLogin": true, "RegisterUser": true,
}

// Operation records how long a GraphQL operation took.
func (m *Metrics) Operation(name string, d time.Duration) {
	if m == nil {
		return
	}
	if !knownOperations[name] {
		name = "other"
	}
	m.operations.WithLabelValues(name).Observe(d.Seconds())
}

// Pools reports the database's connection pools at every scrape.
func (m *Metrics) Pools(stats func() []storage.PoolStats) {
	if m == nil {
		return
	}
	m.registry.MustRegister(poolCollector(stats))
}

type poolCollector func() []storage.PoolStats

var (
	poolOpen     = prometheus.NewDesc("shopkeeper_db_pool_open_connections", "Open database connections.", []string{"pool"}, nil)
	poolInUse    = prometheus.NewDesc("shopkeeper_db_pool_in_use_connections", "Database connections in use.", []string{"pool"}, nil)
	poolMax      = prometheus.NewDesc("shopkeeper_db_pool_max_connections", "Most database connections the pool opens.", []string{"pool"}, nil)
	poolWaits    = prometheus.NewDesc("shopkeeper_db_pool_waits_total", "Times a query waited for a free connection.", []string{"pool"}, nil)
	poolWaitTime = prometheus.NewDesc("shopkeeper_db_pool_wait_seconds_total", "Time spent waiting for a free connection.", []string{"pool"}, nil)
)

func (p poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{poolOpen, poolInUse, poolMax, poolWaits, poolWaitTime} {
		ch <- d
	}
}

func (p poolCollector) Collect(ch chan<- prometheus.Metric) {
	for _, s := range p() {
		ch <- prometheus.MustNewConstMetric(poolOpen, prometheus.GaugeValue, float64(s.Open), s.Name)
		ch <- prometheus.MustNewConstMetric(poolInUse, prometheus.GaugeValue, float64(s.InUse), s.Name)
		ch <- prometheus.MustNewConstMetric(poolMax, prometheus.GaugeValue, float64(s.MaxOpen), s.Name)
		ch <- prometheus.MustNewConstMetric(poolWaits, prometheus.CounterValue, float64(s.WaitCount), s.Name)
		ch <- prometheus.MustNewConstMetric(poolWaitTime, prometheus.CounterValue, s.WaitDuration.Seconds(), s.Name)
	}
}
