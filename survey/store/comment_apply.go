package store

import (
	"context"
	"errors"
	"fmt"

	"hailong/survey"
)

// The comment pages' applier of the count-keeping lifecycle (doc.go): the
// rollup writer hands it each batch, and the batch's pending entries stay
// until it has applied it. Exactly once: the slots of a batch's comments in
// an agency's month are reserved by one update of the month's head, which
// also records the batch's tag (head field w). A batch applied again (a
// retry, or a replay after a crash, by this process or another) whose tag a
// head already records only appends the comments its pages lack.

// commentGroup is what one batch appends to one agency and month.
type commentGroup struct {
	agency string
	month  survey.Month
	es     []commentEntry
}

// applyComments appends the comments of a batch: per agency and month, in
// the batch's order.
func (s *Store) applyComments(ctx context.Context, b appliedBatch) error {
	var order []*commentGroup
	groups := map[string]*commentGroup{}
	for _, c := range b.cs {
		if c.comment == nil {
			continue
		}
		id := commentHeadID(c.agency, c.month)
		g := groups[id]
		if g == nil {
			g = &commentGroup{agency: c.agency, month: c.month}
			groups[id] = g
			order = append(order, g)
		}
		g.es = append(g.es, *c.comment)
	}
	if len(order) == 0 {
		return nil
	}
	w := s.comments()
	if w == nil {
		return fmt.Errorf("comments: %w", survey.ErrUnavailable)
	}
	w.run.Lock()
	defer w.run.Unlock()
	for _, g := range order {
		if len(w.rebuilt) > 0 {
			g.es = w.notRebuilt(g.es)
		}
		if len(g.es) == 0 {
			continue
		}
		if err := w.appendTagged(ctx, g, b.tag, b.checked); err != nil {
			return err
		}
	}
	return nil
}

// notRebuilt leaves out the comments the last rebuild wrote.
func (w *commentWriter) notRebuilt(es []commentEntry) []commentEntry {
	var out []commentEntry
	for _, e := range es {
		if !w.rebuilt[e.ID] {
			out = append(out, e)
		}
	}
	return out
}

// appendTagged reserves the group's slots under tag t, then writes each page
// they fall on. When checked and the head already records t, the slots were
// reserved by an earlier try: only the comments missing from the month's
// pages are appended, to its last page.
func (w *commentWriter) appendTagged(ctx context.Context, g *commentGroup, t batchTag, checked bool) error {
	if checked {
		h, ok, err := w.readHead(ctx, g.agency, g.month)
		if err != nil {
			return err
		}
		if ok && h.W[t.writer] >= t.seq {
			return w.appendMissing(ctx, g, h)
		}
	}
	first, size, err := w.reserve(ctx, g.agency, g.month, len(g.es), t)
	if err != nil {
		return err
	}
	for i := 0; i < len(g.es); {
		page := int((first + int64(i)) / int64(size))
		end := min(len(g.es), int(int64(page+1)*int64(size)-first))
		if err := w.push(ctx, g.agency, g.month, page, g.es[i:end], false); err != nil {
			return err
		}
		i = end
	}
	return nil
}

// readHead reads a month's head from the database (not the cache).
func (w *commentWriter) readHead(ctx context.Context, agency string, m survey.Month) (commentHead, bool, error) {
	var h commentHead
	err := w.s.commentColl(agency, m).FindOne(ctx, docD("_id", commentHeadID(agency, m))).Decode(&h)
	switch err := classify(err); {
	case errors.Is(err, survey.ErrNotFound):
		return h, false, nil
	case err != nil:
		return h, false, fmt.Errorf("comment head: %w", err)
	}
	return h, true, nil
}

// appendMissing appends to the last page of the head the group's comments
// that no page of the month holds (a replay only: it reads every page).
func (w *commentWriter) appendMissing(ctx context.Context, g *commentGroup, h commentHead) error {
	last := h.Pages() - 1
	have := map[string]bool{}
	for p := 0; p <= last; p++ {
		w.cache.forget(commentPageID(g.agency, g.month, p))
		ps, err := w.s.commentPages(ctx, g.agency, g.month, p, p)
		if err != nil {
			return err
		}
		for _, e := range ps[p].Entries {
			have[e.ID] = true
		}
	}
	var missing []commentEntry
	for _, e := range g.es {
		if !have[e.ID] {
			missing = append(missing, e)
		}
	}
	if len(missing) == 0 || last < 0 {
		return nil
	}
	return w.push(ctx, g.agency, g.month, last, missing, false)
}
