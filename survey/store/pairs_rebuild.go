package store

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"hailong/survey"
)

// Building the pair sums (pairs.go) from the responses: with every rollup
// rebuild ("hailong rollups rebuild"), and at start when the data folder
// has none of this format (RebuildPairs).

// pairsRecord is the rollup_meta record of the pair sums' format.
type pairsRecord struct {
	ID      string    `bson:"_id"`
	Version int       `bson:"version"`
	At      time.Time `bson:"at"`
}

// pairRebuild gathers the pair sums of a scan of the responses.
type pairRebuild struct {
	codes   map[string][]string
	at      map[string]map[string]int
	deltas  pairDeltas
	skipped int
	err     error
}

// newPairRebuild reads the published questionnaire versions' criteria.
func (s *Store) newPairRebuild(ctx context.Context) *pairRebuild {
	pr := &pairRebuild{codes: map[string][]string{}, at: map[string]map[string]int{}, deltas: pairDeltas{}}
	forms, err := s.Forms(ctx)
	if err != nil {
		pr.err = err
		return pr
	}
	for _, f := range forms {
		if f.Published {
			key := survey.FormKey(f.ID, f.Version)
			pr.codes[key] = criteriaCodes(f)
			pr.at[key] = codeIndex(pr.codes[key])
		}
	}
	return pr
}

// add counts one contribution (rollupRebuild.add calls it).
func (pr *pairRebuild) add(c contribution) {
	codes, ok := pr.codes[c.form]
	if !ok {
		pr.skipped++
		return
	}
	pr.deltas.addAt(c, codes, pr.at[c.form])
}

// installPairs replaces the pair sums by the rebuild's and records the
// format. Until it is recorded again a start rebuilds them.
func (s *Store) installPairs(ctx context.Context, pr *pairRebuild) error {
	if pr.err != nil {
		return pr.err
	}
	if pr.skipped > 0 {
		s.log.Warn("rollup pairs: responses of an unknown questionnaire version left out", "count", pr.skipped)
	}
	if _, err := s.rollups.meta.DeleteOne(ctx, docD("_id", pairsFormatID)); err != nil {
		return classify(err)
	}
	s.pairs.mu.Lock()
	s.pairs.forget()
	s.pairs.mu.Unlock()
	if err := s.pairsColl().Drop(ctx); err != nil {
		return classify(err)
	}
	ids := make([]string, 0, len(pr.deltas))
	for id := range pr.deltas {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for len(ids) > 0 {
		n := min(len(ids), 100)
		docs := make([]any, 0, n)
		for _, id := range ids[:n] {
			d, _ := pr.deltas[id].mergeInto(nil)
			d.Rev = 1
			docs = append(docs, d)
		}
		if _, err := s.pairsColl().InsertMany(ctx, docs); err != nil {
			return classify(err)
		}
		ids = ids[n:]
	}
	_, err := s.rollups.meta.ReplaceOne(ctx, docD("_id", pairsFormatID),
		pairsRecord{ID: pairsFormatID, Version: pairsFormat, At: time.Now()}, options.Replace().SetUpsert(true))
	if err != nil {
		return classify(err)
	}
	return s.loadPairs(ctx)
}

// RebuildPairs recomputes the pair sums alone from the responses, the
// writer paused as for a rollup rebuild (the responses it has yet to count
// are left to it); progress, if not nil, is told how many responses have
// been read.
func (s *Store) RebuildPairs(ctx context.Context, progress func(done int64)) error {
	rb, err := s.beginRollupRebuild(ctx)
	if err != nil {
		return fmt.Errorf("rebuild pairs: %w", err)
	}
	defer rb.end()
	_, err = s.scanResponses(ctx, docD(), docD("comment", 0, "respondent", 0), func(r storedResponse) {
		if rb.excluded.has(r.Attempt) {
			return
		}
		if c, err := newContribution(r.Response, r.Attempt); err == nil {
			rb.pairs.add(c)
		}
	}, progress)
	if err != nil {
		return fmt.Errorf("rebuild pairs: %w", err)
	}
	if err := s.installPairs(ctx, rb.pairs); err != nil {
		return fmt.Errorf("rebuild pairs: %w", err)
	}
	return nil
}

// startPairs, at start, builds the pair sums when the data folder has none
// of this format, or when its latest months count fewer responses in them
// than in the rollups (an older binary ran on it), then reads them into
// memory (embedded database).
func (s *Store) startPairs(ctx context.Context) error {
	var rec pairsRecord
	err := s.rollups.meta.FindOne(ctx, docD("_id", pairsFormatID)).Decode(&rec)
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return classify(err)
	}
	build := rec.Version != pairsFormat
	if !build {
		stale, err := s.stalePairs(ctx)
		if err != nil {
			return err
		}
		build = stale
	}
	if !build {
		return s.loadPairs(ctx)
	}
	start, last := time.Now(), time.Now()
	s.log.Warn("rollup pairs: building the pair sums of sipas-2017-v2 from the responses", "format", rec.Version, "to", pairsFormat)
	err = s.RebuildPairs(ctx, func(done int64) {
		if time.Since(last) >= 2*time.Second {
			last = time.Now()
			s.log.Info("rollup pairs: building", "responses", done)
		}
	})
	if err != nil {
		return err
	}
	s.log.Info("rollup pairs: built", "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// stalePairs compares, for the latest months with rollups, the responses
// the province-month documents count with those the pair sums count; the
// writer is paused meanwhile, so that no batch is half applied.
func (s *Store) stalePairs(ctx context.Context) (bool, error) {
	names, err := s.prefixed(ctx, rollupPrefix)
	if err != nil {
		return false, err
	}
	sort.Strings(names)
	var months []survey.Month
	for _, name := range names[max(0, len(names)-staleMonths):] {
		if m, ok := suffixMonth(name, rollupPrefix); ok {
			months = append(months, m)
		}
	}
	if len(months) == 0 {
		return false, nil
	}
	w := s.rollups.writer
	w.run.Lock()
	defer w.run.Unlock()
	s.rollups.swap.RLock()
	defer s.rollups.swap.RUnlock()
	ids := make([]string, len(months))
	for i, m := range months {
		ids[i] = monthDocID(kindProvinceMonth, "", m)
	}
	var rollupN int64
	if err := s.eachBucket(ctx, ids, months, func(_ int, b *bucket) {
		for _, n := range b.n {
			rollupN += n
		}
	}); err != nil {
		return false, err
	}
	var pairN int64
	err = s.pairDocsOf(ctx, pairKindAll, months, "", func(d *pairDoc) {
		for _, b := range d.All {
			c := make([]int64, 1)
			if v, n := uvarint(b); n > 0 {
				c[0] = v
			}
			pairN += c[0]
		}
	})
	if err != nil {
		return false, err
	}
	if rollupN != pairN {
		s.log.Warn("rollup pairs: the latest months count other responses than the rollups", "rollups", rollupN, "pairs", pairN)
		return true, nil
	}
	return false, nil
}
