// Command hailong runs the Hài Lòng citizen satisfaction survey service.
// This file only wires configuration → store → server and dispatches the
// commands (commands.go), each of which has a file of its own.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"hailong/server"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := dispatch(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "hailong:", err)
		os.Exit(1)
	}
}

// dispatch runs the command named by args[0]; none runs the service.
func dispatch(ctx context.Context, args []string) error {
	switch {
	case len(args) == 0 || args[0] == "serve":
		return run(ctx, os.Getenv, os.Stdout, os.Stderr)
	case commands[args[0]] != nil:
		return commands[args[0]](ctx, args[1:])
	}
	return fmt.Errorf("unknown command %q\n%s", args[0], usage)
}

// run serves until ctx ends (serve.go), with the JSON log on out.
func run(ctx context.Context, getenv func(string) string, out, errOut io.Writer) error {
	cfg, err := server.LoadConfig(getenv)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(out, &slog.HandlerOptions{Level: cfg.LogLevel}))
	st, err := openStore(ctx, cfg, log, true)
	if err != nil {
		return err
	}
	defer st.Close(context.Background())
	pw, err := st.EnsureAdmin(ctx, cfg.AdminPassword)
	if err != nil {
		return err
	}
	srv, err := server.New(cfg, st, log)
	if err != nil {
		return err
	}
	srv.StartNotifications() // e-mail digests and webhooks, stopped before the store closes
	defer srv.StopNotifications()
	srv.StartInvitationSweep() // expired invitations counted, then deleted after the retention
	defer srv.StopInvitationSweep()
	return serve(ctx, cfg, srv, log, pw, out, errOut)
}
