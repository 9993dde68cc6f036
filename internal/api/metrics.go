package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds Roster's Prometheus collectors in a registry of its own,
// so that tests can build several servers in one process.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	// EmailsSent and EmailsFailed count outbox deliveries and failed attempts.
	EmailsSent   prometheus.Counter
	EmailsFailed prometheus.Counter
}

// NewMetrics registers the collectors; outboxDepth is read at each scrape.
func NewMetrics(outboxDepth func(ctx context.Context) (int, error)) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "roster_http_requests_total", Help: "HTTP requests by route and status.",
		}, []string{"route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "roster_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.001, .0025, .005, .01, .02, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route"}),
		EmailsSent:   prometheus.NewCounter(prometheus.CounterOpts{Name: "roster_emails_sent_total", Help: "Emails handed to the SMTP server."}),
		EmailsFailed: prometheus.NewCounter(prometheus.CounterOpts{Name: "roster_emails_failed_total", Help: "Failed email delivery attempts."}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.EmailsSent, m.EmailsFailed,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "roster_outbox_depth", Help: "Emails waiting to be sent."},
			func() float64 {
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				defer cancel()
				n, err := outboxDepth(ctx)
				if err != nil {
					return -1
				}
				return float64(n)
			}))
	return m
}

// Handler serves the metrics.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Instrument counts and times requests to one route.
func (m *Metrics) Instrument(route string, next http.Handler) http.Handler {
	lat := m.latency.WithLabelValues(route)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		// Deferred, so that a response cut off half-way (a handler
		// panicking with http.ErrAbortHandler) is counted too, under the
		// status it began with.
		defer func() {
			lat.Observe(time.Since(start).Seconds())
			m.requests.WithLabelValues(route, strconv.Itoa(sw.status)).Inc()
		}()
		next.ServeHTTP(sw, r)
	})
}

// statusWriter remembers the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }
