package store_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"testing"
	"time"

	"hailong/survey"
	"hailong/survey/store"
	"hailong/survey/store/storetest"
)

// pairResponses are generated responses, every fifth self-entered, so that
// the three bases differ.
func pairResponses(n int) []survey.Response {
	rs := store.GenResponses(5, n)
	for i := range rs {
		rs[i].SelfEntered = i%5 == 0
	}
	return rs
}

// wantPairs recomputes the pair sums of the responses of the agency (every
// agency: ""), months, area ("" every area) and basis, keyed as the rollups
// key them (versioned criteria codes only).
func wantPairs(rs []survey.Response, agency string, ms []survey.Month, area string, basis survey.Basis) map[string]survey.Tally {
	in := map[survey.Month]bool{}
	for _, m := range ms {
		in[m] = true
	}
	f := survey.SIPAS2017()
	crit := survey.CriteriaOf(f)
	out := map[string]survey.Tally{}
	for _, r := range rs {
		if !in[survey.MonthOf(r.SubmittedAt)] || (agency != "" && r.Agency != agency) || (area != "" && r.Area != area) || !store.InBasis(r, basis) {
			continue
		}
		t := out[r.Agency]
		t.AddPairsOn(survey.FormKey(f.ID, f.Version), crit, r.Answers)
		out[r.Agency] = t
	}
	return out
}

func samePairs(t *testing.T, what string, got, want survey.Tally) {
	t.Helper()
	if got.PairResponses != want.PairResponses || len(got.Pairs) != len(want.Pairs) || (len(want.Pairs) > 0 && !reflect.DeepEqual(got.Pairs, want.Pairs)) {
		t.Errorf("%s: pair sums of %d responses, %d pairs; want %d responses, %d pairs", what, got.PairResponses, len(got.Pairs), want.PairResponses, len(want.Pairs))
	}
}

// checkPairs compares every read of the pair sums with the recomputation.
func checkPairs(t *testing.T, s *store.Store, rs []survey.Response, label string) {
	t.Helper()
	ctx := context.Background()
	all := months(t, 0, len(store.GenMonths))
	one := months(t, 2, 3)
	for _, basis := range survey.Bases {
		for _, ms := range [][]survey.Month{all, one} {
			for _, area := range []string{"", store.GenAgencies["so-tu-phap"][0]} {
				what := fmt.Sprintf("%s: %s, %d months, area %q", label, basis, len(ms), area)
				got, err := s.ProvinceTalliesPairs(ctx, ms, area, basis, true)
				if err != nil {
					t.Fatal(err)
				}
				want := wantPairs(rs, "", ms, area, basis)
				if w := want["so-tu-phap"]; len(ms) > 1 && (w.PairResponses < 5 || len(w.Pairs) < 200) {
					t.Fatalf("%s: the fixture has %d responses with pair sums, %d pairs", what, w.PairResponses, len(w.Pairs))
				}
				for ag, w := range want {
					samePairs(t, what+" province "+ag, got[ag], w)
				}
				none, err := s.ProvinceTalliesPairs(ctx, ms, area, basis, false)
				if err != nil {
					t.Fatal(err)
				}
				for ag, tl := range none {
					if tl.PairResponses != 0 || tl.Pairs != nil {
						t.Errorf("%s: %s has pair sums without asking", what, ag)
					}
				}
				c, err := s.ReportBasis(ctx, "so-tu-phap", ms, area, basis)
				if err != nil {
					t.Fatal(err)
				}
				if err := s.AddReportPairs(ctx, c, basis); err != nil {
					t.Fatal(err)
				}
				samePairs(t, what+" report total", c.Total, wantPairs(rs, "so-tu-phap", ms, area, basis)["so-tu-phap"])
				for i, m := range ms {
					samePairs(t, what+" report "+m.String(), c.ByMonth[i], wantPairs(rs, "so-tu-phap", []survey.Month{m}, area, basis)["so-tu-phap"])
				}
				for a, tl := range c.ByArea {
					samePairs(t, what+" report area "+a, tl, wantPairs(rs, "so-tu-phap", ms, a, basis)["so-tu-phap"])
				}
				var tl survey.Tally
				if err := s.AddTallyPairs(ctx, &tl, "so-tu-phap", ms, area, basis); err != nil {
					t.Fatal(err)
				}
				samePairs(t, what+" agency tally", tl, wantPairs(rs, "so-tu-phap", ms, area, basis)["so-tu-phap"])
			}
		}
	}
}

// The pair sums the writer keeps equal those recomputed from the
// responses, on every basis, from memory and from the database, after a
// rebuild, and after a start that finds none (a data folder of an older
// binary): they are built then.
func TestPairSumsEqualRecomputation(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	s, err := store.Open(ctx, store.Config{DataDir: dir, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SeedWith(ctx, survey.LegacySeedAgencies()); err != nil {
		t.Fatal(err)
	}
	rs := pairResponses(300)
	for _, r := range rs {
		if _, err := s.InsertResponse(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	flush(t, s)
	checkPairs(t, s, rs, "written")
	s.ForgetPairMemory()
	checkPairs(t, s, rs, "from the database")
	s.LoadPairMemory(t)

	if err := s.RebuildRollups(ctx, nil); err != nil {
		t.Fatal(err)
	}
	checkPairs(t, s, rs, "rebuilt")

	s.ForgetPairs(t)
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	s, err = store.Open(ctx, store.Config{DataDir: dir, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	if s.PairDocCount(t) == 0 {
		t.Fatal("a start without pair sums did not build them")
	}
	checkPairs(t, s, rs, "built at start")
}

// While an export streams, the pair sums leave memory and the rollup cache
// shrinks (LeanCaches): reads come from the database and stay exact,
// responses counted meanwhile included; once the export ends, the pair sums
// are read back, those responses with them.
func TestPairSumsLeaveMemoryDuringAnExport(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	rs := pairResponses(160)
	insert := func(rs []survey.Response) {
		for _, r := range rs {
			if _, err := s.InsertResponse(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		flush(t, s)
	}
	insert(rs[:100])
	if complete, _ := s.PairMemory(); !complete {
		t.Fatal("the pair sums are not in memory after the start")
	}
	s.LeanCaches(true)
	if complete, cache := s.PairMemory(); complete || cache > 1<<20 {
		t.Fatalf("during an export: pair sums in memory %v, rollup cache %d bytes; want none, at most 1 MiB", complete, cache)
	}
	insert(rs[100:])
	checkPairs(t, s, rs, "during an export")
	s.LeanCaches(false)
	deadline := time.Now().Add(30 * time.Second)
	for complete, _ := s.PairMemory(); !complete; complete, _ = s.PairMemory() {
		if time.Now().After(deadline) {
			t.Fatal("the pair sums were not read back into memory after the export")
		}
		time.Sleep(20 * time.Millisecond)
	}
	checkPairs(t, s, rs, "read back after the export")
}

// A batch applied twice with the same tag (a retry after a failure) is
// counted once.
func TestPairSumsRetryCountsOnce(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	rs := pairResponses(40)
	for _, r := range rs {
		if _, err := s.InsertResponse(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	flush(t, s)
	// The writer counted them; a test writer counts ten of them again,
	// twice with one tag: once more, not twice.
	var ids []string
	for _, r := range rs[:10] {
		ids = append(ids, r.ID)
	}
	s.ApplyPairsTwice(t, ids, 1)
	all := months(t, 0, len(store.GenMonths))
	got, err := s.ProvinceTalliesPairs(ctx, all, "", survey.BasisAll, true)
	if err != nil {
		t.Fatal(err)
	}
	want := wantPairs(append(append([]survey.Response{}, rs...), rs[:10]...), "", all, "", survey.BasisAll)
	for ag, w := range want {
		samePairs(t, "retried "+ag, got[ag], w)
	}
}
