package store

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"hailong/survey"
)

// scanBatch is how many responses one round trip of a full scan brings.
const scanBatch = 1000

// eachResponse streams every stored response (without its comment) with
// the attempt that stored it, calling progress after each scanBatch. It
// reads the whole collection: for rebuilds and checks, never for a page.
// The respondent is read: the rollups count combinations of demographics.
func (s *Store) eachResponse(ctx context.Context, fn func(r survey.Response, attempt string), progress func(done int64)) (int64, error) {
	return s.scanResponses(ctx, docD(), docD("comment", 0),
		func(r storedResponse) { fn(r.Response, r.Attempt) }, progress)
}

// scanResponses streams the responses matching the filter, with the
// projection, to fn; progress, if not nil, is told every scanBatch.
func (s *Store) scanResponses(ctx context.Context, filter, projection bson.D, fn func(storedResponse), progress func(done int64)) (int64, error) {
	opts := options.Find().SetBatchSize(scanBatch).SetProjection(projection)
	cur, err := s.responses.Find(ctx, filter, opts)
	if err != nil {
		return 0, fmt.Errorf("scan responses: %w", classify(err))
	}
	defer cur.Close(context.WithoutCancel(ctx))
	var done int64
	for cur.Next(ctx) {
		var r storedResponse
		if err := cur.Decode(&r); err != nil {
			return done, fmt.Errorf("scan responses: decode: %w", err)
		}
		fn(r)
		if done++; done%scanBatch == 0 && progress != nil {
			progress(done)
		}
	}
	if err := cur.Err(); err != nil {
		return done, fmt.Errorf("scan responses: %w", classify(err))
	}
	return done, nil
}

// Recompute computes the same Counts as Report straight from the raw
// responses, by a full scan and without any rollup code: it is how tests and
// operators check that the rollups are exact.
func (s *Store) Recompute(ctx context.Context, agency string, months []survey.Month, area string) (*Counts, error) {
	return s.RecomputeFiltered(ctx, agency, months, area, false)
}

// RecomputeFiltered is Recompute over the verified responses only when
// verifiedOnly: what ReportFiltered must equal.
func (s *Store) RecomputeFiltered(ctx context.Context, agency string, months []survey.Month, area string, verifiedOnly bool) (*Counts, error) {
	if err := checkQuery(agency, months, area); err != nil {
		return nil, err
	}
	return countsOf(agency, months, area, func(fn func(survey.Response)) error {
		_, err := s.eachResponse(ctx, func(r survey.Response, _ string) {
			if r.Verified || !verifiedOnly {
				fn(r)
			}
		}, nil)
		return err
	})
}

// RecomputeBasis is Recompute over the responses of the basis: what
// ReportBasis must equal.
func (s *Store) RecomputeBasis(ctx context.Context, agency string, months []survey.Month, area string, basis survey.Basis) (*Counts, error) {
	if err := checkQuery(agency, months, area); err != nil {
		return nil, err
	}
	return countsOf(agency, months, area, func(fn func(survey.Response)) error {
		_, err := s.eachResponse(ctx, func(r survey.Response, _ string) {
			if InBasis(r, basis) {
				fn(r)
			}
		}, nil)
		return err
	})
}

// InBasis reports whether a response counts on the basis.
func InBasis(r survey.Response, basis survey.Basis) bool {
	switch basis {
	case survey.BasisVerified:
		return r.Verified
	case survey.BasisIndependent:
		return !r.SelfEntered
	}
	return true
}

// countsOf computes Counts from the responses each hands to its argument.
func countsOf(agency string, months []survey.Month, area string, each func(func(survey.Response)) error) (*Counts, error) {
	index := make(map[survey.Month]int, len(months))
	for i, m := range months {
		index[m] = i
	}
	c := newCounts(agency, area, months)
	add := func(m map[string]survey.Tally, key string, r survey.Response) {
		t := m[key]
		t.AddResponseOn(contributionForm(r), r.Answers)
		m[key] = t
	}
	err := each(func(r survey.Response) {
		i, ok := index[survey.MonthOf(r.SubmittedAt)]
		if !ok {
			return
		}
		add(c.Province, r.Agency, r)
		if r.Agency != agency {
			return
		}
		add(c.ByArea, r.Area, r)
		add(c.ByChannel, string(r.Channel), r)
		if r.Verified {
			c.Verified.AddResponseOn(contributionForm(r), r.Answers)
		}
		if r.SelfEntered {
			c.SelfEntered++
		}
		if area == "" || r.Area == area {
			c.Total.AddResponseOn(contributionForm(r), r.Answers)
			c.ByMonth[i].AddResponseOn(contributionForm(r), r.Answers)
		}
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// ReadResponses reads every response as RebuildAll's scan does (same
// filter, projection and decoding) and does nothing with them: the plain
// cursor read a rebuild is measured against.
func (s *Store) ReadResponses(ctx context.Context, progress func(done int64)) (int64, error) {
	return s.scanResponses(ctx, docD(), docD(), func(storedResponse) {}, progress)
}
