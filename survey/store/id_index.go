package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // the driver FerretDB itself uses, so one SQLite library shares the file's locks
)

// The _id index FerretDB's own queries can use.
//
// FerretDB v1.24 finds a document by _id with the SQL expression
// _ferretdb_sjson->'$._id', but indexes _id on _ferretdb_sjson->"_id": the
// two differ, so SQLite never uses that index and every lookup, update or
// delete by _id parses the JSON of every row of the table (pinned in
// rollups_ferretdb_test.go). On the store's collections this was the rollup
// writer's main cost (each $inc re-read a month's rollups whole) and made a
// look-up of one response among a million take seconds.
//
// With the embedded database the store therefore adds, beside FerretDB's
// tables, one SQLite index per collection on exactly the expression
// FerretDB queries with. FerretDB does not know of it: queries simply use
// it, DROP TABLE drops it with the table, and renaming a collection (a
// metadata change) keeps it. The index is only ever a speed-up: a
// collection that has none yet is read correctly, by a scan. New
// collections (a new month's rollups, a rebuild's) get theirs at the next
// sweep, which the rollup writer runs with its periodic reconciliation.

// idIndexSuffix ends the name of each index the store adds; FerretDB names
// its own indexes <table>_<index name>, and no index of ours is named hl_id.
const idIndexSuffix = "_hl_id"

// ScratchPrefix begins the names of collections that tools sharing the
// database write (the load tool's raw-insert baseline): they are left as
// FerretDB makes them, so the baseline measures FerretDB as it is.
const ScratchPrefix = "scratch_"

// idIndexed reports whether the store keeps an _id index on the collection:
// every collection but the scratch ones.
func idIndexed(name string) bool { return !strings.HasPrefix(name, ScratchPrefix) }

// idIndexes opens the embedded database's SQLite file beside FerretDB and
// adds the missing indexes.
type idIndexes struct {
	path string // the database's file: FerretDB names it <database>.sqlite
	log  *slog.Logger
	mu   sync.Mutex // one sweep at a time
	db   *sql.DB    // nil until the file exists
}

func newIDIndexes(dir, database string, log *slog.Logger) *idIndexes {
	return &idIndexes{path: filepath.Join(dir, database+".sqlite"), log: log}
}

// open connects to the file once FerretDB has created it (mode=rw: never
// create it ourselves). It reports false while there is no file yet.
func (x *idIndexes) open() (bool, error) {
	if x.db != nil {
		return true, nil
	}
	if _, err := os.Stat(x.path); errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	// The same busy timeout as FerretDB's connections: an index on a new,
	// small collection waits briefly for a writer to finish.
	db, err := sql.Open("sqlite", "file:"+filepath.ToSlash(x.path)+"?mode=rw&_pragma=busy_timeout(10000)")
	if err != nil {
		return false, err
	}
	db.SetMaxOpenConns(1)
	x.db = db
	return true, nil
}

// sweep creates the index of each of the store's collections that has none.
// It costs two reads of SQLite's catalog when there is nothing to do; an
// index on a large existing table (the responses, the first time) reads the
// table once and holds the database's write lock meanwhile, so Open runs the
// first sweep before the service takes requests.
func (x *idIndexes) sweep(ctx context.Context) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	ok, err := x.open()
	if err != nil || !ok {
		return err
	}
	have := map[string]bool{}
	rows, err := x.db.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'index'`)
	if err != nil {
		return fmt.Errorf("list indexes: %w", err)
	}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return fmt.Errorf("list indexes: %w", err)
		}
		have[n] = true
	}
	rows.Close()
	type coll struct{ name, table string }
	var missing []coll
	rows, err = x.db.QueryContext(ctx, `SELECT name, table_name FROM _ferretdb_collections`)
	if err != nil {
		if strings.Contains(err.Error(), "no such table") {
			return nil // FerretDB has not created its catalog yet
		}
		return fmt.Errorf("list collections: %w", err)
	}
	for rows.Next() {
		var c coll
		if err := rows.Scan(&c.name, &c.table); err != nil {
			rows.Close()
			return fmt.Errorf("list collections: %w", err)
		}
		if idIndexed(c.name) && !have[c.table+idIndexSuffix] {
			missing = append(missing, c)
		}
	}
	rows.Close()
	for _, c := range missing {
		start := time.Now()
		q := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %q ON %q (_ferretdb_sjson->'$._id')`, c.table+idIndexSuffix, c.table)
		if _, err := x.db.ExecContext(ctx, q); err != nil {
			if strings.Contains(err.Error(), "no such table") {
				continue // dropped meanwhile
			}
			return fmt.Errorf("index %s: %w", c.name, err)
		}
		if d := time.Since(start); d > time.Second {
			x.log.Info("embedded database: indexed _id", "collection", c.name, "took", d.Round(time.Millisecond).String())
		}
	}
	return nil
}

// sweepQuietly sweeps, logging a failure: the indexes only speed things up.
func (x *idIndexes) sweepQuietly(ctx context.Context) {
	if x == nil {
		return
	}
	if err := x.sweep(ctx); err != nil {
		x.log.Warn("embedded database: adding _id indexes failed", "err", err)
	}
}

func (x *idIndexes) close() {
	if x == nil {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.db != nil {
		_ = x.db.Close()
		x.db = nil
	}
}
