package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime/debug"
	"strings"
	"syscall"
	"testing"
	"time"

	"hailong/survey"
	"hailong/survey/store/storetest"
)

// The exports' limits: an idle limit on a client that stops reading, and
// how many exports run at once. The server and the test's clients use
// small socket buffers (4 KB), so that a client that stops reading blocks
// the server's writes after a few kilobytes instead of megabytes.

// smallBufListener gives every accepted connection a small send buffer.
type smallBufListener struct{ net.Listener }

func (l smallBufListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(4096)
	}
	return c, err
}

// newLimitEnv is newExportEnv over a server with the configuration, served
// by the service's own http.Server (its timeouts) on a listener with small
// buffers, with manyRows more responses in March 2025.
func newLimitEnv(t *testing.T, cfg Config) *exportEnv {
	t.Helper()
	saved := exportNow
	exportNow = func() time.Time { return exportFixedNow }
	t.Cleanup(func() { exportNow = saved })
	st := storetest.New(t)
	srv, err := New(cfg, st, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewUnstartedServer(nil)
	hs.Config = srv.HTTPServer(nil)
	hs.Listener = smallBufListener{hs.Listener}
	hs.Start()
	t.Cleanup(hs.Close)
	env := &testEnv{srv: srv, store: st, http: hs}
	storeFixture(t, env)
	var rs []survey.Response
	at := time.Date(2025, 3, 10, 9, 0, 0, 0, survey.Zone())
	for i := range manyRows {
		rs = append(rs, survey.Response{ID: fmt.Sprintf("many-%05d", i), Agency: "so-tu-phap", Area: "tu-phap", FormID: survey.DefaultFormID,
			FormVersion: 1, Channel: survey.ChannelWeb, Answers: []survey.Answer{{Code: "1.1", Value: 1 + i%5}}, SubmittedAt: at, ReceivedAt: at})
	}
	if _, err := st.ImportResponses(context.Background(), rs); err != nil {
		t.Fatal(err)
	}
	e := &exportEnv{testEnv: env, admin: newAdmin(t, env)}
	pw := insertUser(t, env, "inspector", survey.RoleInspector)
	e.inspector = loginAs(t, env, "inspector", pw)
	e.inspector.token = e.inspector.fetchToken(t, "inspector")
	pw = insertUser(t, env, "staff-tp", survey.RoleStaff, "so-tu-phap")
	e.staff = loginAs(t, env, "staff-tp", pw)
	e.staff.token = e.staff.fetchToken(t, "staff")
	return e
}

// manyRows is how many responses newLimitEnv adds in March 2025: some
// 200 KB of CSV, far more than the sockets buffer.
const manyRows = 3000

// manyPath exports the responses of March 2025 as CSV.
const manyPath = "/api/v1/exports/responses?format=csv&from=2025-03&to=2025-03"

// rawExport sends an export request on a connection of its own with a
// small receive buffer and reads the head of the answer; what it does with
// the rest is up to the caller.
func rawExport(t *testing.T, e *exportEnv, token, path string) net.Conn {
	t.Helper()
	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		})
		if err != nil {
			return err
		}
		return serr
	}}
	conn, err := d.Dial("tcp", strings.TrimPrefix(e.http.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer %s\r\nAccept-Encoding: identity\r\nConnection: close\r\n\r\n", path, token)
	_ = conn.SetReadDeadline(time.Now().Add(time.Minute))
	head := make([]byte, 512)
	if _, err := io.ReadFull(conn, head); err != nil {
		t.Fatalf("export head: %v", err)
	}
	if !strings.HasPrefix(string(head), "HTTP/1.1 200 ") {
		t.Fatalf("export answered %.200q", head)
	}
	return conn
}

// exportAudits returns the records of the responses exports audited so far.
func exportAudits(t *testing.T, e *exportEnv) []exportRecord {
	t.Helper()
	es, err := e.store.Audit(context.Background(), "", 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []exportRecord
	for _, a := range es {
		var rec exportRecord
		if a.Action == "export.responses" && json.Unmarshal([]byte(a.After), &rec) == nil {
			out = append(out, rec)
		}
	}
	return out
}

// waitAudits waits until n responses exports are audited, at most for d.
func waitAudits(t *testing.T, e *exportEnv, n int, d time.Duration) []exportRecord {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		recs := exportAudits(t, e)
		if len(recs) >= n {
			return recs
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d exports audited after %v, want %d: %+v", len(recs), d, n, recs)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// memoryState reports how many exports hold the lowered memory limit.
func memoryState(s *Server) int {
	s.memory.mu.Lock()
	defer s.memory.mu.Unlock()
	return s.memory.n
}

// TestExportClientStalled: a client that stops reading after the first
// bytes holds the export for the idle limit only. The export ends, audited
// as "client stalled" with the rows written so far; the memory limit, the
// export's place and (with the handler's end) the cursor are given back;
// the next export works.
func TestExportClientStalled(t *testing.T) {
	const idle = time.Second
	before := debug.SetMemoryLimit(-1)
	e := newLimitEnv(t, Config{ExportIdleTimeout: idle, ExportMemoryLimit: DefaultExportMemoryLimit})
	conn := rawExport(t, e, e.inspector.token, manyPath)
	stopped := time.Now() // the client reads nothing more
	if n := memoryState(e.srv); n != 1 || debug.SetMemoryLimit(-1) != DefaultExportMemoryLimit {
		t.Fatalf("during the export: %d exports hold the memory limit, which is %d", n, debug.SetMemoryLimit(-1))
	}
	rec := waitAudits(t, e, 1, idle+10*time.Second)[0]
	took := time.Since(stopped)
	if rec.Status != "client stalled" || rec.Rows < 1 || rec.Rows >= manyRows+int64(fixtureCount()) {
		t.Errorf("audit of the stalled export: %+v", rec)
	}
	if took < idle || took > idle+5*time.Second {
		t.Errorf("the stalled export ended %v after the client stopped reading; idle limit %v", took, idle)
	}
	if n, l := memoryState(e.srv), debug.SetMemoryLimit(-1); n != 0 || l != before {
		t.Errorf("after the stalled export: %d exports hold the memory limit, which is %d, want %d", n, l, before)
	}
	if n := e.srv.exports.running(); n != 0 {
		t.Errorf("%d exports still counted as running", n)
	}
	conn.Close()

	// The next export (by the same user) runs to its end.
	r := e.get(t, e.inspector, manyPath, "")
	if r.status != http.StatusOK || len(csvRows(t, r.body)) != manyRows {
		t.Fatalf("the next export: %s", r)
	}
}

// TestExportSlowClient: a client that reads slowly but steadily is not cut,
// even when the export lasts several times the idle limit.
func TestExportSlowClient(t *testing.T) {
	const idle = time.Second
	e := newLimitEnv(t, Config{ExportIdleTimeout: idle})
	conn := rawExport(t, e, e.inspector.token, manyPath)
	start := time.Now()
	buf := make([]byte, 12<<10)
	var got int64
	for {
		time.Sleep(250 * time.Millisecond) // about 48 KB/s
		n, err := io.ReadFull(conn, buf)
		got += int64(n)
		if err != nil { // the end: the server closes (Connection: close)
			break
		}
	}
	took := time.Since(start)
	rec := waitAudits(t, e, 1, 10*time.Second)[0]
	if rec.Status != "complete" || rec.Rows != manyRows {
		t.Errorf("audit of the slow download: %+v (%d bytes in %v)", rec, got, took)
	}
	if took < 2*idle {
		t.Errorf("the download took %v, not long enough to show a slow client kept beyond the idle limit %v", took, idle)
	}
}

// TestExportConcurrency: at most two exports run at once (by default), one
// per user, whether by token or session; beyond, 429 with Retry-After and a
// JSON error in the caller's language. Both export routes count.
func TestExportConcurrency(t *testing.T) {
	const idle = 3 * time.Second
	e := newLimitEnv(t, Config{ExportIdleTimeout: idle})
	wantRefused := func(what string, r httpResult, lang survey.Lang) {
		t.Helper()
		if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" {
			t.Errorf("%s: %d, Retry-After %q, want 429 with Retry-After", what, r.status, r.header.Get("Retry-After"))
			return
		}
		if er := decodeAPIError(t, r); er.Error.Code != "too_many_exports" || er.Error.Message != e.srv.locales[lang].T("api.too_many_exports") {
			t.Errorf("%s: %+v", what, er.Error)
		}
	}
	a := rawExport(t, e, e.inspector.token, manyPath) // stalls: holds its place
	started := time.Now()
	wantRefused("the inspector's second export", e.get(t, e.inspector, manyPath, "vi"), survey.Vi)
	wantRefused("the inspector's aggregates", e.get(t, e.inspector, "/api/v1/exports/aggregates?format=csv", "en"), survey.En)
	wantRefused("the inspector's export by session", e.inspector.get(t, manyPath), survey.Vi)
	b := rawExport(t, e, e.admin.token, manyPath) // a second user: allowed
	wantRefused("a third export", e.get(t, e.staff, "/api/v1/exports/responses?format=csv&from=2025-01&to=2025-02", "en"), survey.En)
	if time.Since(started) >= idle {
		t.Fatalf("the checks took %v, beyond the idle limit that ends the first export", time.Since(started))
	}
	recs := waitAudits(t, e, 2, idle+10*time.Second)
	for _, rec := range recs {
		if rec.Status != "client stalled" {
			t.Errorf("audit: %+v", rec)
		}
	}
	a.Close()
	b.Close()
	r := e.get(t, e.staff, "/api/v1/exports/responses?format=csv&from=2025-01&to=2025-02", "")
	if r.status != http.StatusOK || len(csvRows(t, r.body)) != 17 {
		t.Errorf("an export once the others ended: %s", r)
	}
}
