package storetest

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"hailong/survey/store"
)

// NewShared starts one embedded database for a test and returns its URI.
// Stores opened on it with OpenOn share it as the processes of a service
// share a MongoDB: each is told it is not alone (store.Config.URI is set),
// so their count-keeping takes the multi-process path (heartbeats, leases,
// takeover). The database stops when the test ends, after its stores.
func NewShared(t testing.TB) string {
	t.Helper()
	e, err := store.StartEmbedded(t.TempDir())
	if err != nil {
		t.Fatalf("start embedded database: %v", err)
	}
	t.Cleanup(e.Stop)
	return e.URI()
}

// OpenOn opens a store on the database at uri (NewShared's), with cfg's
// clock and grace period. It is closed when the test ends; a store a test
// has left dead is given a second to stop.
func OpenOn(t testing.TB, uri string, cfg store.Config) *store.Store {
	t.Helper()
	cfg.URI = uri
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s, err := store.Open(context.Background(), cfg)
	if err != nil {
		t.Fatalf("open store on %s: %v", uri, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = s.Close(ctx)
	})
	return s
}
