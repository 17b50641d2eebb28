package store

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"hailong/survey"
)

// entryState is what a pending entry turns out to be.
type entryState int

const (
	countIt entryState = iota // its response is stored and not yet counted
	dropIt                    // it stored nothing: the response came from another attempt
	missing                   // no response yet: failed, or still in flight
)

// reconcile heals the pre-aggregates (every applier: applier.go) from the
// pending log: it replays the batches that writers left unfinished (under
// their own tags, so what carries them is skipped), applies the stored
// responses whose batch was lost, and deletes the entries of inserts that
// stored nothing. It runs at start, periodically, when the queue
// overflowed, on a flush and when the writer stops. Unless thorough, it
// leaves this writer's recent entries: their inserts are most likely in
// flight, and looking a response up would scan the responses on FerretDB
// were the store's _id index (id_index.go) missing.
func (w *rollupWriter) reconcile(thorough bool) {
	w.run.Lock()
	defer w.run.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if err := w.reconcileLocked(ctx, thorough); err != nil {
		w.s.log.Warn("rollups: reading the pending log failed", "err", err)
	}
}

func (w *rollupWriter) reconcileLocked(ctx context.Context, thorough bool) error {
	now := w.s.rollups.now()
	alone := w.s.rollups.alone
	live := map[string]bool{w.id: true}
	if !alone {
		var err error
		if live, err = w.s.liveWriters(ctx, now); err != nil {
			return err
		}
		live[w.id] = true
	}
	recs, err := w.s.findRecords(ctx)
	if err != nil {
		return err
	}
	listed := map[string]bool{}
	for _, rec := range recs {
		for _, id := range rec.IDs {
			listed[id] = true
		}
		if live[rec.Writer] {
			continue // its writer is at work on it
		}
		if err := w.replay(ctx, rec, now); err != nil {
			return err
		}
	}
	docs, err := w.s.findPending(ctx, bson.D{})
	if err != nil {
		return err
	}
	var own, orphans []pendingDoc
	for _, d := range docs {
		switch {
		case listed[d.ID]:
		case d.Owner == w.id || alone:
			own = append(own, d)
		case !live[d.Owner]:
			orphans = append(orphans, d)
		}
	}
	taken, err := w.s.takeOver(ctx, orphans, w.id)
	for _, d := range orphans {
		if taken[d.ID] {
			own = append(own, d)
		}
	}
	if err != nil {
		return err
	}
	return w.settle(ctx, own, now, thorough)
}

// settle counts, deletes or leaves each of the writer's own loose entries.
func (w *rollupWriter) settle(ctx context.Context, docs []pendingDoc, now time.Time, thorough bool) error {
	var cs []contribution
	for _, d := range docs {
		if w.isQueued(d.ID) {
			continue // its contribution waits in the queue
		}
		if !thorough && d.Owner == w.id && now.Sub(d.At) < w.s.rollups.grace {
			continue
		}
		c, state, err := w.resolve(ctx, d)
		switch {
		case err != nil:
			return err
		case state == countIt:
			cs = append(cs, c)
		case state == dropIt, now.Sub(d.At) > w.s.rollups.grace, d.Owner != w.id:
			// Stored nothing, or can no longer be in flight: an entry of
			// another (gone) process, or older than any insert can take.
			w.s.forgetPending(ctx, d.ID)
		}
	}
	for len(cs) > 0 {
		n := min(len(cs), writerBatch)
		w.countLocked(cs[:n])
		cs = cs[n:]
	}
	return nil
}

// replay finishes a batch whose writer is gone, under its tag.
func (w *rollupWriter) replay(ctx context.Context, rec batchRecord, now time.Time) error {
	if !w.s.rollups.alone {
		if ok, err := w.s.leaseRecord(ctx, rec, now); err != nil || !ok {
			return err
		}
	}
	t := batchTag{writer: rec.Writer, seq: rec.Seq}
	docs, err := w.s.findPending(ctx, pendingIDsFilter(rec.IDs))
	if err != nil {
		return err
	}
	var cs []contribution
	var ids []string
	for _, d := range docs {
		c, state, err := w.resolve(ctx, d)
		if err != nil {
			return err
		}
		if state == countIt {
			cs = append(cs, c)
		}
		ids = append(ids, d.ID)
	}
	// Entries are deleted all at once after every document is updated: if
	// none is left, the batch was applied in full and only its record stays.
	if len(ids) > 0 {
		if err := w.applyAll(ctx, appliedBatch{tag: t, cs: cs, checked: true}); err != nil {
			return err
		}
		if err := w.s.deletePending(ctx, ids); err != nil {
			return err
		}
		w.s.log.Info("rollups: replayed an unfinished batch", "writer", t.writer, "batch", t.seq, "responses", len(ids))
	}
	return w.s.dropRecord(ctx, t)
}

// resolve finds out what a pending entry stands for by looking its response
// (or its rating) up by _id: it carries everything every applier needs.
func (w *rollupWriter) resolve(ctx context.Context, d pendingDoc) (contribution, entryState, error) {
	if d.Rating != "" {
		return w.resolveRating(ctx, d)
	}
	r, attempt, err := w.s.storedResponse(ctx, d.Response)
	switch {
	case errors.Is(err, survey.ErrNotFound):
		return contribution{}, missing, nil
	case err != nil:
		return contribution{}, missing, err
	case attempt != d.ID:
		return contribution{}, dropIt, nil
	}
	// The attention item (attention.go) may have been lost with the count.
	if err := w.s.ensureAttention(ctx, r); err != nil {
		return contribution{}, missing, err
	}
	c, err := newContribution(r, d.ID)
	if err != nil {
		w.s.log.Error("rollups: a stored response cannot be counted", "response", d.Response, "err", err)
		return contribution{}, dropIt, nil
	}
	return c, countIt, nil
}
