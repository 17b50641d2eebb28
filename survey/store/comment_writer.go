package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"
	"weak"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"hailong/survey"
)

// commentGrace is how long the ids a rebuild wrote are remembered.
const commentGrace = time.Minute

// commentWriter holds the comment pages' writing state, and is the one
// goroutine per process that sets handled marks. The comments of new
// responses are appended by the count-keeping lifecycle (doc.go): the
// rollup writer applies each batch's comments (comment_apply.go) under
// this writer's lock. FerretDB loses concurrent updates of one document (a
// $push racing a $set of the same page would drop one); serialised here
// they are exact. On MongoDB the slot reservation ($inc of the head) and
// each $push or $set by _id are atomic, so several processes may write at
// once.
type commentWriter struct {
	s       *Store
	marks   chan markRequest
	flushes chan chan struct{}
	quit    chan struct{}
	done    chan struct{}
	stopped sync.Once

	// run is held by each batch and each mark; RebuildComments holds it to
	// pause the writer. It guards the fields below.
	run   sync.Mutex
	heads map[string]bool // head documents known to exist
	pages map[string]bool // page documents known to exist
	cache *commentCache   // nil unless the database is embedded
	// rebuilt holds the ids of the responses the last rebuild wrote, whose
	// appends may still be queued: those are skipped (for commentGrace).
	rebuilt   map[string]bool
	rebuiltAt time.Time
}

// markRequest asks the writer to mark a comment handled.
type markRequest struct {
	agency string
	month  survey.Month
	page   int // where the caller saw it; -1 when unknown
	id     string
	mark   handledMark
	reply  chan markResult
}

type markResult struct {
	c       survey.Comment
	changed bool
	err     error
}

// The writers of open stores, by store. A closed store keeps a stopped
// writer, so that nothing starts a new one on a closed database. Keys are
// weak, so a closed store can still be collected.
var (
	commentWriters = struct {
		sync.Mutex
		m map[weak.Pointer[Store]]*commentWriter
	}{m: map[weak.Pointer[Store]]*commentWriter{}}
	stoppedCommentWriter = &commentWriter{}
)

// comments returns the store's comment writer, starting it on first use;
// nil once the store is closed.
func (s *Store) comments() *commentWriter {
	k := weak.Make(s)
	commentWriters.Lock()
	defer commentWriters.Unlock()
	w, ok := commentWriters.m[k]
	if !ok {
		w = &commentWriter{s: s, marks: make(chan markRequest),
			flushes: make(chan chan struct{}), quit: make(chan struct{}), done: make(chan struct{}),
			heads: map[string]bool{}, pages: map[string]bool{}}
		if s.embedded != nil {
			w.cache = newCommentCache()
		}
		commentWriters.m[k] = w
		go w.loop()
	}
	if w == stoppedCommentWriter {
		return nil
	}
	return w
}

// commentCache is the store's comment cache; nil with MongoDB or once closed.
func (s *Store) commentCache() *commentCache {
	if w := s.comments(); w != nil {
		return w.cache
	}
	return nil
}

// stopComments writes what is queued and stops the comment writer; Close
// calls it before disconnecting.
func (s *Store) stopComments(ctx context.Context) error {
	k := weak.Make(s)
	commentWriters.Lock()
	w := commentWriters.m[k]
	commentWriters.m[k] = stoppedCommentWriter
	commentWriters.Unlock()
	if w == nil || w == stoppedCommentWriter {
		return nil
	}
	return w.stop(ctx)
}

// FlushComments returns once every comment stored before the call is in
// its bucket (or the writer has stopped). Listing does not need it (the
// rollup writer applies comments about writerLinger behind); tests and
// operators call it.
func (s *Store) FlushComments(ctx context.Context) error {
	if err := s.FlushRollups(ctx); err != nil { // it appends the comments
		return err
	}
	w := s.comments()
	if w == nil {
		return nil
	}
	return askFlush(ctx, w.flushes, w.done)
}

// MarkCommentHandled marks an agency's comment (the response id) of the
// month handled by the user, at the time, through the writer. page is where
// the caller saw it (-1 when unknown: the month's pages are searched). It
// returns the comment and whether this call marked it: a comment already
// handled keeps its first mark. The caller checks that the user may.
func (s *Store) MarkCommentHandled(ctx context.Context, agency string, month survey.Month, page int, id, by string, at time.Time) (survey.Comment, bool, error) {
	if !safeName(agency) || month.IsZero() || id == "" || len(id) > 128 {
		return survey.Comment{}, false, survey.ErrNotFound
	}
	if by == "" {
		return survey.Comment{}, false, errors.New("mark comment: no user")
	}
	w := s.comments()
	if w == nil {
		return survey.Comment{}, false, survey.ErrUnavailable
	}
	req := markRequest{agency: agency, month: month, page: page, id: id,
		mark: handledMark{By: by, At: dbTime(at)}, reply: make(chan markResult, 1)}
	select {
	case w.marks <- req:
	case <-w.done:
		return survey.Comment{}, false, survey.ErrUnavailable
	case <-ctx.Done():
		return survey.Comment{}, false, classify(ctx.Err())
	}
	select {
	case r := <-req.reply:
		return r.c, r.changed, r.err
	case <-ctx.Done():
		return survey.Comment{}, false, classify(ctx.Err())
	}
}

func (w *commentWriter) stop(ctx context.Context) error {
	w.stopped.Do(func() { close(w.quit) })
	select {
	case <-w.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (w *commentWriter) loop() {
	defer close(w.done)
	tick := time.NewTicker(commentGrace)
	defer tick.Stop()
	for {
		select {
		case m := <-w.marks:
			w.mark(m)
		case done := <-w.flushes:
			close(done) // the marks are set synchronously
		case <-tick.C:
			w.run.Lock()
			if w.rebuilt != nil && time.Since(w.rebuiltAt) > commentGrace {
				w.rebuilt = nil
			}
			w.run.Unlock()
		case <-w.quit:
			return
		}
	}
}

// errCommentGone: a head or page known to exist vanished (a rebuild by
// another process replaced the collection); the retry creates it again.
var errCommentGone = errors.New("comment document vanished")

// reserve adds n to the head's total and returns the first slot of the n
// and the page size, creating the head (holding the n) if it is new. The
// same write records batch t on the head (field w), so that a replay of the
// batch knows its slots are taken (comment_apply.go).
func (w *commentWriter) reserve(ctx context.Context, agency string, m survey.Month, n int, t batchTag) (int64, int, error) {
	hc := w.s.commentColl(agency, m)
	id := commentHeadID(agency, m)
	if !w.heads[id] {
		h := commentHead{ID: id, Agency: agency, Month: m.String(), Size: commentPageSize, Total: int64(n),
			W: map[string]int64{t.writer: t.seq}}
		_, err := hc.InsertOne(ctx, h)
		if err == nil {
			w.heads[id] = true
			w.cache.setHead(h)
			return 0, commentPageSize, nil
		}
		if !mongo.IsDuplicateKeyError(err) {
			return 0, 0, fmt.Errorf("comment head: %w", classify(err))
		}
		w.heads[id] = true
	}
	var h commentHead
	err := hc.FindOneAndUpdate(ctx, docD("_id", id), docD("$inc", docD("total", int64(n)), "$set", docD("w."+t.writer, t.seq)),
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&h)
	if errors.Is(err, mongo.ErrNoDocuments) {
		delete(w.heads, id)
		w.cache.forget(id)
		return 0, 0, errCommentGone
	}
	if err != nil {
		w.cache.forget(id)
		return 0, 0, fmt.Errorf("comment head: %w", classify(err))
	}
	w.cache.setHead(h)
	return h.Total - int64(n), h.pageSize(), nil
}

// push appends entries to a page, creating it with them if it is new. When
// checked (an earlier try failed, maybe after writing), the page is read
// first and only the entries it lacks are appended.
func (w *commentWriter) push(ctx context.Context, agency string, m survey.Month, page int, es []commentEntry, checked bool) error {
	coll := w.s.commentColl(agency, m)
	id := commentPageID(agency, m, page)
	if checked {
		var p commentPage
		err := coll.FindOne(ctx, docD("_id", id)).Decode(&p)
		switch {
		case errors.Is(err, mongo.ErrNoDocuments):
			delete(w.pages, id)
		case err != nil:
			return fmt.Errorf("comment page: %w", classify(err))
		default:
			w.pages[id] = true
			have := make(map[string]bool, len(p.Entries))
			for _, e := range p.Entries {
				have[e.ID] = true
			}
			var rest []commentEntry
			for _, e := range es {
				if !have[e.ID] {
					rest = append(rest, e)
				}
			}
			if es = rest; len(es) == 0 {
				return nil
			}
		}
	}
	if !w.pages[id] {
		p := commentPage{ID: id, Agency: agency, Month: m.String(), Page: page, Entries: es}
		_, err := coll.InsertOne(ctx, p)
		if err == nil {
			w.pages[id] = true
			w.cache.setPage(p)
			return nil
		}
		if !mongo.IsDuplicateKeyError(err) {
			return fmt.Errorf("comment page: %w", classify(err))
		}
		w.pages[id] = true
	}
	res, err := coll.UpdateOne(ctx, docD("_id", id), docD("$push", docD("entries", docD("$each", es))))
	if err != nil {
		w.cache.forget(id)
		return fmt.Errorf("comment page: %w", classify(err))
	}
	if res.MatchedCount == 0 {
		delete(w.pages, id)
		w.cache.forget(id)
		return errCommentGone
	}
	w.cache.appendPage(id, es)
	return nil
}

// mark sets a handled mark and answers the request.
func (w *commentWriter) mark(req markRequest) {
	w.run.Lock()
	defer w.run.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, changed, err := w.markOnce(ctx, req)
	req.reply <- markResult{c: c, changed: changed, err: err}
}

func (w *commentWriter) markOnce(ctx context.Context, req markRequest) (survey.Comment, bool, error) {
	page, idx, e, err := w.s.findComment(ctx, req.agency, req.month, req.page, req.id)
	if err != nil {
		return survey.Comment{}, false, err
	}
	marks := w.s.db.Collection(commentMarksColl)
	claim := func(h handledMark) error {
		_, err := marks.InsertOne(ctx, markDoc{ID: req.id, Agency: req.agency, Month: req.month.String(), By: h.By, At: h.At})
		return err
	}
	if e.Handled != nil {
		// Marked already; make sure the marks collection knows (it may
		// lack it if a mark was cut short).
		if err := claim(*e.Handled); err != nil && !mongo.IsDuplicateKeyError(err) {
			w.s.log.Warn("comments: mark not recorded", "err", err)
		}
		return e.comment(req.agency, req.month, page), false, nil
	}
	mark, changed := req.mark, true
	switch err := claim(mark); {
	case mongo.IsDuplicateKeyError(err):
		// Claimed before (another process, or a mark cut short): that one stands.
		var d markDoc
		if err := marks.FindOne(ctx, docD("_id", req.id)).Decode(&d); err != nil {
			return survey.Comment{}, false, fmt.Errorf("mark comment: %w", classify(err))
		}
		mark, changed = handledMark{By: d.By, At: d.At}, false
	case err != nil:
		return survey.Comment{}, false, fmt.Errorf("mark comment: %w", classify(err))
	}
	// By _id alone: FerretDB pushes only that down (any other condition
	// makes it decode every page of the collection). The claim above already
	// makes the mark exclusive; setting the same mark again modifies nothing.
	coll := w.s.commentColl(req.agency, req.month)
	pageID, headID := commentPageID(req.agency, req.month, page), commentHeadID(req.agency, req.month)
	res, err := coll.UpdateOne(ctx, docD("_id", pageID), docD("$set", docD("entries."+strconv.Itoa(idx)+".handled", mark)))
	if err != nil {
		w.cache.forget(pageID)
		return survey.Comment{}, false, fmt.Errorf("mark comment: %w", classify(err))
	}
	e.Handled = &mark
	if res.ModifiedCount == 0 {
		// Set already (by the process that claimed it): nothing to count.
		w.cache.forget(pageID)
		return e.comment(req.agency, req.month, page), changed, nil
	}
	// The head's count of handled comments is a convenience for listings;
	// a failure here is mended by the next rebuild.
	w.cache.markPage(pageID, idx, mark)
	if _, err := coll.UpdateOne(ctx, docD("_id", headID), docD("$inc", docD("handled", int64(1)))); err != nil {
		w.cache.forget(headID)
		w.s.log.Warn("comments: handled count not updated", "agency", req.agency, "month", req.month.String(), "err", err)
	} else {
		w.cache.addHandled(headID)
	}
	return e.comment(req.agency, req.month, page), changed, nil
}

// markDoc is a handled mark in "comment_marks", by response id: claimed by
// insert, so that of two concurrent marks exactly one wins, and kept across
// rebuilds (it is not derived data).
type markDoc struct {
	ID     string    `bson:"_id"`
	Agency string    `bson:"agency"`
	Month  string    `bson:"month"`
	By     string    `bson:"by"`
	At     time.Time `bson:"at"`
}

// findComment finds a comment by response id in an agency's month: on the
// page given first, then on every page of the month, newest first.
func (s *Store) findComment(ctx context.Context, agency string, m survey.Month, page int, id string) (int, int, commentEntry, error) {
	look := func(p int) (int, commentEntry, bool, error) {
		ps, err := s.commentPages(ctx, agency, m, p, p)
		if err != nil {
			return 0, commentEntry{}, false, err
		}
		for i, e := range ps[p].Entries {
			if e.ID == id {
				return i, e, true, nil
			}
		}
		return 0, commentEntry{}, false, nil
	}
	if page >= 0 {
		if i, e, ok, err := look(page); err != nil || ok {
			return page, i, e, err
		}
	}
	heads, err := s.commentHeads(ctx, agency, []survey.Month{m})
	if err != nil {
		return 0, 0, commentEntry{}, err
	}
	for p := heads[m].Pages() - 1; p >= 0; p-- {
		if p == page {
			continue
		}
		if i, e, ok, err := look(p); err != nil || ok {
			return p, i, e, err
		}
	}
	return 0, 0, commentEntry{}, survey.ErrNotFound
}
