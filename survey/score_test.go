package survey

import (
	"math"
	"testing"
)

// scoreForm is a small form: F1 has two criteria, F2 one, and land has an
// extra item.
func scoreForm() Form {
	return Form{
		Factors: []Factor{
			{Code: "F1", Criteria: []Criterion{{Code: "1.1"}, {Code: "1.2"}}},
			{Code: "F2", Criteria: []Criterion{{Code: "2.1"}}},
		},
		AreaItems: []AreaSet{{Area: "dat-dai", Items: []Criterion{{Code: "DD1"}}}},
	}
}

// want is an expected score; Low and High are checked to 1e-4 percentage points.
type want struct {
	index, mean, low, high, n float64
	noData                    bool
}

func checkScore(t *testing.T, name string, got Score, w want) {
	t.Helper()
	if got.NoData != w.noData {
		t.Errorf("%s: noData = %v, want %v", name, got.NoData, w.noData)
		return
	}
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-4 }
	if !near(got.Index, w.index) || !near(got.Mean, w.mean) || !near(got.Low, w.low) ||
		!near(got.High, w.high) || !near(got.N, w.n) {
		t.Errorf("%s: got index %.4f mean %.4f [%.4f, %.4f] n %.2f; want %.4f %.4f [%.4f, %.4f] n %.2f",
			name, got.Index, got.Mean, got.Low, got.High, got.N, w.index, w.mean, w.low, w.high, w.n)
	}
}

// tallyOf builds a tally from per-code levels.
func tallyOf(responses int64, items map[string]Counts) Tally {
	return Tally{Responses: responses, Items: items}
}

// The expected values below are computed by hand from the rule's text (the
// Wilson bounds with z = 1.959964, checked against a separate calculator).
func TestScoreTable(t *testing.T) {
	rule := SIPAS2017Rule()
	noData := want{noData: true}
	cases := []struct {
		name                  string
		tally                 Tally
		c11, c12, c21, f1, f2 want
		overall               want
		tooFew                bool
	}{{
		// 1.1: 2 × n/a, one 3, three 5 → 3 of 4 valid; 1.2: only n/a;
		// F1 is 1.1 alone; F2 has one criterion, so equals it.
		name: "not applicable excluded; a criterion nobody answered; a factor with one criterion",
		tally: tallyOf(5, map[string]Counts{
			"1.1": {2, 0, 0, 1, 0, 3}, "1.2": {5, 0, 0, 0, 0, 0}, "2.1": {0, 0, 1, 0, 1, 0},
		}),
		c11:     want{index: 75, mean: 4.5, low: 30.0642, high: 95.4413, n: 4},
		c12:     noData,
		c21:     want{index: 50, mean: 3, low: 9.4531, high: 90.5469, n: 2},
		f1:      want{index: 75, mean: 4.5, low: 30.0642, high: 95.4413, n: 4},
		f2:      want{index: 50, mean: 3, low: 9.4531, high: 90.5469, n: 2},
		overall: want{index: 62.5, mean: 3.75, low: 18.5317, high: 92.4309, n: 3},
		tooFew:  true,
	}, {
		name:    "one response",
		tally:   tallyOf(1, map[string]Counts{"1.1": {0, 0, 0, 0, 0, 1}, "1.2": {0, 0, 0, 0, 1, 0}, "2.1": {0, 0, 1, 0, 0, 0}}),
		c11:     want{index: 100, mean: 5, low: 20.6549, high: 100, n: 1},
		c12:     want{index: 100, mean: 4, low: 20.6549, high: 100, n: 1},
		c21:     want{index: 0, mean: 2, low: 0, high: 79.3451, n: 1},
		f1:      want{index: 100, mean: 4.5, low: 20.6549, high: 100, n: 1},
		f2:      want{index: 0, mean: 2, low: 0, high: 79.3451, n: 1},
		overall: want{index: 50, mean: 3.25, low: 5.4621, high: 94.5379, n: 1},
		tooFew:  true,
	}, {
		name:    "all fives",
		tally:   tallyOf(40, map[string]Counts{"1.1": {0, 0, 0, 0, 0, 40}, "1.2": {0, 0, 0, 0, 0, 40}, "2.1": {0, 0, 0, 0, 0, 40}}),
		c11:     want{index: 100, mean: 5, low: 91.2378, high: 100, n: 40},
		c12:     want{index: 100, mean: 5, low: 91.2378, high: 100, n: 40},
		c21:     want{index: 100, mean: 5, low: 91.2378, high: 100, n: 40},
		f1:      want{index: 100, mean: 5, low: 91.2378, high: 100, n: 40},
		f2:      want{index: 100, mean: 5, low: 91.2378, high: 100, n: 40},
		overall: want{index: 100, mean: 5, low: 91.2378, high: 100, n: 40},
	}, {
		name:    "all ones",
		tally:   tallyOf(40, map[string]Counts{"1.1": {0, 40}, "1.2": {0, 40}, "2.1": {0, 40}}),
		c11:     want{index: 0, mean: 1, low: 0, high: 8.7622, n: 40},
		c12:     want{index: 0, mean: 1, low: 0, high: 8.7622, n: 40},
		c21:     want{index: 0, mean: 1, low: 0, high: 8.7622, n: 40},
		f1:      want{index: 0, mean: 1, low: 0, high: 8.7622, n: 40},
		f2:      want{index: 0, mean: 1, low: 0, high: 8.7622, n: 40},
		overall: want{index: 0, mean: 1, low: 0, high: 8.7622, n: 40},
	}, {
		name:  "no responses at all",
		tally: Tally{},
		c11:   noData, c12: noData, c21: noData, f1: noData, f2: noData, overall: noData,
		tooFew: true,
	}}
	for _, c := range cases {
		rep := rule.Score(scoreForm(), c.tally)
		if rep.Rule != "sipas-2017-v1" || rep.Responses != c.tally.Responses || rep.TooFew != c.tooFew {
			t.Errorf("%s: rule %q responses %d tooFew %v", c.name, rep.Rule, rep.Responses, rep.TooFew)
		}
		if len(rep.Criteria) != 3 || len(rep.Factors) != 2 {
			t.Fatalf("%s: %d criteria, %d factors", c.name, len(rep.Criteria), len(rep.Factors))
		}
		checkScore(t, c.name+" 1.1", rep.Criteria[0].Score, c.c11)
		checkScore(t, c.name+" 1.2", rep.Criteria[1].Score, c.c12)
		checkScore(t, c.name+" 2.1", rep.Criteria[2].Score, c.c21)
		checkScore(t, c.name+" F1", rep.Factors[0].Score, c.f1)
		checkScore(t, c.name+" F2", rep.Factors[1].Score, c.f2)
		checkScore(t, c.name+" overall", rep.Overall, c.overall)
	}
}

func TestWilsonKnownValues(t *testing.T) {
	for _, c := range []struct{ x, n, lo, hi float64 }{
		{8, 10, 0.4902, 0.9433},
		{0, 10, 0, 0.2775},
		{10, 10, 0.7225, 1},
		{5, 10, 0.2366, 0.7634},
	} {
		lo, hi := Wilson(c.x/c.n, c.n)
		if math.Abs(lo-c.lo) > 5e-5 || math.Abs(hi-c.hi) > 5e-5 {
			t.Errorf("Wilson(%v/%v) = [%.4f, %.4f], want [%.4f, %.4f]", c.x, c.n, lo, hi, c.lo, c.hi)
		}
	}
	if lo, hi := Wilson(0.5, 0); lo != 0 || hi != 0 {
		t.Errorf("Wilson with n = 0 = [%v, %v], want [0, 0]", lo, hi)
	}
}

func TestExtrasReportedApart(t *testing.T) {
	tally := tallyOf(2, map[string]Counts{"1.1": {0, 0, 0, 0, 0, 2}, "2.1": {0, 0, 0, 0, 2, 0}, "DD1": {0, 2}})
	rep := SIPAS2017Rule().Score(scoreForm(), tally)
	if len(rep.Extras) != 1 || rep.Extras[0].Code != "DD1" || rep.Extras[0].Index != 0 || rep.Extras[0].Factor != "" {
		t.Fatalf("extras = %+v, want DD1 at 0 %%", rep.Extras)
	}
	if rep.Overall.Index != 100 {
		t.Errorf("overall = %v, want 100: an extra item must not enter the overall index", rep.Overall.Index)
	}
}

func TestTallyMergeAndPool(t *testing.T) {
	var a, b Tally
	a.AddResponse([]Answer{{Code: "1.1", Value: 5}, {Code: "1.2", Value: 0}})
	b.AddResponse([]Answer{{Code: "1.1", Value: 4}, {Code: "1.1", Value: 9}})
	p := Pool(map[string]Tally{"a": a, "b": b}, nil)
	if p.Responses != 2 || p.Items["1.1"] != (Counts{0, 0, 0, 0, 1, 1}) || p.Items["1.2"] != (Counts{1}) {
		t.Errorf("pooled = %+v", p)
	}
	if only := Pool(map[string]Tally{"a": a, "b": b}, []string{"b"}); only.Responses != 1 {
		t.Errorf("pool of b = %+v", only)
	}
}
