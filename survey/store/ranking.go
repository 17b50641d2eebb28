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
	return s.ProvinceTalliesFiltered(ctx, months, area, false)
}

// ProvinceTalliesFiltered is ProvinceTallies, of the responses given through
// a verified invitation only when verifiedOnly (the amv and pmv documents).
func (s *Store) ProvinceTalliesFiltered(ctx context.Context, months []survey.Month, area string, verifiedOnly bool) (map[string]survey.Tally, error) {
	basis := survey.BasisAll
	if verifiedOnly {
		basis = survey.BasisVerified
	}
	return s.ProvinceTalliesBasis(ctx, months, area, basis)
}

// ProvinceTalliesBasis is ProvinceTallies over the responses of the basis
// (see ReportBasis).
func (s *Store) ProvinceTalliesBasis(ctx context.Context, months []survey.Month, area string, basis survey.Basis) (map[string]survey.Tally, error) {
	amKind, pmKind := basisKinds(basis)
	if err := checkQuery("province", months, area); err != nil {
		return nil, err
	}
	s.rollups.swap.RLock()
	defer s.rollups.swap.RUnlock()
	out := map[string]survey.Tally{}

	pm := make([]string, len(months))
	for i, m := range months {
		pm[i] = monthDocID(pmKind, "", m)
	}
	// Agency-month documents to read next, when an area is asked.
	var amIDs, amAgencies []string
	var amMonths []survey.Month
	err := s.eachBucket(ctx, pm, months, func(i int, b *bucket) {
		b = b.basis(basis)
		if area == "" {
			for agency, n := range b.n {
				addResponses(out, agency, n)
			}
			for agency, t := range b.tallies[fieldAgency] {
				mergeInto(out, agency, *t)
			}
			addAgencyVersions(out, b)
			return
		}
		for agency, n := range b.n {
			if n > 0 && safeName(agency) {
				amIDs = append(amIDs, monthDocID(amKind, agency, months[i]))
				amAgencies = append(amAgencies, agency)
				amMonths = append(amMonths, months[i])
			}
		}
	})
	if err != nil || area == "" {
		return out, err
	}
	err = s.eachBucket(ctx, amIDs, amMonths, func(i int, b *bucket) {
		b = b.basis(basis)
		agency := amAgencies[i]
		for key, n := range b.n {
			if a, _, ok := strings.Cut(key, "|"); ok && a == area {
				addResponses(out, agency, n)
			}
		}
		if t := b.tallies[fieldArea][area]; t != nil {
			mergeInto(out, agency, *t)
		}
		addAreaVersions(out, agency, area, b)
	})
	return out, err
}

// scanMisses is the number of documents of one month missing from the
// cache from which eachBucket reads the month's whole collection in one scan
// rather than one by one: FerretDB finds a document by _id by scanning the
// collection anyway, and it holds only that month's rollups.
const scanMisses = 4

// eachBucket calls fn with each rollup document ids[i] (of month months[i]):
// from the cache under its lock, else read from the database (a month with
// many misses in one scan), four reads at a time, and handed to fn
// afterwards in order. fn must not keep the bucket. The caller holds
// s.rollups.swap for reading.
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
	// One job per month with many misses, else one per document.
	byMonth := map[survey.Month][]int{}
	var order []survey.Month
	for _, i := range misses {
		m := months[i]
		if byMonth[m] == nil {
			order = append(order, m)
		}
		byMonth[m] = append(byMonth[m], i)
	}
	var jobs [][]int
	for _, m := range order {
		if idx := byMonth[m]; len(idx) >= scanMisses {
			jobs = append(jobs, idx)
		} else {
			for _, i := range idx {
				jobs = append(jobs, []int{i})
			}
		}
	}
	docs := make([]*bucket, len(ids))
	errs := make([]error, len(jobs))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for j, idx := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			if len(idx) == 1 {
				docs[idx[0]], errs[j] = s.readBucket(ctx, ids[idx[0]], months[idx[0]])
				return
			}
			want := make([]string, len(idx))
			for k, i := range idx {
				want[k] = ids[i]
			}
			var got []*bucket
			got, errs[j] = s.readMonth(ctx, months[idx[0]], want)
			for k, i := range idx {
				if got != nil {
					docs[i] = got[k]
				}
			}
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

// readMonth reads the documents ids of the month in one scan of its
// collection; a missing one is empty. Like readBucket, it hands each id to
// the cache (whose view missed it), whatever happens.
func (s *Store) readMonth(ctx context.Context, m survey.Month, ids []string) ([]*bucket, error) {
	want := make(map[string]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	found := map[string]*bucket{}
	err := func() error {
		cur, err := s.db.Collection(rollupColl(m)).Find(ctx, docD())
		if err != nil {
			return classify(err)
		}
		defer cur.Close(ctx)
		for cur.Next(ctx) {
			var d bucketDoc
			if err := cur.Decode(&d); err != nil {
				return fmt.Errorf("rollups of %s: %w", m, err)
			}
			if !want[d.ID] {
				continue
			}
			b, err := decodeBucket(d)
			if err != nil {
				return err
			}
			found[d.ID] = b
		}
		return classify(cur.Err())
	}()
	out := make([]*bucket, len(ids))
	for k, id := range ids {
		if err == nil {
			out[k] = found[id]
			if out[k] == nil {
				out[k] = emptyBucket(id, m)
			}
		}
		s.rollups.cache.put(id, out[k])
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}
