package survey

import (
	"math"
	"slices"
	"testing"
	"time"
)

// rkForm has one criterion, so a unit's overall index is its share of
// answers 4–5 and its interval the Wilson interval over its answers.
func rkForm() Form {
	return Form{Factors: []Factor{{Code: "F1", Criteria: []Criterion{{Code: "1.1"}}}}}
}

// rkTally is n responses, sat of them satisfied (5), the others 1.
func rkTally(n, sat int64) Tally {
	return Tally{Responses: n, Items: map[string]Counts{"1.1": {0, n - sat, 0, 0, 0, sat}}}
}

// rkCatalog: departments d-a (d-d merged into it), d-b, d-c, d-e
// (dissolved), d-f (serves area "x" only), d-g (dissolved, silent), d-small;
// districts h-1 (commune x-1 merged into it) and h-2; commune x-2.
func rkCatalog() *Catalog {
	at := time.Date(2025, 6, 1, 0, 0, 0, 0, Zone())
	ag := func(code string, level Level, areas ...string) Agency {
		if len(areas) == 0 {
			areas = []string{"y"}
		}
		return Agency{Code: code, Name: Text{Vi: "VI " + code, En: "EN " + code}, Level: level, Areas: areas, Active: true}
	}
	merged := func(a Agency, into string) Agency {
		a.Active, a.MergedInto, a.Until = false, into, at
		return a
	}
	da := ag("d-a", LevelDepartment)
	da.Predecessors = []string{"d-d"}
	h1 := ag("h-1", LevelDistrict)
	h1.Predecessors = []string{"x-1"}
	return &Catalog{Agencies: []Agency{
		da, ag("d-b", LevelDepartment), ag("d-c", LevelDepartment),
		merged(ag("d-d", LevelDepartment), "d-a"),
		Dissolve(ag("d-e", LevelDepartment), at),
		ag("d-f", LevelDepartment, "x"),
		Dissolve(ag("d-g", LevelDepartment), at),
		ag("d-small", LevelDepartment),
		h1, ag("h-2", LevelDistrict),
		merged(ag("x-1", LevelCommune), "h-1"), ag("x-2", LevelCommune),
	}}
}

// rkWant is one expected row; prevRank -1 means "no previous standing",
// change NaN means "—".
type rkWant struct {
	unit      string
	rank      int
	index     float64
	responses int64
	pooled    []string
	prevRank  int
	change    float64
	dissolved bool
}

func TestRankingsByLevel(t *testing.T) {
	rule := Rule{ID: RuleSIPAS2017, MinSample: 10}
	cur := map[string]Tally{
		"d-a": rkTally(20, 15), "d-d": rkTally(20, 5), // pooled: 40, 20 → 50 %
		"d-b":     rkTally(40, 30), // 75 %
		"d-c":     rkTally(20, 15), // 75 %: tied with d-b
		"d-e":     rkTally(10, 2),  // 20 %, dissolved
		"d-small": rkTally(5, 5),
		"h-1":     rkTally(10, 9), "x-1": rkTally(10, 1), // pooled: 20, 10 → 50 %
		"h-2": rkTally(30, 24), // 80 %
	}
	prev := map[string]Tally{
		"d-a": rkTally(20, 10), "d-d": rkTally(20, 6), // 40, 16 → 40 %
		"d-b": rkTally(40, 32), // 80 %
		"d-c": rkTally(5, 5),   // under the minimum: no change shown
		"h-2": rkTally(30, 27), // 90 %
	}
	nan := math.NaN()
	cases := []struct {
		name      string
		prev      map[string]Tally
		level     Level
		ranked    []rkWant
		unranked  []rkWant
		leaders   []string
		last      []string
		hasBefore bool
	}{
		{
			name: "departments", prev: prev, level: LevelDepartment, hasBefore: true,
			ranked: []rkWant{
				{unit: "d-b", rank: 1, index: 75, responses: 40, prevRank: 1, change: -5},
				{unit: "d-c", rank: 1, index: 75, responses: 20, prevRank: 0, change: nan},
				{unit: "d-a", rank: 3, index: 50, responses: 40, pooled: []string{"d-d"}, prevRank: 2, change: 10},
				{unit: "d-e", rank: 4, index: 20, responses: 10, prevRank: -1, change: nan, dissolved: true},
			},
			unranked: []rkWant{
				{unit: "d-small", index: 100, responses: 5, prevRank: -1, change: nan},
				{unit: "d-f", index: 0, responses: 0, prevRank: -1, change: nan},
			},
			leaders: []string{"d-b", "d-c"}, last: []string{"d-e"},
		},
		{
			name: "districts", prev: prev, level: LevelDistrict, hasBefore: true,
			ranked: []rkWant{
				{unit: "h-2", rank: 1, index: 80, responses: 30, prevRank: 1, change: -10},
				{unit: "h-1", rank: 2, index: 50, responses: 20, pooled: []string{"x-1"}, prevRank: -1, change: nan},
			},
			leaders: []string{"h-2"}, last: []string{"h-1"},
		},
		{
			name: "communes: the merged one is pooled, the silent one listed apart", prev: prev, level: LevelCommune, hasBefore: true,
			unranked: []rkWant{{unit: "x-2", index: 0, responses: 0, prevRank: -1, change: nan}},
		},
		{
			name: "no previous period", prev: nil, level: LevelDistrict,
			ranked: []rkWant{
				{unit: "h-2", rank: 1, index: 80, responses: 30, change: nan},
				{unit: "h-1", rank: 2, index: 50, responses: 20, pooled: []string{"x-1"}, change: nan},
			},
			leaders: []string{"h-2"}, last: []string{"h-1"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := rule.Rankings(rkCatalog(), NewFormSet(nil, rkForm()), "", cur, tc.prev)
			var levels []Level
			for _, l := range got {
				levels = append(levels, l.Level)
			}
			if want := []Level{LevelDepartment, LevelDistrict, LevelCommune}; !slices.Equal(levels, want) {
				t.Fatalf("levels %v, want %v (in the catalog's order, province bodies absent)", levels, want)
			}
			i := slices.IndexFunc(got, func(l LevelRanking) bool { return l.Level == tc.level })
			lr := got[i]
			rkCheckRows(t, "ranked", lr.Ranked, tc.ranked, tc.hasBefore)
			rkCheckRows(t, "unranked", lr.Unranked, tc.unranked, tc.hasBefore)
			codes := func(rows []RankingRow) []string {
				var out []string
				for _, r := range rows {
					out = append(out, r.Unit.Agency.Code)
				}
				return out
			}
			if got := codes(lr.Leaders()); !slices.Equal(got, tc.leaders) {
				t.Errorf("leaders %v, want %v", got, tc.leaders)
			}
			if got := codes(lr.Last()); !slices.Equal(got, tc.last) {
				t.Errorf("last %v, want %v", got, tc.last)
			}
		})
	}

	t.Run("the interval is Wilson's over the pooled answers", func(t *testing.T) {
		got := rule.Rankings(rkCatalog(), NewFormSet(nil, rkForm()), "", cur, prev)
		a := got[0].Ranked[2] // d-a: 20 satisfied of 40
		if a.Unit.Agency.Code != "d-a" || math.Abs(a.Overall.Low-35.199527) > 1e-4 || math.Abs(a.Overall.High-64.800473) > 1e-4 {
			t.Errorf("%s: interval [%.6f, %.6f], want [35.199527, 64.800473]", a.Unit.Agency.Code, a.Overall.Low, a.Overall.High)
		}
	})

	t.Run("no response is counted twice", func(t *testing.T) {
		var listed, all int64
		for _, l := range rule.Rankings(rkCatalog(), NewFormSet(nil, rkForm()), "", cur, prev) {
			for _, rows := range [][]RankingRow{l.Ranked, l.Unranked} {
				for _, r := range rows {
					listed += r.Standing.Responses
				}
			}
		}
		for _, tl := range cur {
			all += tl.Responses
		}
		if listed != all {
			t.Errorf("the rows hold %d responses, the tallies %d", listed, all)
		}
	})

	t.Run("an area keeps the agencies serving it and those with responses", func(t *testing.T) {
		got := rule.Rankings(rkCatalog(), NewFormSet(nil, rkForm()), "x", map[string]Tally{"d-b": rkTally(12, 6)}, nil)
		if len(got) != 1 || got[0].Level != LevelDepartment {
			t.Fatalf("levels %+v, want departments only", got)
		}
		if len(got[0].Ranked) != 1 || got[0].Ranked[0].Unit.Agency.Code != "d-b" || got[0].Ranked[0].Standing.Rank != 1 {
			t.Errorf("ranked %+v, want d-b first", got[0].Ranked)
		}
		if len(got[0].Unranked) != 1 || got[0].Unranked[0].Unit.Agency.Code != "d-f" || !got[0].Unranked[0].Standing.NoData {
			t.Errorf("unranked %+v, want d-f without data", got[0].Unranked)
		}
	})
}

func rkCheckRows(t *testing.T, what string, got []RankingRow, want []rkWant, hasBefore bool) {
	t.Helper()
	if len(got) != len(want) {
		var codes []string
		for _, r := range got {
			codes = append(codes, r.Unit.Agency.Code)
		}
		t.Fatalf("%s: rows %v, want %d rows", what, codes, len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Unit.Agency.Code != w.unit || g.Standing.Rank != w.rank || math.Abs(g.Overall.Index-w.index) > 1e-9 ||
			g.Standing.Responses != w.responses || !slices.Equal(g.Pooled, w.pooled) || g.Dissolved() != w.dissolved {
			t.Errorf("%s row %d: %s rank %d index %v responses %d pooled %v dissolved %v; want %s rank %d index %v responses %d pooled %v dissolved %v",
				what, i, g.Unit.Agency.Code, g.Standing.Rank, g.Overall.Index, g.Standing.Responses, g.Pooled, g.Dissolved(),
				w.unit, w.rank, w.index, w.responses, w.pooled, w.dissolved)
		}
		if g.HasPrevious != hasBefore {
			t.Errorf("%s row %s: has previous %v, want %v", what, w.unit, g.HasPrevious, hasBefore)
		}
		if hasBefore {
			prevRank := g.Previous.Rank
			if g.Previous.NoData && g.Previous.Responses == 0 {
				prevRank = -1
			}
			if prevRank != w.prevRank {
				t.Errorf("%s row %s: previous rank %d (no data %v), want %d", what, w.unit, g.Previous.Rank, g.Previous.NoData, w.prevRank)
			}
		}
		switch {
		case math.IsNaN(w.change) && g.HasChange:
			t.Errorf("%s row %s: change %v, want none", what, w.unit, g.Change)
		case !math.IsNaN(w.change) && (!g.HasChange || math.Abs(g.Change-w.change) > 1e-9):
			t.Errorf("%s row %s: change %v (%v), want %v", what, w.unit, g.Change, g.HasChange, w.change)
		}
	}
}

func TestRankingUnitsClaimEachAgencyOnce(t *testing.T) {
	ag := func(code, into string, preds ...string) Agency {
		return Agency{Code: code, Level: LevelDepartment, Active: into == "", MergedInto: into, Predecessors: preds}
	}
	cat := &Catalog{Agencies: []Agency{
		ag("s1", "", "p", "q"),
		ag("s2", "", "p"), // claims p again: a catalog that disagrees with itself
		ag("p", "s1", "pp"),
		ag("pp", "p"),
		ag("q", "s1"),
		ag("m", "s2"), // merged, but s2 does not list it
	}}
	got := map[string][]string{}
	seen := map[string]int{}
	for _, u := range RankingUnits(cat) {
		got[u.Agency.Code] = u.Units
		for _, c := range u.Units {
			seen[c]++
		}
	}
	want := map[string][]string{"s1": {"s1", "p", "q", "pp"}, "s2": {"s2"}, "m": {"m"}}
	if len(got) != len(want) {
		t.Errorf("units %v, want %v", got, want)
	}
	for k, w := range want {
		if !slices.Equal(got[k], w) {
			t.Errorf("unit %s = %v, want %v", k, got[k], w)
		}
	}
	for _, a := range cat.Agencies {
		if seen[a.Code] != 1 {
			t.Errorf("%s is in %d units, want 1", a.Code, seen[a.Code])
		}
	}
}
