//go:build linux

package main

import (
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"hailong/survey/store/storetest"
)

// The running service with the embedded database listens on TCP on its own
// address only: the database, which has no authentication, is on a Unix
// socket in a private folder of the data folder (survey/store/embedded.go),
// so no other local process can reach it over the network. The test reads
// the child's sockets from Linux's /proc.
func TestServiceListensOnlyOnItsPort(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	c := startChild(t, dir)
	defer c.stop(t)
	u, err := url.Parse(c.url)
	if err != nil {
		t.Fatal(err)
	}
	own, err := netip.ParseAddrPort(u.Host)
	if err != nil {
		t.Fatal(err)
	}
	got, err := storetest.TCPListeners(strconv.Itoa(c.cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != own {
		t.Errorf("the service listens on TCP %v, want only its own address %s", got, own)
	}
	for path, want := range map[string]os.FileMode{
		dir:                                  0o700,
		filepath.Join(dir, "run"):            0o700,
		filepath.Join(dir, "hailong.sqlite"): 0o600,
	} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Errorf("stat %s: %v", path, err)
		} else if fi.Mode().Perm() != want {
			t.Errorf("%s: mode %#o, want %#o", path, fi.Mode().Perm(), want)
		}
	}
	if fi, err := os.Lstat(filepath.Join(dir, "run", "ferretdb.sock")); err != nil || fi.Mode().Type() != os.ModeSocket {
		t.Errorf("no Unix socket in %s: %v", filepath.Join(dir, "run"), err)
	}
}
