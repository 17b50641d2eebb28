package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"hailong/survey/store"
	"hailong/survey/store/storetest"
)

// TestLoginAttemptConcurrentFailuresAllCounted: concurrent failures of one
// key are all counted on the embedded FerretDB, where concurrent $inc
// updates of one document otherwise lose increments (DESIGN.md §2).
func TestLoginAttemptConcurrentFailuresAllCounted(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Millisecond)
	const workers, each = 20, 5
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				if _, err := s.AddLoginFailure(ctx, "c|admin|aaaa", now, now.Add(-time.Hour)); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("add failure: %v", err)
	}
	a, err := s.LoginAttempts(ctx, "c|admin|aaaa")
	if err != nil {
		t.Fatal(err)
	}
	if a.Failures != workers*each {
		t.Errorf("failures = %d, want %d (lost updates)", a.Failures, workers*each)
	}
	if !a.LastFailure.Equal(now) {
		t.Errorf("last failure = %v, want %v", a.LastFailure, now)
	}
}

// TestLoginAttemptRecords: a new key starts at one, a record older than the
// memory starts over, zero removes it, and pruning removes old records only.
func TestLoginAttemptRecords(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Millisecond)
	day := 24 * time.Hour

	if a, err := s.LoginAttempts(ctx, "u|nobody"); err != nil || a.Failures != 0 || a.Key != "u|nobody" {
		t.Fatalf("missing record = %+v, %v; want zero", a, err)
	}
	for i := 1; i <= 3; i++ {
		a, err := s.AddLoginFailure(ctx, "u|x", now, now.Add(-day))
		if err != nil || a.Failures != i {
			t.Fatalf("failure %d: %+v, %v", i, a, err)
		}
	}
	// Old failures are forgotten: the next one starts over.
	if err := s.SetLoginAttempts(ctx, store.LoginAttempts{Key: "u|old", Failures: 9, LastFailure: now.Add(-2 * day)}); err != nil {
		t.Fatal(err)
	}
	if a, err := s.AddLoginFailure(ctx, "u|old", now, now.Add(-day)); err != nil || a.Failures != 1 {
		t.Fatalf("failure after a forgotten record: %+v, %v; want 1", a, err)
	}
	if a, err := s.LoginAttempts(ctx, "u|old"); err != nil || a.Failures != 1 || !a.LastFailure.Equal(now) {
		t.Fatalf("stored after a forgotten record: %+v, %v", a, err)
	}
	// Pruning removes the records older than its limit only.
	if err := s.SetLoginAttempts(ctx, store.LoginAttempts{Key: "u|stale", Failures: 4, LastFailure: now.Add(-2 * day)}); err != nil {
		t.Fatal(err)
	}
	if n, err := s.PruneLoginAttempts(ctx, now.Add(-day)); err != nil || n != 1 {
		t.Fatalf("prune: %d, %v; want 1", n, err)
	}
	if a, _ := s.LoginAttempts(ctx, "u|x"); a.Failures != 3 {
		t.Errorf("a live record was pruned: %+v", a)
	}
	// Zero failures removes the record.
	if err := s.SetLoginAttempts(ctx, store.LoginAttempts{Key: "u|x"}); err != nil {
		t.Fatal(err)
	}
	if a, _ := s.LoginAttempts(ctx, "u|x"); a.Failures != 0 {
		t.Errorf("cleared record = %+v", a)
	}
}
