package server

import (
	"crypto/subtle"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"hailong/survey"
	"hailong/survey/store"
)

// Prometheus metrics, one registry per Server (tests build many). Label
// values come from a bounded set: route templates (never raw paths, which
// may hold tokens), known methods, status codes.
type metrics struct {
	reg      *prometheus.Registry
	handler  http.Handler
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	limited  *prometheus.CounterVec
	// redactions counts the personal details removed from stored comments.
	redactions prometheus.Counter
}

func newMetrics(st *store.Store, lim *limiter) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "hailong_http_requests_total",
		Help: "HTTP requests answered, by method, route template and status.",
	}, []string{"method", "route", "status"})
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "hailong_http_request_duration_seconds",
		Help:    "Time to answer an HTTP request, by method and route template.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"method", "route"})
	m.limited = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "hailong_rate_limited_total",
		Help: "Requests refused with 429 by the per-client rate limits, by class.",
	}, []string{"class"})
	m.redactions = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "hailong_comment_redactions_total",
		Help: "Personal details (phone, ID and tax numbers, dossier codes, e-mail addresses) replaced in comments stored by this process.",
	})
	m.reg.MustRegister(m.requests, m.duration, m.limited, m.redactions,
		&storeCollector{st: st, lim: lim},
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// Not compressed here: the engine's gzip middleware compresses pages.
	m.handler = promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{DisableCompression: true})
	return m
}

// methodLabel keeps the method label bounded: any other method (the server
// accepts any token) is "OTHER".
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch, http.MethodOptions:
		return m
	}
	return "OTHER"
}

// routeLabel is the route template, "unmatched" for unknown paths.
func routeLabel(c *gin.Context) string {
	if r := c.FullPath(); r != "" {
		return r
	}
	return "unmatched"
}

// observe records one answered request.
func (m *metrics) observe(c *gin.Context, start time.Time) {
	method, route := methodLabel(c.Request.Method), routeLabel(c)
	m.requests.WithLabelValues(method, route, strconv.Itoa(c.Writer.Status())).Inc()
	m.duration.WithLabelValues(method, route).Observe(time.Since(start).Seconds())
}

// storeCollector reads the store's in-memory counters at each scrape: no
// database query.
type storeCollector struct {
	st  *store.Store
	lim *limiter
}

var (
	descStored = prometheus.NewDesc("hailong_submissions_stored_total",
		"Responses stored by this process, by channel.", []string{"channel"}, nil)
	descDuplicates = prometheus.NewDesc("hailong_submissions_duplicate_total",
		"Submissions whose idempotency key was already stored (nothing new stored).", nil, nil)
	descRollupPending = prometheus.NewDesc("hailong_rollup_pending",
		"Stored responses not yet counted in the report rollups by this process.", nil, nil)
	descRollupOldest = prometheus.NewDesc("hailong_rollup_oldest_pending_seconds",
		"How long the oldest response waiting to be counted in the rollups has waited.", nil, nil)
	descDBErrors = prometheus.NewDesc("hailong_database_errors_total",
		"Database errors by kind: unavailable (unreachable or timed out), duplicate_key, canceled (the caller gave up), other.", []string{"kind"}, nil)
	descRateClients = prometheus.NewDesc("hailong_rate_limit_clients",
		"Client buckets the rate limiter holds in memory.", nil, nil)
)

func (sc *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descStored, descDuplicates, descRollupPending, descRollupOldest, descDBErrors, descRateClients} {
		ch <- d
	}
}

func (sc *storeCollector) Collect(ch chan<- prometheus.Metric) {
	st := sc.st.Stats()
	for _, c := range survey.Channels {
		ch <- prometheus.MustNewConstMetric(descStored, prometheus.CounterValue, float64(st.Stored[c]), string(c))
	}
	ch <- prometheus.MustNewConstMetric(descDuplicates, prometheus.CounterValue, float64(st.Duplicates))
	ch <- prometheus.MustNewConstMetric(descRollupPending, prometheus.GaugeValue, float64(st.RollupPending))
	ch <- prometheus.MustNewConstMetric(descRollupOldest, prometheus.GaugeValue, st.RollupOldest.Seconds())
	for _, k := range store.DBErrorKinds {
		ch <- prometheus.MustNewConstMetric(descDBErrors, prometheus.CounterValue, float64(st.DBErrors[k]), k)
	}
	ch <- prometheus.MustNewConstMetric(descRateClients, prometheus.GaugeValue, float64(sc.lim.size()))
}

// metricsTokenOK reports whether r carries the configured metrics token.
func (s *Server) metricsTokenOK(r *http.Request) bool {
	want := s.cfg.Metrics.Token
	got, ok := bearerToken(r.Header.Get("Authorization"))
	return want != "" && ok && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// withMetricsToken serves GET /metrics to a request bearing the metrics
// token before it reaches the engine (whose authentication would take the
// token for an API token); everything else goes on to next.
func (s *Server) withMetricsToken(next http.Handler) http.Handler {
	if s.cfg.Metrics.Token == "" {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/metrics" && (r.Method == http.MethodGet || r.Method == http.MethodHead) && s.metricsTokenOK(r) {
			s.metrics.handler.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// serveMetrics is GET /metrics on the main listener, behind requirePage(admin).
func (s *Server) serveMetrics(c *gin.Context) {
	s.metrics.handler.ServeHTTP(c.Writer, c.Request)
}

// MetricsHandler serves /metrics alone, for the separate listener
// (HAILONG_METRICS_ADDR): to anyone who reaches it, or only with the token
// when one is set.
func (s *Server) MetricsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		if s.cfg.Metrics.Token != "" && !s.metricsTokenOK(r) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		s.metrics.handler.ServeHTTP(w, r)
	})
	return mux
}
