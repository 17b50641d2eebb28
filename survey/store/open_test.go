package store_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"hailong/survey"
	"hailong/survey/store"
)

// A restart of the service with the embedded default opens the same data
// folder again: Open must succeed (ensureIndexes re-declares indexes that
// exist) and the data written before must still be there.
func TestOpenExistingDataDir(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	r := sampleResponse(t, "key-restart-0001")
	for start := 1; start <= 3; start++ {
		s, err := store.Open(ctx, store.Config{DataDir: dir, Logger: quiet})
		if err != nil {
			t.Fatalf("start %d: open existing data dir: %v", start, err)
		}
		if err := s.Seed(ctx); err != nil {
			t.Errorf("start %d: seed: %v", start, err)
		}
		created, err := s.InsertResponse(ctx, r)
		if err != nil || created != (start == 1) {
			t.Errorf("start %d: insert = %v, %v; want created only on the first start", start, created, err)
		}
		if got, err := s.Response(ctx, r.ID); err != nil || got.Agency != r.Agency {
			t.Errorf("start %d: read back %+v, %v", start, got, err)
		}
		if _, err := s.Response(ctx, "no-such-key-0001"); err != survey.ErrNotFound {
			t.Errorf("start %d: missing response: err = %v, want ErrNotFound", start, err)
		}
		if err := s.Close(ctx); err != nil {
			t.Errorf("start %d: close: %v", start, err)
		}
	}
}
