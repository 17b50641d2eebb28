//go:build linux

package store_test

import (
	"context"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"hailong/survey/store"
	"hailong/survey/store/storetest"
)

// The embedded FerretDB has no authentication, so it must be reachable by
// the service alone: it listens on a Unix socket in a folder only the
// service's OS user may enter, and on no TCP port, and its files are
// private to that user. A process running as the same OS user can still
// connect to the socket: that is the same trust boundary as reading the
// SQLite files, which the user owns. These tests read Linux's /proc.

// openQuiet opens a store over the embedded database in dir and seeds it
// (which creates the database's files).
func openQuiet(t *testing.T, dir string) *store.Store {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, store.Config{DataDir: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	if err := s.Seed(ctx); err != nil {
		t.Fatalf("seed: %v", err)
	}
	return s
}

// pingMongo reports whether a MongoDB client without credentials gets an
// answer at uri.
func pingMongo(uri string) bool {
	c, err := mongo.Connect(options.Client().ApplyURI(uri).
		SetServerSelectionTimeout(2 * time.Second).SetConnectTimeout(2 * time.Second))
	if err != nil {
		return false
	}
	defer func() { _ = c.Disconnect(context.Background()) }()
	return c.Ping(context.Background(), nil) == nil
}

// socketOf reads the socket path out of the store's URI.
func socketOf(t *testing.T, uri string) string {
	t.Helper()
	host, ok := strings.CutPrefix(uri, "mongodb://")
	host, _, _ = strings.Cut(host, "/")
	path, err := url.QueryUnescape(host)
	if !ok || err != nil || !strings.HasSuffix(path, ".sock") || !filepath.IsAbs(path) {
		t.Fatalf("embedded database URI %q: want mongodb://<escaped socket path>/", uri)
	}
	return path
}

// wantPerm checks the permission bits of path.
func wantPerm(t *testing.T, path string, want fs.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Errorf("stat %s: %v", path, err)
		return
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s: mode %#o, want %#o", path, got, want)
	}
}

// wantPrivateDataDir checks the data folder is 0700, its socket folder too,
// and every SQLite file in it 0600; it wants at least one database file.
func wantPrivateDataDir(t *testing.T, dir string) {
	t.Helper()
	wantPerm(t, dir, 0o700)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	databases := 0
	for _, e := range entries {
		switch {
		case e.IsDir():
			wantPerm(t, filepath.Join(dir, e.Name()), 0o700)
		case strings.Contains(e.Name(), ".sqlite"):
			wantPerm(t, filepath.Join(dir, e.Name()), 0o600)
			if strings.HasSuffix(e.Name(), ".sqlite") {
				databases++
			}
		}
	}
	if databases == 0 {
		t.Errorf("%s holds no .sqlite file after a seed", dir)
	}
}

func TestEmbeddedOpenListensOnNoTCPPort(t *testing.T) {
	before, err := storetest.TCPListeners("self")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	s := openQuiet(t, dir)
	defer s.Close(context.Background())
	after, err := storetest.TCPListeners("self")
	if err != nil {
		t.Fatal(err)
	}
	for _, ap := range after {
		if slices.Contains(before, ap) {
			continue
		}
		t.Errorf("after Open the process listens on TCP %s, which it did not before", ap)
		// With no TCP listener there is nothing a client could reach; on a
		// regression say what it would get.
		if pingMongo("mongodb://" + ap.String() + "/") {
			t.Errorf("a MongoDB client without credentials got answers on %s", ap)
		}
	}
	sock := socketOf(t, s.URI())
	if want := filepath.Join(dir, "run", "ferretdb.sock"); sock != want {
		t.Errorf("socket %s, want %s", sock, want)
	}
	if fi, err := os.Lstat(sock); err != nil || fi.Mode().Type() != fs.ModeSocket {
		t.Errorf("socket %s: %v, %v; want a Unix socket", sock, fi, err)
	}
	wantPerm(t, filepath.Dir(sock), 0o700)
	wantPrivateDataDir(t, dir)
}

// A data folder made by an earlier version (0750, files 0644) is tightened
// at the next start.
func TestEmbeddedOpenTightensOldDataDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	s := openQuiet(t, dir)
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Loosen it as the earlier version (umask 022) left it.
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if !e.IsDir() {
			_ = os.Chmod(filepath.Join(dir, e.Name()), 0o644)
		}
	}
	if err := os.Chmod(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	s = openQuiet(t, dir)
	defer s.Close(context.Background())
	wantPrivateDataDir(t, dir)
}

// A data folder too deep for a socket path (sun_path holds 108 bytes) gets
// its socket in a private folder of the temp dir, the same one at each
// start, and removed at the stop.
func TestEmbeddedLongDataDirSocket(t *testing.T) {
	dir := filepath.Join(t.TempDir(), strings.Repeat("a-rather-long-folder-name-", 5))
	if len(filepath.Join(dir, "run", "ferretdb.sock")) <= 108 {
		t.Fatalf("data folder %s is not long enough for this test", dir)
	}
	var first string
	for start := 1; start <= 2; start++ {
		e, err := store.StartEmbedded(dir)
		if err != nil {
			t.Fatalf("start %d: %v", start, err)
		}
		sock := e.SocketPath()
		if len(sock) > 103 || strings.HasPrefix(sock, dir) {
			t.Errorf("start %d: socket %s: want a short path outside the data folder", start, sock)
		}
		if socketOf(t, e.URI()) != sock {
			t.Errorf("start %d: URI %s does not name socket %s", start, e.URI(), sock)
		}
		wantPerm(t, filepath.Dir(sock), 0o700)
		if !pingMongo(e.URI()) {
			t.Errorf("start %d: the database does not answer on %s", start, e.URI())
		}
		if first == "" {
			first = e.URI()
		} else if e.URI() != first {
			t.Errorf("start %d: URI %s, want %s as at the first start", start, e.URI(), first)
		}
		e.Stop()
		if _, err := os.Lstat(filepath.Dir(sock)); !os.IsNotExist(err) {
			t.Errorf("start %d: socket folder %s left after Stop (%v)", start, filepath.Dir(sock), err)
		}
	}
}

// A socket left by a killed process is removed at the next start; a live
// one means another process serves the folder, and a second start fails.
func TestEmbeddedStaleAndLiveSocket(t *testing.T) {
	dir := t.TempDir()
	e, err := store.StartEmbedded(dir)
	if err != nil {
		t.Fatal(err)
	}
	if e2, err := store.StartEmbedded(dir); err == nil {
		e2.Stop()
		t.Errorf("a second database started over a folder that one serves; want an error")
	} else if !strings.Contains(err.Error(), "another process") {
		t.Errorf("second start: %v; want it to name another process", err)
	}
	sock := e.SocketPath()
	e.Stop()
	// What SIGKILL leaves: a bound socket file that nobody listens on.
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	l.SetUnlinkOnClose(false)
	_ = l.Close()
	if _, err := os.Lstat(sock); err != nil {
		t.Fatalf("stale socket not made: %v", err)
	}
	e, err = store.StartEmbedded(dir)
	if err != nil {
		t.Fatalf("start over a stale socket: %v", err)
	}
	defer e.Stop()
	if !pingMongo(e.URI()) {
		t.Errorf("the database does not answer on %s", e.URI())
	}
}

// The parsing of /proc's socket tables, on a listener of the test's own.
func TestEmbeddedListenerProbe(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	got, err := storetest.TCPListeners("self")
	if err != nil {
		t.Fatal(err)
	}
	want := netip.MustParseAddrPort(l.Addr().String())
	if !slices.Contains(got, want) {
		t.Errorf("listeners %v do not include %s", got, want)
	}
}
