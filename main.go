// Command hailong runs the Hài Lòng citizen satisfaction survey service.
//
// main only wires: configuration → store → server, and shuts down gracefully.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"hailong/server"
	"hailong/server/loadtest"
	"hailong/survey"
	"hailong/survey/store"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := dispatch(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "hailong:", err)
		os.Exit(1)
	}
}

// dispatch runs the subcommand named by args[0]; none runs the service.
func dispatch(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] == "serve" {
		return run(ctx, os.Getenv, os.Stdout, os.Stderr)
	}
	switch args[0] {
	case "help", "-h", "--help":
		fmt.Print(usage)
		return nil
	case "load":
		return loadtest.Main(ctx, args[1:], os.Stdout)
	case "demo":
		return withStore(ctx, func(st *store.Store) error { return demo(ctx, st, args[1:]) })
	case "keys":
		return withStore(ctx, func(st *store.Store) error { return keysCommand(ctx, st, args[1:], os.Stdout) })
	case "rollups":
		baseline := len(args) == 3 && args[2] == "--baseline"
		if len(args) < 2 || args[1] != "rebuild" || len(args) > 3 || len(args) == 3 && !baseline {
			return fmt.Errorf("usage: hailong rollups rebuild [--baseline]")
		}
		return withStore(ctx, func(st *store.Store) error { return rebuild(ctx, st, baseline) })
	}
	return fmt.Errorf("unknown command %q\n%s", args[0], usage)
}

const usage = `usage:
  hailong                          run the service (configuration from the environment)
  hailong demo --responses N       add N realistic demo responses over the last 24 months
  hailong demo --total N           add demo responses until N are stored
  hailong rollups rebuild          recompute every report rollup and comment page exactly from the responses
        [--baseline]               first read the same responses with a plain cursor and print the ratio
  hailong load [flags]             drive the service with concurrent clients (see hailong load -h)
  hailong keys list|rotate|retire N  list, rotate or retire the keys that sign invitation links
`

// run serves until ctx ends. The JSON log and the start messages go to out;
// a generated administrator password goes to errOut only, never into the
// log stream (which log collectors keep and pass around).
func run(ctx context.Context, getenv func(string) string, out, errOut io.Writer) error {
	cfg, err := server.LoadConfig(getenv)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(out, &slog.HandlerOptions{Level: cfg.LogLevel}))

	st, err := store.Open(ctx, store.Config{URI: cfg.MongoURI, DataDir: cfg.DataDir, Logger: log, OpTimeout: 10 * time.Minute})
	if err != nil {
		return err
	}
	defer st.Close(context.Background())
	if err := st.Seed(ctx); err != nil {
		return err
	}
	pw, err := st.EnsureAdmin(ctx, cfg.AdminPassword)
	if err != nil {
		return err
	}
	srv, err := server.New(cfg, st, log)
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	errLog := slog.NewLogLogger(log.Handler(), slog.LevelWarn)
	hs := srv.HTTPServer(errLog) // timeouts against slow clients: server/edge.go
	servers := []*http.Server{hs}
	errc := make(chan error, 2)
	if ms := srv.MetricsServer(errLog); ms != nil {
		mln, err := net.Listen("tcp", ms.Addr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("listen on %s (HAILONG_METRICS_ADDR): %w", ms.Addr, err)
		}
		fmt.Fprintf(out, "Prometheus metrics: http://%s/metrics\n", mln.Addr())
		servers = append(servers, ms)
		go func() { errc <- ms.Serve(mln) }()
	}
	db := "embedded FerretDB in " + cfg.DataDir
	if cfg.MongoURI != "" {
		db = "MongoDB"
	}
	fmt.Fprintf(out, "Hài Lòng is running: open %s (database: %s; memory limit during exports: %s)\n", openURL(ln.Addr()), db, cfg.ExportMemoryString())
	switch {
	case pw != "" && cfg.AdminPassword == "":
		fmt.Fprintf(errOut, "First start: log in at %slogin as \"admin\" with the generated password %s (shown only this once; you must change it at the first login)\n", openURL(ln.Addr()), pw)
	case pw != "":
		fmt.Fprintf(out, "First start: log in at %slogin as \"admin\" with the password from HAILONG_ADMIN_PASSWORD\n", openURL(ln.Addr()))
	}

	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests in flight")
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	for _, hs := range servers {
		if err := hs.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("shutdown: %w", err)
		}
	}
	return nil
}

// openURL is the address to print for people: localhost for a wildcard listen.
func openURL(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return "http://" + a.String() + "/"
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port) + "/"
}

// withStore opens the configured database (seeded) for a command-line task.
// With the embedded database, stop the service first: one process per data folder.
func withStore(ctx context.Context, fn func(*store.Store) error) error {
	cfg, err := server.LoadConfig(os.Getenv)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	st, err := store.Open(ctx, store.Config{URI: cfg.MongoURI, DataDir: cfg.DataDir, Logger: log, OpTimeout: 10 * time.Minute})
	if err != nil {
		return err
	}
	defer st.Close(context.Background())
	if err := st.Seed(ctx); err != nil {
		return err
	}
	return fn(st)
}

// demo fills the demo agencies with generated responses, then rebuilds the rollups.
func demo(ctx context.Context, st *store.Store, args []string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	n := fs.Int("responses", 10000, "number of responses to add")
	total := fs.Int("total", 0, "add responses until the database holds this many (instead of --responses)")
	seed := fs.Uint64("seed", uint64(time.Now().UnixNano()), "random seed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *total > 0 {
		cctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
		have, err := st.EstimateResponses(cctx)
		cancel()
		if err != nil {
			return err
		}
		*n = *total - int(have)
		fmt.Printf("%d responses stored; adding %d\n", have, max(*n, 0))
		if *n <= 0 {
			return rebuild(ctx, st, false)
		}
	}
	if *n < 1 || *n > 10_000_000 {
		return fmt.Errorf("--responses must be between 1 and 10000000")
	}
	cat, err := st.Catalog(ctx)
	if err != nil {
		return err
	}
	start := time.Now()
	batch := make([]survey.Response, 0, 1000)
	added := 0
	flush := func() error {
		// A loaded machine can time an insert out: the import skips the
		// responses already stored, so the batch is simply sent again.
		insert := func() (int, error) {
			ictx, cancel := context.WithTimeout(ctx, time.Minute)
			defer cancel()
			return st.ImportResponses(ictx, batch)
		}
		k, err := insert()
		for try := 1; err != nil && try <= 5 && ctx.Err() == nil; try++ {
			fmt.Printf("\n%v; retrying in %ds\n", err, 2*try)
			time.Sleep(time.Duration(2*try) * time.Second)
			var more int
			more, err = insert()
			k += more
		}
		added += k
		batch = batch[:0]
		if added%100000 < 1000 {
			fmt.Printf("\r%d responses added", added)
		}
		return err
	}
	err = survey.DemoResponses(cat, time.Now(), *n, *seed, func(r survey.Response) error {
		batch = append(batch, r)
		if len(batch) == cap(batch) {
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
	fmt.Printf("\r%d responses added in %v; rebuilding rollups\n", added, time.Since(start).Round(time.Millisecond))
	return rebuild(ctx, st, false)
}

// rebuild recomputes the rollups and comment pages from the responses, in
// one scan, printing progress. With baseline it first reads the same
// responses with a plain cursor and prints the ratio of the two times.
func rebuild(ctx context.Context, st *store.Store, baseline bool) error {
	var plain time.Duration
	if baseline {
		start := time.Now()
		n, err := st.ReadResponses(ctx, func(done int64) { fmt.Printf("\r%d responses read (plain cursor)", done) })
		if err != nil {
			return err
		}
		plain = time.Since(start)
		fmt.Printf("\rplain cursor read of %d responses: %v\n", n, plain.Round(time.Millisecond))
	}
	start := time.Now()
	err := st.RebuildAll(ctx, func(done int64) {
		fmt.Printf("\r%d responses read", done)
	})
	if err != nil {
		return err
	}
	took := time.Since(start)
	fmt.Printf("\nrollups and comment pages rebuilt in %v\n", took.Round(time.Millisecond))
	if baseline {
		fmt.Printf("rebuild / plain read = %.2f\n", took.Seconds()/plain.Seconds())
	}
	return nil
}
