package survey

import (
	"testing"
	"time"
)

// BenchmarkVerifyToken measures one verification of a genuine token
// (decode, HMAC-SHA256, expiry): the work done before any database read.
func BenchmarkVerifyToken(b *testing.B) {
	now := time.Now()
	ring := NewKeyring(testKeys(now))
	tok, err := ring.Sign(InvitationClaims{Code: "ABCDEFGHJKMNPQR", Agency: "ubnd-huyen-lam-binh", Area: "dat-dai", Expires: now.Add(time.Hour)}, now)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ring.Verify(tok, now); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyForgedToken measures the refusal of a forged token.
func BenchmarkVerifyForgedToken(b *testing.B) {
	now := time.Now()
	ring := NewKeyring(testKeys(now))
	tok, _ := ring.Sign(InvitationClaims{Code: "ABCDEFGHJKMNPQR", Agency: "ubnd-huyen-lam-binh", Area: "dat-dai", Expires: now.Add(time.Hour)}, now)
	forged := tok[:len(tok)-2] + "AA"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ring.Verify(forged, now); err != ErrTokenInvalid {
			b.Fatal(err)
		}
	}
}
