package store

import (
	"sync"

	"hailong/survey"
)

// rollupCacheSize bounds the rollup documents kept in memory: a year's
// dashboard of one agency reads 24.
const rollupCacheSize = 4096

// rollupCache keeps decoded rollup documents in memory, written through by
// the rollup writer. It is used only with the embedded database: there the
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
}

func newRollupCache() *rollupCache {
	return &rollupCache{entries: map[string]*bucket{}, filling: map[string]int{}, stale: map[string]bool{}}
}

// get returns a copy of the cached document, or false; when false, the
// caller reads the database and hands the result to put. A nil cache always
// misses.
func (c *rollupCache) get(id string) (*bucket, bool) {
	if c == nil {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if b, ok := c.entries[id]; ok {
		return b.clone(), true
	}
	c.filling[id]++
	return nil, false
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
		b.merge(d)
	}
	if c.filling[d.id] > 0 {
		c.stale[d.id] = true
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
	if c.filling[id] > 0 {
		c.stale[id] = true
	}
}

// clear forgets everything (after a rebuild).
func (c *rollupCache) clear() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries = map[string]*bucket{}
	for id := range c.filling {
		c.stale[id] = true
	}
}

// clone copies a bucket deeply.
func (b *bucket) clone() *bucket {
	out := newBucket(b.id, b.kind, b.agency, b.month)
	out.merge(b)
	return out
}

// emptyBucket is the content of a rollup document that does not exist.
func emptyBucket(id string, m survey.Month) *bucket { return newBucket(id, "", "", m) }
