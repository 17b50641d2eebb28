package server

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"testing"

	"hailong/survey/store"
	"hailong/survey/store/storetest"
)

// testEnv is a running service over a real embedded database.
type testEnv struct {
	srv   *Server
	store *store.Store
	http  *httptest.Server
}

func newTestEnv(t testing.TB) *testEnv {
	t.Helper()
	st := storetest.New(t)
	return newTestEnvWith(t, st)
}

func newTestEnvWith(t testing.TB, st *store.Store) *testEnv {
	t.Helper()
	srv, err := New(Config{}, st, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("new server: %v", err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return &testEnv{srv: srv, store: st, http: hs}
}

// client returns an HTTP client with a cookie jar that does not follow redirects.
func (e *testEnv) client(t testing.TB) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	return &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
