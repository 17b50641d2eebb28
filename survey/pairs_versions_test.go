package survey

import (
	"math"
	"testing"
)

// hForm is version v of the hand-worked questionnaire "h" of
// TestIndexVarianceByHand (F1 = {first, 1.2}, F2 = {2.1}).
func hForm(v int, first string, cw *Crosswalk) Form {
	c := func(code string) Criterion { return Criterion{Code: code, Text: Text{Vi: code, En: code}} }
	return Form{ID: "h", Version: v, Key: FormKey("h", v), Published: true, Crosswalk: cw, Title: Text{Vi: "H", En: "H"},
		Factors: []Factor{{Code: "F1", Criteria: []Criterion{c(first), c("1.2")}}, {Code: "F2", Criteria: []Criterion{c("2.1")}}}}
}

// The hand-worked respondents of TestIndexVarianceByHand, counted as the
// rollups count them (versioned codes, pair sums of the criteria only) and
// scored with ScoreVersions, give the same effective sizes: on one
// version, and split over two versions whose crosswalk renames 1.1 to 1.3
// (so that the pooled pair 1.2–1.3 is the other way round from 1.1–1.2).
func TestVersionedPairsByHand(t *testing.T) {
	rows := [][]int{{5, 4, 2}, {2, 0, 5}, {4, 1, 4}, {0, 5, 1}}
	v1 := hForm(1, "1.1", nil)
	v2 := hForm(2, "1.3", &Crosswalk{From: 1, Items: []CrosswalkEntry{{Code: "1.3", To: "1.1"}, {Code: "1.2", To: "1.2"}, {Code: "2.1", To: "2.1"}}})
	count := func(split bool) Tally {
		var tl Tally
		for i, row := range rows {
			f := v1
			if split && i >= 2 {
				f = v2
			}
			codes := []string{f.Factors[0].Criteria[0].Code, "1.2", "2.1"}
			var as []Answer
			for k, v := range row {
				as = append(as, Answer{Code: codes[k], Value: v})
			}
			as = append(as, Answer{Code: "DD1", Value: 5}) // an area item: no pair
			key := FormKey(f.ID, f.Version)
			tl.AddResponseOn(key, as)
			tl.AddPairsOn(key, CriteriaOf(f), as)
		}
		return tl
	}
	fs := NewFormSet([]Form{v1, v2}, v1)
	rule := Rule{ID: RuleSIPAS2017V2, MinSample: 1}
	for _, split := range []bool{false, true} {
		tl := count(split)
		for p := range tl.Pairs {
			if _, c, _ := SplitVersionedCode(p.A); c == "DD1" {
				t.Fatalf("an area item has pair sums: %v", p)
			}
		}
		rep := rule.ScoreVersions(fs, tl)
		got := []float64{rep.Factors[0].EffectiveN, rep.Factors[1].EffectiveN, rep.Overall.EffectiveN}
		want := []float64{5.4, 3, 945.0 / 13}
		for i := range want {
			if math.Abs(got[i]-want[i]) > 1e-9 || rep.Overall.ApproxInterval {
				t.Errorf("split %v: effectiveN %v (approx %v), want %v", split, got, rep.Overall.ApproxInterval, want)
				break
			}
		}
	}
}

// Two respondents who answer each criterion alike (one criterion satisfied,
// the other not) leave no spread: V is 0 up to rounding, and the factor
// keeps v1's N rather than an effective size in the quadrillions.
func TestVarianceZeroUpToRounding(t *testing.T) {
	codes := []string{"1.1", "1.2", "2.1"}
	tl := tallyWithPairs(codes, [][]int{{5, 1, 4}, {5, 1, 4}, {5, 1, 4}})
	rep := Rule{ID: RuleSIPAS2017V2, MinSample: 1}.Score(scoreForm(), tl)
	f1 := rep.Factors[0].Score
	if f1.Index != 50 || f1.EffectiveN != f1.N || f1.EffectiveN > 10 {
		t.Errorf("F1 index %v effectiveN %v N %v; want 50 and v1's N", f1.Index, f1.EffectiveN, f1.N)
	}
	if o := rep.Overall; o.EffectiveN != o.N {
		t.Errorf("overall effectiveN %v, want v1's N %v", o.EffectiveN, o.N)
	}
}
