package server

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"net/netip"
	"testing"

	"hailong/survey/store/storetest"
)

// loopbackProxies trusts the test client as a reverse proxy.
var loopbackProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}

// newTestEnvConfig is newTestEnv with a configuration, served by the
// service's own http.Server (its timeouts and header limits).
func newTestEnvConfig(t testing.TB, cfg Config) *testEnv {
	t.Helper()
	st := storetest.New(t)
	srv, err := New(cfg, st, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("new server: %v", err)
	}
	hs := httptest.NewUnstartedServer(nil)
	hs.Config = srv.HTTPServer(nil)
	hs.Start()
	t.Cleanup(hs.Close)
	return &testEnv{srv: srv, store: st, http: hs}
}
