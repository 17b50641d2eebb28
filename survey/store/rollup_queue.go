package store

import (
	"context"
	"time"
)

// submit hands a stored response to the writer; it waits only when the
// queue is full, until the deadline (a group commit gives all its responses
// one deadline, so a paused writer delays a batch by submitWait at most). A
// contribution that finds no room stays in the pending log, which the
// writer reads as soon as it has caught up. Never called from the writer's
// goroutine.
func (w *rollupWriter) submit(c contribution, deadline time.Time) {
	w.qmu.Lock()
	w.queued[c.attempt] = time.Now()
	w.qmu.Unlock()
	if c.rating != nil {
		w.ratingsQueued.Add(1)
	}
	select {
	case w.in <- &c:
		return
	default:
	}
	// The queue is full: wait for room, so that submissions slow to the
	// pace the writer counts at (the committer answers later) instead of
	// the pending log growing without bound, which the reconciler reads
	// whole. Past the deadline (a rebuild pauses the writer for minutes),
	// or when stopping, the contribution is left to the pending log.
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	select {
	case w.in <- &c:
	case <-t.C:
		w.drop(c)
	case <-w.quit:
		w.drop(c)
	}
}

// submitWait bounds how long a group commit's responses wait, together, for
// room in the queue.
const submitWait = 5 * time.Second

// drop leaves the contribution to the pending log.
func (w *rollupWriter) drop(c contribution) {
	w.unqueue([]contribution{c})
	w.dropped.Add(1)
}

func (w *rollupWriter) unqueue(cs []contribution) {
	w.qmu.Lock()
	for _, c := range cs {
		delete(w.queued, c.attempt)
		if c.rating != nil {
			w.ratingsQueued.Add(-1)
		}
	}
	w.qmu.Unlock()
}

func (w *rollupWriter) isQueued(attempt string) bool {
	w.qmu.Lock()
	defer w.qmu.Unlock()
	_, ok := w.queued[attempt]
	return ok
}

// lag reports how many stored contributions this process has not counted
// yet (queued, being counted, or left in the pending log by an overflow) and
// how long the oldest queued one has waited. It reads memory only.
func (w *rollupWriter) lag(now time.Time) (n int64, oldest time.Duration) {
	w.qmu.Lock()
	defer w.qmu.Unlock()
	for _, at := range w.queued {
		if d := now.Sub(at); d > oldest {
			oldest = d
		}
	}
	return int64(len(w.queued)) + w.dropped.Load(), oldest
}

// poke asks the writer to read the pending log soon.
func (w *rollupWriter) poke() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// flush returns once everything stored before the call has been counted (or
// the writer has stopped).
func (w *rollupWriter) flush(ctx context.Context) error {
	return askFlush(ctx, w.flushes, w.done)
}

// askFlush asks a writer's loop, through its flushes channel, to write
// everything queued, and waits until it has, it has stopped (stopped is
// closed), or ctx ends. The rollup and comment writers share it.
func askFlush(ctx context.Context, flushes chan<- chan struct{}, stopped <-chan struct{}) error {
	done := make(chan struct{})
	select {
	case flushes <- done:
	case <-stopped:
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
