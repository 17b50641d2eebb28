package store

import (
	"context"
	"slices"
	"strings"
	"testing"

	"hailong/survey"
)

// Deleting entries by the ranges of their numbered ids deletes exactly
// those entries: not an entry of the same writer between two runs, nor
// one of another writer, a rating's or a random key's.
func TestDeletePendingByRangesDeletesExactlyTheIDs(t *testing.T) {
	s := openAt(t, t.TempDir())
	ctx := context.Background()
	defer s.Close(ctx)

	var all, gone []string
	for n := int64(1); n <= 30; n++ {
		all = append(all, seqAttempt("aaaa", n))
		if n <= 10 || n >= 12 && n <= 20 || n == 25 {
			gone = append(gone, seqAttempt("aaaa", n))
		}
	}
	for n := int64(1); n <= 5; n++ {
		all = append(all, seqAttempt("aaab", n))
		if n == 2 || n == 3 {
			gone = append(gone, seqAttempt("aaab", n))
		}
	}
	random := []string{survey.NewKey(), survey.NewKey(), "zzzz-old-attempt", ratingEntryID("r1"), ratingEntryID("r2")}
	all = append(all, random...)
	gone = append(gone, random[0], random[3])
	docs := make([]any, len(all))
	for i, id := range all {
		docs[i] = pendingDoc{ID: id, Response: "r-" + id, Owner: "aaaa"}
	}
	if _, err := s.rollups.pending.InsertMany(ctx, docs); err != nil {
		t.Fatal(err)
	}

	if err := s.deletePending(ctx, gone); err != nil {
		t.Fatal(err)
	}
	left, err := s.findPending(ctx, docD())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range left {
		got = append(got, d.ID)
	}
	var want []string
	for _, id := range all {
		if !slices.Contains(gone, id) {
			want = append(want, id)
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("entries left after the deletion:\n got %v\nwant %v", got, want)
	}
}

// The filter turns each run of consecutive ids into one range and keeps
// lone ids and other ids in one $in.
func TestPendingIDsFilterRuns(t *testing.T) {
	ids := []string{seqAttempt("w", 3), seqAttempt("w", 1), seqAttempt("w", 2), seqAttempt("w", 7), seqAttempt("v", 4), seqAttempt("v", 5), "rating|x"}
	f := pendingIDsFilter(ids)
	got := f.String()
	for _, want := range []string{
		`{"_id":{"$gte":"~v.000000000004","$lte":"~v.000000000005"}}`,
		`{"_id":{"$gte":"~w.000000000001","$lte":"~w.000000000003"}}`,
		`{"_id":{"$in":["rating|x","~w.000000000007"]}}`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("filter %s lacks %s", got, want)
		}
	}
	if w, n, ok := parseSeqAttempt(seqAttempt("0123456789abcdef", 0xbeef)); !ok || w != "0123456789abcdef" || n != 0xbeef {
		t.Errorf("parseSeqAttempt(seqAttempt(…, 0xbeef)) = %q, %x, %v", w, n, ok)
	}
	for _, id := range []string{"rating|x", "~w.12", "~w", "~w.zzzzzzzzzzzz", survey.NewKey()} {
		if _, _, ok := parseSeqAttempt(id); ok {
			t.Errorf("parseSeqAttempt(%q) took it for a numbered id", id)
		}
	}
}
