package survey

import (
	"math"
	"sort"
)

// RuleSIPAS2017V2 names the second scoring rule: sipas-2017-v1's indices,
// with the intervals of the factor and overall indices from their
// respondent-level variance (docs/statistics.md):
//
//   - the index is I = Σ_c w_c·p_c, p_c the share of satisfied answers
//     among the valid answers to criterion c and w_c its weight (1/K for the
//     K criteria with data of a factor; 1/(F·K_f) in the overall index);
//   - respondent i contributes z_i = Σ_c w_c·v_ic·(y_ic − p_c)/n_c (v: a
//     valid answer, y: an answer of 4–5, n_c: the valid answers to c), and
//     V = n/(n−1)·Σ_i z_i², n the responses; Σ_i z_i² is computed from the
//     rollups' per-item counts and per-pair sums (PairCounts), never from
//     the responses;
//   - the interval is Wilson(I, N_eff) with N_eff = I(1−I)/V, reported as
//     effectiveN. When V is 0 (every answer alike), N_eff is the mean number
//     of valid answers, as in v1, and so with a single response.
//
// A tally without pair sums for every response (rollups written before they
// were kept, until "hailong rollups rebuild") keeps v1's interval, flagged
// ApproxInterval, rather than showing a variance of zero.
//
// Criteria are scored as in v1 (the Wilson interval of satisfied/valid, an
// exact binomial case: effectiveN is the valid answers). The Valid and
// Satisfied totals of a factor or the overall index are those of the
// effective sample: round(N_eff) and round(I·N_eff), so that their ratio
// gives the index to the rounding, where v1 added up the answers of all
// criteria, whose ratio is not the index.
const RuleSIPAS2017V2 = "sipas-2017-v2"

// DefaultRuleID is the rule used when a request names none.
const DefaultRuleID = RuleSIPAS2017V2

// RuleIDs lists the rules a request may name, the default first.
var RuleIDs = []string{RuleSIPAS2017V2, RuleSIPAS2017}

// RuleByID is the rule of the id ("" is the default) with the default
// minimum sample; ok is false for an unknown id.
func RuleByID(id string) (Rule, bool) {
	if id == "" {
		id = DefaultRuleID
	}
	switch id {
	case RuleSIPAS2017, RuleSIPAS2017V2:
		return Rule{ID: id, MinSample: DefaultMinSample}, true
	}
	return Rule{}, false
}

// DefaultRule is the default rule with the default minimum sample.
func DefaultRule() Rule {
	r, _ := RuleByID(DefaultRuleID)
	return r
}

// RespondentLevel reports whether the rule computes respondent-level
// intervals for factors and the overall index, from the tallies' pair sums.
func (r Rule) RespondentLevel() bool { return r.ID == RuleSIPAS2017V2 }

// IndexVariance is the linearised variance of I = Σ_c w[c]·p_c over the
// tally's respondents, in proportion units (0–1 scale): see
// RuleSIPAS2017V2. ok is false when the tally lacks pair sums for some of
// its responses, has fewer than two responses, or a weighted item has no
// valid answer.
func IndexVariance(t Tally, w map[string]float64) (v float64, ok bool) {
	if !t.HasPairs() || t.Responses < 2 {
		return 0, false
	}
	codes := make([]string, 0, len(w))
	for c := range w {
		codes = append(codes, c)
	}
	sort.Strings(codes)                   // a fixed order of addition: the same figures every time
	a := make(map[string]float64, len(w)) // w_c / n_c
	p := make(map[string]float64, len(w))
	var sum float64
	for _, c := range codes {
		l := t.Items[c]
		n := l.Valid()
		if n == 0 {
			return 0, false
		}
		a[c] = w[c] / float64(n)
		p[c] = float64(l.Satisfied()) / float64(n)
		sum += a[c] * a[c] * float64(n) * p[c] * (1 - p[c])
	}
	for i, x := range codes {
		for _, y := range codes[i+1:] {
			sum += 2 * a[x] * a[y] * crossSum(t.Pairs[Pair{x, y}], p[x], p[y])
		}
	}
	n := float64(t.Responses)
	return math.Max(0, n/(n-1)*sum), true
}

// crossSum is Σ_i v_iA·v_iB·(y_iA − pA)·(y_iB − pB) from the pair's sums.
func crossSum(c PairCounts, pA, pB float64) float64 {
	return float64(c.Satisfied) - pB*float64(c.SatAValidB) - pA*float64(c.SatBValidA) + pA*pB*float64(c.Valid)
}

// varianceFloor is the smallest variance, relative to I(1−I), taken as
// one: below it V is 0 up to rounding (every respondent's term cancels,
// e.g. each criterion answered alike by everyone), and N_eff = I(1−I)/V
// would be a rounding error in the quadrillions; v1's N stands instead.
const varianceFloor = 1e-9

// respondentInterval replaces a factor's or the overall index's v1
// interval by Wilson(I, N_eff) when the tally has pair sums; w holds the
// weights of its criteria. Without them it keeps v1's interval, flagged.
func respondentInterval(s *Score, t Tally, w map[string]float64) {
	if s.NoData {
		return
	}
	i := s.Index / 100
	neff := s.N // every answer alike, or a single response: no spread to measure
	if !t.HasPairs() {
		s.ApproxInterval = true
	} else if v, ok := IndexVariance(t, w); ok && v > varianceFloor*i*(1-i) && i > 0 && i < 1 {
		neff = i * (1 - i) / v
		lo, hi := Wilson(i, neff)
		s.Low, s.High = 100*lo, 100*hi
	}
	s.EffectiveN = neff
	s.Valid, s.Satisfied = int64(math.Round(neff)), int64(math.Round(i*neff))
}

// applyRespondentLevel sets the v2 intervals of a report's factors and
// overall index from the tally it was scored from.
func (r Rule) applyRespondentLevel(f Form, t Tally, rep *Report) {
	scored := map[string]bool{}
	for _, is := range rep.Criteria {
		if !is.NoData {
			scored[is.Code] = true
		}
	}
	overall := map[string]float64{}
	var factors float64
	for _, fs := range rep.Factors {
		if !fs.NoData {
			factors++
		}
	}
	for k, fa := range f.Factors {
		fs := &rep.Factors[k]
		if fs.NoData {
			continue
		}
		w := map[string]float64{}
		for _, c := range fa.Criteria {
			if scored[c.Code] {
				w[c.Code] = 1 / float64(fs.Criteria)
				overall[c.Code] += 1 / (float64(fs.Criteria) * factors)
			}
		}
		respondentInterval(&fs.Score, t, w)
	}
	respondentInterval(&rep.Overall, t, overall)
}
