package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
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
	kind := kindAgencyMonth
	if verifiedOnly {
		kind = kindAgencyMonthVerified
	}
	out := map[string]map[survey.Pattern]int64{}
	err := s.eachMonthRollup(ctx, m, []string{kind}, func(_, agency string, n, p map[string]int64) {
		out[agency] = patternCounts(n, p)
	})
	return out, err
}

// MonthPatternsBoth is MonthPatterns of every response and of the verified
// ones (EachAgencyPatterns, collected).
func (s *Store) MonthPatternsBoth(ctx context.Context, m survey.Month) (all, verified map[string]map[survey.Pattern]int64, err error) {
	all, verified = map[string]map[survey.Pattern]int64{}, map[string]map[survey.Pattern]int64{}
	err = s.EachAgencyPatterns(ctx, m, func(agency string, a, v map[survey.Pattern]int64) error {
		all[agency] = a
		if v != nil {
			verified[agency] = v
		}
		return nil
	})
	return all, verified, err
}

// EachAgencyPatterns calls fn, for every agency with responses in the
// month, with its pattern counts over every response and over the verified
// ones (MonthPatterns; verified nil when it has none counted), one agency
// at a time, so that a caller keeps only what it derives from them (the
// export's disclosures). It scans the month's agency rollups once and reads
// each agency's verified rollup by _id (FerretDB decodes only that one):
// at 1,000,000 responses the two maps of every agency of a month took
// some 17 MB at once when read together, on the heap of a streaming export.
func (s *Store) EachAgencyPatterns(ctx context.Context, m survey.Month, fn func(agency string, all, verified map[survey.Pattern]int64) error) error {
	coll := s.db.Collection(rollupColl(m))
	var fnErr error
	err := s.eachMonthRollup(ctx, m, []string{kindAgencyMonth}, func(_, agency string, n, p map[string]int64) {
		if fnErr != nil {
			return
		}
		all := patternCounts(n, p)
		var v struct {
			N map[string]int64 `bson:"n"`
			P map[string]int64 `bson:"p"`
		}
		var verified map[survey.Pattern]int64
		err := coll.FindOne(ctx, docD("_id", monthDocID(kindAgencyMonthVerified, agency, m)),
			options.FindOne().SetProjection(docD("n", 1, fieldPatterns, 1))).Decode(&v)
		switch {
		case err == nil:
			verified = patternCounts(v.N, v.P)
		case !errors.Is(err, mongo.ErrNoDocuments):
			fnErr = fmt.Errorf("read rollups: %w", classify(err))
			return
		}
		fnErr = fn(agency, all, verified)
	})
	if err != nil {
		return err
	}
	return fnErr
}

// patternCounts reads the p field of an agency rollup whose responses are
// counted in n; nil when the counts are not whole (see MonthPatterns).
func patternCounts(n, p map[string]int64) map[survey.Pattern]int64 {
	var responses, counted int64
	for _, v := range n {
		responses += v
	}
	counts := make(map[survey.Pattern]int64, len(p))
	for key, v := range p {
		pat, ok := survey.ParsePattern(key)
		if !ok || v < 0 {
			return nil
		}
		counts[pat] += v
		counted += v
	}
	if counted != responses {
		return nil
	}
	return counts
}

// eachMonthRollup calls fn with the kind, agency, n and p fields of every
// rollup of the month of one of the kinds (agency-month kinds).
func (s *Store) eachMonthRollup(ctx context.Context, m survey.Month, kinds []string, fn func(kind, agency string, n, p map[string]int64)) error {
	if m.IsZero() {
		return fmt.Errorf("%w: zero month", survey.ErrInvalidPeriod)
	}
	s.rollups.swap.RLock()
	defer s.rollups.swap.RUnlock()
	var filter any = docD("k", kinds[0])
	if len(kinds) > 1 {
		filter = docD("k", docD("$in", kinds))
	}
	// One document a round trip: FerretDB decodes each whole (at 1,000,000
	// responses about 0.9 MB of tallies) and holds a batch's decoded
	// documents until it is sent, which with the default batch put a
	// month's 40 at once on the heap of a streaming export.
	cur, err := s.db.Collection(rollupColl(m)).Find(ctx, filter,
		options.Find().SetProjection(docD("k", 1, "agency", 1, "n", 1, fieldPatterns, 1)).SetBatchSize(1))
	if err != nil {
		return fmt.Errorf("read rollups: %w", classify(err))
	}
	defer cur.Close(context.WithoutCancel(ctx))
	for cur.Next(ctx) {
		var d struct {
			Kind   string           `bson:"k"`
			Agency string           `bson:"agency"`
			N      map[string]int64 `bson:"n"`
			P      map[string]int64 `bson:"p"`
		}
		if err := cur.Decode(&d); err != nil {
			return fmt.Errorf("read rollups: %w", err)
		}
		fn(d.Kind, d.Agency, d.N, d.P)
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

// LeanCaches shrinks the in-memory rollups to a lean bound (on) while an
// export streams, or gives them their full bound back (off); what was
// evicted is read again from the database when needed.
//
// The pair sums of sipas-2017-v2 (pairs.go) leave memory too, read from the
// database meanwhile, and are read back once the last export ends, the
// writer paused for that while.
func (s *Store) LeanCaches(on bool) {
	if on {
		s.rollups.cache.setBudget(rollupCacheLeanBytes)
		s.pairs.mu.Lock()
		s.pairs.lean++
		s.pairs.forget()
		s.pairs.mu.Unlock()
		return
	}
	s.rollups.cache.setBudget(rollupCacheBytes)
	if !s.rollups.alone {
		return
	}
	s.pairs.mu.Lock()
	gen := s.pairs.lean
	s.pairs.mu.Unlock()
	go s.reloadPairs(gen)
}

// ClearRollupCache empties the in-memory rollups, so that the next reads go
// to the database: for measurements of cold reads.
func (s *Store) ClearRollupCache() { s.rollups.cache.clear() }
