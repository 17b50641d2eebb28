package server

import (
	"log"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// The edge of the service: who the client is (behind trusted proxies
// only), whether it came over HTTPS, per-request write deadlines, metrics,
// and the http.Server with its timeouts.

const (
	clientKey   = "client"    // netip.Addr of the client
	httpsKey    = "https"     // true: HTTPS said by a trusted proxy
	deadlineKey = "deadlines" // *http.ResponseController of the connection
)

// trustProxies tells the engine the proxies gin may believe; server.go
// then makes edge the first middleware.
func (s *Server) trustProxies(r *gin.Engine) {
	proxies := make([]string, len(s.cfg.TrustedProxies))
	for i, p := range s.cfg.TrustedProxies {
		proxies[i] = p.String()
	}
	if err := r.SetTrustedProxies(proxies); err != nil { // nil: trust none
		s.log.Error("trusted proxies", "err", err) // cannot happen: validated prefixes
	}
}

// edge runs first: it finds the client, records whether a trusted proxy
// says the client used HTTPS, gives export routes a longer write deadline,
// and records the request in the metrics once answered.
func (s *Server) edge(c *gin.Context) {
	start := time.Now()
	client, viaProxy := s.clientOf(c.Request)
	c.Set(clientKey, client)
	if viaProxy && strings.EqualFold(strings.TrimSpace(c.GetHeader("X-Forwarded-Proto")), "https") {
		c.Set(httpsKey, true)
	}
	rc := http.NewResponseController(c.Writer)
	c.Set(deadlineKey, rc)
	if strings.Contains(c.FullPath(), "/export") {
		longWrite(c, s.timeouts().Export)
	}
	c.Next()
	s.metrics.observe(c, start)
}

// longWrite lets a handler that streams a long answer (an export) write for
// d from now instead of the server's WriteTimeout. Routes whose template
// contains "/export" get HAILONG_EXPORT_TIMEOUT without asking.
func longWrite(c *gin.Context, d time.Duration) {
	if v, ok := c.Get(deadlineKey); ok {
		// Not supported by a test recorder: the server's deadline stays.
		_ = v.(*http.ResponseController).SetWriteDeadline(time.Now().Add(d))
	}
}

// clientOf returns the client's address: the peer, or, when the peer is a
// trusted proxy, the last address in X-Forwarded-For that is not one.
func (s *Server) clientOf(r *http.Request) (client netip.Addr, viaProxy bool) {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}, false
	}
	client = ap.Addr().Unmap()
	if !s.trusted(client) {
		return client, false
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break // garbage: keep the last trusted hop
		}
		client = a.Unmap()
		if !s.trusted(client) {
			break
		}
	}
	return client, true
}

func (s *Server) trusted(a netip.Addr) bool {
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// clientAddr is the client address found by edge.
func clientAddr(c *gin.Context) netip.Addr {
	if v, ok := c.Get(clientKey); ok {
		return v.(netip.Addr)
	}
	return netip.Addr{}
}

func (s *Server) timeouts() Timeouts { return s.cfg.Timeouts.withDefaults() }

// HTTPServer returns the service's http.Server, with the timeouts that keep
// slow clients (slow-loris) from holding connections: a client has
// ReadHeader to send its headers, Read for the whole request, and gets
// Write to read the answer (exports longer, see longWrite); kept-alive
// connections close after Idle.
func (s *Server) HTTPServer(errorLog *log.Logger) *http.Server {
	t := s.timeouts()
	return &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: t.ReadHeader,
		ReadTimeout:       t.Read,
		WriteTimeout:      t.Write,
		IdleTimeout:       t.Idle,
		MaxHeaderBytes:    t.MaxHeaderBytes,
		ErrorLog:          errorLog,
	}
}

// MetricsServer returns the http.Server of the separate metrics listener,
// or nil when HAILONG_METRICS_ADDR is not set.
func (s *Server) MetricsServer(errorLog *log.Logger) *http.Server {
	if s.cfg.Metrics.Addr == "" {
		return nil
	}
	t := s.timeouts()
	return &http.Server{
		Addr:              s.cfg.Metrics.Addr,
		Handler:           s.MetricsHandler(),
		ReadHeaderTimeout: t.ReadHeader,
		ReadTimeout:       t.Read,
		WriteTimeout:      t.Write,
		IdleTimeout:       t.Idle,
		MaxHeaderBytes:    t.MaxHeaderBytes,
		ErrorLog:          errorLog,
	}
}
