// Command hailong runs the Hài Lòng citizen satisfaction survey service.
//
// main only wires: configuration → store → server, and shuts down gracefully.
package main

import (
	"context"
	"errors"
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
	"hailong/survey/store"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "hailong:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, getenv func(string) string, out io.Writer) error {
	cfg, err := server.LoadConfig(getenv)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(out, &slog.HandlerOptions{Level: cfg.LogLevel}))

	st, err := store.Open(ctx, store.Config{URI: cfg.MongoURI, DataDir: cfg.DataDir, Logger: log})
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
	hs := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	db := "embedded FerretDB in " + cfg.DataDir
	if cfg.MongoURI != "" {
		db = "MongoDB"
	}
	fmt.Fprintf(out, "Hài Lòng is running: open %s (database: %s)\n", openURL(ln.Addr()), db)
	switch {
	case pw != "" && cfg.AdminPassword == "":
		fmt.Fprintf(out, "First start: log in at %slogin as \"admin\" with the generated password %s (shown only this once; change it under Administration → Users)\n", openURL(ln.Addr()), pw)
	case pw != "":
		fmt.Fprintf(out, "First start: log in at %slogin as \"admin\" with the password from HAILONG_ADMIN_PASSWORD\n", openURL(ln.Addr()))
	}

	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests in flight")
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
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
