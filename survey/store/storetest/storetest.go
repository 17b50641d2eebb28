// Package storetest opens real stores for tests: an embedded FerretDB in a
// temporary folder, seeded, closed when the test ends. Never a mock.
package storetest

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"hailong/survey/store"
)

// New returns a seeded store backed by a fresh embedded database.
func New(t testing.TB) *store.Store {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, store.Config{
		DataDir: t.TempDir(),
		Logger:  slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = s.Close(context.Background()) })
	if err := s.Seed(ctx); err != nil {
		t.Fatalf("seed: %v", err)
	}
	return s
}
