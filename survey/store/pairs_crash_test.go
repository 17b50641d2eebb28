package store

import (
	"context"
	"reflect"
	"testing"
	"time"

	"hailong/survey"
)

// pairsExact fails unless every generated agency's pair sums over all
// months equal those recomputed from the responses.
func pairsExact(t *testing.T, s *Store, label string) {
	t.Helper()
	ctx := context.Background()
	var ms []survey.Month
	for _, m := range GenMonths {
		v, _ := survey.ParseMonth(m)
		ms = append(ms, v)
	}
	for ag := range GenAgencies {
		want := newCounts(ag, "", ms)
		if err := s.RecomputePairs(ctx, want, survey.BasisAll); err != nil {
			t.Fatal(err)
		}
		var got survey.Tally
		if err := s.AddTallyPairs(ctx, &got, ag, ms, "", survey.BasisAll); err != nil {
			t.Fatal(err)
		}
		if got.PairResponses != want.Total.PairResponses || !reflect.DeepEqual(got.Pairs, want.Total.Pairs) {
			t.Errorf("%s: %s: pair sums of %d responses, recomputation %d", label, ag, got.PairResponses, want.Total.PairResponses)
		}
	}
}

// A crash after a batch reached the rollups, the comments and the ratings
// but not the pair sums (the lifecycle's last applier, applier.go): the
// start replays the batch under its tag, adding the pair sums where they
// are missing and nowhere twice, without rebuilding them.
func TestCrashBetweenRollupsAndPairs(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	rs := GenResponses(6, 50)
	s := openAt(t, dir)
	if err := s.SeedWith(ctx, survey.LegacySeedAgencies()); err != nil {
		t.Fatal(err)
	}
	insertAll(t, s, rs[:20])
	var before pairsRecord
	if err := s.rollups.meta.FindOne(ctx, docD("_id", pairsFormatID)).Decode(&before); err != nil {
		t.Fatal(err)
	}
	halted := make(chan struct{})
	s.rollups.writer.halt = func(at string) bool {
		if at != "ratings" {
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
	select {
	case <-halted:
	case <-time.After(30 * time.Second):
		t.Fatal("the batch never reached the pair sums")
	}
	crash(s, false)

	s = openAt(t, dir)
	defer s.Close(ctx)
	if n := exact(t, s, "after restart"); n != int64(len(rs)) {
		t.Errorf("rollups hold %d responses, want %d", n, len(rs))
	}
	pairsExact(t, s, "after restart")
	var after pairsRecord
	if err := s.rollups.meta.FindOne(ctx, docD("_id", pairsFormatID)).Decode(&after); err != nil {
		t.Fatal(err)
	}
	if !after.At.Equal(before.At) {
		t.Errorf("the pair sums were rebuilt at start (%v, before %v): the replay should have completed them", after.At, before.At)
	}
}
