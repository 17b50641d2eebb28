package survey

import "sort"

// Weakest lists the criteria to look at first: those with at least the
// rule's minimum sample of valid answers, ordered by the upper bound of
// their interval, lowest first, so that a criterion heads the list only when
// even its best case is poor (one answer at 0 % has an upper bound near 80 %
// and falls back). Equal bounds keep the form's order. The criteria under
// the minimum sample, or without data, are left out: see TooFewToOrder.
func (rep Report) Weakest() []ItemScore {
	var out []ItemScore
	for _, c := range rep.Criteria {
		if !c.NoData && c.Valid >= rep.MinSample {
			out = append(out, c)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].High < out[j].High })
	return out
}

// TooFewToOrder lists, in the form's order, the criteria Weakest leaves
// out: fewer valid answers than the minimum sample, or none.
func (rep Report) TooFewToOrder() []ItemScore {
	var out []ItemScore
	for _, c := range rep.Criteria {
		if c.NoData || c.Valid < rep.MinSample {
			out = append(out, c)
		}
	}
	return out
}
