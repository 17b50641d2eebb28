// Package storetest opens real stores for tests: an embedded FerretDB in a
// temporary folder, seeded, closed when the test ends. Never a mock.
package storetest

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"hailong/survey"
	"hailong/survey/store"
)

// New returns a seeded store backed by a fresh embedded database. Its
// agencies are survey.LegacySeedAgencies (Tuyên Quang before 2025, all
// serving), which most tests are written against; NewSeeded has what a new
// installation gets.
func New(t testing.TB) *store.Store {
	t.Helper()
	return open(t, func(ctx context.Context, s *store.Store) error { return s.SeedWith(ctx, survey.LegacySeedAgencies()) })
}

// NewSeeded returns a store seeded exactly as a new installation is
// (store.Seed: the catalog with its 2025 reorganisation).
func NewSeeded(t testing.TB) *store.Store {
	t.Helper()
	return open(t, func(ctx context.Context, s *store.Store) error { return s.Seed(ctx) })
}

func open(t testing.TB, seed func(context.Context, *store.Store) error) *store.Store {
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
	if err := seed(ctx, s); err != nil {
		t.Fatalf("seed: %v", err)
	}
	return s
}
