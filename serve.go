package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"

	"hailong/server"
)

// serve listens (on the metrics address too when one is set), prints where
// the service is (announce) and serves until ctx ends; then it lets the
// requests in flight finish. pw is the first administrator's password, as
// store.EnsureAdmin returns it.
func serve(ctx context.Context, cfg server.Config, srv *server.Server, log *slog.Logger, pw string, out, errOut io.Writer) error {
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
	announce(cfg, openURL(ln.Addr()), pw, out, errOut)

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

// announce prints where the service is open and, at the first start, how
// to log in (pw is empty after the first start). The messages go to out,
// as the JSON log does; a generated administrator password goes to errOut
// only, never into the log stream (which log collectors keep and pass
// around).
func announce(cfg server.Config, url, pw string, out, errOut io.Writer) {
	db := "embedded FerretDB in " + cfg.DataDir
	if cfg.MongoURI != "" {
		db = "MongoDB"
	}
	fmt.Fprintf(out, "Hài Lòng is running: open %s (database: %s; memory limit during exports: %s)\n", url, db, cfg.ExportMemoryString())
	switch {
	case pw != "" && cfg.AdminPassword == "":
		fmt.Fprintf(errOut, "First start: log in at %slogin as \"admin\" with the generated password %s (shown only this once; you must change it at the first login)\n", url, pw)
	case pw != "":
		fmt.Fprintf(out, "First start: log in at %slogin as \"admin\" with the password from HAILONG_ADMIN_PASSWORD\n", url)
	}
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
