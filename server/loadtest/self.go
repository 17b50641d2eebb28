package loadtest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"hailong/server"
	"hailong/survey"
	"hailong/survey/store"
)

// selfService is the service started in-process by -self, on the production
// code path: an embedded FerretDB in a temporary folder (store.Open), the
// seed, server.New, and an http.Server on a loopback port.
type selfService struct {
	url   string
	dir   string
	store *store.Store
	hs    *http.Server
	timed *timedHandler
	done  chan error
	// adminPassword is the fresh administrator's, for the staff scenarios.
	adminPassword string
}

// startSelf starts the service. Its request log is formatted as in
// production (JSON at info) and then discarded, so its cost is measured.
func startSelf(ctx context.Context, demo int) (*selfService, error) {
	dir, err := os.MkdirTemp("", "hailong-load-")
	if err != nil {
		return nil, err
	}
	log := slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))
	st, err := store.Open(ctx, store.Config{DataDir: dir, Logger: log})
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	s := &selfService{dir: dir, store: st, done: make(chan error, 1)}
	fail := func(err error) (*selfService, error) {
		s.close()
		return nil, err
	}
	if err := st.Seed(ctx); err != nil {
		return fail(err)
	}
	if s.adminPassword, err = st.EnsureAdmin(ctx, ""); err != nil {
		return fail(err)
	}
	if demo > 0 {
		if err := storeDemo(ctx, st, demo); err != nil {
			return fail(fmt.Errorf("demo responses: %w", err))
		}
	}
	srv, err := server.New(server.Config{Addr: "127.0.0.1:0", DataDir: dir, LogLevel: slog.LevelInfo, ShutdownTimeout: 10 * time.Second}, st, log)
	if err != nil {
		return fail(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fail(fmt.Errorf("listen: %w", err))
	}
	// The service's own http.Server (its timeouts against slow clients),
	// with the handler wrapped to time the server's work.
	s.hs = srv.HTTPServer(nil)
	s.timed = newTimedHandler(s.hs.Handler)
	s.hs.Handler = s.timed
	s.url = "http://" + ln.Addr().String()
	go func() { s.done <- s.hs.Serve(ln) }()
	return s, nil
}

// close stops the HTTP server, then the store (which counts what the rollup
// writer still holds), then removes the temporary folder.
func (s *selfService) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if s.hs != nil {
		if err := s.hs.Shutdown(ctx); err == nil {
			<-s.done // http.ErrServerClosed
		}
	}
	_ = s.store.Close(ctx)
	_ = os.RemoveAll(s.dir)
}

// storeDemo stores n demo responses and rebuilds the rollups, as
// `hailong demo` does.
func storeDemo(ctx context.Context, st *store.Store, n int) error {
	// A deadline of its own: each insert then waits as long as it takes
	// on a busy machine instead of the client's 10 s.
	ctx, cancel := context.WithTimeout(ctx, 6*time.Hour)
	defer cancel()
	cat, err := st.Catalog(ctx)
	if err != nil {
		return err
	}
	batch := make([]survey.Response, 0, 1000)
	flush := func() error {
		_, err := st.ImportResponses(ctx, batch)
		batch = batch[:0]
		return err
	}
	err = survey.DemoResponses(cat, time.Now(), n, 42, func(r survey.Response) error {
		if batch = append(batch, r); len(batch) == cap(batch) {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return err
	}
	return st.RebuildRollups(ctx, nil)
}
