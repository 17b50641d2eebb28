package store

import (
	"context"
	"testing"
)

// ForgetPairs removes the pair sums and their format record, as a data
// folder of a binary before them has neither.
func (s *Store) ForgetPairs(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	if _, err := s.rollups.meta.DeleteOne(ctx, docD("_id", pairsFormatID)); err != nil {
		t.Fatal(err)
	}
	if err := s.pairsColl().Drop(ctx); err != nil {
		t.Fatal(err)
	}
	s.pairs.mu.Lock()
	s.pairs.forget()
	s.pairs.mu.Unlock()
}

// ForgetPairMemory empties the pair sums kept in memory, so that reads go
// to the database.
func (s *Store) ForgetPairMemory() {
	s.pairs.mu.Lock()
	s.pairs.forget()
	s.pairs.mu.Unlock()
}

// LoadPairMemory reads the pair sums into memory again.
func (s *Store) LoadPairMemory(t testing.TB) {
	t.Helper()
	if err := s.loadPairs(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// PairMemory reports whether every pair document is kept in memory, and
// the rollup cache's estimated size in bytes.
func (s *Store) PairMemory() (complete bool, cacheBytes int) {
	s.pairs.mu.Lock()
	complete = s.pairs.complete
	s.pairs.mu.Unlock()
	cacheBytes, _ = s.rollups.cache.usage()
	return complete, cacheBytes
}

// PairDocCount is the number of documents of rollup_pairs.
func (s *Store) PairDocCount(t testing.TB) int64 {
	t.Helper()
	n, err := s.pairsColl().CountDocuments(context.Background(), docD())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// ApplyPairsTwice counts the responses' pair sums as one batch of a writer,
// twice with the same tag (a retry), as the rollup writer would.
func (s *Store) ApplyPairsTwice(t testing.TB, attempts []string, seq int64) {
	t.Helper()
	ctx := context.Background()
	rs, err := s.AllResponses(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, a := range attempts {
		want[a] = true
	}
	var cs []contribution
	for _, r := range rs {
		if want[r.ID] {
			c, err := newContribution(r, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			cs = append(cs, c)
		}
	}
	tag := batchTag{writer: "test-writer", seq: seq}
	for range 2 {
		if err := s.writePairs(ctx, s.pairDeltasOf(ctx, cs), tag); err != nil {
			t.Fatal(err)
		}
	}
}
