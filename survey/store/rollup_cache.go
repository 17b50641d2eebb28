package store

import (
	"context"
	"sort"
	"sync"
	"sync/atomic"

	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"hailong/survey"
)

// rollupCacheSize bounds the rollup documents kept in memory: a year's
// dashboard of one agency reads 24.
const rollupCacheSize = 4096

// rollupCacheBytes bounds the memory the cached documents take, as
// bucket.footprint estimates it. A document's size grows with the areas,
// channels and questionnaire versions its month saw: at 1,000,000 demo
// responses one agency-month holds some 20 KB of tallies, and the warm-up's
// 13 months of every agency took about 10 MB of the live heap, which
// under the export's memory limit (server/config_memory.go) left the
// collector no headroom. 4 MiB keeps every month of a small service warm
// and the latest months of a large one; older ones are read on demand.
const rollupCacheBytes = 4 << 20

// rollupCacheLeanBytes is the cache's bound while an export streams
// (Store.LeanCaches): enough for the months of a dashboard or two. At
// 1,000,000 responses the full cache was about a fifth of the live heap,
// and under the export's memory limit the collector's cost follows the
// live heap (server/config_memory.go).
const rollupCacheLeanBytes = 1 << 20

// rollupCache keeps decoded rollup documents in memory, written through by
// the rollup writer, without their pattern counts (the p field: up to a
// thousand keys per document, read only by exports, from the database). It is used only with the embedded database: there the
// process's own writer is the only one, so a cached document is exact, while
// FerretDB takes tens of milliseconds to find one by _id (it scans). With
// MongoDB, where other processes write too, the cache is off (nil) and every
// read goes to the database, which indexes _id.
type rollupCache struct {
	mu      sync.Mutex
	entries map[string]*bucket
	// sizes holds each entry's estimated footprint, bytes their sum, kept
	// under budget (rollupCacheBytes).
	sizes  map[string]int
	bytes  int
	budget int
	// filling counts reads in flight per id; stale marks those that a write
	// overtook, whose result must not be kept.
	filling map[string]int
	stale   map[string]bool
	// touched records what the writer changed while a warm-up reads, when
	// one does (nil otherwise).
	touched map[string]bool
	// version changes whenever counts change (a write, a drop, a rebuild),
	// so results computed from the rollups can be cached until it moves.
	version atomic.Uint64
}

func newRollupCache() *rollupCache {
	return newRollupCacheOf(rollupCacheBytes)
}

// newRollupCacheOf makes a cache bounded to budget bytes.
func newRollupCacheOf(budget int) *rollupCache {
	return &rollupCache{entries: map[string]*bucket{}, sizes: map[string]int{}, budget: budget,
		filling: map[string]int{}, stale: map[string]bool{}}
}

// keep adds a copy of b under the lock, evicting entries at random until
// it fits both bounds; a document larger than the whole budget is not kept.
func (c *rollupCache) keep(b *bucket) {
	cp := b.clone()
	size := cp.footprint()
	if size > c.budget {
		return
	}
	c.forget(b.id)
	for k := range c.entries {
		if len(c.entries) < rollupCacheSize && c.bytes+size <= c.budget {
			break
		}
		c.forget(k)
	}
	c.entries[b.id] = cp
	c.sizes[b.id] = size
	c.bytes += size
}

// setBudget changes the bound, evicting at random until the entries fit.
func (c *rollupCache) setBudget(budget int) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.budget = budget
	for k := range c.entries {
		if c.bytes <= budget {
			break
		}
		c.forget(k)
	}
}

// fits reports whether a document of the size fits without evicting.
func (c *rollupCache) fits(size int) bool {
	return len(c.entries) < rollupCacheSize && c.bytes+size <= c.budget
}

// forget removes an entry under the lock.
func (c *rollupCache) forget(id string) {
	if _, ok := c.entries[id]; !ok {
		return
	}
	c.bytes -= c.sizes[id]
	delete(c.entries, id)
	delete(c.sizes, id)
}

// usage is the cache's estimated size in bytes and its entry count.
func (c *rollupCache) usage() (bytes, entries int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.bytes, len(c.entries)
}

// view calls fn with the cached document, under the cache's lock (fn must
// not keep it), and reports whether there was one; when not, the caller
// reads the database and hands the result to put. A nil cache always misses.
func (c *rollupCache) view(id string, fn func(*bucket)) bool {
	if c == nil {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if b, ok := c.entries[id]; ok {
		fn(b)
		return true
	}
	c.filling[id]++
	return false
}

// put keeps a document read after a miss (b nil: the read failed), unless
// the writer changed it meanwhile.
func (c *rollupCache) put(id string, b *bucket) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if b != nil && !c.stale[id] {
		c.keep(b)
	}
	if c.filling[id]--; c.filling[id] <= 0 {
		delete(c.filling, id)
		delete(c.stale, id)
	}
}

// apply adds counts the writer has just written to the database.
func (c *rollupCache) apply(d *bucket) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if b, ok := c.entries[d.id]; ok {
		b.mergeTallies(d)
		// New areas or items make it larger: count them, and evict
		// others (or this one) when the budget is passed.
		size := b.footprint()
		c.bytes += size - c.sizes[d.id]
		c.sizes[d.id] = size
		for k := range c.entries {
			if c.bytes <= c.budget {
				break
			}
			c.forget(k)
		}
	}
	c.touch(d.id)
	c.version.Add(1)
}

// touch marks a document changed for the reads in flight.
func (c *rollupCache) touch(id string) {
	if c.filling[id] > 0 {
		c.stale[id] = true
	}
	if c.touched != nil {
		c.touched[id] = true
	}
}

// drop forgets a document whose state in the database is uncertain.
func (c *rollupCache) drop(id string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.forget(id)
	c.touch(id)
	c.version.Add(1)
}

// clear forgets everything (after a rebuild).
func (c *rollupCache) clear() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries = map[string]*bucket{}
	c.sizes = map[string]int{}
	c.bytes = 0
	c.version.Add(1)
	for id := range c.filling {
		c.stale[id] = true
	}
	c.touched = nil
}

// warming starts (on) or ends a warm-up: documents it reads are kept only if
// the writer did not change them meanwhile and no report read them first.
func (c *rollupCache) warming(on bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.touched = nil
	if on {
		c.touched = map[string]bool{}
	}
}

// warmPut keeps a document read by the warm-up, unless the cache is full
// (it evicts nothing); it reports whether there was room, so that the
// warm-up stops when there is none.
func (c *rollupCache) warmPut(b *bucket) bool {
	size := b.footprint()
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.fits(size) {
		return false
	}
	if c.touched != nil && !c.touched[b.id] && c.entries[b.id] == nil {
		c.keep(b)
	}
	return true
}

// RollupsVersion returns a number that changes whenever the rollups change,
// so a caller may keep what it computed from them until it moves; ok is false
// when the store cannot know (with MongoDB other processes write too).
func (s *Store) RollupsVersion() (version uint64, ok bool) {
	if s.rollups.cache == nil {
		return 0, false
	}
	return s.rollups.cache.version.Load(), true
}

// clone copies a bucket deeply, leaving out its demographics: the copy
// the cache keeps.
func (b *bucket) clone() *bucket {
	out := newBucket(b.id, b.kind, b.agency, b.month)
	out.mergeTallies(b)
	return out
}

// emptyBucket is the content of a rollup document that does not exist.
func emptyBucket(id string, m survey.Month) *bucket { return newBucket(id, "", "", m) }

// warmMonths is how many of the latest months a warm-up loads.
const warmMonths = 13

// warmRollups loads the rollups of the latest months into memory, one scan
// per monthly collection, newest first, so the first dashboards after a
// start or a rebuild do not wait for FerretDB; it stops when the cache's
// budget is reached (rollupCacheBytes). It runs in the background and gives
// up quietly.
func (s *Store) warmRollups(ctx context.Context) {
	s.warmInto(ctx, s.rollups.cache)
}

// warmInto is warmRollups into the cache c.
func (s *Store) warmInto(ctx context.Context, c *rollupCache) {
	if c == nil {
		return
	}
	names, err := s.prefixed(ctx, rollupPrefix)
	if err != nil {
		return
	}
	sort.Strings(names)
	names = names[max(0, len(names)-warmMonths):]
	c.warming(true)
	defer c.warming(false)
	for i := len(names) - 1; i >= 0; i-- {
		cur, err := s.db.Collection(names[i]).Find(ctx, docD(), options.Find().SetProjection(withoutPatterns()))
		if err != nil {
			return
		}
		for cur.Next(ctx) {
			var d bucketDoc
			if cur.Decode(&d) != nil {
				continue
			}
			if b, err := decodeBucket(d); err == nil && !c.warmPut(b) {
				_ = cur.Close(ctx)
				return
			}
		}
		_ = cur.Close(ctx)
	}
}
