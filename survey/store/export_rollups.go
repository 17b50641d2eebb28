package store

import (
	"context"
	"fmt"
	"strings"

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
	return s.AgencyMonthsFiltered(ctx, agency, months, false)
}

// AgencyMonthsFiltered is AgencyMonths, over the responses given through a
// verified link only when verifiedOnly (the amv documents, which
// ReportFiltered reads too).
func (s *Store) AgencyMonthsFiltered(ctx context.Context, agency string, months []survey.Month, verifiedOnly bool) ([]AgencyMonth, error) {
	if err := checkQuery(agency, months, ""); err != nil {
		return nil, err
	}
	kind := kindAgencyMonth
	if verifiedOnly {
		kind = kindAgencyMonthVerified
	}
	s.rollups.swap.RLock()
	defer s.rollups.swap.RUnlock()
	out := make([]AgencyMonth, len(months))
	ids := make([]string, len(months))
	for i, m := range months {
		out[i] = AgencyMonth{Month: m, ByArea: map[string]survey.Tally{}}
		ids[i] = monthDocID(kind, agency, m)
	}
	if err := s.eachBucket(ctx, ids, months, func(i int, b *bucket) { out[i].add(b) }); err != nil {
		return nil, err
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

// MonthDemographics reads, for every agency with responses in the month,
// how many of its respondents gave each combination of demographics (by
// survey.DemographicKey; unknown ones under "?"): the d field of the
// month's agency rollups, in one query of that month's small collection,
// from the database (the rollup cache leaves d out). It is what the
// k-anonymity rule of the responses export needs. With verifiedOnly the
// counts are of the verified responses alone (the amv rollups), for an
// export of those: a combination five respondents share may be shared by
// fewer verified ones.
func (s *Store) MonthDemographics(ctx context.Context, m survey.Month, verifiedOnly bool) (map[string]map[string]int64, error) {
	if m.IsZero() {
		return nil, fmt.Errorf("%w: zero month", survey.ErrInvalidPeriod)
	}
	s.rollups.swap.RLock()
	defer s.rollups.swap.RUnlock()
	kind := kindAgencyMonth
	if verifiedOnly {
		kind = kindAgencyMonthVerified
	}
	cur, err := s.db.Collection(rollupColl(m)).Find(ctx, docD("k", kind),
		options.Find().SetProjection(docD("agency", 1, "d", 1)))
	if err != nil {
		return nil, fmt.Errorf("read rollups: %w", classify(err))
	}
	defer cur.Close(context.WithoutCancel(ctx))
	out := map[string]map[string]int64{}
	for cur.Next(ctx) {
		var d struct {
			Agency string           `bson:"agency"`
			D      map[string]int64 `bson:"d"`
		}
		if err := cur.Decode(&d); err != nil {
			return nil, fmt.Errorf("read rollups: %w", err)
		}
		if d.D == nil {
			d.D = map[string]int64{}
		}
		out[d.Agency] = d.D
	}
	if err := cur.Err(); err != nil {
		return nil, fmt.Errorf("read rollups: %w", classify(err))
	}
	return out, nil
}

// withoutDemographics leaves the d field out of a rollup read: reports and
// the cache never use it, and it is the largest field of a busy month.
func withoutDemographics() options.Lister[options.FindOneOptions] {
	return options.FindOne().SetProjection(docD(fieldDemographics, 0))
}

// ClearRollupCache empties the in-memory rollups, so that the next reads go
// to the database: for measurements of cold reads.
func (s *Store) ClearRollupCache() { s.rollups.cache.clear() }
