package store

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"hailong/survey"
)

// exact fails unless every generated agency's report over all months equals
// the recomputation, and returns the responses the rollups hold.
func exact(t *testing.T, s *Store, label string) int64 {
	t.Helper()
	total, bad := compare(t, s)
	for _, b := range bad {
		t.Errorf("%s: %s", label, b)
	}
	return total
}

// compare lists the agencies whose report over all months differs from the
// recomputation, and returns the responses the rollups hold.
func compare(t *testing.T, s *Store) (int64, []string) {
	t.Helper()
	ctx := context.Background()
	var ms []survey.Month
	for _, m := range GenMonths {
		v, _ := survey.ParseMonth(m)
		ms = append(ms, v)
	}
	rs, err := s.AllResponses(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	var bad []string
	for ag := range GenAgencies {
		got, err := s.Report(ctx, ag, ms, "")
		if err != nil {
			t.Fatalf("report: %v", err)
		}
		if want := RecomputeFrom(rs, ag, ms, ""); !reflect.DeepEqual(got, want) {
			bad = append(bad, fmt.Sprintf("%s: rollups hold %d responses, recomputation %d", ag, got.Total.Responses, want.Total.Responses))
		}
		total += got.Total.Responses
	}
	return total, bad
}

func insertAll(t *testing.T, s *Store, rs []survey.Response) {
	t.Helper()
	for _, r := range rs {
		if created, err := s.InsertResponse(context.Background(), r); err != nil || !created {
			t.Fatalf("insert %s: %v %v", r.ID, created, err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.FlushRollups(ctx); err != nil {
		t.Fatal(err)
	}
}

// A crash between storing a response and counting it, at every step of
// InsertResponse, is healed when the store opens again.
func TestCrashBeforeCountingIsHealedAtStart(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	rs := GenResponses(3, 60)
	s := openAt(t, dir)
	insertAll(t, s, rs[:30])
	storeOnly(t, s, rs[30:50]...) // stored by the group commit, never handed to the writer
	for _, r := range rs[50:55] { // died before inserting the response
		pendingOnly(t, s, r)
	}
	for _, r := range rs[:5] { // a retry of a stored response died after its entry
		pendingOnly(t, s, r)
	}
	crash(s, false)

	s = openAt(t, dir)
	defer s.Close(ctx)
	if n := exact(t, s, "after restart"); n != 50 {
		t.Errorf("rollups hold %d responses, want 50", n)
	}
	if n := s.PendingCount(ctx); n != 0 {
		t.Errorf("%d pending entries left", n)
	}
}

// A crash after a batch updated some or all rollup documents, before its
// pending entries were deleted: the batch is replayed under its own tag and
// every response counts once.
func TestCrashBetweenIncAndPendingDelete(t *testing.T) {
	for _, part := range []string{"all documents", "some documents"} {
		t.Run(part, func(t *testing.T) {
			dir := t.TempDir()
			ctx := context.Background()
			rs := GenResponses(4, 50)
			s := openAt(t, dir)
			insertAll(t, s, rs[:20])
			// The writer stops its batch after the rollup documents, or after
			// the third of them, the way a process dying there would.
			stopAt := map[string]string{"all documents": "rollups", "some documents": "rollup-doc"}[part]
			docs := 0
			w := s.rollups.writer
			halted := make(chan struct{})
			w.halt = func(step string) bool {
				if step == "rollup-doc" {
					docs++
				}
				if step != stopAt || (step == "rollup-doc" && docs != 3) {
					return false
				}
				close(halted)
				return true
			}
			for _, r := range rs[20:] {
				if _, err := s.InsertResponse(ctx, r); err != nil {
					t.Fatal(err)
				}
			}
			<-halted
			crash(s, false)

			s = openAt(t, dir)
			defer s.Close(ctx)
			if n := exact(t, s, "after restart"); n != 50 {
				t.Errorf("rollups hold %d responses, want 50", n)
			}
			if n := s.PendingCount(ctx); n != 0 {
				t.Errorf("%d pending entries left", n)
			}
		})
	}
}

// A queue that overflows leaves contributions in the pending log only: the
// writer counts them once it has caught up.
func TestOverflowCountedFromPendingLog(t *testing.T) {
	s := openAt(t, t.TempDir())
	ctx := context.Background()
	defer s.Close(ctx)
	rs := GenResponses(5, 40)
	for _, r := range rs[:20] {
		storeOnly(t, s, r)
		s.rollups.writer.dropped.Add(1) // as submit does when the queue is full
	}
	insertAll(t, s, rs[20:])
	if n := exact(t, s, "after overflow"); n != 40 {
		t.Errorf("rollups hold %d responses, want 40", n)
	}
}
