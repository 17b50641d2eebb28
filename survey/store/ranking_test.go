package store_test

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"hailong/survey"
	"hailong/survey/store"
	"hailong/survey/store/storetest"
)

// TestProvinceTalliesEqualRecomputation: every agency's tally a ranking reads
// from the rollups (all areas from the province-month documents, one area
// from the agency-month documents) equals a recomputation from the raw
// responses, from memory and from the database, over all months and one.
func TestProvinceTalliesEqualRecomputation(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	rs := store.GenResponses(5, 300)
	for _, r := range rs {
		if created, err := s.InsertResponse(ctx, r); err != nil || !created {
			t.Fatalf("insert %s: created=%v err=%v", r.ID, created, err)
		}
	}
	flush(t, s)
	all, one := months(t, 0, len(store.GenMonths)), months(t, 1, 2)
	areas := []string{"", "dat-dai", "tu-phap", "lao-dong", "moi-truong"}

	check := func(label string) {
		t.Helper()
		for _, ms := range [][]survey.Month{all, one} {
			for _, area := range areas {
				got, err := s.ProvinceTallies(ctx, ms, area)
				if err != nil {
					t.Fatalf("%s: ProvinceTallies(%v, %q): %v", label, ms, area, err)
				}
				var sum int64
				for agency := range store.GenAgencies {
					want := store.RecomputeFrom(rs, agency, ms, area).Total
					g := got[agency]
					sum += g.Responses
					if want.Responses == 0 && len(want.Items) == 0 {
						if _, ok := got[agency]; ok && g.Responses != 0 {
							t.Errorf("%s: %s %v area %q: %d responses, want none", label, agency, ms, area, g.Responses)
						}
						continue
					}
					if !reflect.DeepEqual(g, want) {
						t.Errorf("%s: %s %v area %q: %d responses (%d items), recomputation %d (%d items)",
							label, agency, ms, area, g.Responses, len(g.Items), want.Responses, len(want.Items))
					}
				}
				if len(got) > len(store.GenAgencies) {
					t.Errorf("%s: %v area %q: %d agencies, only %d answered", label, ms, area, len(got), len(store.GenAgencies))
				}
				if area == "" && len(ms) == len(all) && sum != int64(len(rs)) {
					t.Errorf("%s: all agencies hold %d responses, want %d", label, sum, len(rs))
				}
			}
		}
	}
	check("from memory")
	s.ForgetRollupCache()
	check("from the database")

	// Bad input is refused before any read.
	if _, err := s.ProvinceTallies(ctx, nil, ""); !errors.Is(err, survey.ErrInvalidPeriod) {
		t.Errorf("no months: %v, want ErrInvalidPeriod", err)
	}
	if _, err := s.ProvinceTallies(ctx, all, "$where"); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("area $where: %v, want ErrNotFound", err)
	}
}
