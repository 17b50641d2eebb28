package survey

import (
	"math"
	"slices"
	"testing"
	"time"
)

// vForm is version v of the questionnaire "q": YT1 with the criteria
// given, YT2–YT5 with one criterion each (2.1 … 5.1), every text "<code>
// text" unless words overrides it.
func vForm(v int, yt1 []string, words map[string]string, cw *Crosswalk) Form {
	crit := func(codes ...string) []Criterion {
		var out []Criterion
		for _, c := range codes {
			t := c + " text"
			if w, ok := words[c]; ok {
				t = w
			}
			out = append(out, Criterion{Code: c, Text: Text{Vi: t, En: t}})
		}
		return out
	}
	f := Form{ID: "q", Version: v, Key: FormKey("q", v), Published: true, Crosswalk: cw,
		Title: Text{Vi: "Q", En: "Q"}, Factors: []Factor{{Code: "YT1", Name: Text{Vi: "YT1", En: "YT1"}, Criteria: crit(yt1...)}}}
	for i := 2; i <= 5; i++ {
		code := string(rune('0'+i)) + ".1"
		f.Factors = append(f.Factors, Factor{Code: "YT" + string(rune('0'+i)), Name: Text{Vi: "n", En: "n"}, Criteria: crit(code)})
	}
	return f
}

// on counts, into t, n responses on version v of "q", each answering the
// codes given with sat of every 20 answers at 5 and the rest at 2 (n is a
// multiple of 20), as the rollups count them.
func on(t *Tally, v, n int, sat map[string]int) {
	key := FormKey("q", v)
	t.Responses += int64(n)
	t.AddVersion(key, int64(n))
	for code, s := range sat {
		t.Count(VersionedCode(key, code), 5, int64(s*n/20))
		t.Count(VersionedCode(key, code), 2, int64((20-s)*n/20))
	}
}

// others are YT2–YT5 at 80 % (16 of 20 satisfied).
func others(m map[string]int) map[string]int {
	for _, c := range []string{"2.1", "3.1", "4.1", "5.1"} {
		m[c] = 16
	}
	return m
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func factorIndex(rep Report, code string) float64 {
	for _, f := range rep.Factors {
		if f.Code == code {
			return f.Index
		}
	}
	return math.NaN()
}

func criterion(rep Report, code string) (ItemScore, bool) {
	for _, c := range rep.Criteria {
		if c.Code == code {
			return c, true
		}
	}
	return ItemScore{}, false
}

// The example, by hand. Version 1 runs until 2025-06-30; version 2
// replaces criteria 1.1–1.4 with three new codes 1.5–1.7 (the others are
// unchanged, word for word). A 2024 unit at YT1 = 95 % and the other four
// factors at 80 % has the overall index (95 + 4 × 80) / 5 = 83.0 when
// scored with its own version; scored with today's version 2 its YT1 has
// no data at all. 2025 spans both versions: YT1 is the mean of 1.1–1.4
// (95 % each, January–June) and 1.5–1.7 (90 % each, July–December),
// (4 × 95 + 3 × 90) / 7 = 92.857…, the overall (92.857… + 320) / 5 =
// 82.571…; the two years do not share the same criteria, so no change.
func TestScoreWithTheVersionsOfThePeriod(t *testing.T) {
	v1 := vForm(1, []string{"1.1", "1.2", "1.3", "1.4"}, nil, nil)
	v2 := vForm(2, []string{"1.5", "1.6", "1.7"}, nil, nil)
	fs := NewFormSet([]Form{v1, v2}, v2)
	rule := SIPAS2017Rule()

	var y2024 Tally
	on(&y2024, 1, 100, others(map[string]int{"1.1": 19, "1.2": 19, "1.3": 19, "1.4": 19}))
	rep := rule.ScoreVersions(fs, y2024)
	if !near(rep.Overall.Index, 83) || !near(factorIndex(rep, "YT1"), 95) {
		t.Errorf("2024 overall %v, YT1 %v; want 83.0 and 95.0", rep.Overall.Index, factorIndex(rep, "YT1"))
	}
	if want := []VersionUse{{"q", 1, 100}}; !slices.Equal(rep.Versions, want) {
		t.Errorf("2024 versions %+v, want %+v", rep.Versions, want)
	}
	// Today's form alone finds no YT1 answer in 2024: not the 83.0.
	if old := rule.Score(v2, Tally{Responses: 100}); !old.Overall.NoData {
		t.Errorf("scored with version 2, 2024 has an overall index %v", old.Overall.Index)
	}

	var y2025 Tally
	on(&y2025, 1, 60, others(map[string]int{"1.1": 19, "1.2": 19, "1.3": 19, "1.4": 19}))
	on(&y2025, 2, 40, others(map[string]int{"1.5": 18, "1.6": 18, "1.7": 18}))
	rep25, form := rule.ScoreVersionsForm(fs, y2025)
	if yt1 := (4*95.0 + 3*90.0) / 7; !near(factorIndex(rep25, "YT1"), yt1) || !near(rep25.Overall.Index, (yt1+320)/5) {
		t.Errorf("2025 YT1 %v, overall %v; want %v and %v", factorIndex(rep25, "YT1"), rep25.Overall.Index, yt1, (yt1+320)/5)
	}
	if !near(factorIndex(rep25, "YT2"), 80) { // 2.1 is the same criterion in both: pooled
		t.Errorf("2025 YT2 %v, want 80", factorIndex(rep25, "YT2"))
	}
	if form.ID != "q" || form.Version != 2 || len(form.Factors[0].Criteria) != 7 || len(form.Factors[1].Criteria) != 1 {
		t.Errorf("2025 scoring form %s v%d, YT1 %d criteria, YT2 %d; want q v2, 7 and 1",
			form.ID, form.Version, len(form.Factors[0].Criteria), len(form.Factors[1].Criteria))
	}
	if want := []VersionUse{{"q", 1, 60}, {"q", 2, 40}}; !slices.Equal(rep25.Versions, want) {
		t.Errorf("2025 versions %+v, want %+v", rep25.Versions, want)
	}
	if Comparable(rep, rep25) {
		t.Error("2024 and 2025 compared although their YT1 criteria differ")
	}
	var h1, h2 Tally // two halves of 2024, on version 1 alone: comparable
	on(&h1, 1, 20, others(map[string]int{"1.1": 10, "1.2": 10, "1.3": 10, "1.4": 10}))
	on(&h2, 1, 20, others(map[string]int{"1.1": 20, "1.2": 20, "1.3": 20, "1.4": 20}))
	if !Comparable(rule.ScoreVersions(fs, h1), rule.ScoreVersions(fs, h2)) {
		t.Error("two periods on the same version are not comparable")
	}
}

// Two versions and a crosswalk, over a period that spans the change:
// version 2 maps 1.5 → 1.1 and 1.6 → 1.2 and marks 1.7 not comparable (or,
// in the second case, maps it to 1.3). By hand, January–June on version 1
// (1.1–1.4 at 95 %, 20 answers each) and July–December on version 2 (1.5
// at 85 %, 1.6 at 75 %, 1.7 at 90 %, 20 answers each):
//
//	1.1 pooled with 1.5: (19 + 17) / 40 = 90 %; 1.2 with 1.6: (19 + 15) / 40 = 85 %
//	not comparable: YT1 = (90 + 85 + 95 + 95 + 90) / 5 = 91.0, overall (91 + 320) / 5 = 82.2
//	1.7 → 1.3: 1.3 is (19 + 18) / 40 = 92.5 %, YT1 = (90 + 85 + 92.5 + 95) / 4 = 90.625
func TestCrosswalkOverAPeriodSpanningTheChange(t *testing.T) {
	v1 := vForm(1, []string{"1.1", "1.2", "1.3", "1.4"}, nil, nil)
	rule := SIPAS2017Rule()
	var y2024, y2025 Tally
	on(&y2024, 1, 20, others(map[string]int{"1.1": 19, "1.2": 19, "1.3": 19, "1.4": 19}))
	on(&y2025, 1, 20, others(map[string]int{"1.1": 19, "1.2": 19, "1.3": 19, "1.4": 19}))
	on(&y2025, 2, 20, others(map[string]int{"1.5": 17, "1.6": 15, "1.7": 18}))
	identity := []CrosswalkEntry{{"2.1", "2.1"}, {"3.1", "3.1"}, {"4.1", "4.1"}, {"5.1", "5.1"}}
	for _, tc := range []struct {
		name       string
		to17       string
		yt1        float64
		codes      []string
		comparable bool
	}{
		{"1.7 not comparable", "", 91, []string{"1.5", "1.6", "1.7", "1.3", "1.4"}, false},
		{"1.7 maps to 1.3", "1.3", (90 + 85 + 92.5 + 95) / 4.0, []string{"1.5", "1.6", "1.7", "1.4"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cw := &Crosswalk{From: 1, Items: append([]CrosswalkEntry{{"1.5", "1.1"}, {"1.6", "1.2"}, {"1.7", tc.to17}}, identity...)}
			v2 := vForm(2, []string{"1.5", "1.6", "1.7"}, nil, cw)
			fs := NewFormSet([]Form{v1, v2}, v2)
			rep := rule.ScoreVersions(fs, y2025)
			if !near(factorIndex(rep, "YT1"), tc.yt1) || !near(rep.Overall.Index, (tc.yt1+320)/5) {
				t.Errorf("YT1 %v, overall %v; want %v and %v", factorIndex(rep, "YT1"), rep.Overall.Index, tc.yt1, (tc.yt1+320)/5)
			}
			var codes []string
			for _, c := range rep.Criteria {
				if c.Factor == "YT1" {
					codes = append(codes, c.Code)
				}
			}
			if !slices.Equal(codes, tc.codes) {
				t.Errorf("YT1 criteria %v, want %v", codes, tc.codes)
			}
			if c, _ := criterion(rep, "1.5"); !near(c.Index, 90) || c.Valid != 40 {
				t.Errorf("1.5 pooled with 1.1: %v over %d, want 90 over 40", c.Index, c.Valid)
			}
			if got := Comparable(rule.ScoreVersions(fs, y2024), rep); got != tc.comparable {
				t.Errorf("2024 and 2025 comparable = %v, want %v", got, tc.comparable)
			}
		})
	}
}

// A code reused with new wording, or moved to another factor, is a new
// criterion: not pooled with the old one, shown apart ("@1" for the older
// version), and the periods are not comparable. A crosswalk that maps a
// criterion to one of another factor is refused, and ignored if stored.
func TestReusedCodeIsNotSilentlyPooled(t *testing.T) {
	v1 := vForm(1, []string{"1.1"}, nil, nil)
	v2 := vForm(2, []string{"1.1"}, map[string]string{"2.1": "2.1 new wording"}, nil)
	// Version 3 moves 3.1 from YT3 to YT4, same words.
	v3 := vForm(3, []string{"1.1"}, map[string]string{"2.1": "2.1 new wording"}, nil)
	v3.Factors[2].Criteria = []Criterion{{Code: "3.9", Text: Text{Vi: "3.9 text", En: "3.9 text"}}}
	v3.Factors[3].Criteria = append(v3.Factors[3].Criteria, Criterion{Code: "3.1", Text: Text{Vi: "3.1 text", En: "3.1 text"}})
	fs := NewFormSet([]Form{v1, v2, v3}, v3)
	rule := SIPAS2017Rule()

	var t12 Tally // 2.1 at 100 % on version 1, 50 % on version 2
	a, b := others(map[string]int{"1.1": 20}), others(map[string]int{"1.1": 20})
	a["2.1"], b["2.1"] = 20, 10
	on(&t12, 1, 20, a)
	on(&t12, 2, 20, b)
	rep := rule.ScoreVersions(fs, t12)
	old, okOld := criterion(rep, "2.1@1")
	cur, okCur := criterion(rep, "2.1")
	if !okOld || !okCur || !near(old.Index, 100) || !near(cur.Index, 50) || old.Valid != 20 || cur.Valid != 20 {
		t.Errorf("reworded 2.1: old %+v (%v), new %+v (%v); want 100 %% and 50 %% apart", old.Score, okOld, cur.Score, okCur)
	}
	if c, _ := criterion(rep, "1.1"); c.Valid != 40 { // unchanged: pooled
		t.Errorf("unchanged 1.1 has %d answers, want 40 pooled", c.Valid)
	}
	var only1 Tally
	on(&only1, 1, 20, others(map[string]int{"1.1": 20}))
	if Comparable(rule.ScoreVersions(fs, only1), rep) {
		t.Error("a period with the reworded criterion compares with one without it")
	}

	var t23 Tally
	on(&t23, 2, 20, others(map[string]int{"1.1": 20}))
	on(&t23, 3, 20, map[string]int{"1.1": 20, "2.1": 16, "3.9": 16, "4.1": 16, "3.1": 10, "5.1": 16})
	rep = rule.ScoreVersions(fs, t23)
	moved, ok := criterion(rep, "3.1")
	stayed, ok2 := criterion(rep, "3.1@2")
	if !ok || !ok2 || moved.Factor != "YT4" || stayed.Factor != "YT3" || !near(moved.Index, 50) || !near(stayed.Index, 80) {
		t.Errorf("moved 3.1: %+v in %s, old %+v in %s; want apart, YT4 50 %% and YT3 80 %%", moved.Score, moved.Factor, stayed.Score, stayed.Factor)
	}

	// A crosswalk to another factor: refused by the check; ignored by a set.
	v4 := vForm(4, []string{"1.1"}, nil, &Crosswalk{From: 1, Items: []CrosswalkEntry{
		{"1.1", "2.1"}, {"2.1", "2.1"}, {"3.1", "3.1"}, {"4.1", "4.1"}, {"5.1", "5.1"}}})
	v4.Published = false
	cat := &Catalog{Forms: []Form{v1, v2, v3, v4}}
	if fe := CheckForm(v4, cat); fe[CrosswalkField(0, "to")] != ProblemOtherFactor {
		t.Errorf("crosswalk across factors: problems %v, want %s on %s", fe, ProblemOtherFactor, CrosswalkField(0, "to"))
	}
	v4.Published = true
	fs = NewFormSet([]Form{v1, v4}, v4)
	if r := fs.Root(VersionedCode(FormKey("q", 4), "1.1")); r != VersionedCode(FormKey("q", 4), "1.1") {
		t.Errorf("1.1 of version 4 pools into %s across factors", r)
	}
}

// The rules of a crosswalk, and that it is edited in the draft only.
func TestCheckCrosswalk(t *testing.T) {
	v1 := vForm(1, []string{"1.1", "1.2"}, nil, nil)
	cat := &Catalog{Forms: []Form{v1}}
	all := func(extra ...CrosswalkEntry) []CrosswalkEntry {
		return append([]CrosswalkEntry{{"2.1", "2.1"}, {"3.1", "3.1"}, {"4.1", ""}, {"5.1", "5.1"}}, extra...)
	}
	draft := func(cw *Crosswalk) Form {
		f := vForm(2, []string{"1.5", "1.6"}, nil, cw)
		f.Published = false
		return f
	}
	for _, tc := range []struct {
		name  string
		cw    *Crosswalk
		field string
		want  string
	}{
		{"none", nil, "", ""},
		{"complete", &Crosswalk{From: 1, Items: all(CrosswalkEntry{"1.5", "1.1"}, CrosswalkEntry{"1.6", ""})}, "", ""},
		{"a criterion left out", &Crosswalk{From: 1, Items: all(CrosswalkEntry{"1.5", "1.1"})}, "crosswalk.items", ProblemCrosswalkMissing},
		{"unknown earlier version", &Crosswalk{From: 7, Items: all(CrosswalkEntry{"1.5", ""}, CrosswalkEntry{"1.6", ""})}, "crosswalk.from", ProblemUnknown},
		{"unknown code", &Crosswalk{From: 1, Items: all(CrosswalkEntry{"1.5", "1.1"}, CrosswalkEntry{"1.6", ""}, CrosswalkEntry{"9.9", ""})}, CrosswalkField(6, "code"), ProblemUnknown},
		{"unknown target", &Crosswalk{From: 1, Items: all(CrosswalkEntry{"1.5", "1.9"}, CrosswalkEntry{"1.6", ""})}, CrosswalkField(4, "to"), ProblemUnknown},
		{"two to one", &Crosswalk{From: 1, Items: all(CrosswalkEntry{"1.5", "1.1"}, CrosswalkEntry{"1.6", "1.1"})}, CrosswalkField(5, "to"), ProblemDuplicate},
	} {
		fe := CheckForm(draft(tc.cw), cat)
		if tc.field == "" && fe != nil || tc.field != "" && fe[tc.field] != tc.want {
			t.Errorf("%s: problems %v, want %q on %q", tc.name, fe, tc.want, tc.field)
		}
	}
	// Immutable once published: an edit is refused, a new draft starts
	// without the crosswalk (it related another version).
	pub, err := Publish(draft(&Crosswalk{From: 1, Items: all(CrosswalkEntry{"1.5", "1.1"}, CrosswalkEntry{"1.6", ""})}), cat, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	e := EditOf(pub)
	e.Crosswalk = nil
	if _, err := ApplyEdit(pub, e); err != ErrPublished {
		t.Errorf("editing the crosswalk of a published version: %v, want ErrPublished", err)
	}
	if d := NewDraft(pub, 3); d.Crosswalk != nil || pub.Crosswalk == nil {
		t.Errorf("new draft crosswalk %+v, published %+v", d.Crosswalk, pub.Crosswalk)
	}
}
