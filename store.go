package main

import (
	"context"
	"log/slog"
	"os"
	"time"

	"hailong/server"
	"hailong/survey/store"
)

// openStore opens the configured database and seeds it. Its operations may
// take ten minutes: the commands scan every response, on busy machines too.
// serving is set for the service, whose notifications take the attention
// items rebuilt at start (server.StartNotifications): the store holds them
// until then.
func openStore(ctx context.Context, cfg server.Config, log *slog.Logger, serving bool) (*store.Store, error) {
	st, err := store.Open(ctx, store.Config{URI: cfg.MongoURI, DataDir: cfg.DataDir, Logger: log, OpTimeout: 10 * time.Minute, AwaitAttentionHook: serving})
	if err != nil {
		return nil, err
	}
	if err := st.Seed(ctx); err != nil {
		st.Close(context.Background())
		return nil, err
	}
	return st, nil
}

// withStore opens the configured database (seeded) for a command-line task,
// logging warnings to stderr. With the embedded database, stop the service
// first: one process per data folder.
func withStore(ctx context.Context, fn func(*store.Store) error) error {
	cfg, err := server.LoadConfig(os.Getenv)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})), false)
	if err != nil {
		return err
	}
	defer st.Close(context.Background())
	return fn(st)
}
