package survey

import (
	"crypto/rand"
	"encoding/base64"
)

// NewKey returns a fresh idempotency key: 128 random bits, URL-safe.
func NewKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// ValidKey reports whether k can be an idempotency key: 8 to 64 characters
// from A–Z, a–z, 0–9, '-' and '_'.
func ValidKey(k string) bool {
	if len(k) < 8 || len(k) > 64 {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
