package server

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"testing"
	"time"

	"hailong/survey"
	"hailong/survey/store"
)

// BenchmarkExportResponses measures the anonymised responses export end to
// end over HTTP, on the embedded database (which runs in this process, so
// its allocations are counted too), with 2,000 demo responses: CSV and JSON
// Lines, and beside them the raw cursor pass over the same documents with
// the export's projection (store.ScanResponses, not decoded). The responses
// are moved into the last two months, so that what an export reads once per
// agency-month (the rollups' demographic counts) weighs on the figures no
// more than it does in a large export. Each reports rows/s, allocs/row and
// B/row (from runtime.MemStats, the whole process); the export's own share
// is its figure less the raw pass's:
//
//	go test ./server -run '^$' -bench ExportResponses -benchtime 3x -count 3
func BenchmarkExportResponses(b *testing.B) {
	env := newTestEnv(b)
	ctx := context.Background()
	cat, err := env.store.Catalog(ctx)
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	const n = 2000
	var batch []survey.Response
	to := survey.MonthOf(now)
	err = survey.DemoResponses(cat, now, n, 11, func(r survey.Response) error {
		// Into the last two months, keeping the day and time.
		m := to.Add(-len(batch) % 2)
		r.SubmittedAt = m.Start().Add(r.SubmittedAt.Sub(survey.MonthOf(r.SubmittedAt).Start()) % (27 * 24 * time.Hour))
		r.ReceivedAt = r.SubmittedAt
		batch = append(batch, r)
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := env.store.ImportResponses(ctx, batch); err != nil {
		b.Fatal(err)
	}
	if err := env.store.RebuildRollups(ctx, nil); err != nil {
		b.Fatal(err)
	}
	pw := insertUser(b, env, "bench-inspector", survey.RoleInspector)
	token := loginAs(b, env, "bench-inspector", pw).fetchToken(b, "bench")
	period, err := survey.RangePeriod(to.Add(-1), to)
	if err != nil {
		b.Fatal(err)
	}
	query := fmt.Sprintf("from=%s&to=%s", period.From, period.To)

	for _, format := range []string{"csv", "jsonl"} {
		b.Run(format, func(b *testing.B) {
			url := env.http.URL + "/api/v1/exports/responses?format=" + format + "&" + query
			measureRows(b, func() int64 {
				req, _ := http.NewRequest(http.MethodGet, url, nil)
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("Accept-Encoding", "identity")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				defer resp.Body.Close()
				size, err := io.Copy(io.Discard, resp.Body)
				if err != nil || resp.StatusCode != http.StatusOK || resp.Trailer.Get("X-Export-Status") != "complete" {
					b.Fatalf("export: %d, %d bytes, %v, %q", resp.StatusCode, size, err, resp.Trailer.Get("X-Export-Status"))
				}
				return n
			})
		})
	}
	b.Run("raw", func(b *testing.B) {
		measureRows(b, func() int64 {
			got, err := env.store.ScanResponses(ctx, store.ResponseFilter{Period: period}, false)
			if err != nil || got != n {
				b.Fatalf("raw pass: %d, %v", got, err)
			}
			return got
		})
	})
}

// measureRows runs one pass per iteration and reports rows/s, allocs/row
// and B/row over all of them.
func measureRows(b *testing.B, pass func() int64) {
	b.Helper()
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	var rows int64
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		rows += pass()
	}
	el := time.Since(start)
	b.StopTimer()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(rows)/el.Seconds(), "rows/s")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(rows), "allocs/row")
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(rows), "B/row")
}
