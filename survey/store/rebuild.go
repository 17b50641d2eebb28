package store

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"hailong/survey"
)

// Collection names of a rebuild: new monthly collections are written under
// rebuildPrefix, then renamed over the live ones (rollupPrefix).
const (
	rollupPrefix  = "rollups_"
	rebuildPrefix = "rebuild_"
	rebuildPlanID = "rebuild"
)

// rebuildPlan is written once every new collection is complete; from then on
// the swap is finished by any later start, should it be cut short. FerretDB's
// renameCollection has no dropTarget, so each month is a drop then a rename;
// both steps are idempotent given the plan.
type rebuildPlan struct {
	ID    string    `bson:"_id"`
	Write []string  `bson:"write"` // months whose new collection replaces the live one
	Drop  []string  `bson:"drop"`  // months with a live collection and no responses
	At    time.Time `bson:"at"`
}

// RebuildRollups recomputes every rollup exactly from the responses: one
// streamed scan aggregated in memory, written to fresh collections that then
// replace the live ones. The writer is paused throughout, so the responses
// still in the pending log (and those stored meanwhile) are left out and
// counted by the writer afterwards; nothing is counted twice or missed.
// Submissions go on meanwhile. progress, if not nil, is told how many
// responses have been read. Other processes must not write rollups meanwhile.
func (s *Store) RebuildRollups(ctx context.Context, progress func(done int64)) error {
	return s.rebuild(ctx, progress, true, false)
}

// RebuildAll rebuilds the rollups (RebuildRollups) and the comment pages
// (RebuildComments) from one scan of the responses.
func (s *Store) RebuildAll(ctx context.Context, progress func(done int64)) error {
	return s.rebuild(ctx, progress, true, true)
}

// rebuild scans the responses once for the rebuilds asked for.
func (s *Store) rebuild(ctx context.Context, progress func(done int64), rollups, comments bool) error {
	var rb *rollupRebuild
	var cb *commentRebuild
	var err error
	if rollups {
		if rb, err = s.beginRollupRebuild(ctx); err != nil {
			return fmt.Errorf("rebuild rollups: %w", err)
		}
		defer rb.end()
	}
	if comments {
		if rb == nil { // else the rollup rebuild's exclusion serves both
			st := &s.rollups
			st.rebuildMu.Lock()
			defer st.rebuildMu.Unlock()
		}
		if cb, err = s.beginCommentRebuild(ctx); err != nil {
			return fmt.Errorf("rebuild comments: %w", err)
		}
		defer cb.end()
		// The comments of pending entries are left to the lifecycle
		// (doc.go), which appends them once the rebuild is done. The
		// comment writer is paused first, so none of them is appended
		// between the list and the scan.
		if rb != nil {
			cb.excluded = rb.excluded
		} else {
			excluded, stop, err := s.excludePending(ctx)
			if err != nil {
				return fmt.Errorf("rebuild comments: %w", err)
			}
			defer stop()
			cb.excluded = excluded
		}
	}
	// The rollups read the respondent (they count combinations of
	// demographics), the comment pages the comment.
	filter, projection := docD(), docD("comment", 0)
	switch {
	case rb == nil: // comments only: the responses that have one
		filter, projection = docD("comment", docD("$exists", true)), docD("respondent", 0)
	case cb != nil:
		projection = docD()
	}
	done, err := s.scanResponses(ctx, filter, projection, func(r storedResponse) {
		if rb != nil {
			rb.add(r.Response, r.Attempt)
		}
		if cb != nil && !cb.excluded.has(r.Attempt) {
			cb.add(r.Response)
		}
	}, progress)
	if err != nil {
		return fmt.Errorf("rebuild: %w", err)
	}
	if rb != nil {
		if err := rb.install(ctx); err != nil {
			return fmt.Errorf("rebuild rollups: %w", err)
		}
		if err := s.installPairs(ctx, rb.pairs); err != nil { // pairs_rebuild.go
			return fmt.Errorf("rebuild rollups: %w", err)
		}
		if err := s.recordFormat(ctx); err != nil {
			return fmt.Errorf("rebuild rollups: %w", err)
		}
	}
	if cb != nil {
		if err := cb.install(ctx, done); err != nil {
			return fmt.Errorf("rebuild comments: %w", err)
		}
	}
	if progress != nil {
		progress(done)
	}
	return nil
}

// rollupRebuild is a rebuild of the rollups in progress: the writer paused
// and the pending responses excluded from begin to end.
type rollupRebuild struct {
	s        *Store
	excluded *attemptSet
	set      bucketSet
	skipped  int
	end      func()
	pairs    *pairRebuild // pairs_rebuild.go
}

func (s *Store) beginRollupRebuild(ctx context.Context) (_ *rollupRebuild, err error) {
	st := &s.rollups
	st.rebuildMu.Lock()
	w := st.writer
	w.run.Lock()
	excluded, stop, err := s.excludePending(ctx)
	if err != nil {
		w.run.Unlock()
		st.rebuildMu.Unlock()
		return nil, err
	}
	b := &rollupRebuild{s: s, excluded: excluded, set: bucketSet{}, pairs: s.newPairRebuild(ctx), end: func() {
		stop()
		w.run.Unlock()
		w.poke() // count what waited, once unpaused
		st.rebuildMu.Unlock()
	}}
	defer func() {
		if err != nil {
			b.end()
		}
	}()
	if err := s.dropPrefixed(ctx, rebuildPrefix); err != nil {
		return nil, err
	}
	return b, nil
}

// add counts one response, unless the writer will.
func (b *rollupRebuild) add(r survey.Response, attempt string) {
	if b.excluded.has(attempt) {
		return
	}
	c, err := newContribution(r, attempt)
	if err != nil {
		b.skipped++
		return
	}
	b.set.add(c)
	b.pairs.add(c)
}

// install writes the new rollups and swaps them in.
func (b *rollupRebuild) install(ctx context.Context) error {
	if b.skipped > 0 {
		b.s.log.Warn("rollups: responses that cannot be counted were left out", "count", b.skipped)
	}
	plan, err := b.s.writeRebuild(ctx, b.set)
	if err != nil {
		return err
	}
	return b.s.installRebuild(ctx, plan)
}

// writeRebuild writes the buckets to new monthly collections and returns the
// plan of the swap.
func (s *Store) writeRebuild(ctx context.Context, set bucketSet) (rebuildPlan, error) {
	byMonth := map[survey.Month][]*bucket{}
	for _, b := range set {
		byMonth[b.month] = append(byMonth[b.month], b)
	}
	plan := rebuildPlan{ID: rebuildPlanID, At: time.Now()}
	for m, bs := range byMonth {
		sort.Slice(bs, func(i, j int) bool { return bs[i].id < bs[j].id })
		for len(bs) > 0 {
			n := min(len(bs), 50)
			docs := make([]any, n)
			for i := range docs {
				docs[i] = bs[i].fullDoc()
			}
			if _, err := s.db.Collection(rebuildPrefix+monthSuffix(m)).InsertMany(ctx, docs); err != nil {
				return plan, classify(err)
			}
			bs = bs[n:]
		}
		plan.Write = append(plan.Write, m.String())
	}
	live, err := s.prefixed(ctx, rollupPrefix)
	if err != nil {
		return plan, err
	}
	for _, name := range live {
		if m, ok := suffixMonth(name, rollupPrefix); ok && byMonth[m] == nil {
			plan.Drop = append(plan.Drop, m.String())
		}
	}
	sort.Strings(plan.Write)
	sort.Strings(plan.Drop)
	return plan, nil
}

// installRebuild records the plan, swaps the collections and forgets every
// cached or known document.
func (s *Store) installRebuild(ctx context.Context, plan rebuildPlan) error {
	if _, err := s.rollups.meta.DeleteOne(ctx, docD("_id", rebuildPlanID)); err != nil {
		return classify(err)
	}
	if _, err := s.rollups.meta.InsertOne(ctx, plan); err != nil {
		return classify(err)
	}
	s.rollups.swap.Lock()
	err := s.finishSwap(ctx, plan)
	s.rollups.cache.clear()
	s.rollups.writer.known = map[string]bool{}
	s.rollups.swap.Unlock()
	if err != nil {
		return err
	}
	go s.warmRollups(s.rollups.life)
	_, err = s.rollups.meta.DeleteOne(ctx, docD("_id", rebuildPlanID))
	return classify(err)
}

// recoverRebuild, at start, finishes a swap that was cut short and removes
// the collections of a rebuild that never completed.
func (s *Store) recoverRebuild(ctx context.Context) error {
	var plan rebuildPlan
	err := s.rollups.meta.FindOne(ctx, docD("_id", rebuildPlanID)).Decode(&plan)
	switch {
	case err == nil:
		s.log.Warn("rollups: finishing an interrupted rebuild", "at", plan.At)
		if err := s.finishSwap(ctx, plan); err != nil {
			return err
		}
		if _, err := s.rollups.meta.DeleteOne(ctx, docD("_id", rebuildPlanID)); err != nil {
			return classify(err)
		}
	case !errors.Is(err, mongo.ErrNoDocuments):
		return classify(err)
	}
	return s.dropPrefixed(ctx, rebuildPrefix)
}

// excludePending returns the attempts whose pending entries exist now, and
// records in the same set every entry written until stop is called (the
// caller holds rebuildMu): a rebuild leaves their responses to the
// lifecycle, which applies them once the rebuild is done.
func (s *Store) excludePending(ctx context.Context) (*attemptSet, func(), error) {
	st := &s.rollups
	excluded := newAttemptSet()
	st.gate.Lock() // waits for pending entries being written
	st.rebuilding = excluded
	st.gate.Unlock()
	stop := func() {
		st.gate.Lock()
		st.rebuilding = nil
		st.gate.Unlock()
	}
	waiting, err := s.findPending(ctx, bson.D{})
	if err != nil {
		stop()
		return nil, nil, err
	}
	for _, d := range waiting {
		excluded.add(d.ID)
	}
	return excluded, stop, nil
}
