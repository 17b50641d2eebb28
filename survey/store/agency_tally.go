package store

import (
	"context"

	"hailong/survey"
)

// AgencyTally is the Total of ReportBasis alone (the agency's tally over the
// months, one area or all, on the basis) from its agency-month documents,
// without the province's: what a comparison with an earlier period needs.
func (s *Store) AgencyTally(ctx context.Context, agency string, months []survey.Month, area string, basis survey.Basis) (survey.Tally, error) {
	if err := checkQuery(agency, months, area); err != nil {
		return survey.Tally{}, err
	}
	s.rollups.swap.RLock()
	defer s.rollups.swap.RUnlock()
	c := newCounts(agency, area, months)
	amKind, _ := basisKinds(basis)
	ids := make([]string, len(months))
	for i, m := range months {
		ids[i] = monthDocID(amKind, agency, m)
	}
	err := s.eachBucket(ctx, ids, months, func(i int, b *bucket) { c.addAgencyMonth(i, b.basis(basis)) })
	return c.Total, err
}
