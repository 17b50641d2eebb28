package survey

import (
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"
)

// fiveFactorForm has the SIPAS shape reduced to what completeness needs:
// five factors YT1–YT5, YT5 with two criteria.
func fiveFactorForm() Form {
	f := Form{}
	for i, code := range []string{"YT1", "YT2", "YT3", "YT4"} {
		f.Factors = append(f.Factors, Factor{Code: code, Criteria: []Criterion{{Code: string(rune('1'+i)) + ".1"}}})
	}
	f.Factors = append(f.Factors, Factor{Code: "YT5", Criteria: []Criterion{{Code: "5.1"}, {Code: "5.2"}}})
	return f
}

// share is n answers of which sat are 5 and the rest 2 (no "not applicable").
func share(n, sat int64) Counts { return Counts{0, 0, n - sat, 0, 0, sat} }

// The example, by hand: unit A has YT1–YT4 at 90 % and YT5 at 50 %,
// so its overall index is (4 × 90 + 50) / 5 = 82.0. Unit B has YT1–YT4 at
// 88 % and answered YT5 only "not applicable": its overall index is not
// computed, it is never ranked, and A (lower on nothing B has) is first.
func TestIncompleteOverallIsNotRanked(t *testing.T) {
	f := fiveFactorForm()
	a := Tally{Responses: 100, Items: map[string]Counts{
		"1.1": share(100, 90), "2.1": share(100, 90), "3.1": share(100, 90), "4.1": share(100, 90),
		"5.1": share(100, 50), "5.2": share(100, 50),
	}}
	b := Tally{Responses: 100, Items: map[string]Counts{
		"1.1": share(100, 88), "2.1": share(100, 88), "3.1": share(100, 88), "4.1": share(100, 88),
		"5.1": {100, 0, 0, 0, 0, 0}, "5.2": {100, 0, 0, 0, 0, 0},
	}}
	rule := SIPAS2017Rule()
	ra, rb := rule.Score(f, a), rule.Score(f, b)
	if math.Abs(ra.Overall.Index-82) > 1e-9 || ra.Overall.NoData || ra.Overall.Incomplete {
		t.Errorf("A overall = %+v, want 82.0, complete", ra.Overall)
	}
	if !rb.Overall.NoData || !rb.Overall.Incomplete || !slices.Equal(rb.Overall.MissingFactors, []string{"YT5"}) {
		t.Errorf("B overall = %+v, want no index, incomplete, missing [YT5]", rb.Overall)
	}
	if rb.Factors[0].Index != 88 || rb.Factors[4].NoData != true {
		t.Errorf("B factors = %+v: YT1 88, YT5 without data", rb.Factors)
	}
	got := Rank(map[string]Report{"A": ra, "B": rb})
	if got[0].Unit != "A" || got[0].Rank != 1 || got[0].Reason != "" {
		t.Errorf("first = %+v, want A ranked 1", got[0])
	}
	if got[1].Unit != "B" || got[1].Rank != 0 || got[1].Reason != ReasonIncomplete {
		t.Errorf("second = %+v, want B unranked, reason incomplete", got[1])
	}

	// In JSON the overall index of B is null, with what is missing.
	bs, err := json.Marshal(rb.Overall)
	if err != nil {
		t.Fatal(err)
	}
	for _, frag := range []string{`"index":null`, `"incomplete":true`, `"missingFactors":["YT5"]`, `"noData":true`} {
		if !strings.Contains(string(bs), frag) {
			t.Errorf("B overall JSON %s lacks %s", bs, frag)
		}
	}
}

// A criterion nobody answered validly leaves its factor computed from the
// others, flagged partial: YT5 = 5.1 alone = 60 %, the overall index is
// (4 × 80 + 60) / 5 = 76.0 and complete.
func TestPartialFactor(t *testing.T) {
	f := fiveFactorForm()
	tl := Tally{Responses: 10, Items: map[string]Counts{
		"1.1": share(10, 8), "2.1": share(10, 8), "3.1": share(10, 8), "4.1": share(10, 8),
		"5.1": share(10, 6), "5.2": {10, 0, 0, 0, 0, 0},
	}}
	rep := SIPAS2017Rule().Score(f, tl)
	yt5 := rep.Factors[4]
	if yt5.Index != 60 || !yt5.Partial || !slices.Equal(yt5.MissingCriteria, []string{"5.2"}) || yt5.Criteria != 1 {
		t.Errorf("YT5 = %+v, want 60 %%, partial, missing [5.2], 1 criterion", yt5)
	}
	if rep.Factors[0].Partial {
		t.Errorf("YT1 flagged partial: %+v", rep.Factors[0])
	}
	if math.Abs(rep.Overall.Index-76) > 1e-9 || rep.Overall.Incomplete {
		t.Errorf("overall = %+v, want 76.0, complete", rep.Overall)
	}
}

// A unit with too few responses is unranked for that reason first, even
// when it is also incomplete; a unit with no response at all has no index
// but is not "incomplete" (nothing was asked of it).
func TestUnrankedReasons(t *testing.T) {
	f := fiveFactorForm()
	few := Tally{Responses: 3, Items: map[string]Counts{"1.1": share(3, 3)}}
	rule := SIPAS2017Rule()
	got := Rank(map[string]Report{"few": rule.Score(f, few), "none": rule.Score(f, Tally{})})
	for _, s := range got {
		if s.Rank != 0 || s.Reason != ReasonTooFew {
			t.Errorf("%s = %+v, want unranked, too_few", s.Unit, s)
		}
	}
	if rule.Score(f, Tally{}).Overall.Incomplete {
		t.Error("a unit without responses is marked incomplete")
	}
	rule.MinSample = 0
	if s := Rank(map[string]Report{"none": rule.Score(f, Tally{})}); s[0].Reason != ReasonNoData {
		t.Errorf("no responses, no minimum: %+v, want reason no_data", s[0])
	}
}

// Scores read back from JSON equal what was written, null indices included.
func TestScoreJSONRoundTrip(t *testing.T) {
	rep := SIPAS2017Rule().Score(fiveFactorForm(), Tally{Responses: 10, Items: map[string]Counts{
		"1.1": share(10, 8), "2.1": share(10, 8), "3.1": share(10, 8), "4.1": share(10, 8), "5.1": share(10, 6),
	}})
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	b2, _ := json.Marshal(back)
	if string(b) != string(b2) {
		t.Errorf("round trip changed the report:\n%s\n%s", b, b2)
	}
	if !strings.Contains(string(b), `"code":"5.2","factor":"YT5","index":null`) {
		t.Errorf("criterion without data is not null in %s", b)
	}
}
