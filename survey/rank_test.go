package survey

import "testing"

func TestRankSharesTiesAndSkipsSmallUnits(t *testing.T) {
	rep := func(index float64, responses int64, noData bool) Report {
		return Report{Responses: responses, TooFew: responses < 30, Overall: Score{Index: index, NoData: noData}}
	}
	got := Rank(map[string]Report{
		"a": rep(80, 40, false),
		"b": rep(90, 40, false),
		"c": rep(80, 31, false),
		"d": rep(95, 10, false), // the best index, but too few to rank
		"e": rep(0, 40, true),
		"f": rep(70, 30, false),
	})
	want := []struct {
		unit string
		rank int
	}{{"b", 1}, {"a", 2}, {"c", 2}, {"f", 4}, {"d", 0}, {"e", 0}}
	if len(got) != len(want) {
		t.Fatalf("got %d standings, want %d", len(got), len(want))
	}
	for i, w := range want {
		if got[i].Unit != w.unit || got[i].Rank != w.rank {
			t.Errorf("place %d = %s rank %d, want %s rank %d", i, got[i].Unit, got[i].Rank, w.unit, w.rank)
		}
	}
	if s, ok := RankOf(got, "d"); !ok || s.Rank != 0 || !s.TooFew {
		t.Errorf("RankOf(d) = %+v, %v", s, ok)
	}
}

func TestStandingsScoreTallies(t *testing.T) {
	f := scoreForm()
	all5 := Counts{0, 0, 0, 0, 0, 40}
	half := Counts{0, 20, 0, 0, 20, 0}
	got := SIPAS2017Rule().Standings(f, map[string]Tally{
		"a": {Responses: 40, Items: map[string]Counts{"1.1": half, "1.2": half, "2.1": half}},
		"b": {Responses: 40, Items: map[string]Counts{"1.1": all5, "1.2": all5, "2.1": all5}},
	}, []string{"a", "b", "c"})
	if len(got) != 3 || got[0].Unit != "b" || got[0].Rank != 1 || got[1].Unit != "a" || got[1].Index != 50 || got[2].Unit != "c" || !got[2].NoData {
		t.Errorf("standings = %+v", got)
	}
}
