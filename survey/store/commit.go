package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Group commit. Every submission needs two durable writes (its pending entry,
// then the response), and on the embedded database each write is a
// transaction with a disk sync. Concurrent submissions are therefore written
// together: while one batch is being written, the next requests queue, and
// the first of them then writes the whole queue with one insertMany of the
// pending entries followed by one insertMany of the responses. Nobody waits
// for a timer, a lone request is written at once, and every caller is
// answered only when its own response is durably stored (or known not to be).
//
// A leader writes one batch, the one holding its own request, then hands the
// lead to the first request still queued and returns. (It used to write
// batches until the queue was empty, which under a steady load never came:
// the leader's own client waited for as long as the load lasted, 22 s in a
// 30 s run.)

// maxCommitBatch bounds one group commit.
const maxCommitBatch = 256

// errDuplicateResponse marks a request whose response id already existed.
var errDuplicateResponse = errors.New("duplicate response id")

type commitReq struct {
	c    contribution
	doc  storedResponse
	done chan error
	// lead is signalled when the request, first in the queue, is to write
	// the next batch.
	lead chan struct{}
}

type committer struct {
	mu    sync.Mutex
	queue []*commitReq
	seq   int64 // the last attempt numbered (pending_ids.go)
	busy  bool  // a leader is writing, or has been chosen
	// halt, set by tests only, ends a batch after its pending entries
	// ("pending") or its responses ("inserted") are written, answering
	// errHalted: what follows is what a process that died there leaves.
	halt string
}

// commit stores the pending entry and the response of c, batched with
// concurrent calls, under the attempt id it returns (numbered when the batch
// is formed: pending_ids.go). Its error is nil when the response was
// inserted, errDuplicateResponse when its id existed, or the error of the
// batch.
func (s *Store) commit(ctx context.Context, c contribution, doc storedResponse) (attempt string, err error) {
	req := &commitReq{c: c, doc: doc, done: make(chan error, 1), lead: make(chan struct{}, 1)}
	g := &s.group
	g.mu.Lock()
	g.queue = append(g.queue, req)
	if g.busy {
		g.mu.Unlock()
		select {
		case err := <-req.done: // a leader took the request and wrote it
			return req.c.attempt, err
		case <-req.lead: // the request heads the queue: write the next batch
		}
		g.mu.Lock()
	}
	g.busy = true
	n := min(len(g.queue), maxCommitBatch)
	batch := g.queue[:n:n] // begins with req
	g.queue = g.queue[n:]
	for _, r := range batch {
		g.seq++
		r.c.attempt = seqAttempt(s.rollups.writer.id, g.seq)
		r.doc.Attempt = r.c.attempt
	}
	g.mu.Unlock()
	s.writeBatch(ctx, batch)
	g.mu.Lock()
	if len(g.queue) > 0 {
		g.queue[0].lead <- struct{}{} // busy stays set for the next leader
	} else {
		g.busy = false
	}
	g.mu.Unlock()
	return req.c.attempt, <-req.done
}

// writeBatch writes one group and answers each request of it.
func (s *Store) writeBatch(ctx context.Context, batch []*commitReq) {
	// The leader's request may be cancelled; the others' must still be written.
	ctx, cancel := detached(ctx)
	defer cancel()
	err := s.logPendingMany(ctx, batch)
	if err == nil && s.group.halt == "pending" {
		err = errHalted
	}
	if err != nil {
		for _, r := range batch {
			r.done <- err
		}
		return
	}
	docs := make([]any, len(batch))
	for i, r := range batch {
		docs[i] = r.doc
	}
	_, err = s.responses.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	if err == nil && s.group.halt == "inserted" {
		for _, r := range batch {
			r.done <- errHalted
		}
		return
	}
	failed := map[int]error{}
	if err != nil {
		var bwe mongo.BulkWriteException
		if !errors.As(err, &bwe) || bwe.WriteConcernError != nil || len(bwe.WriteErrors) == 0 {
			// Unknown which were stored: the pending entries let the writer
			// find out; the clients retry and get their answer then.
			err = fmt.Errorf("insert responses: %w", classify(err))
			for _, r := range batch {
				r.done <- err
			}
			return
		}
		for _, we := range bwe.WriteErrors {
			if we.HasErrorCode(11000) {
				failed[we.Index] = errDuplicateResponse
			} else {
				failed[we.Index] = fmt.Errorf("insert response: %w", classify(we))
			}
		}
	}
	s.attachAttention(ctx, batch, failed) // the attention items go with the counts: attention.go
	deadline := time.Now().Add(submitWait)
	for i, r := range batch {
		if e, ok := failed[i]; ok {
			r.done <- e
			continue
		}
		s.rollups.writer.submit(r.c, deadline)
		s.stats.addStored(r.doc.Channel)
		r.done <- nil
	}
}
