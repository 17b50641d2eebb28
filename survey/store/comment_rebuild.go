package store

import (
	"context"
	"fmt"
	"sort"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"hailong/survey"
)

// commentInsertBatch is how many page documents one insert carries (a page
// of the longest comments is about 300 kB).
const commentInsertBatch = 16

// RebuildComments rewrites every comment bucket from the responses: one
// streamed scan of the responses that have a comment, grouped by agency and
// month, each month's comments in order of arrival (ReceivedAt, then id),
// written to fresh collections that then replace the live ones. Handled
// marks are read first from "comment_marks" (which a rebuild keeps) and put
// back, by response id.
//
// The comment writer is paused throughout. Responses whose pending entries
// exist (at the start, or written meanwhile) are left out: the lifecycle
// (doc.go) appends their comments afterwards, so no comment is written
// twice. It is how the comments of responses imported in bulk come back.
// progress, if not nil, is told how many responses have been read. Other
// processes must not write comments meanwhile; a rebuild cut short is
// finished by running it again.
func (s *Store) RebuildComments(ctx context.Context, progress func(done int64)) error {
	return s.rebuild(ctx, progress, false, true)
}

// commentRebuild is a rebuild of the comment pages in progress: the comment
// writer paused from begin to end, the comments gathered by agency-month.
type commentRebuild struct {
	s      *Store
	w      *commentWriter
	start  time.Time
	marks  map[string]handledMark
	groups map[string]*rebuildGroup
	seen   map[string]bool
	// excluded holds the attempts whose comments the lifecycle appends
	// after the rebuild (their pending entries exist).
	excluded *attemptSet
}

type rebuildItem struct {
	e        commentEntry
	received time.Time
}

type rebuildGroup struct {
	agency string
	month  survey.Month
	items  []rebuildItem
}

func (s *Store) beginCommentRebuild(ctx context.Context) (*commentRebuild, error) {
	w := s.comments()
	if w == nil {
		return nil, survey.ErrUnavailable
	}
	w.run.Lock()
	b := &commentRebuild{s: s, w: w, start: time.Now(), groups: map[string]*rebuildGroup{}, seen: map[string]bool{}}
	marks, err := s.commentMarks(ctx)
	if err != nil {
		b.end()
		return nil, err
	}
	b.marks = marks
	return b, nil
}

// end resumes the writer; whatever happened, the collections may have changed.
func (b *commentRebuild) end() {
	b.w.heads, b.w.pages = map[string]bool{}, map[string]bool{}
	b.w.cache.clear()
	b.w.run.Unlock()
}

// add gathers the response's comment, if it has one.
func (b *commentRebuild) add(r survey.Response) {
	e, ok := newCommentEntry(r)
	if !ok || b.seen[r.ID] {
		return
	}
	b.seen[r.ID] = true
	if h, ok := b.marks[r.ID]; ok {
		e.Handled = &h
	}
	m := survey.MonthOf(r.SubmittedAt)
	id := commentHeadID(r.Agency, m)
	g := b.groups[id]
	if g == nil {
		g = &rebuildGroup{agency: r.Agency, month: m}
		b.groups[id] = g
	}
	g.items = append(g.items, rebuildItem{e: e, received: r.ReceivedAt})
}

// install writes the pages beside the live ones, then swaps collection by
// collection; live collections left without comments are dropped.
func (b *commentRebuild) install(ctx context.Context, done int64) error {
	s, w := b.s, b.w
	scanned := time.Since(b.start)
	docs := map[string][]any{} // by collection suffix
	for id, g := range b.groups {
		sort.Slice(g.items, func(i, j int) bool {
			a, b := g.items[i], g.items[j]
			if !a.received.Equal(b.received) {
				return a.received.Before(b.received)
			}
			return a.e.ID < b.e.ID
		})
		suffix := commentSuffix(g.agency, g.month)
		h := commentHead{ID: id, Agency: g.agency, Month: g.month.String(), Size: commentPageSize, Total: int64(len(g.items))}
		// The live head's batch tags carry over: a batch replayed after the
		// rebuild then finds its slots taken and appends only what the
		// pages lack (comment_apply.go).
		live, _, err := w.readHead(ctx, g.agency, g.month)
		if err != nil {
			return err
		}
		h.W = live.W
		for p := 0; p*commentPageSize < len(g.items); p++ {
			chunk := g.items[p*commentPageSize : min(len(g.items), (p+1)*commentPageSize)]
			es := make([]commentEntry, len(chunk))
			for i, it := range chunk {
				es[i] = it.e
				if it.e.Handled != nil {
					h.Handled++
				}
			}
			docs[suffix] = append(docs[suffix], commentPage{ID: commentPageID(g.agency, g.month, p),
				Agency: g.agency, Month: g.month.String(), Page: p, Entries: es})
		}
		docs[suffix] = append(docs[suffix], h)
	}
	if err := s.dropCommentColls(ctx, commentRebuildPrefx); err != nil {
		return err
	}
	for suffix, ds := range docs {
		if err := s.insertChunks(ctx, commentRebuildPrefx+suffix, ds, commentInsertBatch); err != nil {
			return err
		}
	}
	live, err := s.commentColls(ctx, commentPrefix)
	if err != nil {
		return err
	}
	isLive := map[string]bool{}
	for _, name := range live {
		isLive[name] = true
	}
	for suffix := range docs {
		name := commentPrefix + suffix
		if isLive[name] {
			if err := s.db.Collection(name).Drop(ctx); err != nil {
				return fmt.Errorf("drop %s: %w", name, classify(err))
			}
		}
		if err := s.rename(ctx, commentRebuildPrefx+suffix, name); err != nil {
			return err
		}
	}
	for _, name := range live {
		if suffix, _ := commentCollSuffix(name, commentPrefix); docs[suffix] == nil {
			if err := s.db.Collection(name).Drop(ctx); err != nil {
				return fmt.Errorf("drop %s: %w", name, classify(err))
			}
		}
	}
	w.rebuilt, w.rebuiltAt = b.seen, time.Now()
	s.log.Info("comments: rebuilt", "responses", done, "comments", len(b.seen), "marks", len(b.marks),
		"collections", len(docs), "scan", scanned.Round(time.Millisecond), "total", time.Since(b.start).Round(time.Millisecond))
	return nil
}

// commentMarks reads every handled mark, by response id.
func (s *Store) commentMarks(ctx context.Context) (map[string]handledMark, error) {
	cur, err := s.db.Collection(commentMarksColl).Find(ctx, docD(), options.Find().SetBatchSize(scanBatch))
	if err != nil {
		return nil, fmt.Errorf("read marks: %w", classify(err))
	}
	var ds []markDoc
	if err := cur.All(ctx, &ds); err != nil {
		return nil, fmt.Errorf("read marks: %w", classify(err))
	}
	marks := make(map[string]handledMark, len(ds))
	for _, d := range ds {
		marks[d.ID] = handledMark{By: d.By, At: d.At}
	}
	return marks, nil
}

// dropCommentColls drops the comment collections named with the prefix.
func (s *Store) dropCommentColls(ctx context.Context, prefix string) error {
	names, err := s.commentColls(ctx, prefix)
	if err != nil {
		return err
	}
	for _, n := range names {
		if err := s.db.Collection(n).Drop(ctx); err != nil {
			return fmt.Errorf("drop %s: %w", n, classify(err))
		}
	}
	return nil
}

// insertChunks inserts documents into a collection, n per call.
func (s *Store) insertChunks(ctx context.Context, coll string, docs []any, n int) error {
	c := s.db.Collection(coll)
	for len(docs) > 0 {
		k := min(len(docs), n)
		if _, err := c.InsertMany(ctx, docs[:k]); err != nil {
			return fmt.Errorf("write %s: %w", coll, classify(err))
		}
		docs = docs[k:]
	}
	return nil
}
