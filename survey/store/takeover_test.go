package store_test

import (
	"context"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"hailong/survey/store"
	"hailong/survey/store/storetest"
)

// Two processes share one database (two Stores on one embedded FerretDB).
// One stops in the middle of a batch, leaving a batch record and loose
// pending entries; the other leaves them alone while the first may still be
// alive, then, once its clock is past the grace period, takes the batch and
// the entries over. Every response is then counted once in the rollups
// (they equal a recomputation) and listed once on the comment pages, and
// nothing is left in the pending log.
func TestTakeoverOfAStoppedProcess(t *testing.T) {
	for _, step := range []string{"rollup-doc", "comments"} {
		t.Run("stopped after "+step, func(t *testing.T) {
			ctx := context.Background()
			uri := storetest.NewShared(t)
			var skew atomic.Int64 // how far the second process's clock is ahead
			clock := func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
			a := storetest.OpenOn(t, uri, store.Config{TakeoverGrace: time.Minute})
			b := storetest.OpenOn(t, uri, store.Config{Clock: clock, TakeoverGrace: time.Minute})

			rs := store.GenResponses(51, 60)
			var want []string
			for i := range rs {
				if i%2 == 0 {
					rs[i].Comment = "ý kiến " + rs[i].ID
					want = append(want, rs[i].ID)
				}
			}
			insert := func(s *store.Store, from, to int) {
				for _, r := range rs[from:to] {
					if created, err := s.InsertResponse(ctx, r); err != nil || !created {
						t.Fatalf("insert %s: %v %v", r.ID, created, err)
					}
				}
			}
			halted := a.HaltWriterAfter(step)
			insert(a, 0, 25)
			select {
			case <-halted:
			case <-time.After(time.Minute):
				t.Fatal("the first process's batch never reached the step")
			}
			a.HoldWriter()
			insert(a, 25, 35) // stored, never counted by the first process
			a.Die()

			insert(b, 35, 60)
			if err := b.FlushComments(ctx); err != nil {
				t.Fatal(err)
			}
			if n := b.PendingCount(ctx); n != 35 {
				t.Errorf("within the grace period: %d pending entries, want the first process's 35 left to it", n)
			}
			if n := b.BatchRecords(ctx); n != 1 {
				t.Errorf("within the grace period: %d batch records, want the first process's one left to it", n)
			}

			skew.Store(int64(2 * time.Hour))
			if err := b.FlushComments(ctx); err != nil {
				t.Fatal(err)
			}
			n, bad := b.CompareRecompute(t)
			for _, d := range bad {
				t.Errorf("after the takeover: %s", d)
			}
			if n != 60 {
				t.Errorf("after the takeover: rollups hold %d responses, want 60", n)
			}
			got := b.CommentIDs(t)
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("after the takeover: %d comments listed, want %d once each", len(got), len(want))
			}
			if n := b.PendingCount(ctx); n != 0 {
				t.Errorf("%d pending entries left", n)
			}
			if n := b.BatchRecords(ctx); n != 0 {
				t.Errorf("%d batch records left", n)
			}
		})
	}
}
