package store

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
)

// The rebuild command opens the store with Rebuilding: rollups of an older
// format are left for the command's own rebuild instead of being migrated
// at start too (which scanned every response twice), and that rebuild
// records the format.
func TestRebuildingOpenLeavesTheMigrationToTheRebuild(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s := openAt(t, dir)
	rs := GenResponses(48, 40)
	insertAll(t, s, rs)
	if n := downgrade(t, s); n == 0 {
		t.Fatal("no rollup document to downgrade")
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}

	var logged bytes.Buffer
	s, err := Open(ctx, Config{DataDir: dir, Rebuilding: true, Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close(ctx) }()
	if strings.Contains(logged.String(), "rebuilding rollups of an older format") {
		t.Errorf("the store opened for a rebuild migrated first:\n%s", logged.String())
	}
	if f, err := s.recordedFormat(ctx); err != nil || f == rollupFormat {
		t.Errorf("before the rebuild the recorded format is %d, %v; want an older one", f, err)
	}
	if err := s.RebuildAll(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if f, err := s.recordedFormat(ctx); err != nil || f != rollupFormat {
		t.Errorf("after the rebuild the format is %d, %v; want %d", f, err, rollupFormat)
	}
	s.ForgetRollupCache()
	if n := exact(t, s, "after the rebuild"); n != int64(len(rs)) {
		t.Errorf("rebuilt rollups hold %d responses, want %d", n, len(rs))
	}
}
