package survey

import (
	"maps"
	"sort"
)

// Pair names two items of a response, A < B by code.
type Pair struct{ A, B string }

// PairOf orders two codes into a Pair; ok is false when they are the same.
func PairOf(x, y string) (p Pair, ok bool) {
	switch {
	case x < y:
		return Pair{x, y}, true
	case y < x:
		return Pair{y, x}, true
	}
	return Pair{}, false
}

// PairCounts are the per-respondent cross sums of two items A and B that the
// respondent-level variance of an index needs (variance.go): the number of
// respondents with a valid answer (1–5) to both, satisfied (4–5) on both,
// satisfied on A while valid on B, and satisfied on B while valid on A.
// With the counts of each item alone they give Σ_i v_iA·v_iB·(y_iA − p_A)·(y_iB − p_B)
// for any p_A, p_B known only at report time, and they add up across months,
// areas and agencies like the answer counts do.
type PairCounts struct {
	Valid      int64
	Satisfied  int64
	SatAValidB int64
	SatBValidA int64
}

// IsZero reports whether no respondent counts in the pair.
func (c PairCounts) IsZero() bool { return c == PairCounts{} }

// HasPairs reports whether the pair sums cover every response of the tally:
// only then is the respondent-level variance defined. A tally read from
// rollups written before the pair sums were kept has fewer (or none) until
// "hailong rollups rebuild" recounts them.
func (t Tally) HasPairs() bool { return t.Responses > 0 && t.PairResponses == t.Responses }

// AddPairs counts the pair sums of one response (its answer counts are
// added by AddResponse or Count). Answers outside 0–5 are ignored, as Count
// ignores them; a code answered twice counts once, its last answer.
func (t *Tally) AddPairs(answers []Answer) {
	t.PairResponses++
	if len(answers) < 2 {
		return
	}
	last := make(map[string]int, len(answers))
	for _, a := range answers {
		if a.Value >= 0 && a.Value <= 5 {
			last[a.Code] = a.Value
		}
	}
	codes := make([]string, 0, len(last))
	for c, v := range last {
		if v >= 1 { // a pair with a "not applicable" side adds nothing
			codes = append(codes, c)
		}
	}
	if len(codes) < 2 {
		return
	}
	sort.Strings(codes)
	if t.Pairs == nil {
		t.Pairs = make(map[Pair]PairCounts, len(codes)*(len(codes)-1)/2)
	}
	for i, a := range codes {
		sa := last[a] >= 4
		for _, b := range codes[i+1:] {
			sb := last[b] >= 4
			pc := t.Pairs[Pair{a, b}]
			pc.Valid++
			if sa {
				pc.SatAValidB++
			}
			if sb {
				pc.SatBValidA++
			}
			if sa && sb {
				pc.Satisfied++
			}
			t.Pairs[Pair{a, b}] = pc
		}
	}
}

// AddPair adds counts to one pair (as read from a rollup).
func (t *Tally) AddPair(p Pair, c PairCounts) {
	if c.IsZero() {
		return
	}
	if t.Pairs == nil {
		t.Pairs = map[Pair]PairCounts{}
	}
	d := t.Pairs[p]
	d.Valid += c.Valid
	d.Satisfied += c.Satisfied
	d.SatAValidB += c.SatAValidB
	d.SatBValidA += c.SatBValidA
	if d.IsZero() {
		delete(t.Pairs, p)
		return
	}
	t.Pairs[p] = d
}

// mergePairs adds the pair sums of o (Merge calls it).
func (t *Tally) mergePairs(o Tally) {
	t.PairResponses += o.PairResponses
	if len(o.Pairs) == 0 {
		return
	}
	if len(t.Pairs) == 0 { // the first merge, the commonest: a copy
		t.Pairs = maps.Clone(o.Pairs)
		return
	}
	for p, c := range o.Pairs {
		t.AddPair(p, c)
	}
}

// SubtractPairs sets the pair sums of t to those of all less those of
// part (a tally of some of all's responses): the independent responses as
// all less the self-entered ones.
func (t *Tally) SubtractPairs(all, part Tally) {
	t.Pairs, t.PairResponses = nil, all.PairResponses-part.PairResponses
	for p, c := range all.Pairs {
		s := part.Pairs[p]
		t.AddPair(p, PairCounts{c.Valid - s.Valid, c.Satisfied - s.Satisfied, c.SatAValidB - s.SatAValidB, c.SatBValidA - s.SatBValidA})
	}
}

// AddPairsOn counts the pair sums of one response given on the form
// version (FormKey), among the criteria only (the codes of its factors: an
// area's extra items are in no factor or overall index), keyed by
// VersionedCode as the rollups' items are.
func (t *Tally) AddPairsOn(formKey string, criteria map[string]bool, answers []Answer) {
	kept := make([]Answer, 0, len(answers))
	for _, a := range answers {
		if criteria[a.Code] {
			kept = append(kept, Answer{Code: VersionedCode(formKey, a.Code), Value: a.Value})
		}
	}
	t.AddPairs(kept)
}

// CriteriaOf is the set of the codes of the form's criteria.
func CriteriaOf(f Form) map[string]bool {
	out := map[string]bool{}
	for _, fa := range f.Factors {
		for _, c := range fa.Criteria {
			out[c.Code] = true
		}
	}
	return out
}

// poolPairs adds the pair sums of t to pooled under the codes name gives
// (the reporting criteria of ScoringForm); a pair with a side without a
// name, or whose two sides pool into one criterion, is left out.
func poolPairs(pooled *Tally, t Tally, name func(string) (string, bool)) {
	pooled.PairResponses = t.PairResponses
	for p, c := range t.Pairs {
		a, okA := name(p.A)
		b, okB := name(p.B)
		if !okA || !okB {
			continue
		}
		q, ok := PairOf(a, b)
		if !ok {
			continue
		}
		if q.A != a { // the order flipped: so do the one-sided counts
			c.SatAValidB, c.SatBValidA = c.SatBValidA, c.SatAValidB
		}
		pooled.AddPair(q, c)
	}
}
