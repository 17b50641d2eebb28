package store

import (
	"context"

	"hailong/survey"
)

// RecomputePairs adds to c (a Recompute of the agency, its months and area)
// the pair sums recomputed from the responses of the basis, in the total,
// the months and the areas: what AddReportPairs must equal.
func (s *Store) RecomputePairs(ctx context.Context, c *Counts, basis survey.Basis) error {
	index := make(map[survey.Month]int, len(c.Months))
	for i, m := range c.Months {
		index[m] = i
	}
	crit := map[string]map[string]bool{}
	var err error
	_, scanErr := s.eachResponse(ctx, func(r survey.Response, _ string) {
		i, ok := index[survey.MonthOf(r.SubmittedAt)]
		if !ok || r.Agency != c.Agency || !InBasis(r, basis) || err != nil {
			return
		}
		form := contributionForm(r)
		set, ok := crit[form]
		if !ok {
			var codes []string
			if codes, err = s.pairCodes(ctx, form); err != nil {
				return
			}
			set = map[string]bool{}
			for _, code := range codes {
				set[code] = true
			}
			crit[form] = set
		}
		if t, ok := c.ByArea[r.Area]; ok {
			t.AddPairsOn(form, set, r.Answers)
			c.ByArea[r.Area] = t
		}
		if c.Area == "" || r.Area == c.Area {
			c.Total.AddPairsOn(form, set, r.Answers)
			c.ByMonth[i].AddPairsOn(form, set, r.Answers)
		}
	}, nil)
	if scanErr != nil {
		return scanErr
	}
	return err
}
