package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"hailong/survey"
	"hailong/survey/store/storetest"
)

// A year's points are written only over the revision read; the fixture
// loads once and leaves what exists alone; a published framework is not
// replaced.
func TestCCHCStore(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	added, err := s.LoadCCHCFixture(ctx)
	if err != nil || !slices.Equal(added, []string{"cchc@1", "2017", "2018"}) {
		t.Fatalf("load: %v %v", added, err)
	}
	if added, err = s.LoadCCHCFixture(ctx); err != nil || len(added) != 0 {
		t.Fatalf("load again: %v %v", added, err)
	}
	years, err := s.CCHCYears(ctx)
	if err != nil || !slices.Equal(years, []int{2017, 2018}) {
		t.Fatalf("years %v %v", years, err)
	}
	y, err := s.CCHCYear(ctx, 2018)
	if err != nil || y.Rev != 1 || len(y.Units) != 26 {
		t.Fatalf("2018: rev %d, %d units, %v", y.Rev, len(y.Units), err)
	}
	stale := y
	y.Units = y.Units[:1]
	if err := s.SaveCCHCYear(ctx, y); err != nil {
		t.Fatalf("save: %v", err)
	}
	if err := s.SaveCCHCYear(ctx, stale); !errors.Is(err, survey.ErrConflict) {
		t.Errorf("save over a newer revision: %v, want ErrConflict", err)
	}
	if y, _ = s.CCHCYear(ctx, 2018); y.Rev != 2 || len(y.Units) != 1 {
		t.Errorf("after the refused write: rev %d, %d units", y.Rev, len(y.Units))
	}
	if none, err := s.CCHCYear(ctx, 2030); err != nil || none.Rev != 0 || len(none.Units) != 0 {
		t.Errorf("a year without points: %+v %v", none, err)
	}
	fw, err := s.CCHCFramework(ctx, 1)
	if err != nil || !fw.Published || len(fw.Groups) != 2 {
		t.Fatalf("framework: %+v %v", fw, err)
	}
	if err := s.ReplaceCCHCDraft(ctx, fw); !errors.Is(err, survey.ErrPublished) {
		t.Errorf("replace a published framework: %v", err)
	}
	if err := s.ReplaceCCHCDraft(ctx, survey.CCHCFramework{Version: 7}); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("replace a missing framework: %v", err)
	}
}
