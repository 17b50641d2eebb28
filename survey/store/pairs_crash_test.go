package store

import (
	"context"
	"reflect"
	"testing"

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

// A crash after a batch reached the rollups and part of the pair sums: the
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
	if err := s.writeRecord(ctx, tag, ids); err != nil {
		t.Fatal(err)
	}
	if err := w.apply(ctx, set, tag, false); err != nil {
		t.Fatal(err)
	}
	ds := s.pairDeltasOf(ctx, cs)
	n := 0
	for id := range ds {
		if n++; n%2 == 0 {
			delete(ds, id)
		}
	}
	if err := s.writePairs(ctx, ds, tag); err != nil {
		t.Fatal(err)
	}
	crash(s, true)

	s = openAt(t, dir)
	defer s.Close(ctx)
	pairsExact(t, s, "after restart")
	var after pairsRecord
	if err := s.rollups.meta.FindOne(ctx, docD("_id", pairsFormatID)).Decode(&after); err != nil {
		t.Fatal(err)
	}
	if !after.At.Equal(before.At) {
		t.Errorf("the pair sums were rebuilt at start (%v, before %v): the replay should have completed them", after.At, before.At)
	}
}
