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
	st := &s.rollups
	st.rebuildMu.Lock()
	defer st.rebuildMu.Unlock()
	w := st.writer
	w.run.Lock()
	defer w.poke() // count what waited, once unpaused
	defer w.run.Unlock()

	excluded := newAttemptSet()
	st.gate.Lock() // waits for pending entries being written
	st.rebuilding = excluded
	st.gate.Unlock()
	defer func() { st.gate.Lock(); st.rebuilding = nil; st.gate.Unlock() }()
	waiting, err := s.findPending(ctx, bson.D{})
	if err != nil {
		return err
	}
	for _, d := range waiting {
		excluded.add(d.ID)
	}
	if err := s.dropPrefixed(ctx, rebuildPrefix); err != nil {
		return err
	}
	set := bucketSet{}
	skipped := 0
	done, err := s.eachResponse(ctx, func(r survey.Response, attempt string) {
		if excluded.has(attempt) {
			return
		}
		c, err := newContribution(r, attempt)
		if err != nil {
			skipped++
			return
		}
		set.add(c)
	}, progress)
	if err != nil {
		return fmt.Errorf("rebuild rollups: %w", err)
	}
	if skipped > 0 {
		s.log.Warn("rollups: responses that cannot be counted were left out", "count", skipped)
	}
	plan, err := s.writeRebuild(ctx, set)
	if err != nil {
		return fmt.Errorf("rebuild rollups: %w", err)
	}
	if err := s.installRebuild(ctx, plan); err != nil {
		return fmt.Errorf("rebuild rollups: %w", err)
	}
	if progress != nil {
		progress(done)
	}
	return nil
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
