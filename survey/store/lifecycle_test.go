package store

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"testing"
	"time"

	"hailong/survey"
)

// storeOnly stores responses through the real write path (the group commit)
// and stops it after the response insert: as if the process died before the
// writer got their contributions.
func storeOnly(t *testing.T, s *Store, rs ...survey.Response) {
	t.Helper()
	haltCommit(t, s, "inserted", rs)
}

// pendingOnly runs the group commit until the pending entry is written and
// stops it there: as if the process died before inserting the response.
func pendingOnly(t *testing.T, s *Store, rs ...survey.Response) {
	t.Helper()
	haltCommit(t, s, "pending", rs)
}

func haltCommit(t *testing.T, s *Store, step string, rs []survey.Response) {
	t.Helper()
	s.group.halt = step
	defer func() { s.group.halt = "" }()
	for _, r := range rs {
		if _, err := s.InsertResponse(context.Background(), r); !errors.Is(err, errHalted) {
			t.Fatalf("insert %s stopped after %s: %v", r.ID, step, err)
		}
	}
}

// withComments gives every other response a comment.
func withComments(rs []survey.Response) []survey.Response {
	for i := range rs {
		if i%2 == 0 {
			rs[i].Comment = "góp ý " + rs[i].ID
		}
	}
	return rs
}

// commentsExact fails unless the comment pages list every comment of the
// responses exactly once, and nothing else; it returns how many they list.
func commentsExact(t *testing.T, s *Store, label string, rs []survey.Response) int {
	t.Helper()
	p := cmPeriod(t, GenMonths[0], GenMonths[len(GenMonths)-1])
	want := map[string][]string{}
	for _, r := range rs {
		if r.Comment != "" {
			want[r.Agency] = append(want[r.Agency], r.ID)
		}
	}
	n := 0
	for ag := range GenAgencies {
		got := cmAll(t, s, CommentQuery{Agency: ag, Period: p})
		sort.Strings(got)
		sort.Strings(want[ag])
		if fmt.Sprint(got) != fmt.Sprint(want[ag]) {
			t.Errorf("%s: %s lists %d comments, want %d (%v, want %v)", label, ag, len(got), len(want[ag]), got, want[ag])
		}
		n += len(got)
	}
	return n
}

// A crash between a response's insert and its comment's append loses no
// comment: the pending entry stays until the comment pages have the
// comment, and the next start appends it, once.
func TestCrashBeforeCommentAppendLosesNoComment(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	rs := withComments(GenResponses(41, 40))
	s := openAt(t, dir)
	insertAll(t, s, rs[:10])
	storeOnly(t, s, rs[10:25]...) // stored; neither counted nor appended
	crash(s, false)

	s = openAt(t, dir)
	defer s.Close(ctx)
	if err := s.FlushComments(ctx); err != nil {
		t.Fatal(err)
	}
	if n := commentsExact(t, s, "after restart", rs[:25]); n == 0 {
		t.Error("no comment listed")
	}
	if n := exact(t, s, "after restart"); n != 25 {
		t.Errorf("rollups hold %d responses, want 25", n)
	}
}

// A crash after a batch updated the rollups and before (or while) its
// comments were appended: the replay skips the rollups that carry the
// batch's tag and appends each comment once.
func TestCrashBetweenRollupsAndCommentsAppliesEachOnce(t *testing.T) {
	for _, step := range []string{"rollups", "comments"} {
		t.Run("stopped after "+step, func(t *testing.T) {
			dir := t.TempDir()
			ctx := context.Background()
			rs := withComments(GenResponses(42, 40))
			s := openAt(t, dir)
			insertAll(t, s, rs[:10])
			w := s.rollups.writer
			halted := make(chan struct{})
			w.halt = func(at string) bool {
				if at != step {
					return false
				}
				close(halted)
				return true
			}
			for _, r := range rs[10:] {
				if _, err := s.InsertResponse(ctx, r); err != nil {
					t.Fatal(err)
				}
			}
			select {
			case <-halted:
			case <-time.After(30 * time.Second):
				t.Fatal("the batch never reached the step")
			}
			crash(s, false)

			s = openAt(t, dir)
			defer s.Close(ctx)
			if err := s.FlushComments(ctx); err != nil {
				t.Fatal(err)
			}
			commentsExact(t, s, "after restart", rs)
			if n := exact(t, s, "after restart"); n != 40 {
				t.Errorf("rollups hold %d responses, want 40", n)
			}
			if n := s.PendingCount(ctx); n != 0 {
				t.Errorf("%d pending entries left", n)
			}
		})
	}
}

// A comment rebuild leaves the comments of pending entries to the
// lifecycle: after a crash that follows the rebuild, each comment is still
// listed once (the replay appends those the rebuild left out, and only
// those).
func TestCommentRebuildLeavesPendingCommentsToTheLifecycle(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	rs := withComments(GenResponses(43, 40))
	s := openAt(t, dir)
	insertAll(t, s, rs[:20])
	storeOnly(t, s, rs[20:]...) // stored, not yet applied
	if err := s.RebuildComments(ctx, nil); err != nil {
		t.Fatal(err)
	}
	commentsExact(t, s, "after the rebuild", rs[:20])
	crash(s, false)

	s = openAt(t, dir)
	defer s.Close(ctx)
	if err := s.FlushComments(ctx); err != nil {
		t.Fatal(err)
	}
	commentsExact(t, s, "after restart", rs)
	if n := s.PendingCount(ctx); n != 0 {
		t.Errorf("%d pending entries left", n)
	}
}
