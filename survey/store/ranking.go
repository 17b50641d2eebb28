package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"hailong/survey"
)

// ProvinceTallies returns every agency's tally over the months, all areas or
// one area, read from the rollups by _id (from memory with the embedded
// database), never from the responses: the figures of a ranking.
//
// Without an area it reads one province-month document per month, whose c
// field holds every agency's counts. With an area it also reads the
// agency-month document of each agency that had responses that month (the
// province-month document's n field names them) for its a field.
func (s *Store) ProvinceTallies(ctx context.Context, months []survey.Month, area string) (map[string]survey.Tally, error) {
	if err := checkQuery("province", months, area); err != nil {
		return nil, err
	}
	s.rollups.swap.RLock()
	defer s.rollups.swap.RUnlock()
	out := map[string]survey.Tally{}

	pm := make([]string, len(months))
	for i, m := range months {
		pm[i] = provinceMonthID(m)
	}
	// Agency-month documents to read next, when an area is asked.
	var amIDs, amAgencies []string
	var amMonths []survey.Month
	err := s.eachBucket(ctx, pm, months, func(i int, b *bucket) {
		if area == "" {
			for agency, n := range b.n {
				addResponses(out, agency, n)
			}
			for agency, t := range b.tallies[fieldAgency] {
				mergeInto(out, agency, *t)
			}
			return
		}
		for agency, n := range b.n {
			if n > 0 && safeName(agency) {
				amIDs = append(amIDs, agencyMonthID(agency, months[i]))
				amAgencies = append(amAgencies, agency)
				amMonths = append(amMonths, months[i])
			}
		}
	})
	if err != nil || area == "" {
		return out, err
	}
	err = s.eachBucket(ctx, amIDs, amMonths, func(i int, b *bucket) {
		agency := amAgencies[i]
		for key, n := range b.n {
			if a, _, ok := strings.Cut(key, "|"); ok && a == area {
				addResponses(out, agency, n)
			}
		}
		if t := b.tallies[fieldArea][area]; t != nil {
			mergeInto(out, agency, *t)
		}
	})
	return out, err
}

// eachBucket calls fn with each rollup document ids[i] (of month months[i]):
// from the cache under its lock, else read from the database, four at a time,
// and handed to fn afterwards in order. fn must not keep the bucket. The
// caller holds s.rollups.swap for reading.
func (s *Store) eachBucket(ctx context.Context, ids []string, months []survey.Month, fn func(i int, b *bucket)) error {
	var misses []int
	for i, id := range ids {
		if !s.rollups.cache.view(id, func(b *bucket) { fn(i, b) }) {
			misses = append(misses, i)
		}
	}
	if len(misses) == 0 {
		return nil
	}
	docs := make([]*bucket, len(ids))
	errs := make([]error, len(ids))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for _, i := range misses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			docs[i], errs[i] = s.readBucket(ctx, ids[i], months[i])
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("read rollups: %w", err)
	}
	for _, i := range misses {
		fn(i, docs[i])
	}
	return nil
}
