package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"hailong/survey"
)

// Counts are the tallies behind one agency's dashboard over some months; the
// survey package's Rule.Score turns each into a report.
type Counts struct {
	Agency string
	// Area, when set, narrows Total and ByMonth to one procedure area.
	Area   string
	Months []survey.Month
	Total  survey.Tally
	// ByMonth is aligned with Months: the monthly trend.
	ByMonth []survey.Tally
	// The breakdowns always cover every area of the agency.
	ByArea    map[string]survey.Tally
	ByChannel map[string]survey.Tally
	// Verified counts the responses that came through a verified link.
	Verified survey.Tally
	// SelfEntered counts the responses entered by the agency's own staff
	// (survey.Response.SelfEntered), every area, as ByChannel does.
	SelfEntered int64
	// Province holds every agency's tally over the months, all areas: the
	// province average (survey.Pool) and ranks among agencies of one level.
	Province map[string]survey.Tally
}

func newCounts(agency, area string, months []survey.Month) *Counts {
	return &Counts{Agency: agency, Area: area, Months: months, ByMonth: make([]survey.Tally, len(months)),
		ByArea: map[string]survey.Tally{}, ByChannel: map[string]survey.Tally{}, Province: map[string]survey.Tally{}}
}

// checkQuery refuses names that could not be in a rollup and bad periods.
func checkQuery(agency string, months []survey.Month, area string) error {
	if !safeName(agency) || (area != "" && !safeName(area)) {
		return survey.ErrNotFound
	}
	if len(months) == 0 || len(months) > survey.MaxPeriodMonths {
		return fmt.Errorf("%w: %d months", survey.ErrInvalidPeriod, len(months))
	}
	for _, m := range months {
		if m.IsZero() {
			return fmt.Errorf("%w: zero month", survey.ErrInvalidPeriod)
		}
	}
	return nil
}

// Report reads the rollups of the agency for the months (optionally one area):
// two documents by _id per month, from memory when the embedded database is
// used. It never reads a response, so its cost does not grow with them.
func (s *Store) Report(ctx context.Context, agency string, months []survey.Month, area string) (*Counts, error) {
	return s.ReportFiltered(ctx, agency, months, area, false)
}

// ReportFiltered is Report over the responses given through a verified
// invitation only when verifiedOnly: every figure, the province's included,
// then comes from the verified rollup documents (amv, pmv).
func (s *Store) ReportFiltered(ctx context.Context, agency string, months []survey.Month, area string, verifiedOnly bool) (*Counts, error) {
	basis := survey.BasisAll
	if verifiedOnly {
		basis = survey.BasisVerified
	}
	return s.ReportBasis(ctx, agency, months, area, basis)
}

// ReportBasis is Report over the responses of the basis: all, verified
// only (the amv and pmv documents), or independent (the am and pm documents
// less their self-entered twins). Every figure, the province's included,
// is over the same responses.
func (s *Store) ReportBasis(ctx context.Context, agency string, months []survey.Month, area string, basis survey.Basis) (*Counts, error) {
	if err := checkQuery(agency, months, area); err != nil {
		return nil, err
	}
	s.rollups.swap.RLock()
	defer s.rollups.swap.RUnlock()
	c := newCounts(agency, area, months)
	amKind, pmKind := basisKinds(basis)
	// Documents 2i and 2i+1 are month i's agency and province documents.
	ids := make([]string, 2*len(months))
	of := make([]survey.Month, len(ids))
	for i := range ids {
		of[i] = months[i/2]
		ids[i] = monthDocID(pmKind, "", of[i])
		if i%2 == 0 {
			ids[i] = monthDocID(amKind, agency, of[i])
		}
	}
	err := s.eachBucket(ctx, ids, of, func(i int, b *bucket) {
		b = b.basis(basis)
		if i%2 == 0 {
			c.addAgencyMonth(i/2, b)
		} else {
			c.addProvinceMonth(b)
		}
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// readBucket reads one rollup document, without its pattern counts (only
// exports read them, see MonthPatterns); a missing one is empty.
// The caller has registered the read with the cache (a miss of view).
func (s *Store) readBucket(ctx context.Context, id string, m survey.Month) (*bucket, error) {
	var d bucketDoc
	err := s.db.Collection(rollupColl(m)).FindOne(ctx, docD("_id", id), withoutDemographics()).Decode(&d)
	var b *bucket
	switch {
	case errors.Is(err, mongo.ErrNoDocuments):
		b, err = emptyBucket(id, m), nil
	case err == nil:
		b, err = decodeBucket(d)
	default:
		err = classify(err)
	}
	s.rollups.cache.put(id, b)
	return b, err
}

// addAgencyMonth adds an agency-month document to month i.
func (c *Counts) addAgencyMonth(i int, b *bucket) {
	for key, n := range b.n {
		p := strings.Split(key, "|")
		if len(p) != 3 {
			continue
		}
		area, verified, channel := p[0], p[1] == "v", p[2]
		if c.Area == "" || area == c.Area {
			c.Total.Responses += n
			c.ByMonth[i].Responses += n
		}
		addResponses(c.ByArea, area, n)
		addResponses(c.ByChannel, channel, n)
		if verified {
			c.Verified.Responses += n
		}
	}
	for _, n := range b.sn {
		c.SelfEntered += n
	}
	for key, n := range b.fv {
		p := strings.Split(key, "|")
		if len(p) != 4 {
			continue
		}
		area, verified, channel, form := p[0], p[1] == "v", p[2], decodeCode(p[3])
		if c.Area == "" || area == c.Area {
			c.Total.AddVersion(form, n)
			c.ByMonth[i].AddVersion(form, n)
		}
		addVersion(c.ByArea, area, form, n)
		addVersion(c.ByChannel, channel, form, n)
		if verified {
			c.Verified.AddVersion(form, n)
		}
	}
	for area, t := range b.tallies[fieldArea] {
		if c.Area == "" || area == c.Area {
			c.Total.Merge(*t)
			c.ByMonth[i].Merge(*t)
		}
		mergeInto(c.ByArea, area, *t)
	}
	for channel, t := range b.tallies[fieldChannel] {
		mergeInto(c.ByChannel, channel, *t)
	}
	for _, t := range b.tallies[fieldVerified] {
		c.Verified.Merge(*t)
	}
}

// addProvinceMonth adds a province-month document.
func (c *Counts) addProvinceMonth(b *bucket) {
	for agency, n := range b.n {
		addResponses(c.Province, agency, n)
	}
	for agency, t := range b.tallies[fieldAgency] {
		mergeInto(c.Province, agency, *t)
	}
	addAgencyVersions(c.Province, b)
}

// addAgencyVersions adds the responses per version of a province-month
// document (fv: "<agency>|<form key>") to each agency's tally.
func addAgencyVersions(m map[string]survey.Tally, b *bucket) {
	for key, n := range b.fv {
		if agency, form, ok := strings.Cut(key, "|"); ok {
			addVersion(m, agency, decodeCode(form), n)
		}
	}
}

// addAreaVersions adds the responses per version of one area of an
// agency-month document to the agency's tally.
func addAreaVersions(m map[string]survey.Tally, agency, area string, b *bucket) {
	for key, n := range b.fv {
		p := strings.Split(key, "|")
		if len(p) == 4 && p[0] == area {
			addVersion(m, agency, decodeCode(p[3]), n)
		}
	}
}

func addVersion(m map[string]survey.Tally, key, form string, n int64) {
	t := m[key]
	t.AddVersion(form, n)
	m[key] = t
}

func addResponses(m map[string]survey.Tally, key string, n int64) {
	t := m[key]
	t.Responses += n
	m[key] = t
}

func mergeInto(m map[string]survey.Tally, key string, add survey.Tally) {
	t := m[key]
	t.Merge(add)
	m[key] = t
}
