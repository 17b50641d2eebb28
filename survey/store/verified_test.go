package store_test

import (
	"context"
	"reflect"
	"testing"

	"hailong/survey"
	"hailong/survey/store"
	"hailong/survey/store/storetest"
)

// checkVerifiedExact compares ReportFiltered over verified responses with
// the recomputation from the verified raw responses, for every query; it
// returns the number of verified responses the rollups hold.
func checkVerifiedExact(t *testing.T, s *store.Store, label string) int64 {
	t.Helper()
	ctx := context.Background()
	all, err := s.AllResponses(ctx)
	if err != nil {
		t.Fatalf("%s: read responses: %v", label, err)
	}
	var verified []survey.Response
	for _, r := range all {
		if r.Verified {
			verified = append(verified, r)
		}
	}
	var total int64
	for i, q := range queries(t) {
		got, err := s.ReportFiltered(ctx, q.agency, q.ms, q.area, true)
		if err != nil {
			t.Fatalf("%s: report %v: %v", label, q, err)
		}
		want := store.RecomputeFrom(verified, q.agency, q.ms, q.area)
		if i == 0 {
			direct, err := s.RecomputeFiltered(ctx, q.agency, q.ms, q.area, true)
			if err != nil || !reflect.DeepEqual(direct, want) {
				t.Fatalf("%s: RecomputeFiltered differs from the recomputation of the verified responses (%v)", label, err)
			}
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %s %v area %q: verified rollups differ from recomputation\n rollups: %s\n    raw: %s",
				label, q.agency, q.ms, q.area, summary(got), summary(want))
		}
		if got.Total.Responses != got.Verified.Responses && q.area == "" {
			t.Errorf("%s: %s: verified report has %d responses of which %d verified", label, q.agency, got.Total.Responses, got.Verified.Responses)
		}
		if len(q.ms) == len(store.GenMonths) && q.area == "" {
			total += got.Total.Responses
		}
		if q.area == "" { // the rankings' figures: every agency's verified tally
			pt, err := s.ProvinceTalliesFiltered(ctx, q.ms, "", true)
			if err != nil {
				t.Fatalf("%s: province tallies: %v", label, err)
			}
			for agency, w := range want.Province {
				if g := pt[agency]; !reflect.DeepEqual(g, w) && (g.Responses != 0 || w.Responses != 0) {
					t.Errorf("%s: %v: verified province tally of %s = %d responses, want %d", label, q.ms, agency, g.Responses, w.Responses)
				}
			}
		}
	}
	return total
}

// TestVerifiedRollupsEqualRecomputation: the verified-only documents hold
// exactly the verified responses (about a third of the generated ones), read
// from memory, from the database and after a rebuild; the unfiltered report
// is unchanged.
func TestVerifiedRollupsEqualRecomputation(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	rs := store.GenResponses(11, 240)
	var nVerified int64
	for _, r := range rs {
		if created, err := s.InsertResponse(ctx, r); err != nil || !created {
			t.Fatalf("insert %s: created=%v err=%v", r.ID, created, err)
		}
		if r.Verified {
			nVerified++
		}
	}
	if nVerified == 0 || nVerified == int64(len(rs)) {
		t.Fatalf("generated %d verified of %d: the test needs both kinds", nVerified, len(rs))
	}
	flush(t, s)
	if n := checkVerifiedExact(t, s, "from memory"); n != nVerified {
		t.Errorf("verified rollups hold %d responses, want %d", n, nVerified)
	}
	if n := checkExact(t, s, "unfiltered"); n != int64(len(rs)) {
		t.Errorf("rollups hold %d responses, want %d", n, len(rs))
	}
	s.ForgetRollupCache()
	checkVerifiedExact(t, s, "from the database")
	if err := s.RebuildRollups(ctx, nil); err != nil {
		t.Fatalf("rebuild: %v", err)
	}
	if n := checkVerifiedExact(t, s, "after a rebuild"); n != nVerified {
		t.Errorf("after a rebuild: verified rollups hold %d responses, want %d", n, nVerified)
	}
}
