//go:build unix

package store

import (
	"io/fs"
	"os"
	"sync"
	"syscall"
)

var umaskOnce sync.Once

// restrictUmask adds 0077 to the process umask, once.
func restrictUmask() {
	umaskOnce.Do(func() {
		old := syscall.Umask(0o077)
		syscall.Umask(old | 0o077)
	})
}

// ownedBySelf reports whether the file belongs to the process's user.
func ownedBySelf(fi fs.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) == os.Geteuid()
}
