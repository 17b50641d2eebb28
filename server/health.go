package server

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
)

// healthz says the process is alive; it touches nothing else.
func (s *Server) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

// readyz says the database answers, so a load balancer can route traffic
// here. The check is reused for readyTTL (readiness), so however many
// probes call, the database sees at most one ping a second.
func (s *Server) readyz(c *gin.Context) {
	if err := s.ready.check(); err != nil {
		c.Header("Retry-After", retryAfter)
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable"})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

const (
	// readyTTL is how long /readyz reuses a database check, success or
	// failure alike: an outage, and the recovery after it, show within a
	// second (plus the failing ping's own readyTimeout).
	readyTTL = time.Second
	// readyTimeout bounds one check: probes themselves usually give up
	// after a second.
	readyTimeout = time.Second
)

// readiness is the database check of /readyz, made at most once per
// readyTTL. Callers during a check wait for its result instead of sending
// their own ping.
type readiness struct {
	ping func(context.Context) error

	mu  sync.Mutex
	at  time.Time // when the last check ended; zero before the first
	err error     // its result
}

// check returns the result of a check that ended less than readyTTL ago,
// or makes a new one. The ping does not take a caller's context: a probe
// that gives up must not turn into a cached failure for the others.
func (r *readiness) check() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.at.IsZero() && time.Since(r.at) < readyTTL {
		return r.err
	}
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	r.err = r.ping(ctx)
	r.at = time.Now()
	return r.err
}
