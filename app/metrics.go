package app

import (
	"slices"

	"github.com/prometheus/client_golang/prometheus"

	"shopkeeper/api"
	"shopkeeper/gql"
	"shopkeeper/handlers"
	"shopkeeper/metrics"
	"shopkeeper/storage"
)

// workshopOperations are the operations of the workshop's own front ends
// (its Svelte and Next.js apps), which talk to this API unchanged; they are
// timed by name beside the web's own.
var workshopOperations = []string{"OwnerLogin", "RegisterUser"}

// newMetrics returns metrics that know every operation the web sends (from
// its operations.graphql) and every security event the API and the web
// audit, so that none of those names is kept by hand in two places.
func newMetrics() (*metrics.Metrics, error) {
	ops, err := gql.OperationNames()
	if err != nil {
		return nil, err
	}
	events := append(slices.Clone(api.Events), handlers.EventCSRFRejected)
	return metrics.New(metrics.Operations(append(ops, workshopOperations...)...), metrics.Events(events...)), nil
}

// poolCollector reports a database's connection pools at every scrape.
// storage/sqlite keeps its database/sql pools to itself, and postgres uses
// pgxpool, so both are read through storage.PoolStats rather than with
// client_golang's collectors.NewDBStatsCollector.
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

// mailMetrics count the mails sent and the mails given up on, by kind.
type mailMetrics struct{ sentVec, failedVec *prometheus.CounterVec }

// mailMetricsFor registers the mail counters with m (once per m).
func mailMetricsFor(m *metrics.Metrics) mailMetrics {
	sent := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "shopkeeper_mail_sent_total",
		Help: "Mails sent (or written to the outbox), by kind."}, []string{"kind"})
	failed := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "shopkeeper_mail_failures_total",
		Help: "Mails given up on after their retries, or dropped with the queue full, by kind."}, []string{"kind"})
	if m != nil {
		_ = m.Register(sent)
		_ = m.Register(failed)
	}
	return mailMetrics{sent, failed}
}

func (mm mailMetrics) sent(kind string)   { mm.sentVec.WithLabelValues(kind).Inc() }
func (mm mailMetrics) failed(kind string) { mm.failedVec.WithLabelValues(kind).Inc() }
