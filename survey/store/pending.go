package store

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// pendingDoc is an entry of the pending log (lifecycle: doc.go). The group
// commit writes one before the response, under a fresh attempt id that the
// response also records; the rollup writer deletes it once every consumer
// of the batch (applier.go) has applied the response. What is left in the
// log after a crash is exactly what may be stored and not yet applied. An
// entry names the response (or the kiosk rating) only: a replay reads the response itself, so
// entries stay small (every filter on the log makes FerretDB decode all of
// it). Entries written by older versions carry more fields, which are
// ignored.
type pendingDoc struct {
	ID       string    `bson:"_id"` // the attempt id
	Response string    `bson:"r,omitempty"`
	Rating   string    `bson:"k,omitempty"` // a kiosk rating's entry names the rating instead (rating_apply.go)
	Owner    string    `bson:"o"`           // the writer that applies it
	At       time.Time `bson:"at"`
}

// logPendingMany writes the pending entries of a group commit in one insert.
func (s *Store) logPendingMany(ctx context.Context, batch []*commitReq) error {
	docs := make([]any, len(batch))
	now := s.rollups.now()
	for i, r := range batch {
		docs[i] = pendingDoc{ID: r.c.attempt, Response: r.c.response, Owner: s.rollups.writer.id, At: now}
	}
	s.rollups.gate.RLock()
	defer s.rollups.gate.RUnlock()
	if set := s.rollups.rebuilding; set != nil {
		for _, r := range batch {
			set.add(r.c.attempt)
		}
	}
	if _, err := s.rollups.pending.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false)); err != nil {
		return fmt.Errorf("log pending counts: %w", classify(err))
	}
	return nil
}

// detached is a short context for bookkeeping that must outlive a request
// whose client has gone.
func detached(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
}

// forgetPending deletes the entry of an attempt that stored nothing.
// Failure leaves it to the reconciler.
func (s *Store) forgetPending(ctx context.Context, attempt string) {
	ctx, cancel := detached(ctx)
	defer cancel()
	_, _ = s.rollups.pending.DeleteOne(ctx, docD("_id", attempt))
}

// deletePending deletes the entries (one statement, so all or none), by
// ranges of their numbered ids where it can (pending_ids.go).
func (s *Store) deletePending(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	if _, err := s.rollups.pending.DeleteMany(ctx, pendingIDsFilter(ids)); err != nil {
		return fmt.Errorf("clear pending: %w", classify(err))
	}
	return nil
}

// findPending reads the entries matching the filter (bson.D{} for all).
func (s *Store) findPending(ctx context.Context, filter bson.D) ([]pendingDoc, error) {
	cur, err := s.rollups.pending.Find(ctx, filter, options.Find().SetSort(docD("at", 1)))
	if err != nil {
		return nil, fmt.Errorf("read pending: %w", classify(err))
	}
	var docs []pendingDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("read pending: %w", classify(err))
	}
	return docs, nil
}
