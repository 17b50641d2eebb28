package store

// Comments are listed from bucket documents addressed by _id (MongoDB's
// bucket pattern), never by a filtered query over the responses, which
// FerretDB answers by scanning every response (shared/DESIGN.md §2).
//
// Each agency and month (of the response's SubmittedAt, as reports count it)
// has a head and pages of up to commentPageSize comments, in order of
// arrival:
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
// entries. A handled mark is first claimed by inserting
// {_id: <response id>, agency, month, by, at} into "comment_marks" (so two
// marks never both win, and a rebuild reads every mark from that small
// collection), then $set on the entry and counted in the head.
//
// FerretDB finds a document by _id by scanning its collection (pinned in
// rollups_ferretdb_test.go), and answers a $in on _id by decoding every
// document of it (pinned in comments_ferretdb_test.go). So heads and pages
// live in small collections, one per month and shard of agencies,
// "comments_YYYY_MM_<x>" (x: a hex digit from a hash of the agency), and
// every read is a find by one _id. Everything here but the marks is derived
// from the responses and rebuilt by RebuildComments.

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"hailong/survey"
)

// Sizes of comment buckets and listings, and collection names.
const (
	commentPageSize     = 50  // comments per bucket page
	commentListDefault  = 20  // comments per listing when Limit is 0
	commentListMax      = 100 // most comments per listing
	commentShards       = 16  // collections per month
	commentPrefix       = "comments_"
	commentRebuildPrefx = "cmnew_"
	commentMarksColl    = "comment_marks"
)

// commentScanPages is the most bucket pages one listing reads (a variable
// for tests).
var commentScanPages = 40

func commentHeadID(agency string, m survey.Month) string {
	return "cmh|" + agency + "|" + m.String()
}

func commentPageID(agency string, m survey.Month, page int) string {
	return "cm|" + agency + "|" + m.String() + "|" + strconv.Itoa(page)
}

// commentSuffix ends the name of the collection holding an agency's month:
// "YYYY_MM_<x>".
func commentSuffix(agency string, m survey.Month) string {
	h := fnv.New32a()
	h.Write([]byte(agency))
	return monthSuffix(m) + "_" + strconv.FormatUint(uint64(h.Sum32()%commentShards), 16)
}

// commentColl is the live collection of an agency's month.
func (s *Store) commentColl(agency string, m survey.Month) *mongo.Collection {
	return s.db.Collection(commentPrefix + commentSuffix(agency, m))
}

// commentCollSuffix reads the "YYYY_MM_<x>" suffix of a comment collection.
func commentCollSuffix(name, prefix string) (string, bool) {
	rest, ok := strings.CutPrefix(name, prefix)
	if !ok || len(rest) != 9 || rest[7] != '_' {
		return "", false
	}
	if _, ok := suffixMonth("x"+rest[:7], "x"); !ok {
		return "", false
	}
	if x, err := strconv.ParseUint(rest[8:], 16, 8); err != nil || x >= commentShards {
		return "", false
	}
	return rest, true
}

// commentColls lists the collections named prefix + "YYYY_MM_<x>".
func (s *Store) commentColls(ctx context.Context, prefix string) ([]string, error) {
	names, err := s.db.ListCollectionNames(ctx, docD())
	if err != nil {
		return nil, fmt.Errorf("list collections: %w", classify(err))
	}
	var out []string
	for _, n := range names {
		if _, ok := commentCollSuffix(n, prefix); ok {
			out = append(out, n)
		}
	}
	return out, nil
}

// commentHead is the head document of an agency and month.
type commentHead struct {
	ID      string `bson:"_id"`
	Agency  string `bson:"agency"`
	Month   string `bson:"month"`
	Size    int    `bson:"size"`
	Total   int64  `bson:"total"`
	Handled int64  `bson:"handled"`
	// W records, per rollup writer, the last batch whose comments took
	// slots here (comment_apply.go); absent on heads a rebuild wrote.
	W map[string]int64 `bson:"w,omitempty"`
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
		ID: r.ID, At: dbTime(r.SubmittedAt), Area: r.Area, Channel: string(r.Channel),
		Score: survey.CommentScore(r.Answers), Text: r.Comment,
	}, true
}

// dbTime is a time as the database gives it back: milliseconds, UTC (so a
// cached entry equals one read again).
func dbTime(t time.Time) time.Time { return t.Truncate(time.Millisecond).UTC() }

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
// handled state. It reads the period's heads, then only the pages it needs,
// each by _id; its cost does not grow with the number of responses, and is
// bounded by commentScanPages whatever the filters.
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
		for page >= 0 {
			if budget == 0 {
				out.Next = commentCursor{Month: m, Page: page, Index: index}.String()
				out.Partial = true
				return out, nil
			}
			budget--
			pages, err := s.commentPages(ctx, q.Agency, m, page, page)
			if err != nil {
				return out, err
			}
			es := pages[page].Entries
			start := len(es)
			if index >= 0 && index < start {
				start = index
			}
			for j := start - 1; j >= 0; j-- {
				if !match(es[j]) {
					continue
				}
				if len(out.Comments) == limit {
					out.Next = commentCursor{Month: m, Page: page, Index: j + 1}.String()
					return out, nil
				}
				out.Comments = append(out.Comments, es[j].comment(q.Agency, m, page))
			}
			page, index = page-1, -1
		}
	}
	return out, nil
}

// commentHeads reads the heads of an agency's months, one find by _id
// each (from memory when cached).
func (s *Store) commentHeads(ctx context.Context, agency string, months []survey.Month) (map[survey.Month]commentHead, error) {
	cache := s.commentCache()
	out := make(map[survey.Month]commentHead, len(months))
	for _, m := range months {
		id := commentHeadID(agency, m)
		h, hit, st := cache.head(id)
		if hit {
			if h != nil {
				out[m] = *h
			}
			continue
		}
		var d commentHead
		err := s.commentColl(agency, m).FindOne(ctx, docD("_id", id)).Decode(&d)
		if errors.Is(err, mongo.ErrNoDocuments) {
			cache.fillHead(id, nil, st)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read comment heads: %w", classify(err))
		}
		cache.fillHead(id, &d, st)
		out[m] = d
	}
	return out, nil
}

// commentPages reads pages from to to (inclusive) of an agency and month,
// one find by _id each (from memory when cached); missing pages are absent
// from the map.
func (s *Store) commentPages(ctx context.Context, agency string, m survey.Month, from, to int) (map[int]commentPage, error) {
	cache := s.commentCache()
	out := make(map[int]commentPage, to-from+1)
	coll := s.commentColl(agency, m)
	for p := to; p >= from; p-- {
		id := commentPageID(agency, m, p)
		pg, hit, st := cache.page(id)
		if !hit {
			err := coll.FindOne(ctx, docD("_id", id)).Decode(&pg)
			if errors.Is(err, mongo.ErrNoDocuments) {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("read comments: %w", classify(err))
			}
			cache.fillPage(pg, st)
		}
		out[p] = pg
	}
	return out, nil
}
