package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"sync"
	"sync/atomic"
	"time"
)

// Tuning of the rollup writer. Every batch rewrites each rollup (and pair
// sum) document it touches whole, so under load the batch size sets the
// writer's cost per response: with batches of 1,000 (a 2 s linger) the
// writer's updates took as much CPU as the submissions' inserts, and
// submissions ran at about 0.6 of the raw insert rate. Batches of up to
// 8,000, waited for up to 5 s, cut that by most of it; what a dashboard
// shows lags by those seconds at most (a flush, as a read of the kiosk
// ratings asks, ends the wait; the pending log keeps a crash from losing
// any of it).
const (
	writerQueue    = 8192             // contributions waiting while a batch is counted; a full queue holds submissions back (rollup_queue.go)
	writerBatch    = 8000             // most contributions counted in one batch
	writerLinger   = 5 * time.Second  // wait for more before counting a batch
	reconcileEvery = 30 * time.Second // how often the pending log is checked
	pendingGrace   = time.Minute      // default of Config.TakeoverGrace: how long an insert may still be in flight
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
	id      string             // fresh at each start: 16 hex digits
	in      chan *contribution // pointers: a queue of values took writerQueue × 200 bytes of live heap at all times
	dropped atomic.Int64
	// ratingsQueued counts the kiosk ratings queued or being counted
	// (rating_apply.go awaitRatings).
	ratingsQueued atomic.Int64
	kick          chan struct{}
	flushes       chan chan struct{}
	// flushAsked holds the flushes received while a batch lingered,
	// answered once it and the rest are counted (loop; writer goroutine only).
	flushAsked []chan struct{}
	quit       chan struct{}
	done       chan struct{}

	// queued holds the attempts whose contribution waits in the queue or in
	// the batch being counted, with when they were queued: the reconciler
	// leaves their entries alone.
	qmu    sync.Mutex
	queued map[string]time.Time

	// run is held while a batch or a replay runs; a rebuild holds it to
	// pause the writer. It guards seq and known.
	run   sync.Mutex
	seq   int64
	known map[string]bool // rollup documents known to exist

	// halt, set by tests only, stops a batch after a step ("rollups",
	// "comments", "ratings", "applied") when it returns true: applier.go.
	halt func(step string) bool
}

func newRollupWriter(s *Store) *rollupWriter {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return &rollupWriter{s: s, id: hex.EncodeToString(b[:]), in: make(chan *contribution, writerQueue),
		kick: make(chan struct{}, 1), flushes: make(chan chan struct{}), quit: make(chan struct{}), done: make(chan struct{}),
		queued: map[string]time.Time{}, known: map[string]bool{}}
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
			w.count(w.collect([]contribution{*c}, writerLinger))
			if asked := w.flushAsked; asked != nil {
				w.flushAsked = nil
				w.drain()
				for _, done := range asked {
					close(done)
				}
			}
		case <-w.kick:
			w.reconcile(false)
		case done := <-w.flushes:
			w.drain()
			close(done)
		case <-tick.C:
			if !w.s.rollups.alone {
				w.beat()
			}
			w.sweepIndexes()
			w.reconcile(false)
		case <-w.quit:
			w.drain()
			if !w.s.rollups.alone {
				w.s.forgetWriter(w.id)
			}
			return
		}
		if len(w.in) == 0 && w.dropped.Swap(0) > 0 {
			w.reconcile(false)
		}
	}
}

// drain counts everything queued, then everything stored in the pending log.
func (w *rollupWriter) drain() {
	for batch := w.collect(nil, 0); len(batch) > 0; batch = w.collect(nil, 0) {
		w.count(batch)
	}
	w.dropped.Store(0)
	w.reconcile(true)
}

// collect adds what is queued to batch, up to writerBatch; with a linger, it
// also waits that long for more, unless a flush is asked for meanwhile. Every batch costs a rewrite of each rollup
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
			batch = append(batch, *c)
			continue
		default:
		}
		if deadline == nil {
			return batch
		}
		select {
		case c := <-w.in:
			batch = append(batch, *c)
		case <-deadline:
			return batch
		case <-w.quit:
			return batch
		case done := <-w.flushes:
			// Someone waits for the counts (a read of the ratings, a
			// flush): count now, and answer once all is counted (loop).
			w.flushAsked = append(w.flushAsked, done)
			return batch
		}
	}
	return batch
}

// sweepIndexes adds the _id index of collections created since the last
// sweep (a new month's rollups, a rebuild's) on the embedded database.
func (w *rollupWriter) sweepIndexes() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	w.s.ids.sweepQuietly(ctx)
}
