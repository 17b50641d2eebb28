package store

import (
	"container/list"
	"sync"
)

// commentCacheBytes bounds the comment pages kept in memory (about 250
// pages of typical comments: the pages last read or written, which are the
// newest pages of busy agencies). It was 32 MiB while a find by _id scanned
// the collection; with the store's _id index (id_index.go) a page missed is
// read in well under a millisecond, and a large cache only made the
// resident size climb for as long as comments came in (+23 % over ten
// minutes of saturating submissions).
const commentCacheBytes = 4 << 20

// commentCacheHeads bounds the heads kept (one per agency and month).
const commentCacheHeads = 100_000

// commentCache keeps comment heads and pages in memory, written through by
// the comment writer. It is used only with the embedded database, where
// this process's writer is the only one, so a cached document is exact,
// and a first screen reads a head per month. With MongoDB the cache is off
// (nil): other processes write too.
//
// Cached values are never changed in place: a write replaces them, so a
// reader may keep what it got. A read that missed fills the cache only if
// no write to that document (and no clear) happened since it started.
type commentCache struct {
	mu    sync.Mutex
	epoch uint64            // bumped by clear
	gen   map[string]uint64 // bumped by each write of a document
	heads map[string]*commentHead
	pages map[string]*list.Element // of *cachedPage, in lru
	lru   *list.List               // most recently used first
	bytes int
}

type cachedPage struct {
	p    commentPage
	size int
}

// cacheStamp is what a read that missed remembers, to fill the cache later.
type cacheStamp struct{ epoch, gen uint64 }

func newCommentCache() *commentCache {
	return &commentCache{gen: map[string]uint64{}, heads: map[string]*commentHead{},
		pages: map[string]*list.Element{}, lru: list.New()}
}

func pageBytes(p commentPage) int {
	n := 128
	for _, e := range p.Entries {
		n += 96 + len(e.ID) + len(e.Area) + len(e.Channel) + len(e.Text)
	}
	return n
}

// head returns a cached head (h nil: known not to exist) and whether it was
// cached; on a miss, the stamp to fill it with.
func (c *commentCache) head(id string) (h *commentHead, hit bool, st cacheStamp) {
	if c == nil {
		return nil, false, st
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	h, hit = c.heads[id]
	return h, hit, cacheStamp{c.epoch, c.gen[id]}
}

// fillHead keeps a head read after a miss (nil: it does not exist).
func (c *commentCache) fillHead(id string, h *commentHead, st cacheStamp) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if st == (cacheStamp{c.epoch, c.gen[id]}) {
		c.putHead(id, h)
	}
}

func (c *commentCache) putHead(id string, h *commentHead) {
	if len(c.heads) >= commentCacheHeads {
		c.heads = map[string]*commentHead{}
	}
	c.heads[id] = h
}

// page returns a cached page and whether it was cached; on a miss, the
// stamp to fill it with.
func (c *commentCache) page(id string) (commentPage, bool, cacheStamp) {
	if c == nil {
		return commentPage{}, false, cacheStamp{}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.pages[id]; ok {
		c.lru.MoveToFront(el)
		return el.Value.(*cachedPage).p, true, cacheStamp{}
	}
	return commentPage{}, false, cacheStamp{c.epoch, c.gen[id]}
}

// fillPage keeps a page read after a miss.
func (c *commentCache) fillPage(p commentPage, st cacheStamp) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if st == (cacheStamp{c.epoch, c.gen[p.ID]}) {
		c.putPage(p)
	}
}

func (c *commentCache) putPage(p commentPage) {
	c.dropPage(p.ID)
	cp := &cachedPage{p: p, size: pageBytes(p)}
	c.pages[p.ID] = c.lru.PushFront(cp)
	c.bytes += cp.size
	for c.bytes > commentCacheBytes && c.lru.Len() > 1 {
		c.dropPage(c.lru.Back().Value.(*cachedPage).p.ID)
	}
}

func (c *commentCache) dropPage(id string) {
	if el, ok := c.pages[id]; ok {
		c.bytes -= el.Value.(*cachedPage).size
		c.lru.Remove(el)
		delete(c.pages, id)
	}
}

// The writer's write-through, each after the database accepted the write.

// setHead records a head as written.
func (c *commentCache) setHead(h commentHead) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen[h.ID]++
	c.putHead(h.ID, &h)
}

// addHandled counts one more handled comment in a cached head.
func (c *commentCache) addHandled(id string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen[id]++
	if h := c.heads[id]; h != nil {
		n := *h
		n.Handled++
		c.heads[id] = &n
	} else {
		delete(c.heads, id)
	}
}

// setPage records a page as written in full.
func (c *commentCache) setPage(p commentPage) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen[p.ID]++
	c.putPage(p)
}

// appendPage records entries pushed to a page.
func (c *commentCache) appendPage(id string, es []commentEntry) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen[id]++
	if el, ok := c.pages[id]; ok {
		p := el.Value.(*cachedPage).p
		p.Entries = append(append(make([]commentEntry, 0, len(p.Entries)+len(es)), p.Entries...), es...)
		c.putPage(p)
	}
}

// markPage records the handled mark set on entry i of a page.
func (c *commentCache) markPage(id string, i int, m handledMark) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen[id]++
	if el, ok := c.pages[id]; ok {
		p := el.Value.(*cachedPage).p
		if i < len(p.Entries) {
			p.Entries = append([]commentEntry(nil), p.Entries...)
			p.Entries[i].Handled = &m
			c.putPage(p)
			return
		}
		c.dropPage(id)
	}
}

// forget drops a document whose state a failed write left unknown.
func (c *commentCache) forget(id string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen[id]++
	delete(c.heads, id)
	c.dropPage(id)
}

// clear forgets everything (a rebuild replaced the collections).
func (c *commentCache) clear() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	c.heads = map[string]*commentHead{}
	c.pages = map[string]*list.Element{}
	c.lru.Init()
	c.bytes = 0
}
