package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"hailong/survey"
	"hailong/survey/store/storetest"
)

// TestSeedFreshFolder: a new database gets the dated catalog as stored
// records: the 2026 structure, with the history the lineage view shows.
func TestSeedFreshFolder(t *testing.T) {
	ctx := context.Background()
	s := storetest.NewSeeded(t)
	// Seeding again (every start does) changes nothing.
	if err := s.Seed(ctx); err != nil {
		t.Fatal(err)
	}
	cat, err := s.Catalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(cat.Agencies) != len(survey.SeedAgencies()) {
		t.Fatalf("%d agencies stored, want %d", len(cat.Agencies), len(survey.SeedAgencies()))
	}
	day, _ := survey.ParseDay("2026-01-01")
	for _, a := range cat.AgenciesOn(day) {
		if a.Level == survey.LevelDistrict {
			t.Errorf("district %s active on 2026-01-01", a.Code)
		}
	}
	if got := survey.Lineage(cat, "x-son-duong"); !slices.Equal(got, []string{"x-son-duong", "tt-son-duong", "x-hop-thanh", "x-phuc-ung", "x-tu-thinh"}) {
		t.Errorf("lineage of x-son-duong = %v", got)
	}
	nn, err := cat.Agency("so-nn-ptnt")
	if err != nil || nn.Name.Vi != "Sở Nông nghiệp và Môi trường" || len(nn.FormerNames) != 1 || !nn.FormerNames[0].Until.Equal(survey.DepartmentsMerged) {
		t.Errorf("so-nn-ptnt stored as %+v (%v)", nn, err)
	}
	if a, _ := cat.Agency("lam-binh"); a.Active || !a.Until.Equal(survey.TwoTierSince) {
		t.Errorf("lam-binh stored as %+v", a)
	}
	// The audit log holds the history's changes, once (the second Seed
	// wrote none).
	entries, err := s.Audit(ctx, "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	actions := map[string]int{}
	for _, e := range entries {
		if e.Actor == survey.SeedActor {
			actions[e.Action+" "+e.Target]++
		}
	}
	if len(entries) != len(survey.SeedAudit(time.Now())) || actions["agency_merge x-son-duong"] != 1 ||
		actions["agency_dissolve lam-binh"] != 1 || actions["agency_update so-nn-ptnt"] != 1 {
		t.Errorf("%d audit entries, want %d; seed's: %v", len(entries), len(survey.SeedAudit(time.Now())), actions)
	}
}

// TestSeedOldFolder: a folder seeded by an earlier version keeps its
// agencies exactly: the dated catalog is not mixed into it.
func TestSeedOldFolder(t *testing.T) {
	ctx := context.Background()
	s := storetest.New(t) // the earlier seed
	if err := s.Seed(ctx); err != nil {
		t.Fatal(err)
	}
	cat, err := s.Catalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(cat.Agencies) != len(survey.LegacySeedAgencies()) {
		t.Errorf("%d agencies after seeding an old folder, want its %d", len(cat.Agencies), len(survey.LegacySeedAgencies()))
	}
	if _, err := cat.Agency("x-son-duong"); err == nil {
		t.Errorf("a new commune was added to an old folder")
	}
	if a, _ := cat.Agency("so-tn-mt"); !a.Active || a.MergedInto != "" {
		t.Errorf("so-tn-mt of an old folder changed: %+v", a)
	}
	if entries, err := s.Audit(ctx, "", 10); err != nil || len(entries) != 0 {
		t.Errorf("audit of an old folder after seeding: %v (%v)", entries, err)
	}
}
