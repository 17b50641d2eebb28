package survey

import (
	"fmt"
	"math"
	"reflect"
	"testing"
)

// rrReport is a ranked unit's report: index p (0–1) over n respondents,
// with its Wilson interval, as a criterion would score it.
func rrReport(p float64, n int64) Report {
	lo, hi := Wilson(p, float64(n))
	return Report{Responses: n, Overall: Score{Index: 100 * p, Low: 100 * lo, High: 100 * hi, N: float64(n)}}
}

func TestEffectiveNFromTheInterval(t *testing.T) {
	// A Wilson interval over 400 answers at 80 % is worth about 400
	// respondents (Wilson is a little narrower than Wald: 403).
	if n := effectiveN(rrReport(0.8, 400).Overall); math.Abs(n-400) > 8 {
		t.Errorf("effective n = %.1f, want about 400", n)
	}
	// At 100 % there is no variance to read: the score's N stands in.
	if n := effectiveN(rrReport(1, 50).Overall); n != 50 {
		t.Errorf("effective n at 100 %% = %v, want N = 50", n)
	}
	if n := effectiveN(Score{}); n != 1 {
		t.Errorf("effective n of an empty score = %v, want 1", n)
	}
	for _, s := range []Score{rrReport(1, 50).Overall, rrReport(0, 50).Overall, rrReport(0.5, 30).Overall} {
		if mu, se := logitScale(s); math.IsInf(mu, 0) || math.IsNaN(mu) || !(se > 0) || math.IsInf(se, 0) {
			t.Errorf("logit scale of %.0f %%: %v ± %v, want finite", s.Index, mu, se)
		}
	}
}

func TestRankRangesReproducibleAndSane(t *testing.T) {
	reports := map[string]Report{
		"far":    rrReport(0.99, 2000), // far above every other unit
		"a85":    rrReport(0.85, 40),   // 85 % and 83 % over 40 responses:
		"b83":    rrReport(0.83, 40),   // they swap places often
		"c60":    rrReport(0.60, 300),
		"d40":    rrReport(0.40, 300),
		"few":    {Responses: 10, TooFew: true, Overall: Score{Index: 99}},
		"nodata": {Responses: 40, Overall: Score{NoData: true}},
	}
	got := Rank(reports)
	ranges := map[string]RankRange{}
	for _, s := range got {
		ranges[s.Unit] = s.RankRange
	}
	t.Logf("ranges: %v", ranges)
	if r := ranges["far"]; r != (RankRange{1, 1}) {
		t.Errorf("far above the others: range %v, want [1 1]", r)
	}
	a, b := ranges["a85"], ranges["b83"]
	if a[0] != 2 || b[1] != 3 || a[1] < 3 || b[0] > 2 {
		t.Errorf("85 %% and 83 %% over 40 each: ranges %v and %v, want both to cover places 2 and 3", a, b)
	}
	if r := ranges["d40"]; r != (RankRange{5, 5}) {
		t.Errorf("the clear last: range %v, want [5 5]", r)
	}
	for _, u := range []string{"few", "nodata"} {
		if r := ranges[u]; r != (RankRange{}) {
			t.Errorf("%s is not ranked but has the range %v", u, r)
		}
	}
	for _, s := range got {
		if s.Rank > 0 && (s.RankRange[0] > s.Rank || s.RankRange[1] < s.Rank) {
			t.Errorf("%s: rank %d outside its range %v", s.Unit, s.Rank, s.RankRange)
		}
	}
	// The same figures give the same ranges, read after read; and a unit's
	// draws are its own, so removing a far-away unit changes nobody's
	// distribution among the others (only the places shift by one).
	for i := 0; i < 3; i++ {
		if again := Rank(reports); !reflect.DeepEqual(again, got) {
			t.Fatalf("read %d: %+v, first read %+v", i+2, again, got)
		}
	}
	delete(reports, "far")
	for _, s := range Rank(reports) {
		if w := ranges[s.Unit]; s.RankRange[0] != 0 && (s.RankRange[0] != w[0]-1 || s.RankRange[1] != w[1]-1) {
			t.Errorf("without the leader, %s: range %v, want %v shifted up by one", s.Unit, s.RankRange, w)
		}
	}
}

// Two close units over 40 responses each: the range must reflect that they
// swap places often (the 40 %), while a large gap gives none.
func TestRankRangesOverlapForCloseUnits(t *testing.T) {
	got := Rank(map[string]Report{"a": rrReport(0.85, 40), "b": rrReport(0.83, 40)})
	if fmt.Sprint(got[0].RankRange, got[1].RankRange) != "[1 2] [1 2]" {
		t.Errorf("ranges %v %v, want [1 2] for both", got[0].RankRange, got[1].RankRange)
	}
	got = Rank(map[string]Report{"a": rrReport(0.95, 400), "b": rrReport(0.60, 400)})
	if fmt.Sprint(got[0].RankRange, got[1].RankRange) != "[1 1] [2 2]" {
		t.Errorf("ranges %v %v, want [1 1] and [2 2]", got[0].RankRange, got[1].RankRange)
	}
}

// Units that read the same on the page share a rank: 85.26 and 85.34 both
// show "85,3 %", so both are first and the next unit is third; 85.25 and
// 85.35 read 85.3 and 85.4 (the page rounds half away from zero), so they
// do not tie.
func TestRankTiesAtTheShownPrecision(t *testing.T) {
	got := Rank(map[string]Report{
		"x": rrReport(0.8534, 100),
		"y": rrReport(0.8526, 100),
		"z": rrReport(0.80, 100),
	})
	want := []struct {
		unit string
		rank int
	}{{"x", 1}, {"y", 1}, {"z", 3}}
	for i, w := range want {
		if got[i].Unit != w.unit || got[i].Rank != w.rank {
			t.Errorf("place %d = %s rank %d, want %s rank %d", i, got[i].Unit, got[i].Rank, w.unit, w.rank)
		}
	}
	if Shown(85.25) != 85.3 || Shown(85.35) != 85.4 {
		t.Fatalf("Shown(85.25) = %v, Shown(85.35) = %v", Shown(85.25), Shown(85.35))
	}
	got = Rank(map[string]Report{"p": rrReport(0.8535, 100), "q": rrReport(0.8525, 100)})
	if got[0].Unit != "p" || got[0].Rank != 1 || got[1].Rank != 2 {
		t.Errorf("85.35 and 85.25: %+v, want ranks 1 and 2", got)
	}
}
