package server

import (
	"net/http"
	"testing"
)

// TestQRCacheControl: a QR image holds the public address. Without
// HAILONG_PUBLIC_URL that is the request's Host, so only the browser may
// keep it (private); with it the image is the same for everyone (public).
func TestQRCacheControl(t *testing.T) {
	const code = "ABCDEFGHJKMNPQR" // the QR depends on the code's form only
	for _, tc := range []struct {
		name, publicURL, want string
	}{
		{"host from the request", "", "private, max-age=86400"},
		{"HAILONG_PUBLIC_URL", "https://dichvucong.example.gov.vn", "public, max-age=86400"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := newTestEnvConfig(t, Config{PublicURL: tc.publicURL})
			for _, p := range []string{"/r/" + code + "/qr.svg", "/r/" + code + "/qr.png"} {
				r := env.getPage(t, env.client(t), p)
				if r.status != http.StatusOK {
					t.Fatalf("GET %s: %d", p, r.status)
				}
				if got := r.header.Get("Cache-Control"); got != tc.want {
					t.Errorf("GET %s: Cache-Control %q, want %q", p, got, tc.want)
				}
			}
		})
	}
}
