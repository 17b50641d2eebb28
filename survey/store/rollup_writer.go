package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"sync"
	"sync/atomic"
	"time"
)

// Tuning of the rollup writer.
const (
	writerQueue    = 8192                   // contributions waiting; beyond, the pending log holds them
	writerBatch    = 1000                   // most contributions counted in one batch
	writerLinger   = 100 * time.Millisecond // wait for more before counting a batch
	reconcileEvery = 30 * time.Second       // how often the pending log is checked
	pendingGrace   = time.Minute            // how long an insert may still be in flight
)

// batchTag names a batch: the writer's id and its batch number. Each rollup
// document records the last batch of each writer applied to it (field w), so
// a batch replayed after a crash is never counted twice in one document.
type batchTag struct {
	writer string
	seq    int64
}

// rollupWriter is the one goroutine per process that writes rollups: it
// takes contributions from InsertResponse, and the pending log's leftovers,
// and applies them in batches of $inc by _id (FerretDB loses concurrent $inc;
// serialised ones are exact).
type rollupWriter struct {
	s       *Store
	id      string // fresh at each start: 16 hex digits
	in      chan contribution
	dropped atomic.Int64
	kick    chan struct{}
	flushes chan chan struct{}
	quit    chan struct{}
	done    chan struct{}

	// queued holds the attempts whose contribution waits in the queue or in
	// the batch being counted: the reconciler leaves their entries alone.
	qmu    sync.Mutex
	queued map[string]bool

	// run is held while a batch or a replay runs; a rebuild holds it to
	// pause the writer. It guards seq and known.
	run   sync.Mutex
	seq   int64
	known map[string]bool // rollup documents known to exist
}

func newRollupWriter(s *Store) *rollupWriter {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return &rollupWriter{s: s, id: hex.EncodeToString(b[:]), in: make(chan contribution, writerQueue),
		kick: make(chan struct{}, 1), flushes: make(chan chan struct{}), quit: make(chan struct{}), done: make(chan struct{}),
		queued: map[string]bool{}, known: map[string]bool{}}
}

// submit hands a stored response to the writer without waiting. When the
// queue is full the contribution stays in the pending log, which the writer
// reads as soon as it has caught up.
func (w *rollupWriter) submit(c contribution) {
	w.qmu.Lock()
	w.queued[c.attempt] = true
	w.qmu.Unlock()
	select {
	case w.in <- c:
	default:
		w.unqueue([]contribution{c})
		w.dropped.Add(1)
	}
}

func (w *rollupWriter) unqueue(cs []contribution) {
	w.qmu.Lock()
	for _, c := range cs {
		delete(w.queued, c.attempt)
	}
	w.qmu.Unlock()
}

func (w *rollupWriter) isQueued(attempt string) bool {
	w.qmu.Lock()
	defer w.qmu.Unlock()
	return w.queued[attempt]
}

// poke asks the writer to read the pending log soon.
func (w *rollupWriter) poke() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// stop counts what is queued, then ends the writer; ctx bounds the wait.
func (w *rollupWriter) stop(ctx context.Context) error {
	close(w.quit)
	select {
	case <-w.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (w *rollupWriter) closing() bool {
	select {
	case <-w.quit:
		return true
	default:
		return false
	}
}

func (w *rollupWriter) loop() {
	defer close(w.done)
	tick := time.NewTicker(reconcileEvery)
	defer tick.Stop()
	for {
		select {
		case c := <-w.in:
			w.count(w.collect([]contribution{c}, writerLinger))
		case <-w.kick:
			w.reconcile()
		case done := <-w.flushes:
			w.drain()
			close(done)
		case <-tick.C:
			if !w.s.rollups.alone {
				w.beat()
			}
			w.reconcile()
		case <-w.quit:
			w.drain()
			if !w.s.rollups.alone {
				w.s.forgetWriter(w.id)
			}
			return
		}
		if len(w.in) == 0 && w.dropped.Swap(0) > 0 {
			w.reconcile()
		}
	}
}

// drain counts everything queued, then everything stored in the pending log.
func (w *rollupWriter) drain() {
	for batch := w.collect(nil, 0); len(batch) > 0; batch = w.collect(nil, 0) {
		w.count(batch)
	}
	w.dropped.Store(0)
	w.reconcile()
}

// flush returns once everything stored before the call has been counted (or
// the writer has stopped).
func (w *rollupWriter) flush(ctx context.Context) error {
	done := make(chan struct{})
	select {
	case w.flushes <- done:
	case <-w.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// collect adds what is queued to batch, up to writerBatch; with a linger, it
// also waits that long for more. Every batch costs a rewrite of each rollup
// document it touches, so a short wait saves most of the work under load.
func (w *rollupWriter) collect(batch []contribution, linger time.Duration) []contribution {
	var deadline <-chan time.Time
	if linger > 0 {
		t := time.NewTimer(linger)
		defer t.Stop()
		deadline = t.C
	}
	for len(batch) < writerBatch {
		select {
		case c := <-w.in:
			batch = append(batch, c)
			continue
		default:
		}
		if deadline == nil {
			return batch
		}
		select {
		case c := <-w.in:
			batch = append(batch, c)
		case <-deadline:
			return batch
		case <-w.quit:
			return batch
		}
	}
	return batch
}

// count applies contributions as a new batch of this writer.
func (w *rollupWriter) count(cs []contribution) {
	w.run.Lock()
	defer w.run.Unlock()
	w.countLocked(cs)
	w.unqueue(cs)
}

// beat records that the writer is alive (see heartbeat).
func (w *rollupWriter) beat() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := w.s.heartbeat(ctx, w.id); err != nil {
		w.s.log.Warn("rollups: heartbeat failed", "err", err)
	}
}

// countLocked claims the contributions' pending entries, applies those it
// holds and clears them. A failure is retried with the same batch tag (so
// documents already updated are skipped) until it succeeds, or until the
// process is stopping: then the entries stay claimed for the next start.
func (w *rollupWriter) countLocked(cs []contribution) {
	w.seq++
	t := batchTag{writer: w.id, seq: w.seq}
	for try := 0; ; try++ {
		err := w.countOnce(cs, t, try > 0)
		if err == nil {
			return
		}
		if w.closing() && try >= 2 {
			w.s.log.Error("rollups: batch left to the next start", "batch", t.seq, "err", err)
			return
		}
		w.s.log.Warn("rollups: counting failed, retrying", "batch", t.seq, "try", try, "err", err)
		select {
		case <-time.After(min(100*time.Millisecond<<min(try, 6), 5*time.Second)):
		case <-w.quit:
		}
	}
}
