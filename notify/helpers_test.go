package notify

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"hailong/survey"
	"hailong/survey/store"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// openStore opens (or reopens: a restart) a seeded store on the embedded
// database in dir; the returned function closes it (once).
func openStore(t *testing.T, dir string) (*store.Store, func()) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Config{DataDir: dir, Logger: quiet})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	closed := false
	closeFn := func() {
		if !closed {
			closed = true
			_ = st.Close(context.Background())
		}
	}
	t.Cleanup(closeFn)
	if err := st.Seed(ctx); err != nil {
		t.Fatalf("seed: %v", err)
	}
	return st, closeFn
}

// sliceSource is a NoticeSource over notices held in memory: fresh ones
// are those of a day at or after since's day.
type sliceSource struct{ notices []survey.Notice }

func (s sliceSource) DigestNotices(_ context.Context, agency string, since time.Time) (fresh, overdue []survey.Notice, err error) {
	for _, n := range s.notices {
		switch {
		case n.Agency != agency:
		case n.Overdue:
			overdue = append(overdue, n)
		case n.Day >= Day(since):
			fresh = append(fresh, n)
		}
	}
	return fresh, overdue, nil
}

func waitFor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func sampleNotice(day string) survey.Notice {
	return survey.Notice{ItemID: "att-0001", Agency: "so-tu-phap", AgencyName: "Sở Tư pháp", Day: day,
		Reasons: []string{"overall", "comment"}, FactorMeans: map[string]float64{"tiep-can": 1.5, "thu-tuc": 2},
		Overall: 1.8, Comment: "Cán bộ hẹn ba lần vẫn chưa trả hồ sơ [đã ẩn]", State: "open",
		Link: "https://hailong.example.gov.vn/attention/att-0001"}
}
