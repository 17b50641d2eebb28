package survey

import "math"

// Where the rank ranges and the funnel plot take a unit's uncertainty from.
//
// effectiveN is the only place that says how many independent respondents
// a score is worth: the score's own EffectiveN (under sipas-2017-v2 the
// respondent-level I(1−I)/V of a factor or the overall index, variance.go;
// a criterion's valid answers; v1's N otherwise).

// effectiveN is the effective sample size of a score: the n for which a
// simple proportion I over n would have the score's variance,
// N_eff = I(1−I)/V. It is the score's EffectiveN when set; a score without
// one (a snapshot frozen before the field existed) has V read back from its
// 95 % interval, V ≈ ((High−Low) / (2·1.96))², on the 0–1 scale. When that
// gives nothing usable (an index of 0 or 100 %, no interval), it falls back
// to the score's N, and to 1 when there is none, so that a score always has
// a positive size.
func effectiveN(s Score) float64 {
	if s.EffectiveN > 0 && !math.IsInf(s.EffectiveN, 0) && !math.IsNaN(s.EffectiveN) {
		return s.EffectiveN
	}
	p := s.Index / 100
	se := (s.High - s.Low) / 100 / (2 * z95)
	if v := se * se; p > 0 && p < 1 && v > 0 {
		if n := p * (1 - p) / v; n > 0 && !math.IsInf(n, 0) && !math.IsNaN(n) {
			return n
		}
	}
	if s.N > 0 {
		return s.N
	}
	return 1
}

// EffectiveN is a score's effective sample size (see effectiveN): the
// horizontal position of a unit on the funnel plot.
func EffectiveN(s Score) float64 { return effectiveN(s) }

// logitScale is a score's index on the logit scale with its standard error,
// from the effective sample size: the empirical logit of y = I·N_eff
// "satisfied" out of N_eff, log((y+½)/(N_eff−y+½)), with the variance
// 1/(y+½) + 1/(N_eff−y+½). The halves keep an index of 0 or 100 % finite.
func logitScale(s Score) (mu, se float64) {
	n := effectiveN(s)
	y := clampUnit(s.Index/100) * n
	a, b := y+0.5, n-y+0.5
	return math.Log(a / b), math.Sqrt(1/a + 1/b)
}

func clampUnit(p float64) float64 { return math.Max(0, math.Min(1, p)) }
