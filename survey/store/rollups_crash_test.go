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

// storeOnly writes a response the way InsertResponse does, without handing
// it to the writer: as if the process died before it could count it. mark
// says whether the pending entry got its "stored" mark.
func storeOnly(t *testing.T, s *Store, r survey.Response, mark bool) contribution {
	t.Helper()
	ctx := context.Background()
	c, err := newContribution(r, survey.NewKey())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.logPending(ctx, c); err != nil {
		t.Fatal(err)
	}
	if _, err := s.responses.InsertOne(ctx, storedResponse{Response: r, Attempt: c.attempt}); err != nil {
		t.Fatal(err)
	}
	if mark {
		s.markStored(ctx, c.attempt)
	}
	return c
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
	for _, r := range rs[30:40] {
		storeOnly(t, s, r, true) // stored and marked: counted from the entry
	}
	for _, r := range rs[40:50] {
		storeOnly(t, s, r, false) // stored, not marked: the response is looked up
	}
	for _, r := range rs[50:55] { // died before inserting the response
		c, _ := newContribution(r, survey.NewKey())
		if err := s.logPending(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range rs[:5] { // a retry of a stored response died after its entry
		c, _ := newContribution(r, survey.NewKey())
		if err := s.logPending(ctx, c); err != nil {
			t.Fatal(err)
		}
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
			var cs []contribution
			for _, r := range rs[20:] {
				cs = append(cs, storeOnly(t, s, r, true))
			}
			w := s.rollups.writer
			w.run.Lock()
			w.seq++
			tag := batchTag{writer: w.id, seq: w.seq}
			ids := make([]string, len(cs))
			set := bucketSet{}
			for i, c := range cs {
				ids[i] = c.attempt
				set.add(c)
			}
			if part == "some documents" {
				n := 0
				for id := range set {
					if n++; n%2 == 0 {
						delete(set, id)
					}
				}
			}
			if err := s.writeRecord(ctx, tag, ids); err != nil {
				t.Fatal(err)
			}
			if err := w.apply(ctx, set, tag, false); err != nil {
				t.Fatal(err)
			}
			crash(s, true)

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
		c := storeOnly(t, s, r, true)
		s.rollups.writer.dropped.Add(1) // as submit does when the queue is full
		_ = c
	}
	insertAll(t, s, rs[20:])
	if n := exact(t, s, "after overflow"); n != 40 {
		t.Errorf("rollups hold %d responses, want 40", n)
	}
}
