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
	return &rollupCache{entries: map[string]*bucket{}, filling: map[string]int{}, stale: map[string]bool{}}
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
		if len(c.entries) >= rollupCacheSize {
			for k := range c.entries { // evict one, at random
				delete(c.entries, k)
				break
			}
		}
		c.entries[id] = b.clone()
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
	delete(c.entries, id)
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

// warmPut keeps a document read by the warm-up.
func (c *rollupCache) warmPut(b *bucket) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.touched != nil && !c.touched[b.id] && c.entries[b.id] == nil && len(c.entries) < rollupCacheSize {
		c.entries[b.id] = b.clone()
	}
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
// per monthly collection, so the first dashboards after a start or a rebuild
// do not wait for FerretDB. It runs in the background and gives up quietly.
func (s *Store) warmRollups(ctx context.Context) {
	c := s.rollups.cache
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
			if b, err := decodeBucket(d); err == nil {
				c.warmPut(b)
			}
		}
		_ = cur.Close(ctx)
	}
}
