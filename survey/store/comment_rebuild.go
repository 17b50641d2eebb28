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
// marks are read from the live buckets first and kept, by response id.
//
// The comment writer is paused throughout; appends queued meanwhile for
// responses the scan has read are skipped afterwards, so no comment is
// written twice. It is also how comments lost in a crash (stored, not yet
// written by the writer) come back. progress, if not nil, is told how many
// responses have been read. Other processes must not write comments
// meanwhile; a rebuild cut short is finished by running it again.
func (s *Store) RebuildComments(ctx context.Context, progress func(done int64)) error {
	w := s.comments()
	if w == nil {
		return survey.ErrUnavailable
	}
	w.run.Lock()
	defer w.run.Unlock()
	marks, err := s.commentMarks(ctx)
	if err != nil {
		return fmt.Errorf("rebuild comments: %w", err)
	}
	type item struct {
		e        commentEntry
		received time.Time
	}
	type group struct {
		agency string
		month  survey.Month
		items  []item
	}
	groups := map[string]*group{}
	seen := map[string]bool{}
	opts := options.Find().SetBatchSize(scanBatch).SetProjection(docD("respondent", 0))
	cur, err := s.responses.Find(ctx, docD("comment", docD("$exists", true)), opts)
	if err != nil {
		return fmt.Errorf("rebuild comments: scan responses: %w", classify(err))
	}
	defer cur.Close(context.WithoutCancel(ctx))
	var done int64
	for cur.Next(ctx) {
		var r storedResponse
		if err := cur.Decode(&r); err != nil {
			return fmt.Errorf("rebuild comments: decode: %w", err)
		}
		if done++; done%scanBatch == 0 && progress != nil {
			progress(done)
		}
		e, ok := newCommentEntry(r.Response)
		if !ok || seen[r.ID] {
			continue
		}
		seen[r.ID] = true
		if h, ok := marks[r.ID]; ok {
			e.Handled = &h
		}
		m := survey.MonthOf(r.SubmittedAt)
		id := commentHeadID(r.Agency, m)
		g := groups[id]
		if g == nil {
			g = &group{agency: r.Agency, month: m}
			groups[id] = g
		}
		g.items = append(g.items, item{e: e, received: r.ReceivedAt})
	}
	if err := cur.Err(); err != nil {
		return fmt.Errorf("rebuild comments: scan responses: %w", classify(err))
	}

	// Write the new buckets beside the live ones.
	if err := s.dropPrefixed(ctx, commentRebuildPrefx); err != nil {
		return fmt.Errorf("rebuild comments: %w", err)
	}
	if err := s.db.Collection(commentHeadsRebuild).Drop(ctx); err != nil {
		return fmt.Errorf("rebuild comments: %w", classify(err))
	}
	ids := make([]string, 0, len(groups))
	for id := range groups {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	pages := map[survey.Month][]any{}
	heads := make([]any, 0, len(groups))
	for _, id := range ids {
		g := groups[id]
		sort.Slice(g.items, func(i, j int) bool {
			a, b := g.items[i], g.items[j]
			if !a.received.Equal(b.received) {
				return a.received.Before(b.received)
			}
			return a.e.ID < b.e.ID
		})
		h := commentHead{ID: id, Agency: g.agency, Month: g.month.String(), Size: commentPageSize, Total: int64(len(g.items))}
		for p := 0; p*commentPageSize < len(g.items); p++ {
			chunk := g.items[p*commentPageSize : min(len(g.items), (p+1)*commentPageSize)]
			es := make([]commentEntry, len(chunk))
			for i, it := range chunk {
				es[i] = it.e
				if it.e.Handled != nil {
					h.Handled++
				}
			}
			pages[g.month] = append(pages[g.month], commentPage{ID: commentPageID(g.agency, g.month, p),
				Agency: g.agency, Month: g.month.String(), Page: p, Entries: es})
		}
		heads = append(heads, h)
	}
	for m, docs := range pages {
		if err := s.insertChunks(ctx, commentRebuildPrefx+monthSuffix(m), docs, commentInsertBatch); err != nil {
			return fmt.Errorf("rebuild comments: %w", err)
		}
	}
	if err := s.insertChunks(ctx, commentHeadsRebuild, heads, 1000); err != nil {
		return fmt.Errorf("rebuild comments: %w", err)
	}

	// Swap: each month's new collection replaces the live one; months left
	// without comments are dropped; the heads go last.
	live, err := s.prefixed(ctx, commentPagePrefix)
	if err != nil {
		return fmt.Errorf("rebuild comments: %w", err)
	}
	isLive := map[survey.Month]bool{}
	for _, name := range live {
		if m, ok := suffixMonth(name, commentPagePrefix); ok {
			isLive[m] = true
		}
	}
	drop := func(m survey.Month) error {
		if err := s.db.Collection(commentColl(m)).Drop(ctx); err != nil {
			return fmt.Errorf("rebuild comments: drop %s: %w", commentColl(m), classify(err))
		}
		return nil
	}
	for m := range pages {
		if isLive[m] {
			if err := drop(m); err != nil {
				return err
			}
		}
		if err := s.rename(ctx, commentRebuildPrefx+monthSuffix(m), commentColl(m)); err != nil {
			return fmt.Errorf("rebuild comments: %w", err)
		}
	}
	for m := range isLive {
		if pages[m] == nil {
			if err := drop(m); err != nil {
				return err
			}
		}
	}
	if err := s.db.Collection(commentHeadsColl).Drop(ctx); err != nil {
		return fmt.Errorf("rebuild comments: drop heads: %w", classify(err))
	}
	if len(heads) > 0 {
		if err := s.rename(ctx, commentHeadsRebuild, commentHeadsColl); err != nil {
			return fmt.Errorf("rebuild comments: %w", err)
		}
	}
	w.heads, w.pages = map[string]bool{}, map[string]bool{}
	w.rebuilt, w.rebuiltAt = seen, time.Now()
	if progress != nil {
		progress(done)
	}
	return nil
}

// commentMarks reads every handled mark of the live buckets, by response id.
func (s *Store) commentMarks(ctx context.Context) (map[string]handledMark, error) {
	names, err := s.prefixed(ctx, commentPagePrefix)
	if err != nil {
		return nil, err
	}
	marks := map[string]handledMark{}
	for _, name := range names {
		cur, err := s.db.Collection(name).Find(ctx, docD(), options.Find().SetBatchSize(64))
		if err != nil {
			return nil, fmt.Errorf("read marks: %w", classify(err))
		}
		for cur.Next(ctx) {
			var p commentPage
			if err := cur.Decode(&p); err != nil {
				_ = cur.Close(ctx)
				return nil, fmt.Errorf("read marks: decode: %w", err)
			}
			for _, e := range p.Entries {
				if e.Handled != nil {
					marks[e.ID] = *e.Handled
				}
			}
		}
		err = cur.Err()
		_ = cur.Close(ctx)
		if err != nil {
			return nil, fmt.Errorf("read marks: %w", classify(err))
		}
	}
	return marks, nil
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
