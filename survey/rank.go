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
	Rank int `json:"rank"`
	// RankRange is the 90 % range of the rank over simulated surveys
	// (rankrange.go); absent when the unit is not ranked.
	RankRange RankRange `json:"rankRange,omitzero"`
	TooFew    bool      `json:"tooFew"`
	NoData    bool      `json:"noData"`
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
// with Rank 0: they are shown, never ranked. Indices equal at the precision
// pages show them (Shown: one decimal) share a rank, and the next rank skips
// accordingly (1, 2, 2, 4); tied units are listed by name. Every ranked unit
// gets its rank range (rankRanges).
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
		if !sameShown(a.Index, b.Index) {
			return a.Index > b.Index
		}
		return a.Unit < b.Unit
	})
	for i := range out {
		switch {
		case !ranked(out[i]):
		case i > 0 && ranked(out[i-1]) && sameShown(out[i-1].Index, out[i].Index):
			out[i].Rank = out[i-1].Rank
		default:
			out[i].Rank = i + 1
		}
	}
	var units []string
	var scores []Score
	var ranks []int
	for _, s := range out {
		if s.Rank > 0 {
			units, scores, ranks = append(units, s.Unit), append(scores, reports[s.Unit].Overall), append(ranks, s.Rank)
		}
	}
	for i, rr := range rankRanges(units, scores, ranks) {
		out[i].RankRange = rr // the ranked units come first, in this order
	}
	return out
}

// Shown is an index (0–100) as pages show it: rounded to one decimal.
func Shown(index float64) float64 { return math.Round(index*10) / 10 }

// sameShown reports whether two indices read the same on a page.
func sameShown(a, b float64) bool { return math.Round(a*10) == math.Round(b*10) }

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
