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

// Concurrent CCHC publishes of one year take successive revisions (the
// second insert fails on the _id and retries); listings leave the content
// out and order the latest year first, revisions oldest first.
func TestInsertCCHCPublicationRevisions(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	if _, err := s.LatestCCHCPublication(ctx, 2018); !errors.Is(err, survey.ErrNotFound) {
		t.Fatalf("latest of nothing: %v, want ErrNotFound", err)
	}
	publish := func(year int) (survey.CCHCPublication, error) {
		return s.InsertCCHCPublication(ctx, year, func(prev *survey.CCHCPublication) (survey.CCHCPublication, error) {
			p := survey.CCHCPublication{Revision: 1, PublishedAt: time.Now().UTC(), Content: `{"year":1}`, SHA256: "x"}
			if prev != nil {
				p.Revision = prev.Revision + 1
			}
			return p, nil
		})
	}
	const n = 4
	var wg sync.WaitGroup
	revs := make([]int, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := publish(2018)
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
	if _, err := publish(2017); err != nil {
		t.Fatal(err)
	}
	latest, err := s.LatestCCHCPublication(ctx, 2018)
	if err != nil || latest.Revision != n || latest.Year != 2018 || latest.Content != `{"year":1}` {
		t.Fatalf("latest: %+v %v", latest, err)
	}
	one, err := s.CCHCPublication(ctx, 2018, 1)
	if err != nil || one.ID != "cchc|2018|1" {
		t.Fatalf("revision 1: %+v %v", one, err)
	}
	if _, err := s.CCHCPublication(ctx, 2018, 9); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("revision 9: %v, want ErrNotFound", err)
	}
	all, err := s.CCHCPublications(ctx)
	if err != nil || len(all) != n+1 {
		t.Fatalf("list: %d, %v", len(all), err)
	}
	var order []int
	for _, p := range all {
		if p.Content != "" {
			t.Errorf("the listing carries the content of %s", p.ID)
		}
		order = append(order, p.Year*10+p.Revision)
	}
	if !slices.Equal(order, []int{20181, 20182, 20183, 20184, 20171}) {
		t.Errorf("listing order %v", order)
	}
}
