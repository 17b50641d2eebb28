package survey

import (
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// adminCatalog is the seeded catalog plus a chain of parents
// (ch-top ← ch-mid ← ch-low) and an agency that no longer serves.
func adminCatalog() *Catalog {
	cat := &Catalog{Areas: SeedAreas(), Agencies: LegacySeedAgencies(), Forms: SeedForms()}
	cat.Agencies = append(cat.Agencies,
		Agency{Code: "ch-top", Name: Text{"Trên", "Top"}, Level: LevelDistrict, Areas: []string{"dat-dai"}, Active: true},
		Agency{Code: "ch-mid", Name: Text{"Giữa", "Mid"}, Level: LevelCommune, Parent: "ch-top", Areas: []string{"dat-dai"}, Active: true},
		Agency{Code: "ch-low", Name: Text{"Dưới", "Low"}, Level: LevelCommune, Parent: "ch-mid", Areas: []string{"dat-dai"}, Active: true},
		Agency{Code: "so-cu", Name: Text{"Sở cũ", "Old"}, Level: LevelDepartment, Areas: []string{"tu-phap"}, Active: false},
	)
	return cat
}

func agencyOf(t *testing.T, cat *Catalog, code string) Agency {
	t.Helper()
	a, err := cat.Agency(code)
	if err != nil {
		t.Fatalf("agency %s: %v", code, err)
	}
	return a
}

// checkFE compares field errors, nil meaning none.
func checkFE(t *testing.T, what string, got, want FieldErrors) {
	t.Helper()
	if len(want) == 0 {
		if got != nil {
			t.Errorf("%s: %v, want nil", what, got)
		}
		return
	}
	if !maps.Equal(got, want) {
		t.Errorf("%s: %v, want %v", what, got, want)
	}
}

func TestValidCode(t *testing.T) {
	for code, want := range map[string]bool{
		"ab": true, "so-tu-phap": true, "x1": true, "1x": true, strings.Repeat("a", 40): true,
		"": false, "a": false, "-ab": false, "Ab": false, "a_b": false, "a.b": false, "a b": false,
		"sở": false, strings.Repeat("a", 41): false, "a$": false, "a/b": false,
	} {
		if got := ValidCode(code); got != want {
			t.Errorf("ValidCode(%q) = %v, want %v", code, got, want)
		}
	}
}

func TestCheckAgency(t *testing.T) {
	cat := adminCatalog()
	newAgency := func(edit func(*Agency)) Agency {
		a := Agency{Code: "so-moi", Name: Text{"Sở Mới", "New"}, Level: LevelDepartment, Areas: []string{"tu-phap"}, Active: true}
		if edit != nil {
			edit(&a)
		}
		return a
	}
	existing := func(code string, edit func(*Agency)) Agency {
		a := agencyOf(t, cat, code)
		if edit != nil {
			edit(&a)
		}
		return a
	}
	for _, tc := range []struct {
		name  string
		a     Agency
		isNew bool
		want  FieldErrors
	}{
		{"valid new", newAgency(nil), true, nil},
		{"valid new with a parent", newAgency(func(a *Agency) { a.Parent = "ch-low"; a.Level = LevelCommune }), true, nil},
		{"every level", newAgency(func(a *Agency) { a.Level = LevelProvinceBody }), true, nil},
		{"empty code", newAgency(func(a *Agency) { a.Code = "" }), true, FieldErrors{FieldCode: ProblemInvalid}},
		{"upper-case code", newAgency(func(a *Agency) { a.Code = "So-Moi" }), true, FieldErrors{FieldCode: ProblemInvalid}},
		{"code with operator", newAgency(func(a *Agency) { a.Code = "$where" }), true, FieldErrors{FieldCode: ProblemInvalid}},
		{"duplicate code", newAgency(func(a *Agency) { a.Code = "so-tu-phap" }), true, FieldErrors{FieldCode: ProblemDuplicate}},
		{"duplicate of an inactive agency", newAgency(func(a *Agency) { a.Code = "so-cu" }), true, FieldErrors{FieldCode: ProblemDuplicate}},
		{"edit keeps its code", existing("so-tu-phap", nil), false, nil},
		{"no names", newAgency(func(a *Agency) { a.Name = Text{} }), true, FieldErrors{FieldNameVi: ProblemRequired, FieldNameEn: ProblemRequired}},
		{"blank Vietnamese name", newAgency(func(a *Agency) { a.Name.Vi = " \t " }), true, FieldErrors{FieldNameVi: ProblemRequired}},
		{"blank English name", newAgency(func(a *Agency) { a.Name.En = "  " }), true, FieldErrors{FieldNameEn: ProblemRequired}},
		{"no level", newAgency(func(a *Agency) { a.Level = "" }), true, FieldErrors{FieldLevel: ProblemInvalid}},
		{"unknown level", newAgency(func(a *Agency) { a.Level = "ministry" }), true, FieldErrors{FieldLevel: ProblemInvalid}},
		{"unknown parent", newAgency(func(a *Agency) { a.Parent = "no-such" }), true, FieldErrors{FieldParent: ProblemUnknown}},
		{"parent is itself", existing("ch-top", func(a *Agency) { a.Parent = "ch-top" }), false, FieldErrors{FieldParent: ProblemCycle}},
		{"parent is its child", existing("ch-top", func(a *Agency) { a.Parent = "ch-mid" }), false, FieldErrors{FieldParent: ProblemCycle}},
		{"parent is its grandchild", existing("ch-top", func(a *Agency) { a.Parent = "ch-low" }), false, FieldErrors{FieldParent: ProblemCycle}},
		{"middle re-parented below itself", existing("ch-mid", func(a *Agency) { a.Parent = "ch-low" }), false, FieldErrors{FieldParent: ProblemCycle}},
		{"re-parent without cycle", existing("ch-low", func(a *Agency) { a.Parent = "ch-top" }), false, nil},
		{"parent removed", existing("ch-low", func(a *Agency) { a.Parent = "" }), false, nil},
		{"no areas", newAgency(func(a *Agency) { a.Areas = nil }), true, FieldErrors{FieldAreas: ProblemRequired}},
		{"empty areas", newAgency(func(a *Agency) { a.Areas = []string{} }), true, FieldErrors{FieldAreas: ProblemRequired}},
		{"unknown area", newAgency(func(a *Agency) { a.Areas = []string{"tu-phap", "no-such"} }), true, FieldErrors{FieldAreas: ProblemUnknown}},
		{"everything wrong", Agency{Code: "X", Level: "x", Parent: "nobody", Areas: []string{"nowhere"}}, true, FieldErrors{
			FieldCode: ProblemInvalid, FieldNameVi: ProblemRequired, FieldNameEn: ProblemRequired,
			FieldLevel: ProblemInvalid, FieldParent: ProblemUnknown, FieldAreas: ProblemUnknown,
		}},
	} {
		checkFE(t, tc.name, CheckAgency(tc.a, tc.isNew, cat), tc.want)
	}
}

func TestCheckAgencyParentCycleInData(t *testing.T) {
	// A cycle already in the data (written by hand) must not hang the check.
	cat := &Catalog{Areas: SeedAreas(), Agencies: []Agency{
		{Code: "loop-a", Parent: "loop-b"}, {Code: "loop-b", Parent: "loop-a"},
	}}
	a := Agency{Code: "new-one", Name: Text{"A", "A"}, Level: LevelCommune, Parent: "loop-a", Areas: []string{"dat-dai"}}
	done := make(chan FieldErrors, 1)
	go func() { done <- CheckAgency(a, true, cat) }()
	select {
	case fe := <-done:
		checkFE(t, "parent in a cycle", fe, FieldErrors{FieldParent: ProblemCycle})
	case <-time.After(5 * time.Second):
		t.Fatal("CheckAgency does not return on a cycle of parents in the data")
	}
}

func TestRename(t *testing.T) {
	at := time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
	later := at.AddDate(1, 0, 0)
	orig := Agency{Code: "so-a", Name: Text{"Sở A", "Dept A"}, Level: LevelDepartment, Areas: []string{"tu-phap"}, Active: true}

	same := Rename(orig, orig.Name, at)
	if !reflect.DeepEqual(same, orig) {
		t.Errorf("Rename to the same name = %+v, want unchanged", same)
	}

	once := Rename(orig, Text{"Sở B", "Dept B"}, at)
	if once.Name != (Text{"Sở B", "Dept B"}) {
		t.Errorf("name = %+v", once.Name)
	}
	if want := []FormerName{{Name: Text{"Sở A", "Dept A"}, Until: at}}; !reflect.DeepEqual(once.FormerNames, want) {
		t.Errorf("former names = %+v, want %+v", once.FormerNames, want)
	}
	if once.Code != orig.Code || once.Level != orig.Level || !once.Active || !slices.Equal(once.Areas, orig.Areas) {
		t.Errorf("rename changed other fields: %+v", once)
	}
	if orig.Name.Vi != "Sở A" || orig.FormerNames != nil {
		t.Errorf("rename changed its argument: %+v", orig)
	}

	// Only the English name changes: still a rename.
	en := Rename(orig, Text{"Sở A", "Department A"}, at)
	if len(en.FormerNames) != 1 || en.FormerNames[0].Name.En != "Dept A" {
		t.Errorf("English-only rename: %+v", en.FormerNames)
	}

	twice := Rename(once, Text{"Sở C", "Dept C"}, later)
	want := []FormerName{{Name: Text{"Sở A", "Dept A"}, Until: at}, {Name: Text{"Sở B", "Dept B"}, Until: later}}
	if !reflect.DeepEqual(twice.FormerNames, want) {
		t.Errorf("two renames: former names %+v, want %+v", twice.FormerNames, want)
	}
	// Renaming a copy must not write into the other's history (shared backing array).
	withRoom := once
	withRoom.FormerNames = make([]FormerName, 1, 8)
	copy(withRoom.FormerNames, once.FormerNames)
	x := Rename(withRoom, Text{"X", "X"}, later)
	y := Rename(withRoom, Text{"Y", "Y"}, later)
	if x.FormerNames[1].Name.Vi != "Sở B" || y.FormerNames[1].Name.Vi != "Sở B" || len(withRoom.FormerNames) != 1 {
		t.Errorf("renames share history: %+v / %+v", x.FormerNames, y.FormerNames)
	}
	if x.Name.Vi != "X" || y.Name.Vi != "Y" {
		t.Errorf("names %q, %q", x.Name.Vi, y.Name.Vi)
	}
}

func TestDissolve(t *testing.T) {
	at := time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
	orig := Agency{Code: "x-a", Name: Text{"Xã A", "A"}, Level: LevelCommune, Parent: "huyen", Areas: []string{"dat-dai"}, Active: true,
		Predecessors: []string{"x-b"}}
	d := Dissolve(orig, at)
	if d.Active || !d.Until.Equal(at) || d.MergedInto != "" {
		t.Errorf("dissolved = %+v", d)
	}
	if d.Code != orig.Code || d.Name != orig.Name || d.Parent != orig.Parent || !slices.Equal(d.Areas, orig.Areas) || !slices.Equal(d.Predecessors, orig.Predecessors) {
		t.Errorf("dissolve changed other fields: %+v", d)
	}
	if !orig.Active || !orig.Until.IsZero() {
		t.Errorf("dissolve changed its argument")
	}
}

func TestMerge(t *testing.T) {
	at := time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		from []string
		into string
		at   time.Time
		want FieldErrors
	}{
		{"into itself", []string{"so-giao-thong", "so-tn-mt"}, "so-tn-mt", at, FieldErrors{FieldFrom: ProblemSelfMerge}},
		{"only into itself", []string{"so-tn-mt"}, "so-tn-mt", at, FieldErrors{FieldFrom: ProblemSelfMerge}},
		{"into unknown", []string{"so-giao-thong"}, "no-such", at, FieldErrors{FieldInto: ProblemUnknown}},
		{"into empty", []string{"so-giao-thong"}, "", at, FieldErrors{FieldInto: ProblemUnknown}},
		{"into inactive", []string{"so-giao-thong"}, "so-cu", at, FieldErrors{FieldInto: ProblemInactive}},
		{"from nothing", nil, "so-tn-mt", at, FieldErrors{FieldFrom: ProblemRequired}},
		{"from unknown", []string{"so-giao-thong", "no-such"}, "so-tn-mt", at, FieldErrors{FieldFrom: ProblemUnknown}},
		{"from inactive", []string{"so-cu"}, "so-tn-mt", at, FieldErrors{FieldFrom: ProblemInactive}},
		{"no date", []string{"so-giao-thong"}, "so-tn-mt", time.Time{}, FieldErrors{FieldDate: ProblemRequired}},
		{"all wrong", nil, "no-such", time.Time{}, FieldErrors{FieldInto: ProblemUnknown, FieldFrom: ProblemRequired, FieldDate: ProblemRequired}},
	} {
		cat := adminCatalog()
		before := cloneAgencies(cat.Agencies)
		got, fe := Merge(cat, tc.from, tc.into, tc.at, false)
		checkFE(t, tc.name, fe, tc.want)
		if got != nil {
			t.Errorf("%s: changed agencies %+v returned with an error", tc.name, got)
		}
		if !reflect.DeepEqual(cat.Agencies, before) {
			t.Errorf("%s: the catalog was modified", tc.name)
		}
	}
}

func TestMergeResult(t *testing.T) {
	at := time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
	cat := adminCatalog()
	// A survivor that already has a predecessor, and slices with spare
	// capacity: the catalog's copy must stay untouched all the same.
	for i := range cat.Agencies {
		if cat.Agencies[i].Code == "so-tn-mt" {
			cat.Agencies[i].Predecessors = append(make([]string, 0, 8), "so-cu")
			cat.Agencies[i].Areas = append(make([]string, 0, 8), cat.Agencies[i].Areas...)
		}
	}
	before := cloneAgencies(cat.Agencies)

	got, fe := Merge(cat, []string{"so-giao-thong", "so-xay-dung", "so-giao-thong"}, "so-tn-mt", at, false)
	if fe != nil {
		t.Fatalf("Merge: %v", fe)
	}
	var codes []string
	for _, a := range got {
		codes = append(codes, a.Code)
	}
	if want := []string{"so-giao-thong", "so-xay-dung", "so-tn-mt"}; !slices.Equal(codes, want) {
		t.Fatalf("changed agencies %v, want %v (each once, the survivor last)", codes, want)
	}
	for _, a := range got[:2] {
		orig := agencyOf(t, cat, a.Code)
		if a.Active || a.MergedInto != "so-tn-mt" || !a.Until.Equal(at) {
			t.Errorf("%s: active %v mergedInto %q until %v", a.Code, a.Active, a.MergedInto, a.Until)
		}
		if a.Name != orig.Name || !slices.Equal(a.Areas, orig.Areas) || a.Level != orig.Level {
			t.Errorf("%s: merger changed its record: %+v", a.Code, a)
		}
	}
	s := got[2]
	if !s.Active || s.MergedInto != "" || !s.Until.IsZero() {
		t.Errorf("survivor: %+v", s)
	}
	if want := []string{"so-cu", "so-giao-thong", "so-xay-dung"}; !slices.Equal(s.Predecessors, want) {
		t.Errorf("survivor predecessors %v, want %v", s.Predecessors, want)
	}
	if want := []string{"dat-dai", "moi-truong", "giao-thong", "xay-dung"}; !slices.Equal(s.Areas, want) {
		t.Errorf("survivor areas %v, want %v (its own, then the new ones once)", s.Areas, want)
	}
	if !reflect.DeepEqual(cat.Agencies, before) {
		t.Errorf("Merge modified the catalog it was given")
	}
}

func cloneAgencies(as []Agency) []Agency {
	out := make([]Agency, len(as))
	for i, a := range as {
		a.Areas = slices.Clone(a.Areas)
		a.Predecessors = slices.Clone(a.Predecessors)
		a.FormerNames = slices.Clone(a.FormerNames)
		out[i] = a
	}
	return out
}

// applyMerge stores a merger's result in the catalog, as the store does.
func applyMerge(t *testing.T, cat *Catalog, from []string, into string, at time.Time) {
	t.Helper()
	changed, fe := Merge(cat, from, into, at, true) // the lineage fixtures cross levels on purpose
	if fe != nil {
		t.Fatalf("Merge(%v into %s): %v", from, into, fe)
	}
	for _, c := range changed {
		for i := range cat.Agencies {
			if cat.Agencies[i].Code == c.Code {
				cat.Agencies[i] = c
			}
		}
	}
}

func TestLineage(t *testing.T) {
	day := func(m int) time.Time { return time.Date(2025, time.Month(m), 1, 0, 0, 0, 0, time.UTC) }

	// The 2025 reorganisation in steps: communes merged into a town, then
	// districts and the town into the city, then the city into a province body.
	cat := adminCatalog()
	applyMerge(t, cat, []string{"x-thuong-lam"}, "lam-binh", day(3))
	applyMerge(t, cat, []string{"tt-na-hang", "tt-son-duong"}, "na-hang", day(4))
	applyMerge(t, cat, []string{"lam-binh", "na-hang"}, "tp-tuyen-quang", day(5))
	applyMerge(t, cat, []string{"tp-tuyen-quang", "so-tu-phap"}, "so-lao-dong", day(7))

	for _, tc := range []struct {
		code string
		want []string
	}{
		{"so-cong-thuong", []string{"so-cong-thuong"}},
		{"x-thuong-lam", []string{"x-thuong-lam"}},
		{"lam-binh", []string{"lam-binh", "x-thuong-lam"}},
		{"na-hang", []string{"na-hang", "tt-na-hang", "tt-son-duong"}},
		{"tp-tuyen-quang", []string{"tp-tuyen-quang", "lam-binh", "na-hang", "x-thuong-lam", "tt-na-hang", "tt-son-duong"}},
		{"so-lao-dong", []string{"so-lao-dong", "tp-tuyen-quang", "so-tu-phap", "lam-binh", "na-hang", "x-thuong-lam", "tt-na-hang", "tt-son-duong"}},
		{"no-such", []string{"no-such"}},
	} {
		if got := Lineage(cat, tc.code); !slices.Equal(got, tc.want) {
			t.Errorf("Lineage(%s) = %v, want %v", tc.code, got, tc.want)
		}
	}

	// Hand-made data: a predecessor listed twice, through two paths, a
	// cycle, an unknown predecessor: each agency once, and it ends.
	odd := &Catalog{Agencies: []Agency{
		{Code: "a", Predecessors: []string{"b", "c", "b"}},
		{Code: "b", Predecessors: []string{"d"}},
		{Code: "c", Predecessors: []string{"d", "a"}},
		{Code: "d", Predecessors: []string{"gone"}},
	}}
	if got, want := Lineage(odd, "a"), []string{"a", "b", "c", "d", "gone"}; !slices.Equal(got, want) {
		t.Errorf("Lineage of odd data = %v, want %v", got, want)
	}
}

func TestCheckArea(t *testing.T) {
	cat := adminCatalog()
	for _, tc := range []struct {
		name  string
		a     Area
		isNew bool
		want  FieldErrors
	}{
		{"valid new", Area{Code: "y-te", Name: Text{"Y tế", "Health"}, Order: 10}, true, nil},
		{"edit existing", Area{Code: "dat-dai", Name: Text{"Đất đai (mới)", "Land (new)"}}, false, nil},
		{"duplicate", Area{Code: "dat-dai", Name: Text{"Đất", "Land"}}, true, FieldErrors{FieldCode: ProblemDuplicate}},
		{"bad code", Area{Code: "Y Te", Name: Text{"Y tế", "Health"}}, true, FieldErrors{FieldCode: ProblemInvalid}},
		{"empty code", Area{Name: Text{"Y tế", "Health"}}, true, FieldErrors{FieldCode: ProblemInvalid}},
		{"operator code", Area{Code: "$gt", Name: Text{"Y tế", "Health"}}, true, FieldErrors{FieldCode: ProblemInvalid}},
		{"no names", Area{Code: "y-te"}, true, FieldErrors{FieldNameVi: ProblemRequired, FieldNameEn: ProblemRequired}},
		{"blank English", Area{Code: "y-te", Name: Text{"Y tế", " "}}, true, FieldErrors{FieldNameEn: ProblemRequired}},
	} {
		checkFE(t, tc.name, CheckArea(tc.a, tc.isNew, cat), tc.want)
	}
}

// The example: a district with 600 responses at 86 % merged into a
// commune with 40 at 70 % would rank as a commune at 85.0 %. A merge across
// levels is refused unless asked for, and then the survivor's level holds.
func TestMergeAcrossLevels(t *testing.T) {
	at := time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
	cat := adminCatalog()
	got, fe := Merge(cat, []string{"ch-top"}, "ch-mid", at, false)
	checkFE(t, "district into commune", fe, FieldErrors{FieldFrom: ProblemCrossLevel})
	if got != nil {
		t.Errorf("changed agencies %+v returned with an error", got)
	}
	got, fe = Merge(cat, []string{"ch-top"}, "ch-mid", at, true)
	if fe != nil {
		t.Fatalf("crossLevel merge refused: %v", fe)
	}
	if last := got[len(got)-1]; last.Code != "ch-mid" || last.Level != LevelCommune {
		t.Errorf("survivor = %+v, want ch-mid at the commune level", last)
	}
	if _, fe := Merge(cat, []string{"ch-low"}, "ch-mid", at, false); fe != nil {
		t.Errorf("a merge within one level is refused: %v", fe)
	}
}
