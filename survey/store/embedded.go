package store

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// newMu guards ferretdb.New, which writes a package variable and so races when
// two stores start at once (as parallel tests do).
var newMu sync.Mutex

// Embedded is a FerretDB with the SQLite backend, listening on loopback only.
// Open starts one when no MongoDB URI is configured; tests start their own to
// simulate a database that goes away and comes back.
type Embedded struct {
	uri    string
	dir    string // the absolute data folder: one <database>.sqlite file per database
	cancel context.CancelFunc
	done   chan struct{}
}

// StartEmbedded starts FerretDB over the SQLite files in dir, listening on
// addr ("127.0.0.1:0" picks a free port).
func StartEmbedded(dir, addr string) (*Embedded, error) {
	if dir == "" {
		dir = "data"
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	if err := os.MkdirAll(abs, 0o750); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	// FerretDB logs every connection at its default level; keep it quiet.
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	newMu.Lock()
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: addr},
		Handler:   "sqlite",
		SQLiteURL: "file:" + filepath.ToSlash(abs) + "/",
		Logger:    quiet,
	})
	newMu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("start embedded database: %w", err)
	}
	runCtx, cancel := context.WithCancel(context.Background())
	e := &Embedded{dir: abs, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(e.done)
		_ = f.Run(runCtx)
	}()
	// The listener is bound in New, so the address is known at once.
	e.uri = f.MongoDBURI()
	return e, nil
}

// URI is the MongoDB URI of the running server.
func (e *Embedded) URI() string { return e.uri }

// Stop shuts the server down and waits until it has.
func (e *Embedded) Stop() {
	e.cancel()
	<-e.done
}
