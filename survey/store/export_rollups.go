package store

import (
	"context"
	"fmt"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
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
	basis := survey.BasisAll
	if verifiedOnly {
		basis = survey.BasisVerified
	}
	return s.AgencyMonthsBasis(ctx, agency, months, basis)
}

// AgencyMonthsBasis is AgencyMonths over the responses of the basis (see
// ReportBasis).
func (s *Store) AgencyMonthsBasis(ctx context.Context, agency string, months []survey.Month, basis survey.Basis) ([]AgencyMonth, error) {
	if err := checkQuery(agency, months, ""); err != nil {
		return nil, err
	}
	kind, _ := basisKinds(basis)
	s.rollups.swap.RLock()
	defer s.rollups.swap.RUnlock()
	out := make([]AgencyMonth, len(months))
	ids := make([]string, len(months))
	for i, m := range months {
		out[i] = AgencyMonth{Month: m, ByArea: map[string]survey.Tally{}}
		ids[i] = monthDocID(kind, agency, m)
	}
	if err := s.eachBucket(ctx, ids, months, func(i int, b *bucket) { out[i].add(b.basis(basis)) }); err != nil {
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
	for key, n := range b.fv {
		if p := strings.Split(key, "|"); len(p) == 4 {
			addVersion(a.ByArea, p[0], decodeCode(p[3]), n)
		}
	}
}

// MonthPatterns reads, for every agency with responses in the month, how
// many of its respondents share each pattern of quasi-identifiers
// (survey.Pattern): the p field of the month's agency rollups, in one query
// of that month's small collection, from the database (the rollup cache
// leaves p out). It is what the disclosure rule of the responses export
// needs. With verifiedOnly the counts are of the verified responses alone
// (the amv rollups).
//
// An agency whose counts are not whole maps to nil: counts under an
// unknown pattern, a key that is not a pattern, or counts that do not add
// up to its responses, as in rollups written by a version that did not
// keep them (they hold the demographics alone, in d, and any p counts
// there cover only the responses counted since the upgrade). Never read as
// if they were whole, such counts suppress every row of the agency-month
// until "hailong rollups rebuild" recounts them.
func (s *Store) MonthPatterns(ctx context.Context, m survey.Month, verifiedOnly bool) (map[string]map[survey.Pattern]int64, error) {
	out := map[string]map[survey.Pattern]int64{}
	err := s.eachMonthRollup(ctx, m, verifiedOnly, func(agency string, n, p map[string]int64) {
		var responses, counted int64
		for _, v := range n {
			responses += v
		}
		counts := make(map[survey.Pattern]int64, len(p))
		for key, v := range p {
			pat, ok := survey.ParsePattern(key)
			if !ok || v < 0 {
				out[agency] = nil
				return
			}
			counts[pat] += v
			counted += v
		}
		if counted != responses {
			counts = nil
		}
		out[agency] = counts
	})
	return out, err
}

// eachMonthRollup calls fn with the agency, n and p fields of every
// agency-month rollup of the month (the verified-only ones when
// verifiedOnly).
func (s *Store) eachMonthRollup(ctx context.Context, m survey.Month, verifiedOnly bool, fn func(agency string, n, p map[string]int64)) error {
	if m.IsZero() {
		return fmt.Errorf("%w: zero month", survey.ErrInvalidPeriod)
	}
	s.rollups.swap.RLock()
	defer s.rollups.swap.RUnlock()
	kind := kindAgencyMonth
	if verifiedOnly {
		kind = kindAgencyMonthVerified
	}
	cur, err := s.db.Collection(rollupColl(m)).Find(ctx, docD("k", kind),
		options.Find().SetProjection(docD("agency", 1, "n", 1, fieldPatterns, 1)))
	if err != nil {
		return fmt.Errorf("read rollups: %w", classify(err))
	}
	defer cur.Close(context.WithoutCancel(ctx))
	for cur.Next(ctx) {
		var d struct {
			Agency string           `bson:"agency"`
			N      map[string]int64 `bson:"n"`
			P      map[string]int64 `bson:"p"`
		}
		if err := cur.Decode(&d); err != nil {
			return fmt.Errorf("read rollups: %w", err)
		}
		fn(d.Agency, d.N, d.P)
	}
	if err := cur.Err(); err != nil {
		return fmt.Errorf("read rollups: %w", classify(err))
	}
	return nil
}

// MonthDemographics reads, for every agency with responses in the month,
// how many of its respondents gave each combination of demographics (by
// survey.DemographicKey), summed from the pattern counts (MonthPatterns);
// an agency whose counts are not whole has its responses under "?". With
// verifiedOnly the counts are of the verified responses alone.
func (s *Store) MonthDemographics(ctx context.Context, m survey.Month, verifiedOnly bool) (map[string]map[string]int64, error) {
	byAgency, err := s.MonthPatterns(ctx, m, verifiedOnly)
	if err != nil {
		return nil, err
	}
	out := make(map[string]map[string]int64, len(byAgency))
	for agency, counts := range byAgency {
		d := map[string]int64{}
		for p, n := range counts {
			d[strings.Join(p.Demo[:], "|")] += n
		}
		out[agency] = d
	}
	return out, nil
}

// withoutPatterns is the projection of a rollup read for reports and the
// cache: without the p field (and the d field older rollups hold), which
// they never use and which is the largest field of a busy month.
func withoutPatterns() bson.D { return docD(fieldPatterns, 0, fieldDemographics, 0) }

// withoutDemographics leaves the pattern counts out of a rollup read.
func withoutDemographics() options.Lister[options.FindOneOptions] {
	return options.FindOne().SetProjection(withoutPatterns())
}

// ClearRollupCache empties the in-memory rollups, so that the next reads go
// to the database: for measurements of cold reads.
func (s *Store) ClearRollupCache() { s.rollups.cache.clear() }
