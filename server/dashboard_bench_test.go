package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"hailong/survey"
)

// BenchmarkDashboard measures the server's work for one agency's dashboard
// page and report API over a year, from the in-memory rollups, with 2,000
// demo responses (the cost does not depend on their number: a year reads
// 24 rollup documents). It calls the handler directly, so the figure is the
// server time without the network:
//
//	go test ./server -run '^$' -bench Dashboard -benchtime 2s -count 5
func BenchmarkDashboard(b *testing.B) {
	env := newTestEnv(b)
	ctx := context.Background()
	cat, err := env.store.Catalog(ctx)
	if err != nil {
		b.Fatal(err)
	}
	var batch []survey.Response
	err = survey.DemoResponses(cat, time.Now(), 2000, 7, func(r survey.Response) error {
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
	admin := newStaff(b, env, "bench-admin", survey.RoleAdmin)
	now := survey.MonthOf(time.Now())
	q := "?agency=so-tu-phap&from=" + now.Add(-11).String() + "&to=" + now.String()
	for _, tc := range []struct{ name, path string }{
		{"page", "/dashboard" + q},
		{"api", "/api/v1/reports/agencies/so-tu-phap" + q},
	} {
		b.Run(tc.name, func(b *testing.B) {
			h := env.srv.Handler()
			do := func() {
				req := httptest.NewRequest(http.MethodGet, tc.path, nil)
				req.Header.Set("Authorization", "Bearer "+admin.token)
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("GET %s: %d %s", tc.path, w.Code, w.Body.String())
				}
			}
			do() // warm the rollup cache
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				do()
			}
		})
	}
}
