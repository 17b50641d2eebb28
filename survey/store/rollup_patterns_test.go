package store

import (
	"context"
	"reflect"
	"testing"

	"hailong/survey"
)

// recomputedPatterns counts the patterns of every agency-month from the
// responses, all of them or the verified ones.
func recomputedPatterns(rs []survey.Response, m survey.Month, verifiedOnly bool) map[string]map[survey.Pattern]int64 {
	out := map[string]map[survey.Pattern]int64{}
	for i := range rs {
		r := &rs[i]
		if survey.MonthOf(r.SubmittedAt) != m || verifiedOnly && !r.Verified {
			continue
		}
		p, _ := survey.PatternOf(r)
		if out[r.Agency] == nil {
			out[r.Agency] = map[survey.Pattern]int64{}
		}
		out[r.Agency][p]++
	}
	return out
}

// checkPatterns compares MonthPatterns, every response and verified only,
// with a recomputation.
func checkPatterns(t *testing.T, s *Store, label string) {
	t.Helper()
	ctx := context.Background()
	rs := everyResponse(t, s)
	for _, v := range GenMonths {
		m, _ := survey.ParseMonth(v)
		// The export reads both agency by agency (EachAgencyPatterns).
		all, verified, err := s.MonthPatternsBoth(ctx, m)
		if err != nil {
			t.Fatal(err)
		}
		if want := recomputedPatterns(rs, m, false); !reflect.DeepEqual(all, want) {
			t.Errorf("%s: %s: MonthPatternsBoth's patterns differ from the recomputation:\n got %v\nwant %v", label, m, all, want)
		}
		if want := recomputedPatterns(rs, m, true); !reflect.DeepEqual(verified, want) {
			t.Errorf("%s: %s: MonthPatternsBoth's verified patterns differ from the recomputation:\n got %v\nwant %v", label, m, verified, want)
		}
		for _, verified := range []bool{false, true} {
			got, err := s.MonthPatterns(ctx, m, verified)
			if err != nil {
				t.Fatal(err)
			}
			want := recomputedPatterns(rs, m, verified)
			for ag := range want {
				if got[ag] == nil {
					t.Errorf("%s: %s %s verified=%v: no counts", label, ag, m, verified)
				}
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s: %s verified=%v: patterns differ from the recomputation:\n got %v\nwant %v", label, m, verified, got, want)
			}
		}
	}
}

// The pattern counts are kept by the writer and by a rebuild alike, and
// equal a recomputation from the responses.
func TestRollupPatterns(t *testing.T) {
	s := openAt(t, t.TempDir())
	ctx := context.Background()
	defer s.Close(ctx)
	rs := GenResponses(31, 150)
	rs[0].FormVersion = 2 // a second questionnaire version is a pattern apart
	for _, r := range rs {
		if _, err := s.InsertResponse(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.FlushRollups(ctx); err != nil {
		t.Fatal(err)
	}
	checkPatterns(t, s, "writer")
	if _, err := s.ImportResponses(ctx, GenResponses(32, 120)); err != nil {
		t.Fatal(err)
	}
	if err := s.RebuildRollups(ctx, nil); err != nil {
		t.Fatal(err)
	}
	checkPatterns(t, s, "rebuild")
}

// Rollups written before the pattern counts existed (a d field, no p) give
// no counts; the counts the writer adds to them afterwards cover only the
// responses counted since, and are never read as whole; a rebuild makes
// them whole. An unknown pattern makes the counts unknown too.
func TestRollupPatternsOlderRollups(t *testing.T) {
	s := openAt(t, t.TempDir())
	ctx := context.Background()
	defer s.Close(ctx)
	m, _ := survey.ParseMonth(GenMonths[0])
	var first, later []survey.Response
	for _, r := range GenResponses(33, 200) {
		if survey.MonthOf(r.SubmittedAt) == m && r.Agency == "lam-binh" {
			if len(first) < 6 {
				first = append(first, r)
			} else {
				later = append(later, r)
			}
		}
	}
	if len(first) < 6 || len(later) == 0 {
		t.Fatal("too few responses")
	}
	first[0].Verified = true // so that both rollups exist from the start
	for _, r := range first {
		if _, err := s.InsertResponse(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.FlushRollups(ctx); err != nil {
		t.Fatal(err)
	}
	// Turn the agency-month rollups into what an older version wrote.
	coll := s.db.Collection(rollupColl(m))
	for _, kind := range []string{kindAgencyMonth, kindAgencyMonthVerified} {
		if _, err := coll.UpdateOne(ctx, docD("_id", monthDocID(kind, "lam-binh", m)),
			docD("$unset", docD(fieldPatterns, ""), "$set", docD("d.|||", 1))); err != nil {
			t.Fatal(err)
		}
	}
	expectNone := func(label string, which ...bool) {
		t.Helper()
		for _, verified := range which {
			got, err := s.MonthPatterns(ctx, m, verified)
			if err != nil {
				t.Fatal(err)
			}
			if c, ok := got["lam-binh"]; !ok && !verified || c != nil {
				t.Errorf("%s, verified=%v: counts %v (present %v), want none", label, verified, c, ok)
			}
		}
	}
	expectNone("older rollups", false, true)
	for _, r := range later {
		if _, err := s.InsertResponse(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.FlushRollups(ctx); err != nil {
		t.Fatal(err)
	}
	expectNone("counted since", false, true)
	if err := s.RebuildRollups(ctx, nil); err != nil {
		t.Fatal(err)
	}
	got, err := s.MonthPatterns(ctx, m, false)
	if err != nil {
		t.Fatal(err)
	}
	if want := recomputedPatterns(append(first, later...), m, false)["lam-binh"]; !reflect.DeepEqual(got["lam-binh"], want) {
		t.Errorf("after a rebuild: %v, want %v", got["lam-binh"], want)
	}
	// An unknown pattern (a response whose pattern cannot be told).
	r := first[0]
	r.ID = "unknown-pattern"
	c, err := newContribution(r, "a")
	if err != nil {
		t.Fatal(err)
	}
	c.pattern, c.comment = unknownPattern, nil
	w := s.rollups.writer
	w.run.Lock()
	w.countLocked([]contribution{c})
	w.run.Unlock()
	expectNone("an unknown pattern", false) // an unverified response: the amv rollups stay whole
}

// A count replayed after a crash (from the stored response) keeps the
// pattern and its questionnaire, as the writer's count does.
func TestReplayedCountKeepsPattern(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	rs := GenResponses(34, 40)
	for i := range rs {
		if i%3 == 0 {
			rs[i].FormVersion = 2
		}
	}
	s := openAt(t, dir)
	storeOnly(t, s, rs...)
	crash(s, false)
	s = openAt(t, dir)
	defer s.Close(ctx)
	if err := s.FlushRollups(ctx); err != nil {
		t.Fatal(err)
	}
	checkPatterns(t, s, "replayed")
}
