package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"hailong/survey"
)

// AgencyMonth is what one agency's rollup of one month holds for the
// aggregates export.
type AgencyMonth struct {
	Month survey.Month
	// ByArea is the tally of each procedure area, responses included.
	ByArea map[string]survey.Tally
}

// AgencyMonths reads the agency's rollups of the months the way Report
// does (one document by _id per month, from memory with the embedded
// database, four reads at a time otherwise). It never reads a response.
func (s *Store) AgencyMonths(ctx context.Context, agency string, months []survey.Month) ([]AgencyMonth, error) {
	if err := checkQuery(agency, months, ""); err != nil {
		return nil, err
	}
	s.rollups.swap.RLock()
	defer s.rollups.swap.RUnlock()
	out := make([]AgencyMonth, len(months))
	var misses []int
	for i, m := range months {
		out[i] = AgencyMonth{Month: m, ByArea: map[string]survey.Tally{}}
		if !s.rollups.cache.view(agencyMonthID(agency, m), func(b *bucket) { out[i].add(b) }) {
			misses = append(misses, i)
		}
	}
	errs := make([]error, len(months))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for _, i := range misses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			b, err := s.readBucket(ctx, agencyMonthID(agency, months[i]), months[i])
			if errs[i] = err; err == nil {
				out[i].add(b)
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("read rollups: %w", err)
	}
	return out, nil
}

// add adds an agency-month document.
func (a *AgencyMonth) add(b *bucket) {
	for key, n := range b.n {
		if area, _, ok := strings.Cut(key, "|"); ok {
			addResponses(a.ByArea, area, n)
		}
	}
	for area, t := range b.tallies[fieldArea] {
		mergeInto(a.ByArea, area, *t)
	}
}

// Demographics reads how many respondents of the agency in the month gave
// each combination of demographics (by survey.DemographicKey; unknown ones
// under "?"): the d field of one rollup document, read by _id from the
// database (the rollup cache leaves it out), for the k-anonymity rule of
// the responses export.
func (s *Store) Demographics(ctx context.Context, agency string, m survey.Month) (map[string]int64, error) {
	if err := checkQuery(agency, []survey.Month{m}, ""); err != nil {
		return nil, err
	}
	s.rollups.swap.RLock()
	defer s.rollups.swap.RUnlock()
	var d struct {
		D map[string]int64 `bson:"d"`
	}
	err := s.db.Collection(rollupColl(m)).FindOne(ctx, docD("_id", agencyMonthID(agency, m)),
		options.FindOne().SetProjection(docD("d", 1))).Decode(&d)
	switch {
	case errors.Is(err, mongo.ErrNoDocuments):
		return map[string]int64{}, nil
	case err != nil:
		return nil, fmt.Errorf("read rollups: %w", classify(err))
	}
	if d.D == nil {
		d.D = map[string]int64{}
	}
	return d.D, nil
}

// ClearRollupCache empties the in-memory rollups, so that the next reads go
// to the database: for measurements of cold reads.
func (s *Store) ClearRollupCache() { s.rollups.cache.clear() }
