package survey

import (
	"testing"
)

// vCatalog is departments of area "y", one per code.
func vCatalog(codes ...string) *Catalog {
	var c Catalog
	for _, code := range codes {
		c.Agencies = append(c.Agencies, Agency{Code: code, Name: Text{Vi: code, En: code}, Level: LevelDepartment, Areas: []string{"y"}, Active: true})
	}
	return &c
}

type rvWant struct {
	unit   string
	rank   int
	index  float64
	reason string
}

func rvCheck(t *testing.T, lr LevelRanking, ranked, unranked []rvWant) {
	t.Helper()
	check := func(what string, got []RankingRow, want []rvWant) {
		if len(got) != len(want) {
			var units []string
			for _, r := range got {
				units = append(units, r.Unit.Agency.Code+"/"+r.Standing.Reason)
			}
			t.Fatalf("%s: %v, want %d rows %+v", what, units, len(want), want)
		}
		for i, w := range want {
			s := got[i].Standing
			if s.Unit != w.unit || s.Rank != w.rank || s.Reason != w.reason || w.index >= 0 && !near(s.Index, w.index) {
				t.Errorf("%s row %d: %s rank %d index %v reason %q; want %+v", what, i, s.Unit, s.Rank, s.Index, s.Reason, w)
			}
		}
	}
	check("ranked", lr.Ranked, ranked)
	check("unranked", lr.Unranked, unranked)
}

// Units scored on different questionnaire versions are ranked together only
// when their factors and reporting criteria (after the crosswalk) are the
// same. By hand, with version 1 (YT1: 1.1–1.4) and version 2 (YT1: 1.5–1.7,
// new criteria; YT2–YT5 unchanged, each at 80 % everywhere), minimum 30:
//
//	A: 60 on v1 (1.1–1.4 at 95 %), 40 on v2 (1.5–1.7 at 90 %):
//	   YT1 (4×95 + 3×90)/7 = 92.857…, overall (92.857… + 320)/5 = 82.571…
//	B: 20 on v1 (85 %), 20 on v2 (60 %): YT1 (4×85 + 3×60)/7 = 74.285…,
//	   overall 78.857…
//	C: 40 on v2 only (100 %): overall (100 + 320)/5 = 84.0, the highest,
//	   but on 1.5–1.7 alone: not comparable with A and B
//	D: 40 on v1 only (50 %): overall (50 + 320)/5 = 74.0, on 1.1–1.4 alone
//	E: 20 on v1 only (100 %): too few (that reason first), 84.0
//
// A and B share the reference set (the most units): ranked 1 and 2. C and D
// are listed apart with reason not_comparable, E with too_few (by index,
// then name). Without the
// rule, C would rank first and D third.
func TestMixedVersionsAreNotRankedTogether(t *testing.T) {
	v1 := vForm(1, []string{"1.1", "1.2", "1.3", "1.4"}, nil, nil)
	v2 := vForm(2, []string{"1.5", "1.6", "1.7"}, nil, nil)
	fs := NewFormSet([]Form{v1, v2}, v2)
	rule := Rule{ID: RuleSIPAS2017, MinSample: 30}
	yt1v1 := func(s int) map[string]int { return others(map[string]int{"1.1": s, "1.2": s, "1.3": s, "1.4": s}) }
	yt1v2 := func(s int) map[string]int { return others(map[string]int{"1.5": s, "1.6": s, "1.7": s}) }
	cur := map[string]Tally{}
	add := func(unit string, v, n int, sat map[string]int) {
		t := cur[unit]
		on(&t, v, n, sat)
		cur[unit] = t
	}
	add("a", 1, 60, yt1v1(19))
	add("a", 2, 40, yt1v2(18))
	add("b", 1, 20, yt1v1(17))
	add("b", 2, 20, yt1v2(12))
	add("c", 2, 40, yt1v2(20))
	add("d", 1, 40, yt1v1(10))
	add("e", 1, 20, yt1v1(20))
	cat := vCatalog("a", "b", "c", "d", "e")

	lrs := rule.Rankings(cat, fs, "", cur, nil)
	if len(lrs) != 1 {
		t.Fatalf("%d levels, want 1", len(lrs))
	}
	a := (4*95.0+3*90)/7/5 + 64
	b := (4*85.0+3*60)/7/5 + 64
	rvCheck(t, lrs[0],
		[]rvWant{{"a", 1, a, ""}, {"b", 2, b, ""}},
		[]rvWant{{"c", 0, 84, ReasonNotComparable}, {"e", 0, 84, ReasonTooFew}, {"d", 0, 74, ReasonNotComparable}})
	if got := lrs[0].Ranked[0].Standing.RankRange; got[0] != 1 || got[1] < 1 || got[1] > 2 {
		t.Errorf("rank range of a: %+v, want within 1–2 of the two ranked", got)
	}

	// The reference set is the one the most units share; among equally
	// many, the one with the most responses: here D's (40 + 20 on v1
	// only: D and F) against C's (40 on v2 only).
	delete(cur, "a")
	delete(cur, "b")
	add("f", 1, 40, yt1v1(14)) // (70 + 320)/5 = 78.0
	lrs = rule.Rankings(vCatalog("c", "d", "e", "f"), fs, "", cur, nil)
	rvCheck(t, lrs[0],
		[]rvWant{{"f", 1, 78, ""}, {"d", 2, 74, ""}},
		[]rvWant{{"c", 0, 84, ReasonNotComparable}, {"e", 0, -1, ReasonTooFew}})
	delete(cur, "f")
	add("c", 2, 20, yt1v2(20)) // C: 60 responses, D: 40
	lrs = rule.Rankings(vCatalog("c", "d"), fs, "", cur, nil)
	rvCheck(t, lrs[0], []rvWant{{"c", 1, 84, ""}}, []rvWant{{"d", 0, 74, ReasonNotComparable}})

	// With a crosswalk mapping every criterion of version 2 to one of
	// version 1 (1.5–1.8 → 1.1–1.4), both versions have the same
	// reporting criteria: C and D are comparable and ranked together.
	cw := &Crosswalk{From: 1, Items: []CrosswalkEntry{{"1.5", "1.1"}, {"1.6", "1.2"}, {"1.7", "1.3"}, {"1.8", "1.4"},
		{"2.1", "2.1"}, {"3.1", "3.1"}, {"4.1", "4.1"}, {"5.1", "5.1"}}}
	v2w := vForm(2, []string{"1.5", "1.6", "1.7", "1.8"}, nil, cw)
	cur = map[string]Tally{}
	add("c", 2, 40, others(map[string]int{"1.5": 20, "1.6": 20, "1.7": 20, "1.8": 20}))
	add("d", 1, 40, yt1v1(10))
	lrs = rule.Rankings(vCatalog("c", "d"), NewFormSet([]Form{v1, v2w}, v2w), "", cur, nil)
	rvCheck(t, lrs[0], []rvWant{{"c", 1, 84, ""}, {"d", 2, 74, ""}}, nil)
}

// Reports scored without versions (no signature) compare with any.
func TestRankWithoutSignaturesIsUnchanged(t *testing.T) {
	f := fiveFactorForm()
	rule := SIPAS2017Rule()
	all := func(n, sat int64) Tally {
		t := Tally{Responses: n, Items: map[string]Counts{}}
		for _, c := range []string{"1.1", "2.1", "3.1", "4.1", "5.1"} {
			t.Items[c] = share(n, sat)
		}
		return t
	}
	got := Rank(map[string]Report{"x": rule.Score(f, all(40, 30)), "y": rule.Score(f, all(40, 20))})
	if got[0].Unit != "x" || got[0].Rank != 1 || got[1].Rank != 2 || got[1].Reason != "" {
		t.Errorf("%+v", got)
	}
}
