package survey

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

func assignDay(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

// catalogWithVersions is the seed catalog with sipas-2017 v2 (published),
// v3 (draft) and another form "a11" v1 (published).
func catalogWithVersions() *Catalog {
	cat := formsTestCatalog()
	v2, _ := Publish(NewDraft(SIPAS2017(), 2), cat, assignDay("2025-01-01"))
	v2.Title.En = "Version 2"
	v3 := NewDraft(SIPAS2017(), 3)
	a11 := NewDraft(SIPAS2017(), 1)
	a11.ID, a11.Key, a11.Published, a11.PublishedAt = "a11", "a11@1", true, assignDay("2025-01-01")
	cat.Forms = append(cat.Forms, v2, v3, a11)
	return cat
}

func TestFormFor(t *testing.T) {
	cat := catalogWithVersions()
	cat.Assignments = []Assignment{
		{Area: "dat-dai", FormID: DefaultFormID, Version: 2, From: assignDay("2025-03-01")},
		{Area: "dat-dai", FormID: DefaultFormID, Version: 1, From: assignDay("2025-06-01")},
		{Area: "dat-dai", FormID: "a11", Version: 1, From: assignDay("2025-09-01")},
		{Area: "xay-dung", FormID: DefaultFormID, Version: 3, From: assignDay("2025-01-01")}, // a draft: ignored
		{Area: AllAreas, FormID: DefaultFormID, Version: 1, From: assignDay("2017-10-10")},
		{Area: AllAreas, FormID: DefaultFormID, Version: 2, From: assignDay("2026-01-01")},
	}
	tests := []struct {
		area, at string
		id       string
		version  int
	}{
		{"dat-dai", "2025-02-28", DefaultFormID, 1}, // before its first: the default
		{"dat-dai", "2025-03-01", DefaultFormID, 2}, // from the day itself
		{"dat-dai", "2025-05-31", DefaultFormID, 2},
		{"dat-dai", "2025-06-01", DefaultFormID, 1}, // back to v1
		{"dat-dai", "2025-12-31", "a11", 1},
		{"dat-dai", "2027-01-01", "a11", 1}, // own assignment beats the default
		{"moi-truong", "2025-12-31", DefaultFormID, 1},
		{"moi-truong", "2026-01-01", DefaultFormID, 2}, // the default changes
		{"xay-dung", "2025-06-01", DefaultFormID, 1},   // assigned draft: falls back
	}
	for _, tc := range tests {
		f, err := cat.FormFor(tc.area, assignDay(tc.at))
		if err != nil {
			t.Fatalf("FormFor(%s, %s): %v", tc.area, tc.at, err)
		}
		if f.ID != tc.id || f.Version != tc.version {
			t.Errorf("FormFor(%s, %s) = %s@%d, want %s@%d", tc.area, tc.at, f.ID, f.Version, tc.id, tc.version)
		}
	}
}

func TestFormForWithoutAssignments(t *testing.T) {
	cat := catalogWithVersions()
	f, err := cat.FormFor("dat-dai", assignDay("2025-01-01"))
	if err != nil || f.Version != 2 {
		t.Errorf("FormFor = v%d, %v; want the newest published default (v2)", f.Version, err)
	}
	if _, err := (&Catalog{}).FormFor("dat-dai", time.Now()); !errors.Is(err, ErrNotFound) {
		t.Errorf("empty catalog: err = %v", err)
	}
}

func TestAddAssignment(t *testing.T) {
	a := func(v int, from string) Assignment {
		return Assignment{Area: "dat-dai", FormID: DefaultFormID, Version: v, From: assignDay(from)}
	}
	tl := AddAssignment(nil, a(2, "2025-06-01"))
	tl = AddAssignment(tl, a(1, "2025-01-01"))
	tl = AddAssignment(tl, a(3, "2025-06-01")) // same date: replaces
	want := []Assignment{a(1, "2025-01-01"), a(3, "2025-06-01")}
	if !reflect.DeepEqual(tl, want) {
		t.Errorf("timeline = %+v, want %+v", tl, want)
	}
}

func TestCheckAssignment(t *testing.T) {
	cat := catalogWithVersions()
	ok := Assignment{Area: "dat-dai", FormID: DefaultFormID, Version: 2, From: assignDay("2025-01-01")}
	tests := []struct {
		name string
		edit func(a *Assignment)
		want FieldErrors
	}{
		{"valid", func(*Assignment) {}, nil},
		{"default area", func(a *Assignment) { a.Area = AllAreas }, nil},
		{"unknown area", func(a *Assignment) { a.Area = "khong-co" }, FieldErrors{FieldArea: ProblemUnknown}},
		{"unknown version", func(a *Assignment) { a.Version = 9 }, FieldErrors{FieldVersion: ProblemUnknownForm}},
		{"unknown form", func(a *Assignment) { a.FormID = "x" }, FieldErrors{FieldVersion: ProblemUnknownForm}},
		{"draft", func(a *Assignment) { a.Version = 3 }, FieldErrors{FieldVersion: ProblemDraft}},
		{"no date", func(a *Assignment) { a.From = time.Time{} }, FieldErrors{FieldFrom: ProblemRequired}},
	}
	for _, tc := range tests {
		a := ok
		tc.edit(&a)
		if got := CheckAssignment(a, cat); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: CheckAssignment = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestPinBeforePublish(t *testing.T) {
	cat := formsTestCatalog()
	d := NewDraft(SIPAS2017(), 2)
	pin, ok := PinBeforePublish(cat, d)
	want := Assignment{Area: AllAreas, FormID: DefaultFormID, Version: 1, From: SIPAS2017().PublishedAt}
	if !ok || pin != want {
		t.Errorf("pin = %+v, %v; want %+v", pin, ok, want)
	}
	cat.Assignments = []Assignment{want}
	if _, ok := PinBeforePublish(cat, NewDraft(SIPAS2017(), 3)); ok {
		t.Error("pinned again although a default assignment exists")
	}
	other := NewDraft(SIPAS2017(), 2)
	other.ID = "a11"
	if _, ok := PinBeforePublish(formsTestCatalog(), other); ok {
		t.Error("pinned for a form that is not the default")
	}
}
