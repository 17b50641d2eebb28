//go:build !unix

package store

import "io/fs"

// restrictUmask does nothing where there is no umask.
func restrictUmask() {}

// ownedBySelf is true where file ownership is not a Unix user id.
func ownedBySelf(fs.FileInfo) bool { return true }
