package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"hailong/survey/store"
)

// lockedBuffer is a bytes.Buffer safe for the service and the test at once.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var generatedRE = regexp.MustCompile(`with the generated password (\S+) `)

// serveOnce runs the service in-process on dataDir with env, makes a few
// requests (so the JSON log has lines), stops it and returns what it wrote
// to stdout and stderr.
func serveOnce(t *testing.T, dataDir string, env map[string]string) (stdout, stderr string) {
	t.Helper()
	return serveWith(t, dataDir, env, func(base string) {
		for _, p := range []string{"/healthz", "/login", "/admin"} {
			if res, err := http.Get(base + p); err == nil {
				res.Body.Close()
			}
		}
	})
}

// serveWith runs the service in-process on dataDir with env, calls use
// with its address (http://host:port) once it listens, stops it and returns
// what it wrote to stdout and stderr.
func serveWith(t *testing.T, dataDir string, env map[string]string, use func(base string)) (stdout, stderr string) {
	t.Helper()
	env["HAILONG_ADDR"] = "127.0.0.1:0"
	env["HAILONG_DATA_DIR"] = dataDir
	env["HAILONG_LOG_LEVEL"] = "debug" // every line the service may log
	var out, errOut lockedBuffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- run(ctx, func(k string) string { return env[k] }, &out, &errOut) }()
	var base string
	for deadline := time.Now().Add(30 * time.Second); base == ""; time.Sleep(20 * time.Millisecond) {
		if m := runningRE.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
		}
		select {
		case err := <-done:
			t.Fatalf("the service ended before listening: %v\n%s%s", err, out.String(), errOut.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("the service did not start within 30 s")
		}
	}
	use(base)
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
	return out.String(), errOut.String()
}

// adminOf reads the administrator stored in dataDir.
func adminOf(t *testing.T, dataDir string) (mustChange bool) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Config{DataDir: dataDir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close(ctx)
	u, err := st.User(ctx, "admin")
	if err != nil {
		t.Fatal(err)
	}
	return u.MustChangePassword
}

// TestGeneratedAdminPasswordOnStderrOnly: at the first start the generated
// administrator password is printed once, on stderr, never on stdout where
// the JSON log goes; the account must change it at the first login. A
// password from HAILONG_ADMIN_PASSWORD is never printed nor forced to change.
func TestGeneratedAdminPasswordOnStderrOnly(t *testing.T) {
	dir := t.TempDir()
	stdout, stderr := serveOnce(t, dir, map[string]string{})
	m := generatedRE.FindStringSubmatch(stderr)
	if m == nil {
		t.Fatalf("stderr does not give the generated password:\n%s", stderr)
	}
	pw := m[1]
	if strings.Contains(stdout, pw) {
		t.Errorf("the generated password is on stdout:\n%s", stdout)
	}
	logLines := 0
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) == nil {
			logLines++
		}
	}
	if logLines == 0 {
		t.Errorf("no JSON log line on stdout to check against:\n%s", stdout)
	}
	if !adminOf(t, dir) {
		t.Errorf("the administrator with a generated password is not made to change it")
	}
	// The second start prints no password.
	if _, stderr := serveOnce(t, dir, map[string]string{}); strings.Contains(stderr, pw) || generatedRE.MatchString(stderr) {
		t.Errorf("a second start prints a password:\n%s", stderr)
	}

	chosen := t.TempDir()
	stdout, stderr = serveOnce(t, chosen, map[string]string{"HAILONG_ADMIN_PASSWORD": "chosen-by-the-operator"})
	if strings.Contains(stdout+stderr, "chosen-by-the-operator") || generatedRE.MatchString(stderr) {
		t.Errorf("the operator's password is printed:\n%s\n%s", stdout, stderr)
	}
	if adminOf(t, chosen) {
		t.Errorf("the administrator with HAILONG_ADMIN_PASSWORD is made to change it")
	}
}
