package survey

import (
	"encoding/json"
	"testing"
	"time"
)

func pubRankings(rule string, min int64, rows ...PublishedRow) PublishedRankings {
	var r PublishedRankings
	r.Rule.ID, r.Rule.MinSample = rule, min
	l := PublishedLevel{Level: LevelDepartment}
	for _, x := range rows {
		if x.Rank > 0 {
			l.Ranked = append(l.Ranked, x)
		} else {
			l.Unranked = append(l.Unranked, x)
		}
	}
	r.Levels = []PublishedLevel{l}
	return r
}

func pubRow(agency string, rank int, index float64, responses int64) PublishedRow {
	return PublishedRow{Agency: agency, Rank: rank, Overall: PublishedScore{Index: &index}, Responses: responses}
}

// The reason of a revision: late entries when records changed, a rule
// change when only the rule did, a rebuild when neither did, unchanged when
// nothing moved; units that came or went are moves too.
func TestDiffPublications(t *testing.T) {
	before := pubRankings("sipas-2017-v1", 30,
		pubRow("a", 1, 90, 40), pubRow("b", 2, 80, 40), pubRow("c", 3, 70, 40))
	cases := []struct {
		name   string
		after  PublishedRankings
		reason string
		moved  map[string]string // agency → reason
	}{
		{"unchanged", pubRankings("sipas-2017-v1", 30, pubRow("a", 1, 90, 40), pubRow("b", 2, 80, 40), pubRow("c", 3, 70, 40)),
			ChangeUnchanged, map[string]string{}},
		{"late entries", pubRankings("sipas-2017-v1", 30, pubRow("b", 1, 95, 50), pubRow("a", 2, 90, 40), pubRow("c", 3, 70, 40)),
			ChangeLateEntries, map[string]string{"a": ChangeLateEntries, "b": ChangeLateEntries}},
		{"late entries that move nothing", pubRankings("sipas-2017-v1", 30, pubRow("a", 1, 90, 41), pubRow("b", 2, 80, 40), pubRow("c", 3, 70, 40)),
			ChangeLateEntries, map[string]string{}},
		{"rule change", pubRankings("sipas-2017-v2", 30, pubRow("a", 1, 90, 40), pubRow("b", 2, 80.5, 40), pubRow("c", 3, 70, 40)),
			ChangeRuleChange, map[string]string{"b": ChangeRuleChange}},
		{"minimum sample", pubRankings("sipas-2017-v1", 45, pubRow("a", 0, 90, 40), pubRow("b", 0, 80, 40), pubRow("c", 0, 70, 40)),
			ChangeRuleChange, map[string]string{"a": ChangeRuleChange, "b": ChangeRuleChange, "c": ChangeRuleChange}},
		{"rebuild", pubRankings("sipas-2017-v1", 30, pubRow("a", 1, 90, 40), pubRow("c", 2, 85, 40), pubRow("b", 3, 80, 40)),
			ChangeRebuild, map[string]string{"c": ChangeRebuild, "b": ChangeRebuild}},
		{"a unit gone, one new", pubRankings("sipas-2017-v1", 30, pubRow("a", 1, 90, 40), pubRow("b", 2, 80, 40), pubRow("d", 3, 60, 40)),
			ChangeLateEntries, map[string]string{"c": ChangeLateEntries, "d": ChangeLateEntries}},
	}
	for _, c := range cases {
		d := DiffPublications(4, before, c.after)
		if d.FromRevision != 4 || d.Reason != c.reason {
			t.Errorf("%s: from %d, reason %s, want 4, %s", c.name, d.FromRevision, d.Reason, c.reason)
		}
		got := map[string]string{}
		for _, u := range d.Units {
			got[u.Agency] = u.Reason
		}
		if len(got) != len(c.moved) {
			t.Errorf("%s: moved %v, want %v", c.name, got, c.moved)
			continue
		}
		for a, r := range c.moved {
			if got[a] != r {
				t.Errorf("%s: %s moved for %q, want %q", c.name, a, got[a], r)
			}
		}
	}
}

// The canonical content reads back into the same bytes and hash, and the
// hash changes with any figure.
func TestPublicationContentCanonical(t *testing.T) {
	rk, _ := json.Marshal(map[string]any{"rule": map[string]any{"id": "sipas-2017-v1", "minSample": 30}, "levels": []any{}})
	c := PublicationContent{Period: "2025-Q3", From: "2025-07", To: "2025-09", Basis: BasisIndependent, Revision: 1,
		PublishedAt: time.Date(2025, 10, 3, 3, 0, 0, 123e6, time.UTC), Rule: "sipas-2017-v1", Rankings: rk}
	body, sum, err := c.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	var back PublicationContent
	if err := json.Unmarshal(body, &back); err != nil {
		t.Fatal(err)
	}
	body2, sum2, err := back.Canonical()
	if err != nil || sum2 != sum || string(body2) != string(body) {
		t.Errorf("the content does not reproduce: %s\n%s", body, body2)
	}
	c.Responses = 1
	if _, sum3, _ := c.Canonical(); sum3 == sum {
		t.Errorf("the hash ignores the record count")
	}
}

func TestPeriodEnded(t *testing.T) {
	q3, _ := ParsePeriod("2025-Q3")
	for _, c := range []struct {
		at             string
		ended, started bool
	}{
		{"2025-06-30T16:59:00Z", false, false}, // 23:59 on 30 June in Vietnam
		{"2025-06-30T17:00:00Z", false, true},  // 1 July in Vietnam
		{"2025-09-30T16:59:00Z", false, true},
		{"2025-09-30T17:00:00Z", true, true}, // 1 October in Vietnam
	} {
		at, _ := time.Parse(time.RFC3339, c.at)
		if PeriodEnded(q3, at) != c.ended || PeriodStarted(q3, at) != c.started {
			t.Errorf("at %s: ended %v started %v, want %v %v", c.at, PeriodEnded(q3, at), PeriodStarted(q3, at), c.ended, c.started)
		}
	}
}
