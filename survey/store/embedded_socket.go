package store

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// The embedded database's socket lives in <data folder>/run/ferretdb.sock.
// The driver takes a host whose name ends in "sock" for a Unix socket path.
const (
	socketDirName = "run"
	socketName    = "ferretdb.sock"
)

// maxSocketPath is the longest socket path used: the kernel's sun_path
// holds 108 bytes on Linux and 104 on macOS and the BSDs, NUL included.
const maxSocketPath = 103

// socketPath is where the embedded database listens.
type socketPath struct {
	path string
	tmp  string // the fallback folder in the temp dir (removed by release); "" in the data folder
}

// prepareSocket chooses the socket of the data folder dataDir, makes its
// folder private, and removes a socket that a crashed process left behind.
//
// The socket goes in a 0700 folder "run" of the data folder. When that path
// is too long for a socket (deep data folders, and the temp folders of
// tests), or holds a ":" (which the driver would read as a port), it goes
// instead in a 0700 folder of the system temp dir. That folder is not made
// with os.MkdirTemp, whose random name would change at each start: it is
// named after the user and a hash of the data folder, so a database
// restarted over the same folder listens on the same path and a connected
// driver reconnects by itself. Its name can thus be guessed: it is created
// with os.Mkdir (never through a symlink), and one that exists already is
// used only if it is a real folder (not a symlink) of this user, whose group
// and other permissions are then taken away; otherwise the start fails.
func prepareSocket(dataDir string) (socketPath, error) {
	s := socketPath{path: filepath.Join(dataDir, socketDirName, socketName)}
	if len(s.path) > maxSocketPath || strings.Contains(s.path, ":") {
		sum := sha256.Sum256([]byte(dataDir))
		dir := filepath.Join(os.TempDir(), fmt.Sprintf("hailong-%d-%x", os.Geteuid(), sum[:8]))
		s = socketPath{path: filepath.Join(dir, socketName), tmp: dir}
		if len(s.path) > maxSocketPath || strings.Contains(s.path, ":") {
			return socketPath{}, fmt.Errorf("embedded database: no usable path for its socket (%s is too long; set TMPDIR to a short folder)", s.path)
		}
	}
	if err := privateDir(filepath.Dir(s.path)); err != nil {
		return socketPath{}, fmt.Errorf("embedded database socket folder: %w", err)
	}
	if err := removeStaleSocket(s.path); err != nil {
		return socketPath{}, err
	}
	return s, nil
}

// release removes the fallback folder once the listener has removed its
// socket (a folder still holding something stays).
func (s socketPath) release() {
	if s.tmp != "" {
		_ = os.Remove(s.tmp)
	}
}

// privateDir creates dir with mode 0700, or checks that the existing dir is
// a folder (not a symlink) of this user, and takes group and other
// permissions away from it.
func privateDir(dir string) error {
	err := os.Mkdir(dir, 0o700)
	if err == nil || !errors.Is(err, fs.ErrExist) {
		return err
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s exists and is not a folder", dir)
	}
	if !ownedBySelf(fi) {
		return fmt.Errorf("%s belongs to another user", dir)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return os.Chmod(dir, fi.Mode().Perm()&0o700)
	}
	return nil
}

// removeStaleSocket removes the socket a crashed process left at path. A
// socket that still answers belongs to a running process that serves the
// same data folder: starting a second one over the same files is refused.
func removeStaleSocket(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("embedded database socket: %w", err)
	}
	if fi.Mode().Type() != fs.ModeSocket {
		return fmt.Errorf("embedded database socket: %s exists and is not a socket", path)
	}
	conn, err := net.DialTimeout("unix", path, time.Second)
	if err == nil {
		_ = conn.Close()
		return fmt.Errorf("embedded database: another process serves this data folder (its database answers on %s); run one process per data folder", path)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		return fmt.Errorf("embedded database socket %s: %w", path, err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove stale embedded database socket: %w", err)
	}
	return nil
}
