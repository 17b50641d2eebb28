package store

// Comments are listed from bucket documents addressed by _id (MongoDB's
// bucket pattern), never by a filtered query over the responses, which
// FerretDB answers by scanning every response (shared/DESIGN.md §2).
//
// Each agency and month (of the response's SubmittedAt, as reports count it)
// has a head and pages of up to commentPageSize comments, in order of
// arrival. Pages live in one collection per month, "comments_YYYY_MM", for
// the reason rollups do (FerretDB finds a document by _id by scanning its
// collection, so small collections keep every read short); heads live in
// "comment_heads":
//
//	{_id: "cmh|<agency>|<YYYY-MM>", agency, month,
//	 size: 50,        // capacity of a page when the head was made
//	 total: <n>,      // comments appended; pages = ceil(total / size)
//	 handled: <n>}    // of which marked handled
//	{_id: "cm|<agency>|<YYYY-MM>|<page>", agency, month, page,
//	 entries: [{id: <response id>, at: <SubmittedAt>, area, channel,
//	            score: <mean of the valid answers, in tenths>, text,
//	            handled: {by: <username>, at}}]}   // handled only once marked
//
// Comment k (from 0, in order of arrival) of an agency and month is entry
// k mod size of page k / size: the writer reserves slots by $inc of the
// head's total (atomic across processes on MongoDB) before it $pushes the
// entries. Everything here is derived from the responses and rebuilt by
// RebuildComments, which keeps the handled marks.

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"hailong/survey"
)

// Sizes of comment buckets and listings.
const (
	commentPageSize     = 50  // comments per bucket page
	commentListDefault  = 20  // comments per listing when Limit is 0
	commentListMax      = 100 // most comments per listing
	commentHeadsColl    = "comment_heads"
	commentPagePrefix   = "comments_"
	commentRebuildPrefx = "cmnew_"
)

// commentScanPages is the most bucket pages one listing reads (a variable
// for tests).
var commentScanPages = 40

// commentHeadsRebuild is the heads collection a rebuild writes before it
// replaces the live one (its name does not end in a month, so the monthly
// prefix listings never see it).
const commentHeadsRebuild = commentRebuildPrefx + "heads"

func commentHeadID(agency string, m survey.Month) string {
	return "cmh|" + agency + "|" + m.String()
}

func commentPageID(agency string, m survey.Month, page int) string {
	return "cm|" + agency + "|" + m.String() + "|" + strconv.Itoa(page)
}

func commentColl(m survey.Month) string { return commentPagePrefix + monthSuffix(m) }

// commentHead is the head document of an agency and month.
type commentHead struct {
	ID      string `bson:"_id"`
	Agency  string `bson:"agency"`
	Month   string `bson:"month"`
	Size    int    `bson:"size"`
	Total   int64  `bson:"total"`
	Handled int64  `bson:"handled"`
}

// pageSize is the capacity the head's pages were made with.
func (h commentHead) pageSize() int {
	if h.Size > 0 {
		return h.Size
	}
	return commentPageSize
}

// Pages is the number of pages the head's comments fill.
func (h commentHead) Pages() int {
	if h.Total <= 0 {
		return 0
	}
	return int((h.Total-1)/int64(h.pageSize())) + 1
}

// commentEntry is one comment in a page.
type commentEntry struct {
	ID      string       `bson:"id"`
	At      time.Time    `bson:"at"`
	Area    string       `bson:"area"`
	Channel string       `bson:"channel"`
	Score   int          `bson:"score"`
	Text    string       `bson:"text"`
	Handled *handledMark `bson:"handled,omitempty"`
}

// handledMark is who marked a comment handled, and when.
type handledMark struct {
	By string    `bson:"by"`
	At time.Time `bson:"at"`
}

// commentPage is a bucket of comments.
type commentPage struct {
	ID      string         `bson:"_id"`
	Agency  string         `bson:"agency"`
	Month   string         `bson:"month"`
	Page    int            `bson:"page"`
	Entries []commentEntry `bson:"entries"`
}

// newCommentEntry is the entry of a response's comment; ok is false when
// the response has no comment or a name that cannot be part of an _id.
func newCommentEntry(r survey.Response) (commentEntry, bool) {
	if r.Comment == "" || !safeName(r.Agency) || !safeName(r.Area) {
		return commentEntry{}, false
	}
	return commentEntry{
		ID: r.ID, At: r.SubmittedAt, Area: r.Area, Channel: string(r.Channel),
		Score: survey.CommentScore(r.Answers), Text: r.Comment,
	}, true
}

func (e commentEntry) comment(agency string, m survey.Month, page int) survey.Comment {
	c := survey.Comment{ID: e.ID, Agency: agency, Month: m, Page: page, At: e.At, Area: e.Area,
		Channel: survey.Channel(e.Channel), Score: e.Score, Text: e.Text}
	if e.Handled != nil {
		c.Handled = &survey.Handled{By: e.Handled.By, At: e.Handled.At}
	}
	return c
}

// CommentQuery asks for an agency's comments over a period, newest first.
type CommentQuery struct {
	Agency string
	Period survey.Period
	// Area and Band filter; empty selects all. Unhandled keeps only the
	// comments nobody has marked handled.
	Area      string
	Band      survey.ScoreBand
	Unhandled bool
	// Cursor continues a listing where its Next left off; empty starts at
	// the newest comment of the period.
	Cursor string
	// Limit is the number of comments wanted (commentListDefault when 0, at
	// most commentListMax).
	Limit int
}

// CommentList is one screen of comments.
type CommentList struct {
	Comments []survey.Comment
	// Next continues with older comments; "" when there are none. It is set
	// only when at least one more comment matches, or when Partial.
	Next string
	// Partial: the listing read its budget of pages (commentScanPages)
	// before it found Limit comments; Next goes on from there.
	Partial bool
	// Total and Handled count the agency's comments in the period, whatever
	// the filters (from the heads, so a comment lost by a crash between its
	// reservation and its write is counted until the next rebuild).
	Total   int64
	Handled int64
}

// ErrBadCursor: a listing's cursor is malformed or outside its period.
var ErrBadCursor = errors.New("bad comment cursor")

// commentCursor is a position in a listing: the entries of page Page of
// Month with an index below Index (all of them when Index < 0).
type commentCursor struct {
	Month survey.Month
	Page  int
	Index int
}

// String writes the cursor as "YYYY-MM.page" or "YYYY-MM.page.index".
func (c commentCursor) String() string {
	s := c.Month.String() + "." + strconv.Itoa(c.Page)
	if c.Index >= 0 {
		s += "." + strconv.Itoa(c.Index)
	}
	return s
}

func parseCommentCursor(s string) (commentCursor, error) {
	parts := strings.Split(s, ".")
	if len(parts) < 2 || len(parts) > 3 {
		return commentCursor{}, ErrBadCursor
	}
	m, err := survey.ParseMonth(parts[0])
	if err != nil {
		return commentCursor{}, ErrBadCursor
	}
	num := func(p string) (int, bool) {
		n, err := strconv.Atoi(p)
		return n, err == nil && n >= 0 && n < 1<<24 && strconv.Itoa(n) == p
	}
	c := commentCursor{Month: m, Index: -1}
	var ok bool
	if c.Page, ok = num(parts[1]); !ok {
		return commentCursor{}, ErrBadCursor
	}
	if len(parts) == 3 {
		if c.Index, ok = num(parts[2]); !ok {
			return commentCursor{}, ErrBadCursor
		}
	}
	return c, nil
}

// ValidCommentCursor reports whether s is a well-formed cursor (the server
// checks input before it asks).
func ValidCommentCursor(s string) bool {
	_, err := parseCommentCursor(s)
	return err == nil
}

// Comments lists an agency's comments over a period, newest month first and,
// within a month, newest arrival first, filtered by area, score band and
// handled state. It reads the period's heads in one query, then only the
// pages it needs, a few per query; its cost does not grow with the number
// of responses, and is bounded by commentScanPages whatever the filters.
// The caller checks that the reader may see the agency.
func (s *Store) Comments(ctx context.Context, q CommentQuery) (CommentList, error) {
	var out CommentList
	if !safeName(q.Agency) {
		return out, survey.ErrNotFound
	}
	p, err := survey.RangePeriod(q.Period.From, q.Period.To)
	if err != nil {
		return out, err
	}
	limit := q.Limit
	if limit <= 0 {
		limit = commentListDefault
	}
	limit = min(limit, commentListMax)
	pos := commentCursor{Month: p.To, Page: -1, Index: -1}
	if q.Cursor != "" {
		if pos, err = parseCommentCursor(q.Cursor); err != nil {
			return out, err
		}
		if pos.Month.Before(p.From) || p.To.Before(pos.Month) {
			return out, ErrBadCursor
		}
	}
	heads, err := s.commentHeads(ctx, q.Agency, p.Months())
	if err != nil {
		return out, err
	}
	for _, h := range heads {
		out.Total += h.Total
		out.Handled += h.Handled
	}
	match := func(e commentEntry) bool {
		return (q.Area == "" || e.Area == q.Area) && q.Band.Contains(e.Score) && (!q.Unhandled || e.Handled == nil)
	}
	budget := commentScanPages
	for m := pos.Month; !m.Before(p.From); m = m.Add(-1) {
		h, ok := heads[m]
		page, index := pos.Page, pos.Index
		pos.Page, pos.Index = -1, -1 // the cursor applies to its own month only
		if !ok || h.Total <= 0 {
			continue
		}
		last := h.Pages() - 1
		if page < 0 || page > last {
			page, index = last, -1
		}
		chunk := 2
		for page >= 0 {
			if budget == 0 {
				out.Next = commentCursor{Month: m, Page: page, Index: index}.String()
				out.Partial = true
				return out, nil
			}
			k := min(chunk, page+1, budget)
			budget -= k
			chunk = min(2*chunk, 16)
			pages, err := s.commentPages(ctx, q.Agency, m, page-k+1, page)
			if err != nil {
				return out, err
			}
			for pg := page; pg > page-k; pg-- {
				es := pages[pg].Entries
				start := len(es)
				if pg == page && index >= 0 && index < start {
					start = index
				}
				for j := start - 1; j >= 0; j-- {
					if !match(es[j]) {
						continue
					}
					if len(out.Comments) == limit {
						out.Next = commentCursor{Month: m, Page: pg, Index: j + 1}.String()
						return out, nil
					}
					out.Comments = append(out.Comments, es[j].comment(q.Agency, m, pg))
				}
			}
			page, index = page-k, -1
		}
	}
	return out, nil
}

// commentHeads reads the heads of an agency's months in one query.
func (s *Store) commentHeads(ctx context.Context, agency string, months []survey.Month) (map[survey.Month]commentHead, error) {
	ids := make([]string, len(months))
	for i, m := range months {
		ids[i] = commentHeadID(agency, m)
	}
	cur, err := s.db.Collection(commentHeadsColl).Find(ctx, docD("_id", docD("$in", ids)))
	if err != nil {
		return nil, fmt.Errorf("read comment heads: %w", classify(err))
	}
	var hs []commentHead
	if err := cur.All(ctx, &hs); err != nil {
		return nil, fmt.Errorf("read comment heads: %w", classify(err))
	}
	out := make(map[survey.Month]commentHead, len(hs))
	for _, h := range hs {
		if m, err := survey.ParseMonth(h.Month); err == nil {
			out[m] = h
		}
	}
	return out, nil
}

// commentPages reads pages from to to (inclusive) of an agency and month in
// one query; missing pages are absent from the map.
func (s *Store) commentPages(ctx context.Context, agency string, m survey.Month, from, to int) (map[int]commentPage, error) {
	ids := make([]string, 0, to-from+1)
	for p := from; p <= to; p++ {
		ids = append(ids, commentPageID(agency, m, p))
	}
	var filter bson.D
	if len(ids) == 1 {
		filter = docD("_id", ids[0])
	} else {
		filter = docD("_id", docD("$in", ids))
	}
	cur, err := s.db.Collection(commentColl(m)).Find(ctx, filter, options.Find())
	if err != nil {
		return nil, fmt.Errorf("read comments: %w", classify(err))
	}
	var ps []commentPage
	if err := cur.All(ctx, &ps); err != nil {
		return nil, fmt.Errorf("read comments: %w", classify(err))
	}
	out := make(map[int]commentPage, len(ps))
	for _, p := range ps {
		out[p.Page] = p
	}
	return out, nil
}
