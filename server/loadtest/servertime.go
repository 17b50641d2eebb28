package loadtest

import (
	"net/http"
	"sync"
	"time"
)

// timedHandler measures server time with -self: how long the service's
// handler takes from the moment it gets a request (headers read) until it
// returns (the response handed to the connection). Unlike the client-side
// latency it leaves out the loopback network, the client's own work and the
// wait for a free connection; it still includes waiting for a CPU while the
// machine is saturated.
type timedHandler struct {
	next http.Handler
	mu   sync.Mutex
	hist *histogram
}

func newTimedHandler(next http.Handler) *timedHandler {
	return &timedHandler{next: next, hist: &histogram{}}
}

func (t *timedHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	t.next.ServeHTTP(w, r)
	d := time.Since(start)
	t.mu.Lock()
	t.hist.record(d)
	t.mu.Unlock()
}

// take returns the server times recorded since the last call.
func (t *timedHandler) take() *histogram {
	t.mu.Lock()
	defer t.mu.Unlock()
	h := t.hist
	t.hist = &histogram{}
	return h
}
