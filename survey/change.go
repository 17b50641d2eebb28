package survey

import (
	"math"
	"sort"
)

// Change is an index's change between two periods with its uncertainty:
// Points is the current index minus the previous one (percentage points),
// Low and High its 95 % interval, P the two-sided p-value of a two-sample
// z-test of no change, Holm-adjusted over the changes of one level of a
// ranking, and Significant is P < 0.05. Only a significant change may be
// shown as a rise or a fall.
type Change struct {
	Points      float64 `json:"points"`
	Low         float64 `json:"low"`
	High        float64 `json:"high"`
	P           float64 `json:"p"`
	Significant bool    `json:"significant"`
}

// SignificanceLevel is the family-wise error rate of a level's changes.
const SignificanceLevel = 0.05

// scoreVariance is the variance of a score's index in percentage points²:
// I(1−I)/effectiveN (the variance the interval was made from); at an index
// of 0 or 100 %, where that is 0, the square of the Wilson half-width ÷ z.
func scoreVariance(s Score) float64 {
	i, n := s.Index/100, s.EffectiveN
	if n <= 0 {
		n = s.N
	}
	if n <= 0 {
		return 0
	}
	if i > 0 && i < 1 {
		return 1e4 * i * (1 - i) / n
	}
	h := (s.High - s.Low) / (2 * z95)
	return h * h
}

// CompareScores tests the change from prev to cur, two scores with data,
// with a two-sample z-test on their variances; P is not yet adjusted.
func CompareScores(cur, prev Score) Change {
	d := cur.Index - prev.Index
	se := math.Sqrt(scoreVariance(cur) + scoreVariance(prev))
	c := Change{Points: d, Low: d, High: d, P: 1}
	if se > 0 {
		c.Low, c.High = d-z95*se, d+z95*se
		c.P = math.Erfc(math.Abs(d) / se / math.Sqrt2)
	} else if d != 0 {
		c.P = 0
	}
	c.Significant = c.P < SignificanceLevel
	return c
}

// HolmAdjust returns the Holm step-down adjusted p-values of ps, in their
// order: the k-th smallest is multiplied by m−k+1, kept at least as large
// as the one before it and at most 1.
func HolmAdjust(ps []float64) []float64 {
	m := len(ps)
	idx := make([]int, m)
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return ps[idx[a]] < ps[idx[b]] })
	out := make([]float64, m)
	run := 0.0
	for k, i := range idx {
		run = math.Max(run, math.Min(1, float64(m-k)*ps[i]))
		out[i] = run
	}
	return out
}

// testChanges sets the Delta of every row of the level with a change, its
// p-value Holm-adjusted over the level's changes.
func testChanges(lr *LevelRanking) {
	var rows []*RankingRow
	for _, list := range [][]RankingRow{lr.Ranked, lr.Unranked} {
		for i := range list {
			if list[i].HasChange {
				rows = append(rows, &list[i])
			}
		}
	}
	ps := make([]float64, len(rows))
	for i, r := range rows {
		r.Delta = CompareScores(r.Overall, r.PreviousOverall)
		ps[i] = r.Delta.P
	}
	for i, p := range HolmAdjust(ps) {
		rows[i].Delta.P = p
		rows[i].Delta.Significant = p < SignificanceLevel
	}
}
