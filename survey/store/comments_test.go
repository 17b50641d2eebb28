package store

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"hailong/survey"
)

// Tests of the comment buckets over a real embedded FerretDB: order,
// filters, pagination across pages and months, handled marks, the rebuild
// and concurrent submissions.

// cmResp is a response with a comment (none when text is "") submitted in
// the month at the day, received at recv, answering every criterion with v
// (and "not applicable" to one).
func cmResp(id, agency, area, month string, day int, v int, text string, recv time.Time) survey.Response {
	m, err := survey.ParseMonth(month)
	if err != nil {
		panic(err)
	}
	answers := []survey.Answer{{Code: "1.1", Value: v}, {Code: "1.2", Value: v}, {Code: "2.1", Value: 0}}
	return survey.Response{ID: id, Agency: agency, Area: area, FormID: "sipas", FormVersion: 1,
		Channel: survey.ChannelWeb, Lang: survey.Vi, Answers: answers, Comment: text,
		SubmittedAt: m.Start().Add(time.Duration(day)*24*time.Hour + time.Hour), ReceivedAt: recv}
}

func cmPeriod(t testing.TB, from, to string) survey.Period {
	t.Helper()
	f, err1 := survey.ParseMonth(from)
	l, err2 := survey.ParseMonth(to)
	p, err3 := survey.RangePeriod(f, l)
	if err := errors.Join(err1, err2, err3); err != nil {
		t.Fatal(err)
	}
	return p
}

// cmInsert stores responses one by one, received one second apart in order.
func cmInsert(t testing.TB, s *Store, rs []survey.Response) {
	t.Helper()
	ctx := context.Background()
	for _, r := range rs {
		if created, err := s.InsertResponse(ctx, r); err != nil || !created {
			t.Fatalf("insert %s: created %v, %v", r.ID, created, err)
		}
	}
	if err := s.FlushComments(ctx); err != nil {
		t.Fatal(err)
	}
}

// cmAll follows the cursors of a listing to its end and returns the ids.
func cmAll(t testing.TB, s *Store, q CommentQuery) []string {
	t.Helper()
	var ids []string
	for i := 0; ; i++ {
		l, err := s.Comments(context.Background(), q)
		if err != nil {
			t.Fatalf("list %+v: %v", q, err)
		}
		if len(l.Comments) > max(q.Limit, commentListDefault) {
			t.Fatalf("list returned %d comments, limit %d", len(l.Comments), q.Limit)
		}
		for _, c := range l.Comments {
			ids = append(ids, c.ID)
		}
		if l.Next == "" {
			return ids
		}
		if i > 1000 {
			t.Fatal("cursor does not end")
		}
		q.Cursor = l.Next
	}
}

// cmSameUncached checks that a listing served from the cache equals the
// one read from the database.
func cmSameUncached(t testing.TB, s *Store, q CommentQuery) {
	t.Helper()
	ctx := context.Background()
	cached, err1 := s.Comments(ctx, q)
	if s.commentCache() == nil {
		t.Fatal("no comment cache on the embedded database")
	}
	s.commentCache().clear()
	fresh, err2 := s.Comments(ctx, q)
	if err := errors.Join(err1, err2); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(cached, fresh) {
		t.Errorf("listing from the cache differs from the database: %d/%d comments, next %q/%q, counts %d,%d/%d,%d",
			len(cached.Comments), len(fresh.Comments), cached.Next, fresh.Next, cached.Total, cached.Handled, fresh.Total, fresh.Handled)
		for i := range min(len(cached.Comments), len(fresh.Comments)) {
			if !reflect.DeepEqual(cached.Comments[i], fresh.Comments[i]) {
				t.Errorf("first difference:\n%+v\n%+v", cached.Comments[i], fresh.Comments[i])
				break
			}
		}
	}
}

func TestCommentScoreAndBands(t *testing.T) {
	for _, c := range []struct {
		vals []int
		want int
		band survey.ScoreBand
	}{
		{[]int{5, 5, 4}, 47, survey.BandHigh},
		{[]int{3, 4}, 35, survey.BandHigh}, // 3.5 rounds to 4
		{[]int{3, 3, 4, 4, 0}, 35, survey.BandHigh},
		{[]int{2, 3}, 25, survey.BandMid}, // 2.5 rounds to 3
		{[]int{3, 3, 4}, 33, survey.BandMid},
		{[]int{1, 2, 0, 0}, 15, survey.BandLow},
		{[]int{2, 2, 3}, 23, survey.BandLow},
		{[]int{0, 0}, 0, ""},
	} {
		var as []survey.Answer
		for i, v := range c.vals {
			as = append(as, survey.Answer{Code: fmt.Sprint(i), Value: v})
		}
		got := survey.CommentScore(as)
		if got != c.want {
			t.Errorf("CommentScore(%v) = %d, want %d", c.vals, got, c.want)
		}
		for _, b := range survey.ScoreBands {
			if b.Contains(got) != (b == c.band) {
				t.Errorf("band %s contains %d = %v", b, got, b.Contains(got))
			}
		}
		if !survey.BandAny.Contains(got) {
			t.Errorf("BandAny misses %d", got)
		}
	}
}

func TestCommentsOrderFiltersAndMarks(t *testing.T) {
	s := openAt(t, t.TempDir())
	defer s.Close(context.Background())
	ctx := context.Background()
	t0 := time.Date(2025, 4, 1, 8, 0, 0, 0, survey.Zone())
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Second) }
	rs := []survey.Response{
		cmResp("resp-a1-0001", "so-tu-phap", "tu-phap", "2025-01", 3, 5, "Tháng 1, tốt", at(1)),
		cmResp("resp-a2-0002", "so-tu-phap", "ho-tich", "2025-02", 9, 1, "Tháng 2, chậm quá", at(2)),
		cmResp("resp-a3-0003", "so-tu-phap", "tu-phap", "2025-02", 1, 3, "Tháng 2, bình thường", at(3)),
		cmResp("resp-nc-0004", "so-tu-phap", "tu-phap", "2025-02", 2, 4, "", at(4)), // no comment
		cmResp("resp-b1-0005", "so-cong-thuong", "cong-thuong", "2025-02", 4, 2, "Sở khác", at(5)),
		cmResp("resp-a4-0006", "so-tu-phap", "ho-tich", "2025-03", 5, 2, "<script>alert(1)</script>", at(6)),
		// Received after resp-a3 but submitted earlier in February (a paper
		// survey entered late): listed by arrival within its month.
		cmResp("resp-a5-0007", "so-tu-phap", "tu-phap", "2025-02", 0, 4, "Phiếu giấy nhập muộn", at(7)),
	}
	cmInsert(t, s, rs)
	q := CommentQuery{Agency: "so-tu-phap", Period: cmPeriod(t, "2025-01", "2025-03")}
	l, err := s.Comments(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range l.Comments {
		got = append(got, c.ID)
	}
	want := []string{"resp-a4-0006", "resp-a5-0007", "resp-a3-0003", "resp-a2-0002", "resp-a1-0001"}
	if !reflect.DeepEqual(got, want) || l.Next != "" || l.Total != 5 || l.Handled != 0 {
		t.Fatalf("listing = %v next %q total %d handled %d; want %v, no next, total 5", got, l.Next, l.Total, l.Handled, want)
	}
	c := l.Comments[3]
	if c.Text != "Tháng 2, chậm quá" || c.Area != "ho-tich" || c.Score != 10 || c.Channel != survey.ChannelWeb ||
		!c.At.Equal(rs[1].SubmittedAt) || c.Month.String() != "2025-02" || c.Agency != "so-tu-phap" || c.Handled != nil {
		t.Errorf("comment = %+v", c)
	}
	if l.Comments[0].Text != "<script>alert(1)</script>" {
		t.Errorf("text stored altered: %q", l.Comments[0].Text)
	}

	filters := []struct {
		name string
		q    CommentQuery
		want []string
	}{
		{"area", CommentQuery{Area: "ho-tich"}, []string{"resp-a4-0006", "resp-a2-0002"}},
		{"low", CommentQuery{Band: survey.BandLow}, []string{"resp-a4-0006", "resp-a2-0002"}},
		{"mid", CommentQuery{Band: survey.BandMid}, []string{"resp-a3-0003"}},
		{"high", CommentQuery{Band: survey.BandHigh}, []string{"resp-a5-0007", "resp-a1-0001"}},
		{"area and band", CommentQuery{Area: "tu-phap", Band: survey.BandHigh}, []string{"resp-a5-0007", "resp-a1-0001"}},
		{"one month", CommentQuery{Period: cmPeriod(t, "2025-02", "2025-02")}, []string{"resp-a5-0007", "resp-a3-0003", "resp-a2-0002"}},
		{"empty period", CommentQuery{Period: cmPeriod(t, "2024-01", "2024-12")}, nil},
		{"other agency", CommentQuery{Agency: "so-cong-thuong"}, []string{"resp-b1-0005"}},
	}
	for _, f := range filters {
		fq := f.q
		if fq.Agency == "" {
			fq.Agency = q.Agency
		}
		if fq.Period.From.IsZero() {
			fq.Period = q.Period
		}
		if got := cmAll(t, s, fq); !reflect.DeepEqual(got, f.want) {
			t.Errorf("%s: %v, want %v", f.name, got, f.want)
		}
	}

	// Marking: who and when are kept; the first mark stays.
	when := time.Date(2025, 4, 2, 9, 30, 15, 123_000_000, survey.Zone())
	feb, _ := survey.ParseMonth("2025-02")
	mc, changed, err := s.MarkCommentHandled(ctx, "so-tu-phap", feb, 0, "resp-a2-0002", "lan", when)
	if err != nil || !changed || mc.Handled == nil || mc.Handled.By != "lan" || !mc.Handled.At.Equal(when) {
		t.Fatalf("mark = %+v changed %v, %v", mc, changed, err)
	}
	mc, changed, err = s.MarkCommentHandled(ctx, "so-tu-phap", feb, 7, "resp-a2-0002", "hoa", when.Add(time.Hour))
	if err != nil || changed || mc.Handled == nil || mc.Handled.By != "lan" {
		t.Errorf("second mark (wrong page given) = %+v changed %v, %v; want lan's mark kept", mc, changed, err)
	}
	if _, _, err := s.MarkCommentHandled(ctx, "so-tu-phap", feb, 0, "resp-b1-0005", "lan", when); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("mark of another agency's comment: %v, want not found", err)
	}
	if _, _, err := s.MarkCommentHandled(ctx, "so-tu-phap", feb, -1, "resp-nc-0004", "lan", when); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("mark of a response without a comment: %v, want not found", err)
	}
	l, err = s.Comments(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if h := l.Comments[3].Handled; h == nil || h.By != "lan" || !h.At.Equal(when) || l.Handled != 1 || l.Total != 5 {
		t.Errorf("after marking: handled %+v, counts %d/%d", h, l.Handled, l.Total)
	}
	for i, c := range l.Comments {
		if i != 3 && c.Handled != nil {
			t.Errorf("comment %s marked too", c.ID)
		}
	}
	cmSameUncached(t, s, q)
	if got := cmAll(t, s, CommentQuery{Agency: "so-tu-phap", Period: q.Period, Unhandled: true}); strings.Contains(strings.Join(got, ","), "resp-a2-0002") || len(got) != 4 {
		t.Errorf("unhandled = %v", got)
	}

	// Bad input.
	for _, cur := range []string{"x", "2025-13.0", "2025-02.-1", "2025-02.0.1.2", "2025-02.01", "2024-12.0"} {
		if _, err := s.Comments(ctx, CommentQuery{Agency: "so-tu-phap", Period: q.Period, Cursor: cur}); !errors.Is(err, ErrBadCursor) {
			t.Errorf("cursor %q: %v, want ErrBadCursor", cur, err)
		}
	}
	if _, err := s.Comments(ctx, CommentQuery{Agency: "So$bad", Period: q.Period}); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("bad agency: %v", err)
	}
}

func TestCommentsPaginateAcrossPagesAndMonths(t *testing.T) {
	s := openAt(t, t.TempDir())
	defer s.Close(context.Background())
	t0 := time.Date(2025, 6, 1, 8, 0, 0, 0, survey.Zone())
	var rs []survey.Response
	// 130 comments in May (pages of 50, 50, 30), none in April, 20 in March.
	for i := range 150 {
		month, day := "2025-05", i%28
		if i < 20 {
			month = "2025-03"
		}
		v := 1 + i%5
		rs = append(rs, cmResp(fmt.Sprintf("resp-%05d", i), "lam-binh", []string{"dat-dai", "tu-phap"}[i%2], month, day, v,
			fmt.Sprintf("ý kiến số %d", i), t0.Add(time.Duration(i)*time.Second)))
	}
	cmInsert(t, s, rs)
	newestFirst := func(keep func(survey.Response) bool) []string {
		var out []string
		for i := len(rs) - 1; i >= 0; i-- {
			if keep(rs[i]) {
				out = append(out, rs[i].ID)
			}
		}
		return out
	}
	period := cmPeriod(t, "2025-03", "2025-05")
	for _, limit := range []int{1, 7, 20, 50, 100} {
		got := cmAll(t, s, CommentQuery{Agency: "lam-binh", Period: period, Limit: limit})
		if want := newestFirst(func(survey.Response) bool { return true }); !reflect.DeepEqual(got, want) {
			t.Errorf("limit %d: %d comments %v…, want %d", limit, len(got), got[:min(5, len(got))], len(want))
		}
	}
	got := cmAll(t, s, CommentQuery{Agency: "lam-binh", Period: period, Limit: 20, Band: survey.BandLow, Area: "dat-dai"})
	want := newestFirst(func(r survey.Response) bool {
		return r.Area == "dat-dai" && survey.CommentScore(r.Answers) < 25
	})
	if !reflect.DeepEqual(got, want) || len(want) == 0 {
		t.Errorf("filtered: %v, want %v", got, want)
	}

	// The heads and pages are as documented.
	ctx := context.Background()
	may, _ := survey.ParseMonth("2025-05")
	heads, err := s.commentHeads(ctx, "lam-binh", period.Months())
	if err != nil || len(heads) != 2 || heads[may].Total != 130 || heads[may].Pages() != 3 {
		t.Fatalf("heads = %+v, %v", heads, err)
	}
	pages, err := s.commentPages(ctx, "lam-binh", may, 0, 2)
	if err != nil || len(pages[0].Entries) != 50 || len(pages[1].Entries) != 50 || len(pages[2].Entries) != 30 {
		t.Fatalf("pages of May: %d, %d, %d; %v", len(pages[0].Entries), len(pages[1].Entries), len(pages[2].Entries), err)
	}
	if pages[1].Entries[0].ID != "resp-00070" || pages[1].ID != "cm|lam-binh|2025-05|1" || pages[1].Month != "2025-05" {
		t.Errorf("page 1 starts with %s (%s)", pages[1].Entries[0].ID, pages[1].ID)
	}

	// A filter that matches nothing stops after its budget of pages, with a
	// cursor to go on, and ends.
	saved := commentScanPages
	commentScanPages = 2
	defer func() { commentScanPages = saved }()
	l, err := s.Comments(ctx, CommentQuery{Agency: "lam-binh", Period: period, Area: "ho-tich"})
	if err != nil || !l.Partial || l.Next == "" || len(l.Comments) != 0 {
		t.Fatalf("budgeted listing = %+v, %v; want partial with a cursor", l, err)
	}
	if got := cmAll(t, s, CommentQuery{Agency: "lam-binh", Period: period, Area: "ho-tich"}); len(got) != 0 {
		t.Errorf("nothing should match: %v", got)
	}
	if got := cmAll(t, s, CommentQuery{Agency: "lam-binh", Period: period, Limit: 30}); len(got) != 150 {
		t.Errorf("with a budget of 2 pages per listing: %d comments, want 150", len(got))
	}
}

// cmSnapshot reads every head and page document.
func cmSnapshot(t testing.TB, s *Store) (map[string]commentHead, map[string]commentPage) {
	t.Helper()
	ctx := context.Background()
	heads := map[string]commentHead{}
	pages := map[string]commentPage{}
	names, err := s.commentColls(ctx, commentPrefix)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		cur, err := s.db.Collection(n).Find(ctx, docD())
		if err != nil {
			t.Fatal(err)
		}
		var docs []bson.Raw
		if err := cur.All(ctx, &docs); err != nil {
			t.Fatal(err)
		}
		for _, d := range docs {
			id := d.Lookup("_id").StringValue()
			if strings.HasPrefix(id, "cmh|") {
				var h commentHead
				if err := bson.Unmarshal(d, &h); err != nil {
					t.Fatal(err)
				}
				heads[id] = h
			} else {
				var p commentPage
				if err := bson.Unmarshal(d, &p); err != nil {
					t.Fatal(err)
				}
				pages[id] = p
			}
			if suffix, _ := commentCollSuffix(n, commentPrefix); !strings.Contains(id, "|"+suffix[:4]+"-"+suffix[5:7]) {
				t.Errorf("%s in collection %s", id, n)
			}
		}
	}
	return heads, pages
}

func TestRebuildCommentsReproducesBucketsAndKeepsMarks(t *testing.T) {
	dir := t.TempDir()
	s := openAt(t, dir)
	ctx := context.Background()
	t0 := time.Date(2025, 6, 1, 8, 0, 0, 0, survey.Zone())
	var rs []survey.Response
	for i := range 180 {
		ag := []string{"lam-binh", "na-hang", "so-tu-phap"}[i%3]
		month := []string{"2025-04", "2025-05"}[i/120]
		text := fmt.Sprintf("góp ý %d", i)
		if i%10 == 9 {
			text = ""
		}
		rs = append(rs, cmResp(fmt.Sprintf("resp-%05d", i), ag, "tu-phap", month, i%28, 1+i%5, text, t0.Add(time.Duration(i)*time.Second)))
	}
	cmInsert(t, s, rs)
	apr, _ := survey.ParseMonth("2025-04")
	when := time.Date(2025, 6, 2, 10, 0, 0, 0, survey.Zone())
	for _, id := range []string{"resp-00000", "resp-00003", "resp-00105"} {
		if _, changed, err := s.MarkCommentHandled(ctx, "lam-binh", apr, -1, id, "lan", when); err != nil || !changed {
			t.Fatalf("mark %s: %v %v", id, changed, err)
		}
	}
	heads, pages := cmSnapshot(t, s)
	if len(heads) != 6 || len(pages) != 6 || heads["cmh|lam-binh|2025-04"].Handled != 3 {
		t.Fatalf("before: %d heads, %d pages; lam-binh April %+v", len(heads), len(pages), heads["cmh|lam-binh|2025-04"])
	}
	var done int64
	if err := s.RebuildComments(ctx, func(n int64) { done = n }); err != nil {
		t.Fatal(err)
	}
	if done != 162 {
		t.Errorf("progress reported %d responses read, want the 162 with a comment", done)
	}
	h2, p2 := cmSnapshot(t, s)
	if !reflect.DeepEqual(heads, h2) {
		t.Errorf("heads after rebuild:\n%v\nwant\n%v", h2, heads)
	}
	if !reflect.DeepEqual(pages, p2) {
		t.Errorf("pages after rebuild differ")
		for id, p := range pages {
			if !reflect.DeepEqual(p, p2[id]) {
				t.Errorf("%s:\n%+v\nwant\n%+v", id, p2[id], p)
			}
		}
	}

	// Comments the buckets lack (imported in bulk, or lost in a crash before
	// the writer wrote them) come back, after the existing ones of their month.
	extra := []survey.Response{
		cmResp("resp-imp-001", "lam-binh", "dat-dai", "2025-04", 20, 2, "nhập từ phiếu giấy", t0.Add(time.Hour)),
		cmResp("resp-imp-002", "lam-binh", "dat-dai", "2025-03", 20, 5, "tháng mới", t0.Add(time.Hour)),
	}
	if n, err := s.ImportResponses(ctx, extra); err != nil || n != 2 {
		t.Fatalf("import: %d, %v", n, err)
	}
	for _, ag := range []string{"lam-binh", "na-hang", "so-tu-phap"} { // lose April's buckets
		if err := s.commentColl(ag, apr).Drop(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.RebuildComments(ctx, nil); err != nil {
		t.Fatal(err)
	}
	p := cmPeriod(t, "2025-03", "2025-05")
	got := cmAll(t, s, CommentQuery{Agency: "lam-binh", Period: p, Limit: 100})
	if len(got) != 56 || got[len(got)-1] != "resp-imp-002" || !strings.Contains(strings.Join(got, ","), "resp-imp-001") {
		t.Errorf("after import and rebuild: %d comments, last %s", len(got), got[len(got)-1])
	}
	l, err := s.Comments(ctx, CommentQuery{Agency: "lam-binh", Period: cmPeriod(t, "2025-04", "2025-04"), Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if l.Comments[0].ID != "resp-imp-001" || l.Handled != 3 || l.Total != 37 {
		// The marks are kept in comment_marks, not only in the buckets.
		t.Errorf("April after losing its buckets: first %s, %d comments, %d handled", l.Comments[0].ID, l.Total, l.Handled)
	}
	s.Close(ctx)

	// After a restart the writer continues the buckets where they are.
	s = openAt(t, dir)
	defer s.Close(ctx)
	cmInsert(t, s, []survey.Response{cmResp("resp-after-01", "lam-binh", "tu-phap", "2025-05", 3, 4, "sau khi khởi động lại", t0.Add(2*time.Hour))})
	got = cmAll(t, s, CommentQuery{Agency: "lam-binh", Period: cmPeriod(t, "2025-05", "2025-05"), Limit: 100})
	if len(got) != 19 || got[0] != "resp-after-01" {
		t.Errorf("May after restart: %d comments, newest %s", len(got), got[0])
	}
}

func TestCommentsConcurrentSubmissionsAppearOnce(t *testing.T) {
	s := openAt(t, t.TempDir())
	defer s.Close(context.Background())
	ctx := context.Background()
	const workers, each = 16, 25
	now := time.Date(2025, 7, 10, 8, 0, 0, 0, survey.Zone())
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	rebuilds := make(chan error, 1)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				r := cmResp(fmt.Sprintf("resp-w%02d-%03d", w, i), "so-xay-dung", "xay-dung", "2025-07", 9, 1+(w+i)%5,
					fmt.Sprintf("ý kiến %d của người %d", i, w), now.Add(time.Duration(i)*time.Millisecond))
				if _, err := s.InsertResponse(ctx, r); err != nil {
					errs <- err
				}
				if w == 0 && i == each/2 {
					// A rebuild in the middle: queued appends must not be doubled.
					go func() { rebuilds <- s.RebuildComments(ctx, nil) }()
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if err := <-rebuilds; err != nil {
		t.Fatal(err)
	}
	if err := s.FlushComments(ctx); err != nil {
		t.Fatal(err)
	}
	got := cmAll(t, s, CommentQuery{Agency: "so-xay-dung", Period: cmPeriod(t, "2025-07", "2025-07"), Limit: 100})
	seen := map[string]int{}
	for _, id := range got {
		seen[id]++
	}
	var twice []string
	for id, n := range seen {
		if n != 1 {
			twice = append(twice, id)
		}
	}
	sort.Strings(twice)
	if len(got) != workers*each || len(seen) != workers*each || len(twice) > 0 {
		t.Errorf("%d comments listed, %d distinct, repeated %v; want %d once each", len(got), len(seen), twice, workers*each)
	}
	cmSameUncached(t, s, CommentQuery{Agency: "so-xay-dung", Period: cmPeriod(t, "2025-07", "2025-07"), Limit: 100})
	heads, pages := cmSnapshot(t, s)
	if h := heads["cmh|so-xay-dung|2025-07"]; h.Total != workers*each || len(pages) != h.Pages() {
		t.Errorf("head %+v, %d pages", h, len(pages))
	}
	for id, p := range pages {
		if len(p.Entries) > commentPageSize {
			t.Errorf("%s holds %d entries", id, len(p.Entries))
		}
	}
}
