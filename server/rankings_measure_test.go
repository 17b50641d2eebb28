//go:build measure

package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"hailong/survey"
)

// TestMeasureRankings prints the server time of the rankings (API and page)
// over the demo agencies: a year, a year in one area, a quarter, each
// compared with its previous period, from the rollups in memory (60 rounds
// over every path), with the first call after a rebuild beside. The figures include authentication
// (a bearer token) and rendering, not the network. Without HAILONG_MEASURE
// it makes a quick run of 300 demo responses; to measure, give the number:
//
//	HAILONG_MEASURE=20000 go test -tags measure ./server -run MeasureRankings -v -timeout 1h
func TestMeasureRankings(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("HAILONG_MEASURE"))
	if n <= 0 {
		n = 300 // a quick run that keeps the harness working
	}
	env := newTestEnv(t)
	ctx := context.Background()
	cat, err := env.store.Catalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var batch []survey.Response
	flush := func() {
		if _, err := env.store.ImportResponses(ctx, batch); err != nil {
			t.Fatal(err)
		}
		batch = batch[:0]
	}
	start := time.Now()
	err = survey.DemoResponses(cat, time.Now(), n, 7, func(r survey.Response) error {
		if batch = append(batch, r); len(batch) == 1000 {
			flush()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	flush()
	if err := env.store.RebuildRollups(ctx, nil); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d demo responses imported and rolled up in %v", n, time.Since(start).Round(time.Millisecond))
	admin := newAdmin(t, env)

	now := survey.MonthOf(time.Now())
	year := "from=" + now.Add(-11).String() + "&to=" + now.String()
	quarter := "from=" + now.Add(-3).String() + "&to=" + now.Add(-1).String()
	h := env.srv.Handler()
	call := func(path string) time.Duration {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("Authorization", "Bearer "+admin.token)
		w := httptest.NewRecorder()
		st := time.Now()
		h.ServeHTTP(w, req)
		d := time.Since(st)
		if w.Code != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, w.Code, w.Body.String())
		}
		return d
	}
	paths := []string{
		"/api/v1/rankings?" + year,
		"/rankings?" + year,
		"/api/v1/rankings?" + year + "&area=dat-dai",
		"/rankings?" + year + "&area=dat-dai",
		"/api/v1/rankings?" + quarter,
		"/api/v1/reports/agencies/so-tu-phap?" + year, // the dashboard's API, for comparison
	}
	// The first calls, right after the rebuild (its warm-up of the latest
	// months runs meanwhile), then rounds over every path from memory.
	first := make([]time.Duration, len(paths))
	for i, path := range paths {
		first[i] = call(path)
	}
	ds := make([][]time.Duration, len(paths))
	for range 60 {
		for i, path := range paths {
			ds[i] = append(ds[i], call(path))
		}
	}
	for i, path := range paths {
		slices.Sort(ds[i])
		t.Logf("%-62s first %7v  median %7v  p95 %7v", path, first[i].Round(10*time.Microsecond),
			ds[i][len(ds[i])/2].Round(10*time.Microsecond), ds[i][len(ds[i])*95/100].Round(10*time.Microsecond))
	}
}
