package server

import (
	"errors"
	"net/http"
	"os"
	"time"
)

// idleWriter is an export's way to the client. Before every write of at
// most idleChunk bytes, and before every flush, it moves the connection's
// write deadline to idle from now. A client that takes nothing for that
// long makes the blocked write fail, and the export ends; a slow client
// that keeps taking data (a chunk per idle period, about 8 KB plus what the
// HTTP server buffers) is never cut, however long the export lasts.
type idleWriter struct {
	w    http.ResponseWriter
	rc   *http.ResponseController
	idle time.Duration
	// stalled: a write failed on its deadline, so the client stopped
	// reading (as opposed to one that went away).
	stalled bool
}

// idleChunk is the most an idleWriter hands the connection under one deadline.
const idleChunk = 8 << 10

func newIdleWriter(w http.ResponseWriter, idle time.Duration) *idleWriter {
	return &idleWriter{w: w, rc: http.NewResponseController(w), idle: idle}
}

func (d *idleWriter) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		k := min(len(p), idleChunk)
		d.extend()
		m, err := d.w.Write(p[:k])
		n += m
		if err != nil {
			return n, d.check(err)
		}
		p = p[k:]
	}
	return n, nil
}

// Flush sends what the HTTP server buffers.
func (d *idleWriter) Flush() error {
	d.extend()
	return d.check(d.rc.Flush())
}

// extend moves the write deadline to idle from now. A writer that cannot
// (a test recorder) keeps the server's.
func (d *idleWriter) extend() {
	_ = d.rc.SetWriteDeadline(time.Now().Add(d.idle))
}

// check notes a write that failed on its deadline.
func (d *idleWriter) check(err error) error {
	if err != nil && errors.Is(err, os.ErrDeadlineExceeded) {
		d.stalled = true
	}
	return err
}
