package survey

import (
	"math"
	"sort"
)

// Standing is one unit's place among others scored by the same rule.
type Standing struct {
	Unit      string  `json:"unit"`
	Index     float64 `json:"index"`
	Responses int64   `json:"responses"`
	// Rank is 1 for the best; 0 when the unit is not ranked because it has
	// too few responses or no overall index (Reason says which).
	Rank   int  `json:"rank"`
	TooFew bool `json:"tooFew"`
	NoData bool `json:"noData"`
	// Reason says why an unranked unit is not ranked: ReasonTooFew,
	// ReasonIncomplete or ReasonNoData; empty for a ranked unit.
	Reason string `json:"reason,omitempty"`
}

// Why a unit is listed apart, never ranked.
const (
	// ReasonTooFew: fewer responses than the rule's minimum sample.
	ReasonTooFew = "too_few"
	// ReasonIncomplete: some factor has no valid answer, so the overall
	// index is not computed.
	ReasonIncomplete = "incomplete"
	// ReasonNoData: no valid answer at all.
	ReasonNoData = "no_data"
)

// reason says why a report cannot be ranked, or "" when it can.
func reason(r Report) string {
	switch {
	case r.TooFew:
		return ReasonTooFew
	case r.Overall.Incomplete:
		return ReasonIncomplete
	case r.Overall.NoData:
		return ReasonNoData
	}
	return ""
}

// Rank places units by overall index, highest first. Units with too few
// responses or no data follow the ranked ones, in order of index then name,
// with Rank 0: they are shown, never ranked. Indices equal to 1e-9 share a
// rank, and the next rank skips accordingly (1, 2, 2, 4).
func Rank(reports map[string]Report) []Standing {
	out := make([]Standing, 0, len(reports))
	for unit, r := range reports {
		out = append(out, Standing{
			Unit: unit, Index: r.Overall.Index, Responses: r.Responses,
			TooFew: r.TooFew, NoData: r.Overall.NoData, Reason: reason(r),
		})
	}
	ranked := func(s Standing) bool { return !s.TooFew && !s.NoData }
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if ranked(a) != ranked(b) {
			return ranked(a)
		}
		if !same(a.Index, b.Index) {
			return a.Index > b.Index
		}
		return a.Unit < b.Unit
	})
	for i := range out {
		switch {
		case !ranked(out[i]):
		case i > 0 && ranked(out[i-1]) && same(out[i-1].Index, out[i].Index):
			out[i].Rank = out[i-1].Rank
		default:
			out[i].Rank = i + 1
		}
	}
	return out
}

// same reports whether two indices are equal up to rounding noise.
func same(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// RankOf returns the standing of the unit, and whether it is listed.
func RankOf(standings []Standing, unit string) (Standing, bool) {
	for _, s := range standings {
		if s.Unit == unit {
			return s, true
		}
	}
	return Standing{}, false
}

// Standings scores each unit's tally with the form and ranks the units: the
// place of agencies of one level over a period, from Counts.Province. A unit
// without a tally is listed with no data.
func (r Rule) Standings(f Form, tallies map[string]Tally, units []string) []Standing {
	reports := make(map[string]Report, len(units))
	for _, u := range units {
		reports[u] = r.Score(f, tallies[u])
	}
	return Rank(reports)
}
