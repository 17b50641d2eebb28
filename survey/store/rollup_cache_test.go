package store

import (
	"context"
	"runtime"
	"sort"
	"testing"

	"hailong/survey"
)

// genBuckets counts n generated responses into their rollup buckets.
func genBuckets(t *testing.T, seed uint64, n int) bucketSet {
	t.Helper()
	set := bucketSet{}
	for _, r := range GenResponses(seed, n) {
		c, err := newContribution(r, "att")
		if err != nil {
			t.Fatal(err)
		}
		set.add(c)
	}
	return set
}

// checkUsage compares the cache's byte count with its entries' footprints
// and its budget.
func checkUsage(t *testing.T, c *rollupCache, label string) {
	t.Helper()
	bytes, n := c.usage()
	sum := 0
	for _, b := range c.entries {
		sum += b.footprint()
	}
	if bytes != sum || n != len(c.entries) || len(c.sizes) != n {
		t.Errorf("%s: cache counts %d bytes in %d entries (%d sizes), its entries take %d", label, bytes, n, len(c.sizes), sum)
	}
	if bytes > c.budget {
		t.Errorf("%s: %d bytes cached, over the budget of %d", label, bytes, c.budget)
	}
}

// The cache stays under its byte budget whatever is put, grown by the
// writer, dropped or cleared, and keeps no document larger than the budget.
func TestRollupCacheByteBudget(t *testing.T) {
	set := genBuckets(t, 3, 600)
	ids := make([]string, 0, len(set))
	total := 0
	for id, b := range set {
		ids = append(ids, id)
		total += b.clone().footprint()
	}
	sort.Strings(ids)
	c := newRollupCacheOf(total / 3)
	for _, id := range ids {
		if c.view(id, func(*bucket) {}) {
			t.Fatalf("%s cached before it was put", id)
		}
		c.put(id, set[id])
		checkUsage(t, c, "put "+id)
	}
	if _, n := c.usage(); n == 0 || n == len(ids) {
		t.Fatalf("%d of %d documents cached under a third of their size", n, len(ids))
	}

	// The writer adds counts of areas the cached documents did not have:
	// they grow, and the cache evicts to stay under the budget.
	more := genBuckets(t, 4, 600)
	for id := range c.entries {
		if d := more[id]; d != nil {
			c.apply(d)
		}
	}
	checkUsage(t, c, "after the writer's counts")
	for id := range c.entries {
		c.drop(id)
		break
	}
	checkUsage(t, c, "after a drop")
	c.clear()
	if bytes, n := c.usage(); bytes != 0 || n != 0 {
		t.Errorf("after clear: %d bytes in %d entries", bytes, n)
	}

	small := newRollupCacheOf(set[ids[0]].clone().footprint() - 1)
	small.view(ids[0], func(*bucket) {})
	small.put(ids[0], set[ids[0]])
	if _, n := small.usage(); n != 0 {
		t.Errorf("a document larger than the whole budget was kept")
	}
}

// The footprint estimate is within a factor of two of what the cached copies
// take on the heap.
func TestRollupFootprintEstimate(t *testing.T) {
	set := genBuckets(t, 5, 3000)
	estimate := 0
	for _, b := range set {
		estimate += b.clone().footprint()
	}
	const copies = 20
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	kept := make([]*bucket, 0, copies*len(set))
	for range copies {
		for _, b := range set {
			kept = append(kept, b.clone())
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	heap := float64(after.HeapAlloc-before.HeapAlloc) / copies
	runtime.KeepAlive(kept)
	ratio := float64(estimate) / heap
	t.Logf("%d documents: estimated %d bytes, %.0f on the heap (ratio %.2f)", len(set), estimate, heap, ratio)
	if ratio < 0.5 || ratio > 2 {
		t.Errorf("estimate %d bytes against %.0f on the heap: ratio %.2f", estimate, heap, ratio)
	}
}

// The warm-up loads the newest months first and stops at the cache's
// budget: every document of the latest month is warm, the oldest are not.
func TestWarmRollupsBounded(t *testing.T) {
	s := openAt(t, t.TempDir())
	t.Cleanup(func() { s.Close(context.Background()) })
	ctx := context.Background()
	if _, err := s.ImportResponses(ctx, GenResponses(9, 1500)); err != nil {
		t.Fatal(err)
	}
	if err := s.RebuildRollups(ctx, nil); err != nil {
		t.Fatal(err)
	}

	all := newRollupCacheOf(1 << 30)
	s.warmInto(ctx, all)
	perMonth := map[survey.Month]int{}
	for id, b := range all.entries {
		perMonth[b.month] += all.sizes[id]
	}
	var ms []survey.Month
	for m := range perMonth {
		ms = append(ms, m)
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Before(ms[j]) })
	if len(ms) < 3 {
		t.Fatalf("rollups of %d months warmed, want at least 3", len(ms))
	}
	newest, oldest := ms[len(ms)-1], ms[0]

	budget := perMonth[newest] + perMonth[ms[len(ms)-2]]/2
	c := newRollupCacheOf(budget)
	s.warmInto(ctx, c)
	checkUsage(t, c, "bounded warm-up")
	for id, b := range all.entries {
		_, warm := c.entries[id]
		switch {
		case b.month == newest && !warm:
			t.Errorf("%s of the newest month is not warm", id)
		case b.month == oldest && warm:
			t.Errorf("%s of the oldest month is warm under a budget of %d bytes", id, budget)
		}
	}
}
