package store

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"hailong/survey"
)

// inBasis keeps the responses that count on the basis.
func inBasis(rs []survey.Response, basis survey.Basis) []survey.Response {
	var out []survey.Response
	for _, r := range rs {
		if InBasis(r, basis) {
			out = append(out, r)
		}
	}
	return out
}

// checkBases compares every read of the rollups a ranking, a dashboard or
// an aggregate export makes (ReportBasis, ProvinceTalliesBasis,
// AgencyMonthsBasis) with a recomputation from the raw responses of each
// basis; it returns the responses the independent rollups hold.
func checkBases(t *testing.T, s *Store, label string) (independent int64) {
	t.Helper()
	ctx := context.Background()
	rs, err := s.AllResponses(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var all []survey.Month
	for _, m := range GenMonths {
		v, _ := survey.ParseMonth(m)
		all = append(all, v)
	}
	periods := [][]survey.Month{all, all[:1], all[2:3]}
	for _, basis := range survey.Bases {
		sub := inBasis(rs, basis)
		for _, ms := range periods {
			for ag, areas := range GenAgencies {
				for _, area := range []string{"", areas[0]} {
					got, err := s.ReportBasis(ctx, ag, ms, area, basis)
					if err != nil {
						t.Fatalf("%s: report: %v", label, err)
					}
					want := RecomputeFrom(sub, ag, ms, area)
					if !reflect.DeepEqual(got, want) {
						t.Errorf("%s: %s %s %v area %q: rollups %d responses (%d verified), recomputation %d (%d verified)",
							label, basis, ag, ms, area, got.Total.Responses, got.Verified.Responses, want.Total.Responses, want.Verified.Responses)
					}
					if basis == survey.BasisIndependent && area == "" && len(ms) == len(all) {
						independent += got.Total.Responses
					}
				}
			}
			for _, area := range []string{"", "dat-dai", "tu-phap"} {
				pt, err := s.ProvinceTalliesBasis(ctx, ms, area, basis)
				if err != nil {
					t.Fatalf("%s: province tallies: %v", label, err)
				}
				for ag := range GenAgencies {
					want := RecomputeFrom(sub, ag, ms, area).Total
					g := pt[ag]
					if want.Responses == 0 && g.Responses == 0 && len(want.Items) == 0 && len(g.Items) == 0 {
						continue
					}
					if !reflect.DeepEqual(g, want) {
						t.Errorf("%s: %s %v area %q: province tally of %s has %d responses, recomputation %d",
							label, basis, ms, area, ag, g.Responses, want.Responses)
					}
				}
			}
		}
		for ag := range GenAgencies {
			got, err := s.AgencyMonthsBasis(ctx, ag, all, basis)
			if err != nil {
				t.Fatalf("%s: agency months: %v", label, err)
			}
			for i, m := range all {
				if want := RecomputeFrom(sub, ag, []survey.Month{m}, "").ByArea; !reflect.DeepEqual(got[i].ByArea, want) {
					t.Errorf("%s: %s %s %s: agency-month areas differ from the recomputation", label, basis, ag, m)
				}
			}
		}
	}
	return independent
}

// TestSelfEnteredTwinsEqualRecomputation: the independent responses (all
// less those the agency's own staff entered) read from the rollups equal a
// recomputation, from memory, from the database, after the reconciler
// counted entries left in the pending log by a crash, and after a rebuild;
// the all and verified bases are unchanged by the twins. One agency-month
// is self-entered whole, so the independent read must drop its keys.
func TestSelfEnteredTwinsEqualRecomputation(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	rs := GenResponses(31, 260)
	var nSelf int64
	for i := range rs {
		if i%4 == 0 || (rs[i].Agency == "x-thuong-lam" && survey.MonthOf(rs[i].SubmittedAt).String() == GenMonths[0]) {
			rs[i].SelfEntered = true
		}
	}
	s := openAt(t, dir)
	insertAll(t, s, rs[:200])
	for _, r := range rs[200:230] {
		storeOnly(t, s, r, true) // counted from the packed entry
	}
	for _, r := range rs[230:] {
		storeOnly(t, s, r, false) // counted from the response
	}
	crash(s, false)
	s = openAt(t, dir)
	defer s.Close(ctx)
	for _, r := range rs {
		if r.SelfEntered {
			nSelf++
		}
	}
	if nSelf == 0 || nSelf == int64(len(rs)) {
		t.Fatalf("%d self-entered of %d: the test needs both", nSelf, len(rs))
	}
	want := int64(len(rs)) - nSelf
	if n := checkBases(t, s, "after the reconciler"); n != want {
		t.Errorf("independent rollups hold %d responses, want %d", n, want)
	}
	if n := exact(t, s, "all responses"); n != int64(len(rs)) {
		t.Errorf("rollups hold %d responses, want %d", n, len(rs))
	}
	s.ForgetRollupCache()
	checkBases(t, s, "from the database")
	if err := s.RebuildRollups(ctx, nil); err != nil {
		t.Fatalf("rebuild: %v", err)
	}
	if n := checkBases(t, s, "after a rebuild"); n != want {
		t.Errorf("after a rebuild: independent rollups hold %d responses, want %d", n, want)
	}
}

// A pending entry carries the self-entered mark; one written before the
// mark existed (8 parts) unpacks as not self-entered, and a rollup without
// twins reads as having no self-entered responses.
func TestSelfEnteredPendingEntry(t *testing.T) {
	r := GenResponses(32, 1)[0]
	r.SelfEntered = true
	c, err := newContribution(r, "a")
	if err != nil || !c.self {
		t.Fatalf("contribution: %+v, %v", c, err)
	}
	back, err := unpack(pendingDoc{ID: "a", Response: r.ID, Packed: pack(c)})
	if err != nil || !back.self || back.pattern != c.pattern || !reflect.DeepEqual(back.answers, c.answers) {
		t.Fatalf("self-entered entry: %+v, %v", back, err)
	}
	r.SelfEntered = false
	c, _ = newContribution(r, "b")
	packed := pack(c)
	back, err = unpack(pendingDoc{ID: "b", Response: r.ID, Packed: packed})
	if err != nil || back.self {
		t.Fatalf("entry: %+v, %v", back, err)
	}
	old := strings.TrimSuffix(packed, "|"+c.form)
	old = old[:len(old)-1] // as written before: no ninth nor tenth part
	back, err = unpack(pendingDoc{ID: "c", Response: r.ID, Packed: old})
	if err != nil || back.self || back.pattern != c.pattern || back.form != c.form {
		t.Fatalf("older entry %q: %+v, %v", old, back, err) // its version is its pattern's
	}
	if _, err := unpack(pendingDoc{ID: "d", Response: r.ID, Packed: packed + "x"}); err == nil {
		t.Error("a bad mark was read")
	}
	// An older rollup document: no sn field, so nothing is left out.
	b, err := decodeBucket(bucketDoc{ID: "am|lam-binh|2025-01", Format: rollupFormat, Kind: "am", Agency: "lam-binh", Month: "2025-01",
		N: map[string]int64{"dat-dai|u|web": 2}, A: map[string]int64{"dat-dai|sipas-2017@1/1~1|4": 2}})
	if err != nil {
		t.Fatal(err)
	}
	if ind := b.independent(); ind != b {
		t.Error("a rollup without self-entered twins is not read as it is")
	}
}
