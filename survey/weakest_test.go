package survey

import "testing"

// Weakest orders by the upper bound of the interval and leaves out the
// criteria under the minimum sample. By point estimate the order would be
// 2.1 (one answer, 0 %), 1.1 (50 % of 40), 1.2 (55 % of 200); by upper bound
// 1.2 (Wilson high 61.7 %) comes before 1.1 (64.8 %), and 2.1, with one
// valid answer, is not ordered at all.
func TestWeakestByUpperBoundWithoutSmallCriteria(t *testing.T) {
	tally := tallyOf(200, map[string]Counts{
		"1.1": {0, 20, 0, 0, 20, 0},
		"1.2": {0, 90, 0, 0, 110, 0},
		"2.1": {0, 1},
	})
	rep := SIPAS2017Rule().Score(scoreForm(), tally)
	got := rep.Weakest()
	if len(got) != 2 || got[0].Code != "1.2" || got[1].Code != "1.1" {
		t.Fatalf("weakest = %v, want 1.2 then 1.1", codes(got))
	}
	if got[0].High >= got[1].High || got[0].Index <= got[1].Index {
		t.Errorf("1.2: %.1f (high %.1f), 1.1: %.1f (high %.1f): the fixture no longer tells the two orders apart",
			got[0].Index, got[0].High, got[1].Index, got[1].High)
	}
	if few := rep.TooFewToOrder(); len(few) != 1 || few[0].Code != "2.1" || few[0].Valid != 1 {
		t.Errorf("too few to order = %v, want 2.1 alone", codes(few))
	}
	// Without any answer, a criterion is left out too.
	rep = SIPAS2017Rule().Score(scoreForm(), tallyOf(40, map[string]Counts{"1.1": {0, 0, 0, 0, 0, 40}}))
	if w, few := rep.Weakest(), rep.TooFewToOrder(); len(w) != 1 || w[0].Code != "1.1" || len(few) != 2 || few[0].Code != "1.2" || few[1].Code != "2.1" {
		t.Errorf("weakest %v, too few %v; want [1.1] and [1.2 2.1]", codes(w), codes(few))
	}
}

func codes(items []ItemScore) []string {
	var out []string
	for _, is := range items {
		out = append(out, is.Code)
	}
	return out
}
