package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"hailong/survey"
	"hailong/survey/store/storetest"
)

func TestFormVersionsLifecycle(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()

	v1, err := s.Form(ctx, survey.DefaultFormID, 1)
	if err != nil || !v1.Published || v1.Key != "sipas-2017@1" {
		t.Fatalf("seeded v1: %+v, %v", v1.Key, err)
	}
	if _, err := s.Form(ctx, survey.DefaultFormID, 9); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("missing version: err = %v, want ErrNotFound", err)
	}

	d := survey.NewDraft(v1, 2)
	if err := s.InsertForm(ctx, d); err != nil {
		t.Fatalf("insert draft: %v", err)
	}
	if err := s.InsertForm(ctx, d); !errors.Is(err, survey.ErrDuplicate) {
		t.Errorf("insert the same version again: err = %v, want ErrDuplicate", err)
	}

	// A draft can be replaced any number of times; the catalog sees it at once.
	d.Factors[0].Criteria[0].Text.Vi = "Nơi ngồi chờ rộng rãi"
	if err := s.ReplaceDraft(ctx, d); err != nil {
		t.Fatalf("replace draft: %v", err)
	}
	got, err := s.Form(ctx, survey.DefaultFormID, 2)
	if err != nil || got.Factors[0].Criteria[0].Text.Vi != "Nơi ngồi chờ rộng rãi" || got.Published {
		t.Fatalf("stored draft: %+v, %v", got.Factors[0].Criteria[0], err)
	}
	cat, err := s.Catalog(ctx)
	if err != nil || len(cat.Forms) != 2 {
		t.Fatalf("catalog forms = %d, %v; want 2 (drafts included)", len(cat.Forms), err)
	}
	if _, err := cat.FormVersion(survey.DefaultFormID, 2); !errors.Is(err, survey.ErrNotFound) {
		t.Error("a draft is offered as a published version")
	}

	// Publishing is the last replacement.
	cat2 := *cat
	p, err := survey.Publish(got, &cat2, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ReplaceDraft(ctx, p); err != nil {
		t.Fatalf("publish: %v", err)
	}
	got.Title.Vi = "Sửa sau khi ban hành"
	if err := s.ReplaceDraft(ctx, got); !errors.Is(err, survey.ErrPublished) {
		t.Errorf("replace a published version: err = %v, want ErrPublished", err)
	}
	if err := s.ReplaceDraft(ctx, v1); !errors.Is(err, survey.ErrPublished) {
		t.Errorf("replace the seeded version: err = %v, want ErrPublished", err)
	}
	stored, _ := s.Form(ctx, survey.DefaultFormID, 2)
	if stored.Title.Vi == "Sửa sau khi ban hành" || !stored.Published {
		t.Error("a published version was changed")
	}
	if err := s.ReplaceDraft(ctx, survey.NewDraft(v1, 5)); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("replace a missing version: err = %v, want ErrNotFound", err)
	}

	forms, err := s.Forms(ctx)
	if err != nil || len(forms) != 2 || forms[0].Version != 1 || forms[1].Version != 2 {
		t.Errorf("Forms = %d, %v", len(forms), err)
	}
}

// Two administrators creating "the next version" at once: exactly one gets
// each number (claim-by-insert).
func TestInsertFormClaimsVersionOnce(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	d := survey.NewDraft(survey.SIPAS2017(), 2)
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, dup := 0, 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := s.InsertForm(ctx, d)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errors.Is(err, survey.ErrDuplicate):
				dup++
			default:
				t.Errorf("insert: %v", err)
			}
		}()
	}
	wg.Wait()
	if ok != 1 || dup != 7 {
		t.Errorf("created %d, duplicates %d; want 1 and 7", ok, dup)
	}
}

func TestAssignments(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	day := func(d string) time.Time {
		t, _ := time.Parse("2006-01-02", d)
		return t
	}
	if as, err := s.Assignments(ctx); err != nil || len(as) != 0 {
		t.Fatalf("fresh assignments = %v, %v", as, err)
	}
	if tl, err := s.AreaAssignments(ctx, "dat-dai"); err != nil || len(tl) != 0 {
		t.Fatalf("fresh area timeline = %v, %v", tl, err)
	}
	// Publish v2 so it can be in force.
	v2, _ := survey.Publish(survey.NewDraft(survey.SIPAS2017(), 2), nil, day("2025-01-01"))
	if err := s.InsertForm(ctx, v2); err != nil {
		t.Fatal(err)
	}
	a := func(area string, v int, from string) survey.Assignment {
		return survey.Assignment{Area: area, FormID: survey.DefaultFormID, Version: v, From: day(from)}
	}
	tl := survey.AddAssignment(nil, a("dat-dai", 2, "2025-03-01"))
	if err := s.SetAssignment(ctx, "dat-dai", tl); err != nil {
		t.Fatalf("first set: %v", err)
	}
	tl = survey.AddAssignment(tl, a("dat-dai", 1, "2025-01-01"))
	if err := s.SetAssignment(ctx, "dat-dai", tl); err != nil {
		t.Fatalf("second set: %v", err)
	}
	if err := s.SetAssignment(ctx, survey.AllAreas, []survey.Assignment{a(survey.AllAreas, 1, "2017-10-10")}); err != nil {
		t.Fatal(err)
	}
	got, err := s.AreaAssignments(ctx, "dat-dai")
	if err != nil || len(got) != 2 || got[0].Version != 1 || got[1].Version != 2 || got[1].Area != "dat-dai" ||
		!got[1].From.Equal(day("2025-03-01")) {
		t.Fatalf("dat-dai timeline = %+v, %v", got, err)
	}
	all, err := s.Assignments(ctx)
	if err != nil || len(all) != 3 {
		t.Fatalf("all assignments = %+v, %v", all, err)
	}
	// The catalog carries them and the version in force follows them.
	cat, err := s.Catalog(ctx)
	if err != nil || len(cat.Assignments) != 3 {
		t.Fatalf("catalog assignments = %d, %v", len(cat.Assignments), err)
	}
	for _, tc := range []struct {
		area, at string
		want     int
	}{{"dat-dai", "2025-02-01", 1}, {"dat-dai", "2025-03-01", 2}, {"moi-truong", "2025-03-01", 1}} {
		f, err := cat.FormFor(tc.area, day(tc.at))
		if err != nil || f.Version != tc.want {
			t.Errorf("FormFor(%s, %s) = v%d, %v; want v%d", tc.area, tc.at, f.Version, err, tc.want)
		}
	}
}
