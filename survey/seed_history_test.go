package survey

import (
	"encoding/json"
	"slices"
	"testing"
	"time"
)

func seedCatalog() *Catalog {
	return &Catalog{Areas: SeedAreas(), Agencies: SeedAgencies(), Forms: SeedForms()}
}

func codesOn(cat *Catalog, day string) []string {
	d, ok := ParseDay(day)
	if !ok {
		panic(day)
	}
	var out []string
	for _, a := range cat.AgenciesOn(d) {
		out = append(out, a.Code)
	}
	return out
}

// TestSeedHistory: the seeded catalog is the 2026 province with its history,
// each record valid by the administration's own rules.
func TestSeedHistory(t *testing.T) {
	cat := seedCatalog()
	seen := map[string]bool{}
	for _, a := range cat.Agencies {
		if seen[a.Code] {
			t.Errorf("agency %q twice", a.Code)
		}
		seen[a.Code] = true
		if fe := CheckAgency(a, false, cat); fe != nil {
			t.Errorf("agency %q breaks the catalog's rules: %v", a.Code, fe)
		}
		if !a.Active && a.Until.IsZero() {
			t.Errorf("agency %q stopped without a date", a.Code)
		}
	}
	// Every agency of the earlier seed is still there, with its code.
	for _, a := range LegacySeedAgencies() {
		if !seen[a.Code] {
			t.Errorf("legacy agency %q missing", a.Code)
		}
	}

	now := codesOn(cat, "2026-01-01")
	for _, code := range now {
		a, _ := cat.Agency(code)
		if a.Level == LevelDistrict {
			t.Errorf("district %q active on 2026-01-01", code)
		}
		if !a.Active {
			t.Errorf("%q active on 2026-01-01 but not serving", code)
		}
	}
	for _, code := range []string{"so-nn-ptnt", "so-tai-chinh", "so-noi-vu", "so-xay-dung", "so-tu-phap", "p-minh-xuan", "x-son-duong", "x-thuong-lam", "ttpvhcc-tinh", "ttpvhcc-x-son-duong", "ttpvhcc-p-minh-xuan"} {
		if !slices.Contains(now, code) {
			t.Errorf("%q not active on 2026-01-01 (%v)", code, now)
		}
	}
	for _, code := range []string{"so-tn-mt", "so-ke-hoach-dau-tu", "so-giao-thong", "so-lao-dong", "tt-son-duong", "p-phan-thiet", "tt-na-hang", "lam-binh"} {
		if slices.Contains(now, code) {
			t.Errorf("%q still active on 2026-01-01", code)
		}
	}

	before := codesOn(cat, "2025-01-01")
	for _, code := range []string{"tp-tuyen-quang", "lam-binh", "na-hang", "chiem-hoa", "ham-yen", "yen-son", "son-duong", "so-tn-mt", "tt-son-duong", "x-hop-thanh", "ttpvhcc-tinh"} {
		if !slices.Contains(before, code) {
			t.Errorf("%q not active on 2025-01-01", code)
		}
	}
	for _, code := range []string{"x-son-duong", "p-minh-xuan", "so-noi-vu", "so-tai-chinh"} {
		if slices.Contains(before, code) {
			t.Errorf("%q active on 2025-01-01, before it existed", code)
		}
	}

	// The days of change: a district serves on 30 June, not on 1 July; the
	// new commune the other way round.
	if on := codesOn(cat, "2025-06-30"); !slices.Contains(on, "lam-binh") || slices.Contains(on, "x-son-duong") {
		t.Errorf("2025-06-30: %v", on)
	}
	if on := codesOn(cat, "2025-07-01"); slices.Contains(on, "lam-binh") || !slices.Contains(on, "x-son-duong") {
		t.Errorf("2025-07-01: %v", on)
	}

	// The merged department: renamed, with the old name kept, and its
	// predecessor linked both ways.
	nn, _ := cat.Agency("so-nn-ptnt")
	tn, _ := cat.Agency("so-tn-mt")
	if nn.Name.Vi != "Sở Nông nghiệp và Môi trường" || len(nn.FormerNames) != 1 ||
		nn.FormerNames[0].Name.Vi != "Sở Nông nghiệp và Phát triển nông thôn" || !nn.FormerNames[0].Until.Equal(DepartmentsMerged) {
		t.Errorf("so-nn-ptnt: %+v", nn)
	}
	if tn.MergedInto != "so-nn-ptnt" || !tn.Until.Equal(DepartmentsMerged) || !slices.Contains(nn.Predecessors, "so-tn-mt") {
		t.Errorf("so-tn-mt: %+v", tn)
	}
	for into, want := range map[string][]string{
		"so-nn-ptnt":   {"so-nn-ptnt", "so-tn-mt"},
		"so-tai-chinh": {"so-tai-chinh", "so-ke-hoach-dau-tu"},
		"so-xay-dung":  {"so-xay-dung", "so-giao-thong"},
		"so-noi-vu":    {"so-noi-vu", "so-lao-dong"},
		"x-son-duong":  {"x-son-duong", "tt-son-duong", "x-hop-thanh", "x-phuc-ung", "x-tu-thinh"},
		"p-minh-xuan":  {"p-minh-xuan", "p-phan-thiet"},
	} {
		if got := Lineage(cat, into); !slices.Equal(got, want) {
			t.Errorf("lineage of %s = %v, want %v", into, got, want)
		}
	}
	// Listed on a day, an agency bears the name it had then.
	for day, want := range map[string]string{"2025-02-28": "Sở Nông nghiệp và Phát triển nông thôn", "2025-03-01": "Sở Nông nghiệp và Môi trường"} {
		d, _ := ParseDay(day)
		i := slices.IndexFunc(cat.AgenciesOn(d), func(a Agency) bool { return a.Code == "so-nn-ptnt" })
		if i < 0 || cat.AgenciesOn(d)[i].Name.Vi != want {
			t.Errorf("so-nn-ptnt on %s is not named %q", day, want)
		}
	}
	// The merged department serves its predecessor's areas.
	for _, ar := range []string{"dat-dai", "moi-truong", "nong-nghiep"} {
		if !nn.Serves(ar) {
			t.Errorf("so-nn-ptnt does not serve %s", ar)
		}
	}
}

// TestSeedAgenciesAt: the history replayed to a date holds only the changes
// made by then.
func TestSeedAgenciesAt(t *testing.T) {
	all := func(as []Agency) bool {
		for _, a := range as {
			if !a.Active {
				return false
			}
		}
		return true
	}
	if as := SeedAgenciesAt(DepartmentsMerged.Add(-time.Second)); !all(as) || len(as) != len(LegacySeedAgencies())+len(seedBefore()) {
		t.Errorf("before the reorganisation: %d agencies, all serving %v", len(as), all(as))
	}
	mid := &Catalog{Agencies: SeedAgenciesAt(DepartmentsMerged)}
	if a, _ := mid.Agency("so-tn-mt"); a.Active {
		t.Errorf("so-tn-mt still serving on %v", DepartmentsMerged)
	}
	if a, _ := mid.Agency("lam-binh"); !a.Active {
		t.Errorf("lam-binh dissolved already on %v", DepartmentsMerged)
	}
	if _, err := mid.Agency("x-son-duong"); err == nil {
		t.Errorf("x-son-duong exists on %v", DepartmentsMerged)
	}
}

// TestDemoFollowsTheCatalogsDates: a demo over the seeded catalog rates only
// agencies serving at each response's time, so it crosses the change: the
// districts and old communes before 1 July 2025, the new communes after.
func TestDemoFollowsTheCatalogsDates(t *testing.T) {
	cat := seedCatalog()
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	count := map[string][2]int{} // agency → responses before, after TwoTierSince
	err := DemoResponses(cat, now, 1500, 7, func(r Response) error {
		a, err := cat.Agency(r.Agency)
		if err != nil || !a.ActiveAt(r.SubmittedAt) {
			t.Errorf("response of %s for %s, which did not serve then", r.SubmittedAt, r.Agency)
		}
		if r.Agency == "so-xay-dung" && r.Area == "giao-thong" && r.SubmittedAt.Before(DepartmentsMerged) {
			t.Errorf("transport rated at so-xay-dung on %s, while so-giao-thong served", r.SubmittedAt)
		}
		c := count[r.Agency]
		if r.SubmittedAt.Before(TwoTierSince) {
			c[0]++
		} else {
			c[1]++
		}
		count[r.Agency] = c
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{"lam-binh", "tt-son-duong", "so-tn-mt"} {
		if count[code][0] == 0 {
			t.Errorf("no response for %s before its end: %v", code, count[code])
		}
	}
	for _, code := range []string{"x-son-duong", "so-nn-ptnt", "ttpvhcc-x-son-duong"} {
		if count[code][1] == 0 {
			t.Errorf("no response for %s after the change: %v", code, count[code])
		}
	}
}

// TestSeedAudit: one audit entry per change of the seeded history, with the
// records the administration writes for it.
func TestSeedAudit(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	entries := SeedAudit(now)
	if len(entries) != len(seedSteps()) {
		t.Fatalf("%d entries for %d changes", len(entries), len(seedSteps()))
	}
	var merge *AuditEntry
	for i, e := range entries {
		if e.Actor != SeedActor || !e.At.Equal(now) || e.Target == "" || e.After == "" {
			t.Errorf("entry %d: %+v", i, e)
		}
		if e.Action == "agency_merge" && e.Target == "x-son-duong" {
			merge = &entries[i]
		}
	}
	if merge == nil {
		t.Fatal("no merge into x-son-duong audited")
	}
	var after []Agency
	if err := json.Unmarshal([]byte(merge.After), &after); err != nil {
		t.Fatal(err)
	}
	if len(after) != 5 || after[4].Code != "x-son-duong" || len(after[4].Predecessors) != 4 || after[0].MergedInto != "x-son-duong" {
		t.Errorf("merge into x-son-duong audited as %s", merge.After)
	}
}
