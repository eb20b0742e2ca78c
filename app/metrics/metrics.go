// Package metrics defines every Prometheus metric of the service on one registry, with the
// original service's names and labels.
package metrics

import (
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics holds the registry and every metric. Create one per process (tests make their own).
type Metrics struct {
	Registry *prometheus.Registry

	// The original service's counters, with their exact names and labels.
	AutofillRuns    *prometheus.CounterVec // applylens_autofill_runs_total{status}: per sync batch, persisted | sqlite_skip | error
	AutofillPolicy  *prometheus.CounterVec // applylens_autofill_policy_total{policy,host_family,segment_key}
	AggRuns         *prometheus.CounterVec // applylens_autofill_agg_runs_total{status}
	ProfilesUpdated prometheus.Counter     // applylens_autofill_profiles_updated_total
	StyleChoice     *prometheus.CounterVec // applylens_autofill_style_choice_total{source,host_family,segment_key}

	// Ours.
	AutofillEvents  *prometheus.CounterVec   // applylens_autofill_events_total{status}: per stored event, by the run's status
	FeedbackTotal   *prometheus.CounterVec   // applylens_autofill_feedback_total{status,route}
	AggLastRun      prometheus.Gauge         // applylens_autofill_agg_last_run_timestamp_seconds
	AggLastDuration prometheus.Gauge         // applylens_autofill_agg_last_run_duration_seconds
	HintsBySource   *prometheus.GaugeVec     // applylens_autofill_hints{source}
	HTTPRequests    *prometheus.CounterVec   // applylens_http_requests_total{method,route,status}
	HTTPDuration    *prometheus.HistogramVec // applylens_http_request_duration_seconds{method,route}
}

// New registers every metric on a new registry, with the Go and process collectors.
func New() *Metrics {
	r := prometheus.NewRegistry()
	r.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	f := func(c prometheus.Collector) prometheus.Collector { r.MustRegister(c); return c }
	return &Metrics{
		Registry: r,
		AutofillRuns: f(prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "applylens_autofill_runs_total",
			Help: "Sync batches, by outcome: persisted (stored, replays included), error (not stored); sqlite_skip, the original's, is never counted: every backend persists.",
		}, []string{"status"})).(*prometheus.CounterVec),
		AutofillEvents: f(prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "applylens_autofill_events_total", Help: "Autofill events stored (replays not counted), by the run's status.",
		}, []string{"status"})).(*prometheus.CounterVec),
		AutofillPolicy: f(prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "applylens_autofill_policy_total", Help: "Autofill events stored, by style policy, host family and segment.",
		}, []string{"policy", "host_family", "segment_key"})).(*prometheus.CounterVec),
		AggRuns: f(prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "applylens_autofill_agg_runs_total", Help: "Aggregator runs, by outcome.",
		}, []string{"status"})).(*prometheus.CounterVec),
		ProfilesUpdated: f(prometheus.NewCounter(prometheus.CounterOpts{
			Name: "applylens_autofill_profiles_updated_total", Help: "Form profiles rewritten by the aggregator.",
		})).(prometheus.Counter),
		StyleChoice: f(prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "applylens_autofill_style_choice_total", Help: "Style hints chosen by the aggregator, by source level, host family and segment.",
		}, []string{"source", "host_family", "segment_key"})).(*prometheus.CounterVec),
		FeedbackTotal: f(prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "applylens_autofill_feedback_total", Help: "Ratings attached to events, by rating and route.",
		}, []string{"status", "route"})).(*prometheus.CounterVec),
		AggLastRun: f(prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "applylens_autofill_agg_last_run_timestamp_seconds", Help: "When the last successful aggregator run finished.",
		})).(prometheus.Gauge),
		AggLastDuration: f(prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "applylens_autofill_agg_last_run_duration_seconds", Help: "How long the last successful aggregator run took.",
		})).(prometheus.Gauge),
		HintsBySource: f(prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "applylens_autofill_hints", Help: "Form profiles by the source of their current style hint.",
		}, []string{"source"})).(*prometheus.GaugeVec),
		HTTPRequests: f(prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "applylens_http_requests_total", Help: "HTTP requests, by route and status.",
		}, []string{"method", "route", "status"})).(*prometheus.CounterVec),
		HTTPDuration: f(prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "applylens_http_request_duration_seconds", Help: "HTTP request latency, by route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"method", "route"})).(*prometheus.HistogramVec),
	}
}

// Middleware counts requests and their latency by route pattern (never by raw path, so the
// label set stays bounded).
func (m *Metrics) Middleware() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		route := c.FullPath()
		if route == "" {
			route = "unmatched"
		}
		method := c.Request.Method
		if !knownMethods[method] {
			method = "OTHER" // any client can send any method: keep the label set bounded
		}
		m.HTTPRequests.WithLabelValues(method, route, strconv.Itoa(c.Writer.Status())).Inc()
		m.HTTPDuration.WithLabelValues(method, route).Observe(time.Since(start).Seconds())
	}
}

var knownMethods = map[string]bool{
	"GET": true, "HEAD": true, "POST": true, "PUT": true, "PATCH": true, "DELETE": true, "OPTIONS": true,
}
