package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"hailong/survey"
)

// The counters the metrics endpoint reads: stored by channel, duplicates,
// the rollup lag while the writer is held up, and database errors by kind.
func TestStats(t *testing.T) {
	s := openAt(t, t.TempDir())
	defer s.Close(context.Background())
	ctx := context.Background()
	rs := GenResponses(11, 12)
	before := s.Stats()

	want := map[survey.Channel]int64{}
	s.rollups.writer.run.Lock() // the writer cannot count: contributions wait
	for _, r := range rs {
		if created, err := s.InsertResponse(ctx, r); err != nil || !created {
			t.Fatalf("insert %s: %v %v", r.ID, created, err)
		}
		want[r.Channel]++
	}
	time.Sleep(20 * time.Millisecond)
	held := s.Stats()
	if held.RollupPending != int64(len(rs)) {
		t.Errorf("rollup pending while the writer is held = %d, want %d", held.RollupPending, len(rs))
	}
	if held.RollupOldest < 20*time.Millisecond || held.RollupOldest > time.Minute {
		t.Errorf("oldest pending = %v, want at least 20ms", held.RollupOldest)
	}
	s.rollups.writer.run.Unlock()

	if created, err := s.InsertResponse(ctx, rs[0]); err != nil || created {
		t.Fatalf("retry: %v %v", created, err)
	}
	fctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := s.FlushRollups(fctx); err != nil {
		t.Fatal(err)
	}
	got := s.Stats()
	for _, ch := range survey.Channels {
		if d := got.Stored[ch] - before.Stored[ch]; d != want[ch] {
			t.Errorf("stored %s: %d more, want %d", ch, d, want[ch])
		}
	}
	if d := got.Duplicates - before.Duplicates; d != 1 {
		t.Errorf("duplicates: %d more, want 1", d)
	}
	if got.RollupPending != 0 || got.RollupOldest != 0 {
		t.Errorf("after a flush: pending %d, oldest %v; want 0, 0", got.RollupPending, got.RollupOldest)
	}

	// A read that runs out of time counts as unavailable; one whose caller
	// gave up, as cancelled.
	expired, cancel2 := context.WithDeadline(ctx, time.Now().Add(-time.Second))
	defer cancel2()
	if _, err := s.Response(expired, rs[0].ID); !errors.Is(err, survey.ErrUnavailable) {
		t.Fatalf("read past its deadline: %v, want unavailable", err)
	}
	gone, cancel3 := context.WithCancel(ctx)
	cancel3()
	if _, err := s.Response(gone, rs[0].ID); err == nil {
		t.Fatalf("read with a cancelled context: no error")
	}
	after := s.Stats()
	if d := after.DBErrors["unavailable"] - got.DBErrors["unavailable"]; d != 1 {
		t.Errorf("unavailable database errors: %d more, want 1", d)
	}
	if d := after.DBErrors["canceled"] - got.DBErrors["canceled"]; d != 1 {
		t.Errorf("cancelled database errors: %d more, want 1", d)
	}
}
