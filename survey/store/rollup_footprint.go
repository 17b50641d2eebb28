package store

// The estimated memory of a cached rollup document (rollupCache's budget):
// Go maps take about this much per entry beyond the key's bytes, and a
// Tally's item (a code and six counters) about this much.
const (
	mapEntryBytes   = 40
	itemEntryBytes  = 96
	tallyBytes      = 120
	bucketBaseBytes = 400
)

// footprint estimates the bytes the bucket takes in memory, its pattern
// counts left out (the cache keeps none). It is an estimate, calibrated
// against the heap (TestRollupFootprintEstimate), good enough to bound the
// cache; it costs a walk over the tallies' keys, not their items.
func (b *bucket) footprint() int {
	n := bucketBaseBytes + len(b.id) + len(b.agency)
	for _, m := range []map[string]int64{b.n, b.sn, b.fv, b.sfv} {
		for k := range m {
			n += mapEntryBytes + len(k)
		}
	}
	for field, subs := range b.tallies {
		n += mapEntryBytes + len(field)
		for sub, t := range subs {
			n += mapEntryBytes + len(sub) + tallyBytes + itemEntryBytes*len(t.Items)
			for k := range t.Versions {
				n += mapEntryBytes + len(k)
			}
		}
	}
	return n
}
