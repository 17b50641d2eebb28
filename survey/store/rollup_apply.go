package store

import (
	"context"
	"errors"
	"sort"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

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

// countLocked counts the contributions as one batch with a new tag. A failure
// is retried with the same tag (so documents already updated are skipped)
// until it succeeds, or until the process is stopping: then the batch record
// stays, and the next start replays it.
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

// countOnce is one try of a batch: keep the contributions whose entries are
// still this writer's, record the batch, apply it, delete the entries, then
// the record.
func (w *rollupWriter) countOnce(cs []contribution, t batchTag, checked bool) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ids := make([]string, len(cs))
	for i, c := range cs {
		ids[i] = c.attempt
	}
	held, err := w.held(ctx, ids)
	if err != nil {
		return err
	}
	set := bucketSet{}
	var kept []string
	for _, c := range cs {
		if held[c.attempt] {
			set.add(c)
			kept = append(kept, c.attempt)
		}
	}
	// Before any pending entry goes: attention.go.
	if items := attentionOf(cs); len(items) > 0 {
		if err := w.s.insertAttention(ctx, items); err != nil {
			return err
		}
		if err := w.s.tellCreated(ctx, items); err != nil {
			return err
		}
	}
	if len(kept) > 0 {
		if err := w.s.writeRecord(ctx, t, kept); err != nil {
			return err
		}
		if err := w.apply(ctx, set, t, checked); err != nil {
			return err
		}
		if err := w.applyPairs(ctx, cs, held, t); err != nil { // pairs.go
			return err
		}
		if err := w.s.deletePending(ctx, kept); err != nil {
			return err
		}
	}
	return w.s.dropRecord(ctx, t)
}

// held returns which of the entries are still in the log and this writer's
// to count (one read of the small log, no write). An entry is gone when the
// reconciler has counted it already, or another process took it over.
//
// With the embedded database every entry handed to the writer is held: no
// other process counts, and the reconciler runs on the writer's goroutine
// and leaves queued entries alone. The read is skipped there, as FerretDB
// checks $in against every entry of the log one by one.
func (w *rollupWriter) held(ctx context.Context, ids []string) (map[string]bool, error) {
	if w.s.rollups.alone {
		held := make(map[string]bool, len(ids))
		for _, id := range ids {
			held[id] = true
		}
		return held, nil
	}
	docs, err := w.s.findPending(ctx, docD("_id", docD("$in", ids)))
	held := make(map[string]bool, len(docs))
	for _, d := range docs {
		if w.s.rollups.alone || d.Owner == w.id {
			held[d.ID] = true
		}
	}
	return held, err
}

// errBucketGone: a rollup document vanished between its creation and its
// update (a rebuild replaced the collection); the retry creates it again.
var errBucketGone = errors.New("rollup document vanished")

// apply adds each bucket's counts to its document, creating it first by
// insert (an upsert that collides fails on FerretDB with an internal error).
// When checked, documents that already record batch t are skipped.
func (w *rollupWriter) apply(ctx context.Context, set bucketSet, t batchTag, checked bool) error {
	ids := make([]string, 0, len(set))
	for id := range set {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	created := false // a document was created: its month's collection may be new
	defer func() {
		if created {
			w.sweepIndexes()
		}
	}()
	for _, id := range ids {
		b := set[id]
		coll := w.s.db.Collection(rollupColl(b.month))
		if !w.known[id] {
			_, err := coll.InsertOne(ctx, b.skeleton())
			switch {
			case err == nil:
				created = true
			case !mongo.IsDuplicateKeyError(err):
				return classify(err)
			}
			w.known[id] = true
		}
		if checked {
			var d struct {
				W map[string]int64 `bson:"w"`
			}
			err := coll.FindOne(ctx, docD("_id", id), options.FindOne().SetProjection(docD("w", 1))).Decode(&d)
			if errors.Is(err, mongo.ErrNoDocuments) {
				delete(w.known, id)
				return errBucketGone
			}
			if err != nil {
				return classify(err)
			}
			if d.W[t.writer] >= t.seq {
				continue
			}
		}
		res, err := coll.UpdateOne(ctx, docD("_id", id), docD("$inc", b.incDoc(), "$set", docD("w."+t.writer, t.seq)))
		if err != nil {
			w.s.rollups.cache.drop(id)
			return classify(err)
		}
		if res.MatchedCount == 0 {
			delete(w.known, id)
			return errBucketGone
		}
		w.s.rollups.cache.apply(b)
	}
	return nil
}
