package server

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"hailong/survey"
	"hailong/survey/store/storetest"
)

// newTestEnvMin is newTestEnv with a minimum sample of its own, so that a
// handful of responses make a ranked unit.
func newTestEnvMin(t testing.TB, minSample int64) *testEnv {
	t.Helper()
	st := storetest.New(t)
	srv, err := New(Config{MinSample: minSample}, st, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("new server: %v", err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return &testEnv{srv: srv, store: st, http: hs}
}

// TestDashboardLineageRankCountsPredecessorsOnce: with lineage=1 the agency
// is scored with its predecessors pooled in, so they must not also stand
// among its peers. Departments, minimum sample 1, one month:
//
//	so-xay-dung  1 response, every answer 5            → 100 %
//	so-tn-mt     3 responses, every answer 1            →   0 %
//	so-tu-phap   2 responses, one all 5, one all 1      →  50 %
//
// so-xay-dung is merged into so-tn-mt. so-tn-mt with its lineage pools 4
// responses, one satisfied: 25 %. Its peers are so-tu-phap (50 %) and
// itself: rank 2 of 2. Counting so-xay-dung again (100 %) gave rank 3 of 3.
func TestDashboardLineageRankCountsPredecessorsOnce(t *testing.T) {
	env := newTestEnvMin(t, 1)
	admin := newAdmin(t, env)
	all := func(area string, v int) map[string]int { return uniformAnswers(t, env, area, v, nil) }
	submitAt(t, env, "", "so-xay-dung", "xay-dung", "web", "", all("xay-dung", 5))
	for range 3 {
		submitAt(t, env, "", "so-tn-mt", "dat-dai", "web", "", all("dat-dai", 1))
	}
	submitAt(t, env, "", "so-tu-phap", "tu-phap", "web", "", all("tu-phap", 5))
	submitAt(t, env, "", "so-tu-phap", "tu-phap", "web", "", all("tu-phap", 1))
	flushCounts(t, env)
	mergeInto(t, admin, "so-tn-mt", "so-xay-dung")

	now := survey.MonthOf(time.Now())
	got := fetchReport(t, env, admin.token, "so-tn-mt", reportPeriod(now, now, "", true))
	if got.Report.Responses != 4 || !closeTo(got.Report.Overall.Index, 25) {
		t.Fatalf("so-tn-mt with its lineage: %d responses, index %v; want 4 and 25", got.Report.Responses, got.Report.Overall.Index)
	}
	if got.Standing.Rank != 2 || got.Peers != 2 {
		t.Errorf("so-tn-mt with its lineage: rank %d of %d peers, want 2 of 2 (so-xay-dung is pooled in, not a peer)", got.Standing.Rank, got.Peers)
	}
	// Without the lineage the figures are so-tn-mt's own, but its rank is
	// still the one /rankings publishes (issue 14: the merged agency counts
	// with its successor, never as a peer of its own): 2 of 2.
	got = fetchReport(t, env, admin.token, "so-tn-mt", reportPeriod(now, now, "", false))
	if got.Report.Responses != 3 || got.Standing.Rank != 2 || got.Peers != 2 {
		t.Errorf("so-tn-mt alone: %d responses, rank %d of %d peers, want 3 responses, rank 2 of 2", got.Report.Responses, got.Standing.Rank, got.Peers)
	}
}
