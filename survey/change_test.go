package survey

import (
	"math"
	"testing"
)

// scoreOf is a score of the index over an effective sample, its interval
// the Wilson interval over it.
func scoreOf(index, n float64) Score {
	lo, hi := Wilson(index/100, n)
	return Score{Index: index, Low: 100 * lo, High: 100 * hi, N: n, EffectiveN: n}
}

// The figures: 80 → 85 % over 35 responses each is p ≈ 0.58, no
// clear change; at n = 30 a change of about 29 points is the smallest
// detectable with 80 % power (here: 29 points at 50 % is significant, 20
// is not).
func TestCompareScores(t *testing.T) {
	c := CompareScores(scoreOf(85, 35), scoreOf(80, 35))
	if math.Abs(c.P-0.58) > 0.01 || c.Significant || c.Points != 5 {
		t.Errorf("80 → 85 over 35: %+v, want p ≈ 0.58, not significant", c)
	}
	se := math.Sqrt(0.85*0.15/35+0.8*0.2/35) * 100
	if math.Abs(c.Low-(5-z95*se)) > 1e-9 || math.Abs(c.High-(5+z95*se)) > 1e-9 {
		t.Errorf("interval [%.3f, %.3f], want 5 ± %.3f", c.Low, c.High, z95*se)
	}
	if c := CompareScores(scoreOf(79, 30), scoreOf(50, 30)); !c.Significant || c.P > 0.05 {
		t.Errorf("50 → 79 over 30: %+v, want significant", c)
	}
	if c := CompareScores(scoreOf(70, 30), scoreOf(50, 30)); c.Significant {
		t.Errorf("50 → 70 over 30: %+v, want no clear change", c)
	}
	// At 100 % the variance comes from the Wilson interval, never zero.
	if c := CompareScores(scoreOf(100, 10), scoreOf(90, 10)); c.P <= 0 || c.P >= 1 || c.Significant {
		t.Errorf("90 → 100 over 10: %+v", c)
	}
}

func TestHolmAdjust(t *testing.T) {
	// Sorted 0.01, 0.02, 0.03, 0.5: × 4, 3, 2, 1 → 0.04, 0.06, 0.06 (kept
	// monotone), 0.5.
	got := HolmAdjust([]float64{0.03, 0.5, 0.01, 0.02})
	want := []float64{0.06, 0.5, 0.04, 0.06}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-12 {
			t.Fatalf("Holm = %v, want %v", got, want)
		}
	}
	if got := HolmAdjust([]float64{0.4, 0.9}); got[0] != 0.8 || got[1] != 0.9 {
		t.Errorf("Holm = %v, want [0.8 0.9]", got)
	}
}

// Within a level, the changes are tested together: a change significant
// alone (p ≈ 0.03) is not once adjusted for four changes.
func TestChangesHolmWithinLevel(t *testing.T) {
	row := func(cur, prev Score) RankingRow {
		return RankingRow{Overall: cur, PreviousOverall: prev, HasChange: true}
	}
	lr := LevelRanking{Ranked: []RankingRow{
		row(scoreOf(90, 400), scoreOf(70, 400)), // p ≈ 1e-13
		row(scoreOf(80, 150), scoreOf(70, 150)), // p ≈ 0.04
		row(scoreOf(71, 100), scoreOf(70, 100)),
		row(scoreOf(60, 100), scoreOf(61, 100)),
	}}
	alone := CompareScores(lr.Ranked[1].Overall, lr.Ranked[1].PreviousOverall)
	if !alone.Significant {
		t.Fatalf("the second change alone: %+v, want significant", alone)
	}
	testChanges(&lr)
	if d := lr.Ranked[0].Delta; !d.Significant || d.Points != 20 {
		t.Errorf("first change %+v, want significant", d)
	}
	if d := lr.Ranked[1].Delta; d.Significant || math.Abs(d.P-3*alone.P) > 1e-12 {
		t.Errorf("second change %+v, want p = 3 × %.4f, not significant", d, alone.P)
	}
	for _, r := range lr.Ranked[2:] {
		if r.Delta.Significant || r.Delta.P < alone.P {
			t.Errorf("small change %+v", r.Delta)
		}
	}
}
