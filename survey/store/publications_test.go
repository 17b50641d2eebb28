package store_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"hailong/survey"
	"hailong/survey/store/storetest"
)

// Publishing the same period at once from several requests gives each its
// own revision, 1 to n, none lost and none twice; listings leave the content
// out; a revision reads back as written.
func TestInsertPublicationRevisions(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	if _, err := s.LatestPublication(ctx, "2025-Q3", survey.BasisAll); !errors.Is(err, survey.ErrNotFound) {
		t.Fatalf("latest of nothing: %v, want ErrNotFound", err)
	}
	const n = 4
	var wg sync.WaitGroup
	revs := make([]int, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := s.InsertPublication(ctx, "2025-Q3", survey.BasisAll, func(prev *survey.Publication) (survey.Publication, error) {
				p := survey.Publication{Period: "2025-Q3", Basis: survey.BasisAll, Revision: 1, PublishedAt: time.Now().UTC(), Content: `{"n":1}`, SHA256: "x"}
				if prev != nil {
					p.Revision = prev.Revision + 1
					p.Diff = &survey.PublicationDiff{FromRevision: prev.Revision, Reason: survey.ChangeUnchanged, Units: []survey.UnitMove{}}
				}
				return p, nil
			})
			revs[i], errs[i] = p.Revision, err
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("concurrent publish: %v", err)
		}
	}
	slices.Sort(revs)
	if !slices.Equal(revs, []int{1, 2, 3, 4}) {
		t.Fatalf("revisions %v, want 1 to 4", revs)
	}
	latest, err := s.LatestPublication(ctx, "2025-Q3", survey.BasisAll)
	if err != nil || latest.Revision != n || latest.Content != `{"n":1}` || latest.Diff == nil || latest.Diff.FromRevision != n-1 {
		t.Fatalf("latest: %+v %v", latest, err)
	}
	one, err := s.Publication(ctx, "2025-Q3", survey.BasisAll, 1)
	if err != nil || one.ID != "2025-Q3|all|1" || one.Key != "2025-Q3|all" || one.Diff != nil {
		t.Fatalf("revision 1: %+v %v", one, err)
	}
	if _, err := s.Publication(ctx, "2025-Q3", survey.BasisAll, 9); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("revision 9: %v, want ErrNotFound", err)
	}
	all, err := s.Publications(ctx)
	if err != nil || len(all) != n {
		t.Fatalf("list: %d, %v", len(all), err)
	}
	for _, p := range all {
		if p.Content != "" {
			t.Errorf("the listing carries the content of revision %d", p.Revision)
		}
	}
}
