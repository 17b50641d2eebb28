//go:build measure

package store

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"hailong/survey"
)

// TestMeasureRollups prints the figures of the rollups on the embedded
// database: a full rebuild beside a plain cursor read of the same responses,
// the dashboard read of one agency over a year (cold and from memory), and
// the submission rate of 16 goroutines with the writer counting behind them.
// Without HAILONG_MEASURE it makes a quick run of 200 responses; to measure, give the number:
//
//	HAILONG_MEASURE=10000 go test -tags measure ./survey/store -run MeasureRollups -v -timeout 1h
func TestMeasureRollups(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("HAILONG_MEASURE"))
	if n <= 0 {
		n = 200 // a quick run that keeps the harness working; set HAILONG_MEASURE to measure
	}
	saved := GenMonths
	defer func() { GenMonths = saved }()
	GenMonths = nil
	for m := 1; m <= 12; m++ {
		GenMonths = append(GenMonths, fmt.Sprintf("2025-%02d", m))
	}
	s := openAt(t, t.TempDir())
	ctx := context.Background()
	defer s.Close(ctx)
	rs := GenResponses(42, n)
	start := time.Now()
	for i := 0; i < len(rs); i += 1000 {
		docs := make([]any, 0, 1000)
		for _, r := range rs[i:min(i+1000, len(rs))] {
			docs = append(docs, storedResponse{Response: r})
		}
		if _, err := s.responses.InsertMany(ctx, docs); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("bulk load of %d responses: %v", n, time.Since(start))

	start = time.Now()
	read, err := s.eachResponse(ctx, func(survey.Response, string) {}, nil)
	if err != nil {
		t.Fatal(err)
	}
	plain := time.Since(start)
	start = time.Now()
	if err := s.RebuildRollups(ctx, nil); err != nil {
		t.Fatal(err)
	}
	rebuild := time.Since(start)
	t.Logf("plain cursor read of %d: %v; rebuild: %v; ratio %.2f", read, plain, rebuild, rebuild.Seconds()/plain.Seconds())

	var year []survey.Month
	for _, m := range GenMonths {
		v, _ := survey.ParseMonth(m)
		year = append(year, v)
	}
	report := func(label string, cold bool) {
		var ds []time.Duration
		for range 40 {
			if cold {
				s.ForgetRollupCache()
			}
			st := time.Now()
			if _, err := s.Report(ctx, "lam-binh", year, ""); err != nil {
				t.Fatal(err)
			}
			ds = append(ds, time.Since(st))
		}
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		t.Logf("report of one agency over a year, %s: median %v, p95 %v", label, ds[len(ds)/2], ds[len(ds)*95/100])
	}
	report("read from the database", true)
	report("from memory", false)

	extra := GenResponses(43, 2000)
	start = time.Now()
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := g; i < len(extra); i += 16 {
				extra[i].ID = fmt.Sprintf("m-%06d", i)
				if _, err := s.InsertResponse(ctx, extra[i]); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	stored := time.Since(start)
	if err := s.FlushRollups(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("16 goroutines submitted %d in %v (%.0f/s); all counted after %v",
		len(extra), stored, float64(len(extra))/stored.Seconds(), time.Since(start))
	if _, bad := compare(t, s); len(bad) > 0 {
		t.Errorf("rollups differ from the recomputation: %v", bad)
	}
}
