package store

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"
	"sync"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// newMu guards ferretdb.New, which writes a package variable and so races when
// two stores start at once (as parallel tests do).
var newMu sync.Mutex

// Embedded is a FerretDB with the SQLite backend. Open starts one when no
// MongoDB URI is configured; tests start their own to simulate a database
// that goes away and comes back.
//
// FerretDB has no authentication in embedded mode, so it listens on a Unix
// socket only, in a folder that only this OS user may enter (see
// embedded_socket.go), never on TCP: no other local user, and no process
// sharing the network namespace, can reach it. Connecting to the socket as
// the same OS user is the same trust boundary as reading the SQLite files,
// which that user owns anyway. The data folder is private too (see
// embedded_perms.go).
type Embedded struct {
	uri    string
	dir    string // the absolute data folder: one <database>.sqlite file per database
	sock   socketPath
	cancel context.CancelFunc
	done   chan struct{}
}

// sqliteParams are the query parameters of the SQLite URI: each connection's
// page cache is limited to 512 KiB instead of SQLite's 2 MiB. FerretDB keeps
// up to 100 connections per database open, each with its own cache,
// allocated outside the Go heap (modernc.org/libc) and so beyond the reach of
// the runtime's memory limit: after a start and an export of 1,000,000
// responses they held about 25 MB of the resident size. The operating
// system's file cache still holds the pages; a smaller page cache costs a
// read from it instead of from the process (docs/performance.md).
const sqliteParams = "_pragma=cache_size(-512)"

// StartEmbedded starts FerretDB over the SQLite files in dir ("data" when
// empty), creating the folder if need be. Starting again over the same
// folder after Stop listens on the same socket, so a driver connected to
// the first one reconnects by itself.
func StartEmbedded(dir string) (*Embedded, error) {
	if dir == "" {
		dir = "data"
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	if err := privateDataDir(abs); err != nil {
		return nil, err
	}
	sock, err := prepareSocket(abs)
	if err != nil {
		return nil, err
	}
	// FerretDB logs every connection at its default level; keep it quiet.
	// slog.DiscardHandler, not a text handler on io.Discard: FerretDB calls
	// Logger.With(args) around every SQL statement, and a text handler
	// formats the attributes there, before any level check, quoting each
	// stored document twice (a sixth of an insert's CPU).
	quiet := slog.New(slog.DiscardHandler)
	newMu.Lock()
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{Unix: sock.path},
		Handler:   "sqlite",
		SQLiteURL: "file:" + filepath.ToSlash(abs) + "/?" + sqliteParams,
		Logger:    quiet,
	})
	newMu.Unlock()
	if err != nil {
		sock.release()
		return nil, fmt.Errorf("start embedded database: %w", err)
	}
	runCtx, cancel := context.WithCancel(context.Background())
	e := &Embedded{dir: abs, sock: sock, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(e.done)
		_ = f.Run(runCtx)
	}()
	// The socket is bound in New. FerretDB's MongoDBURI puts the path in the
	// host unescaped for the driver's query unescaping (a "+" in the path
	// would come back as a space), so the URI is built here instead: the
	// driver takes a host that ends in "sock" as a Unix socket path.
	e.uri = "mongodb://" + url.QueryEscape(sock.path) + "/"
	return e, nil
}

// URI is the MongoDB URI of the running server: its socket's path, escaped.
func (e *Embedded) URI() string { return e.uri }

// SocketPath is the Unix socket the server listens on.
func (e *Embedded) SocketPath() string { return e.sock.path }

// Stop shuts the server down and waits until it has. Its listener removes
// the socket file on the way out.
func (e *Embedded) Stop() {
	e.cancel()
	<-e.done
	e.sock.release()
}
