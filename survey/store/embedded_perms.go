package store

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// privateDataDir creates the embedded database's data folder with mode 0700,
// and makes an existing one private: the folder loses its group and other
// permissions, and so do the SQLite files in it (<database>.sqlite and its
// -wal, -shm and -journal files), which leaves them 0700 and 0600. A folder
// made by an earlier version (0750, files 0644) is thus tightened at its
// first start.
//
// SQLite creates a database file with mode 0644 less the process umask (and
// its -wal and -shm files with the mode of the database file), and FerretDB
// creates a database's file at its first write, after the start. So the
// process umask also gets 0077 (restrictUmask): every file created from
// then on is private to this user. A process that runs the embedded
// database has no file to share, and the folder is private anyway.
func privateDataDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create data dir: %w", err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("data dir %s is not a folder", dir)
	}
	restrictUmask()
	if err := tighten(dir, fi.Mode().Perm()); err != nil {
		return fmt.Errorf("data dir %s: make it private to this user: %w", dir, err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	for _, e := range entries {
		if !e.Type().IsRegular() || !strings.Contains(e.Name(), ".sqlite") {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue // removed meanwhile
		}
		if err := tighten(filepath.Join(dir, e.Name()), fi.Mode().Perm()); err != nil {
			return fmt.Errorf("data dir: make %s private to this user: %w", e.Name(), err)
		}
	}
	return nil
}

// tighten takes group and other permissions away from path.
func tighten(path string, perm os.FileMode) error {
	if perm&0o077 == 0 {
		return nil
	}
	return os.Chmod(path, perm&0o700)
}
