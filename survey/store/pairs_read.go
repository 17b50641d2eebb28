package store

import (
	"context"

	"hailong/survey"
)

// Reading the pair sums (pairs.go) into tallies, for the rules that need
// them (survey.Rule.RespondentLevel): sipas-2017-v1 reads none.

// ProvinceTalliesPairs is ProvinceTalliesBasis, with every agency's pair
// sums when pairs is set.
func (s *Store) ProvinceTalliesPairs(ctx context.Context, months []survey.Month, area string, basis survey.Basis, pairs bool) (map[string]survey.Tally, error) {
	out, err := s.ProvinceTalliesBasis(ctx, months, area, basis)
	if err != nil || !pairs {
		return out, err
	}
	ps := pairSums{}
	err = s.pairDocsOf(ctx, pairKindOf(basis), months, "", func(d *pairDoc) { ps.add(d.Agency, d, area, basis) })
	if err != nil {
		return nil, err
	}
	for agency := range ps {
		t := out[agency]
		ps.into(agency, &t)
		out[agency] = t
	}
	return out, nil
}

// AddReportPairs adds the agency's pair sums to the report's total, months
// and areas (the channel breakdown and the verified count get none: their
// factor and overall intervals are v1's, flagged).
func (s *Store) AddReportPairs(ctx context.Context, c *Counts, basis survey.Basis) error {
	index := make(map[string]int, len(c.Months))
	for i, m := range c.Months {
		index[m.String()] = i
	}
	total, byMonth, byArea := pairSums{}, pairSums{}, pairSums{}
	err := s.pairDocsOf(ctx, pairKindOf(basis), c.Months, c.Agency, func(d *pairDoc) {
		total.add("", d, c.Area, basis)
		byMonth.add(d.Month, d, c.Area, basis)
		for a := range d.All {
			if a != noArea {
				byArea.add(a, d, a, basis)
			}
		}
	})
	if err != nil {
		return err
	}
	total.into("", &c.Total)
	for m, i := range index {
		byMonth.into(m, &c.ByMonth[i])
	}
	for a := range byArea {
		if t, ok := c.ByArea[a]; ok {
			byArea.into(a, &t)
			c.ByArea[a] = t
		}
	}
	return nil
}

// AddTallyPairs adds the agency's pair sums over the months (one area or
// all) on the basis to t (AgencyTally's).
func (s *Store) AddTallyPairs(ctx context.Context, t *survey.Tally, agency string, months []survey.Month, area string, basis survey.Basis) error {
	ps := pairSums{}
	err := s.pairDocsOf(ctx, pairKindOf(basis), months, agency, func(d *pairDoc) { ps.add("", d, area, basis) })
	if err == nil {
		ps.into("", t)
	}
	return err
}

// AddAgencyMonthPairs adds the agency's pair sums to each month's areas
// (AgencyMonthsBasis's, for the aggregates export).
func (s *Store) AddAgencyMonthPairs(ctx context.Context, data []AgencyMonth, agency string, basis survey.Basis) error {
	months := make([]survey.Month, len(data))
	for i, d := range data {
		months[i] = d.Month
	}
	ps := pairSums{}
	err := s.pairDocsOf(ctx, pairKindOf(basis), months, agency, func(d *pairDoc) {
		for a := range d.All {
			if a != noArea {
				ps.add(d.Month+"|"+a, d, a, basis)
			}
		}
	})
	if err != nil {
		return err
	}
	for i, d := range data {
		for a, t := range d.ByArea {
			ps.into(d.Month.String()+"|"+a, &t)
			data[i].ByArea[a] = t
		}
	}
	return nil
}
