package survey

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"
)

// tallyWithPairs counts responses, given as per-code values (-1: not
// asked), with their answer counts and pair sums, as the rollups hold them.
func tallyWithPairs(codes []string, rows [][]int) Tally {
	var t Tally
	for _, row := range rows {
		var as []Answer
		for k, v := range row {
			if v >= 0 {
				as = append(as, Answer{Code: codes[k], Value: v})
			}
		}
		t.AddResponse(as)
		t.AddPairs(as)
	}
	return t
}

// The tiny data set of docs/statistics.md, worked by hand there: four
// respondents, F1 = {1.1, 1.2}, F2 = {2.1}.
//
//	     1.1  1.2  2.1
//	r1    5    4    2
//	r2    2   n/a   5
//	r3    4    1    4
//	r4   n/a   5    1
//
// p(1.1) = p(1.2) = 2/3, p(2.1) = 1/2. F1: z = 1/9, −1/9, −1/18, 1/18, so
// Σz² = 5/162 and V = 4/3 × 5/162 = 10/243, N_eff = (2/9)/(10/243) = 5.4.
// F2: z = ±1/8, V = 4/3 × 1/16 = 1/12, N_eff = (1/4)/(1/12) = 3.
// Overall (7/12, weights 1/4, 1/4, 1/2): z = −1/144, 1/144, 5/144, −5/144,
// V = 4/3 × 52/144² = 13/3888, N_eff = (35/144)/(13/3888) = 945/13.
func TestIndexVarianceByHand(t *testing.T) {
	codes := []string{"1.1", "1.2", "2.1"}
	tl := tallyWithPairs(codes, [][]int{{5, 4, 2}, {2, 0, 5}, {4, 1, 4}, {0, 5, 1}})
	cases := []struct {
		name  string
		w     map[string]float64
		v     float64
		index float64
		neff  float64
	}{
		{"F1", map[string]float64{"1.1": 0.5, "1.2": 0.5}, 10.0 / 243, 2.0 / 3, 5.4},
		{"F2", map[string]float64{"2.1": 1}, 1.0 / 12, 0.5, 3},
		{"overall", map[string]float64{"1.1": 0.25, "1.2": 0.25, "2.1": 0.5}, 13.0 / 3888, 7.0 / 12, 945.0 / 13},
	}
	rep := Rule{ID: RuleSIPAS2017V2, MinSample: 1}.Score(scoreForm(), tl)
	scores := map[string]Score{"F1": rep.Factors[0].Score, "F2": rep.Factors[1].Score, "overall": rep.Overall}
	for _, c := range cases {
		v, ok := IndexVariance(tl, c.w)
		if !ok || math.Abs(v-c.v) > 1e-12 {
			t.Errorf("%s: V = %.10f (ok %v), want %.10f", c.name, v, ok, c.v)
		}
		s := scores[c.name]
		if math.Abs(s.Index/100-c.index) > 1e-12 || math.Abs(s.EffectiveN-c.neff) > 1e-9 || s.ApproxInterval {
			t.Errorf("%s: index %.6f effectiveN %.6f approx %v; want %.6f, %.6f", c.name, s.Index/100, s.EffectiveN, s.ApproxInterval, c.index, c.neff)
		}
		lo, hi := Wilson(c.index, c.neff)
		if math.Abs(s.Low-100*lo) > 1e-9 || math.Abs(s.High-100*hi) > 1e-9 {
			t.Errorf("%s: [%.4f, %.4f], want Wilson(%.4f, %.4f) = [%.4f, %.4f]", c.name, s.Low, s.High, c.index, c.neff, 100*lo, 100*hi)
		}
		// The totals give the index: round(N_eff) and round(I·N_eff).
		if s.Valid != int64(math.Round(c.neff)) || s.Satisfied != int64(math.Round(c.index*c.neff)) {
			t.Errorf("%s: valid %d satisfied %d, want %d and %d", c.name, s.Valid, s.Satisfied, int64(math.Round(c.neff)), int64(math.Round(c.index*c.neff)))
		}
	}
	// v1 keeps its interval over the mean valid answers.
	v1 := SIPAS2017Rule().Score(scoreForm(), tl)
	if v1.Factors[0].EffectiveN != 3 || v1.Factors[0].Valid != 6 {
		t.Errorf("v1 F1: effectiveN %.2f valid %d, want 3 and 6", v1.Factors[0].EffectiveN, v1.Factors[0].Valid)
	}
}

// A tally without pair sums for every response (rollups from before they
// were kept) keeps v1's interval, flagged, never a variance of zero.
func TestVarianceWithoutPairsFallsBack(t *testing.T) {
	codes := []string{"1.1", "1.2", "2.1"}
	rows := [][]int{{5, 4, 2}, {2, 0, 5}, {4, 1, 4}, {0, 5, 1}}
	old := Tally{}
	for _, row := range rows {
		var as []Answer
		for k, v := range row {
			as = append(as, Answer{Code: codes[k], Value: v})
		}
		old.AddResponse(as)
	}
	half := old
	half.Merge(tallyWithPairs(codes, rows)) // pairs for 4 of 8 responses
	v2 := Rule{ID: RuleSIPAS2017V2, MinSample: 1}
	v1 := Rule{ID: RuleSIPAS2017, MinSample: 1}
	for name, tl := range map[string]Tally{"no pairs": old, "half the pairs": half} {
		got, want := v2.Score(scoreForm(), tl), v1.Score(scoreForm(), tl)
		for i, s := range append([]Score{got.Overall}, got.Factors[0].Score, got.Factors[1].Score) {
			w := append([]Score{want.Overall}, want.Factors[0].Score, want.Factors[1].Score)[i]
			if !s.ApproxInterval || s.Low != w.Low || s.High != w.High || s.EffectiveN != w.N {
				t.Errorf("%s: score %d: approx %v [%.3f, %.3f] effectiveN %.2f; want v1's [%.3f, %.3f] over %.2f, flagged",
					name, i, s.ApproxInterval, s.Low, s.High, s.EffectiveN, w.Low, w.High, w.N)
			}
		}
	}
}

// simForm is the form of the simulations: three factors, the last with
// criteria most respondents find not applicable.
func simForm() Form {
	return Form{Factors: []Factor{
		{Code: "A", Criteria: []Criterion{{Code: "a1"}, {Code: "a2"}, {Code: "a3"}}},
		{Code: "B", Criteria: []Criterion{{Code: "b1"}, {Code: "b2"}, {Code: "b3"}, {Code: "b4"}}},
		{Code: "C", Criteria: []Criterion{{Code: "c1"}, {Code: "c2"}, {Code: "c3"}}},
	}}
}

// simItem is a criterion of the simulated population: satisfied when
// mu + load·u + √(1−load²)·e > 0 for the respondent's factor u (correlated
// with the general attitude g) and noise e; answered (not "not
// applicable") with probability answer.
type simItem struct {
	code     string
	factor   int
	mu, load float64
	answer   float64
}

var simItems = []simItem{
	{"a1", 0, 1.2, 0.6, 0.98}, {"a2", 0, 0.8, 0.6, 0.95}, {"a3", 0, 0.5, 0.5, 0.9},
	{"b1", 1, 1.0, 0.7, 1}, {"b2", 1, 0.9, 0.7, 0.97}, {"b3", 1, 0.6, 0.6, 0.8}, {"b4", 1, 1.4, 0.5, 0.6},
	{"c1", 2, 0.7, 0.6, 0.9}, {"c2", 2, 0.3, 0.6, 0.35}, {"c3", 2, 0.9, 0.6, 0.25},
}

// phi is the standard normal distribution function.
func phi(x float64) float64 { return 0.5 * math.Erfc(-x/math.Sqrt2) }

// simTruth is the population's factor and overall indices (0–1): each
// criterion's satisfied share among those who answer is phi(mu), as the
// answering does not depend on satisfaction.
func simTruth() (factors []float64, overall float64) {
	sums, ks := make([]float64, 3), make([]float64, 3)
	for _, it := range simItems {
		sums[it.factor] += phi(it.mu)
		ks[it.factor]++
	}
	for f := range sums {
		factors = append(factors, sums[f]/ks[f])
		overall += factors[f] / 3
	}
	return factors, overall
}

// simulate draws n respondents; items of a respondent are correlated
// through a general attitude and a factor attitude.
func simulate(rng *rand.Rand, n int) ([][]Answer, Tally) {
	var t Tally
	rows := make([][]Answer, n)
	for i := range rows {
		g := rng.NormFloat64()
		var us [3]float64
		for f := range us {
			us[f] = 0.7*g + math.Sqrt(1-0.49)*rng.NormFloat64()
		}
		var as []Answer
		for _, it := range simItems {
			v := 0
			if rng.Float64() < it.answer {
				x := it.mu + it.load*us[it.factor] + math.Sqrt(1-it.load*it.load)*rng.NormFloat64()
				switch {
				case x > 0.8:
					v = 5
				case x > 0:
					v = 4
				case x > -0.8:
					v = 3
				default:
					v = 1 + rng.IntN(2)
				}
			}
			as = append(as, Answer{Code: it.code, Value: v})
		}
		rows[i] = as
		t.AddResponse(as)
		t.AddPairs(as)
	}
	return rows, t
}

// TestIntervalCoverageSimulation: over 1,200 seeded data sets with
// correlated items and uneven "not applicable", the 95 % intervals of
// sipas-2017-v2 hold the true factor and overall indices 93–97 % of the
// time; v1's are printed beside them for comparison.
func TestIntervalCoverageSimulation(t *testing.T) {
	rng := rand.New(rand.NewPCG(2017, 2))
	truthF, truthO := simTruth()
	const sets = 1200
	v2 := Rule{ID: RuleSIPAS2017V2, MinSample: 1}
	v1 := Rule{ID: RuleSIPAS2017, MinSample: 1}
	form := simForm()
	var hitF, hitF1 [3]int
	var hitO, hitO1, approx int
	in := func(s Score, truth float64) bool { return s.Low <= 100*truth && 100*truth <= s.High }
	for range sets {
		_, tl := simulate(rng, 60+rng.IntN(240))
		rep, old := v2.Score(form, tl), v1.Score(form, tl)
		for f := range hitF {
			if in(rep.Factors[f].Score, truthF[f]) {
				hitF[f]++
			}
			if in(old.Factors[f].Score, truthF[f]) {
				hitF1[f]++
			}
			if rep.Factors[f].ApproxInterval {
				approx++
			}
		}
		if in(rep.Overall, truthO) {
			hitO++
		}
		if in(old.Overall, truthO) {
			hitO1++
		}
	}
	if approx > 0 {
		t.Fatalf("%d factor intervals fell back to v1: the pair sums are complete", approx)
	}
	cov := func(h int) float64 { return 100 * float64(h) / sets }
	check := func(name string, h, h1 int) {
		t.Logf("%s: coverage v2 %.1f %%, v1 %.1f %%", name, cov(h), cov(h1))
		if c := cov(h); c < 93 || c > 97 {
			t.Errorf("%s: coverage %.1f %%, want 93–97 %%", name, c)
		}
	}
	for f, fa := range form.Factors {
		check("factor "+fa.Code, hitF[f], hitF1[f])
	}
	check("overall", hitO, hitO1)
}

// TestVarianceMatchesBootstrap: on fixed data sets, the linearised variance
// from the pair sums is within 15 % of the variance of a respondent
// bootstrap (1,000 resamples of whole respondents), for every factor and
// the overall index.
func TestVarianceMatchesBootstrap(t *testing.T) {
	form := simForm()
	v2 := Rule{ID: RuleSIPAS2017V2, MinSample: 1}
	for _, fx := range []struct {
		seed uint64
		n    int
	}{{1, 150}, {2, 400}, {3, 800}} {
		rng := rand.New(rand.NewPCG(fx.seed, 7))
		rows, tl := simulate(rng, fx.n)
		rep := v2.Score(form, tl)
		lin := map[string]float64{"overall": varianceOf(rep.Overall)}
		for _, fs := range rep.Factors {
			lin[fs.Code] = varianceOf(fs.Score)
		}
		boot := map[string][]float64{}
		for range 1000 {
			var bt Tally
			for range rows {
				bt.AddResponse(rows[rng.IntN(len(rows))])
			}
			br := Rule{ID: RuleSIPAS2017, MinSample: 1}.Score(form, bt)
			boot["overall"] = append(boot["overall"], br.Overall.Index/100)
			for _, fs := range br.Factors {
				boot[fs.Code] = append(boot[fs.Code], fs.Index/100)
			}
		}
		names := make([]string, 0, len(boot))
		for k := range boot {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			vb := sampleVariance(boot[k])
			ratio := lin[k] / vb
			t.Logf("n=%d %s: linearised V %.3g, bootstrap %.3g, ratio %.3f", fx.n, k, lin[k], vb, ratio)
			if ratio < 0.85 || ratio > 1.15 {
				t.Errorf("n=%d %s: linearised V %.3g vs bootstrap %.3g (ratio %.3f), want within 15 %%", fx.n, k, lin[k], vb, ratio)
			}
		}
	}
}

// varianceOf recovers V = I(1−I)/N_eff from a score.
func varianceOf(s Score) float64 {
	i := s.Index / 100
	return i * (1 - i) / s.EffectiveN
}

func sampleVariance(xs []float64) float64 {
	var m float64
	for _, x := range xs {
		m += x
	}
	m /= float64(len(xs))
	var ss float64
	for _, x := range xs {
		ss += (x - m) * (x - m)
	}
	return ss / float64(len(xs)-1)
}

// Rule ids: the default is v2, v1 stays selectable, others are unknown.
func TestRuleByID(t *testing.T) {
	if r, ok := RuleByID(""); !ok || r.ID != RuleSIPAS2017V2 || r.MinSample != DefaultMinSample {
		t.Errorf("default rule = %+v, %v", r, ok)
	}
	if r, ok := RuleByID("sipas-2017-v1"); !ok || r.ID != RuleSIPAS2017 {
		t.Errorf("v1 = %+v, %v", r, ok)
	}
	for _, bad := range []string{"sipas-2017-v3", "SIPAS-2017-V2", " sipas-2017-v2"} {
		if _, ok := RuleByID(bad); ok {
			t.Errorf("%q accepted", bad)
		}
	}
}
