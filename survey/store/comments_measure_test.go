//go:build measure

package store

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"strconv"
	"testing"
	"time"

	"hailong/survey"
)

// TestMeasureComments prints the figures of the comment buckets on the
// embedded database: RebuildComments over N responses that all have a
// comment beside a plain cursor read of them, then listings of one agency
// over a year (the first screen, the following screen, a filtered screen;
// cold and from memory) and a handled mark. Without HAILONG_MEASURE_COMMENTS
// it makes a quick run of 200 responses; to measure, give the number:
//
//	HAILONG_MEASURE_COMMENTS=100000 go test -tags measure ./survey/store -run MeasureComments -v -timeout 1h
func TestMeasureComments(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("HAILONG_MEASURE_COMMENTS"))
	if n <= 0 {
		n = 200 // a quick run that keeps the harness working; set HAILONG_MEASURE_COMMENTS to measure
	}
	saved := GenMonths
	defer func() { GenMonths = saved }()
	GenMonths = nil
	for m := 1; m <= 12; m++ {
		GenMonths = append(GenMonths, fmt.Sprintf("2025-%02d", m))
	}
	s, err := Open(context.Background(), Config{DataDir: t.TempDir(),
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	defer s.Close(ctx)
	rs := GenResponses(42, n)
	start := time.Now()
	for i := 0; i < len(rs); i += 1000 {
		chunk := rs[i:min(i+1000, len(rs))]
		for j := range chunk {
			chunk[j].Comment = fmt.Sprintf("Góp ý số %d: thủ tục cần nhanh hơn, cán bộ hướng dẫn tận tình.", i+j)
			chunk[j].ReceivedAt = chunk[j].SubmittedAt
		}
		if _, err := s.ImportResponses(ctx, chunk); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("bulk load of %d responses with comments: %v", n, time.Since(start))
	start = time.Now()
	read, err := s.eachResponse(ctx, func(survey.Response, string) {}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("plain cursor read of %d responses: %v", read, time.Since(start))
	start = time.Now()
	if err := s.RebuildComments(ctx, nil); err != nil {
		t.Fatal(err)
	}
	t.Logf("RebuildComments: %v", time.Since(start))

	year := cmPeriod(t, "2025-01", "2025-12")
	measure := func(label string, fn func() error) {
		var ds []time.Duration
		for range 21 {
			st := time.Now()
			if err := fn(); err != nil {
				t.Fatal(err)
			}
			ds = append(ds, time.Since(st))
		}
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		t.Logf("%s: median %v, p95 %v", label, ds[len(ds)/2], ds[len(ds)*95/100])
	}
	q := CommentQuery{Agency: "so-tu-phap", Period: year}
	first, err := s.Comments(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("so-tu-phap over 2025: %d comments", first.Total)
	cold := func(label string, fn func() error) {
		s.commentCache().clear()
		st := time.Now()
		if err := fn(); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s, cold (no cache): %v", label, time.Since(st))
	}
	cold("first screen (20)", func() error { _, err := s.Comments(ctx, q); return err })
	measure("first screen (20)", func() error { _, err := s.Comments(ctx, q); return err })
	measure("second screen (cursor)", func() error {
		_, err := s.Comments(ctx, CommentQuery{Agency: q.Agency, Period: year, Cursor: first.Next})
		return err
	})
	low := CommentQuery{Agency: q.Agency, Period: year, Band: survey.BandLow, Area: "tu-phap"}
	cold("filtered screen (low, one area)", func() error { _, err := s.Comments(ctx, low); return err })
	measure("filtered screen (low, one area)", func() error { _, err := s.Comments(ctx, low); return err })
	i := 0
	measure("mark handled", func() error {
		c := first.Comments[i%len(first.Comments)]
		i++
		_, _, err := s.MarkCommentHandled(ctx, c.Agency, c.Month, c.Page, c.ID, "lan", time.Now())
		return err
	})
}
