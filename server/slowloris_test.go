package server

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
)

// The service's http.Server has the timeouts that keep slow clients from
// holding it: the production values, and a slow-loris attack against them
// (shortened, so the test takes seconds).

func TestHTTPServerTimeouts(t *testing.T) {
	hs := (&Server{cfg: Config{}}).HTTPServer(nil)
	want := map[string][2]time.Duration{
		"ReadHeaderTimeout": {hs.ReadHeaderTimeout, 5 * time.Second},
		"ReadTimeout":       {hs.ReadTimeout, 15 * time.Second},
		"WriteTimeout":      {hs.WriteTimeout, 60 * time.Second},
		"IdleTimeout":       {hs.IdleTimeout, 60 * time.Second},
	}
	for name, v := range want {
		if v[0] != v[1] {
			t.Errorf("%s = %v, want %v", name, v[0], v[1])
		}
	}
	if hs.MaxHeaderBytes != 16<<10 {
		t.Errorf("MaxHeaderBytes = %d, want 16 KB", hs.MaxHeaderBytes)
	}
}

// slowClient opens a connection and sends a request a byte at a time, every
// pause, until the server closes it; it reports when that happened (zero
// if it was never closed before stop).
func slowClient(t *testing.T, addr, request string, pause time.Duration, stop <-chan struct{}) (closed chan time.Time) {
	closed = make(chan time.Time, 1)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Errorf("dial: %v", err)
		closed <- time.Time{}
		return closed
	}
	go func() {
		defer conn.Close()
		gone := make(chan time.Time, 1)
		go func() { // the server closing the connection ends this read
			_, _ = io.Copy(io.Discard, conn)
			gone <- time.Now()
		}()
		for i := 0; ; i++ {
			if i < len(request) {
				if _, err := conn.Write([]byte{request[i]}); err != nil {
					closed <- time.Now()
					return
				}
			}
			select {
			case at := <-gone:
				closed <- at
				return
			case <-stop:
				closed <- time.Time{}
				return
			case <-time.After(pause):
			}
		}
	}()
	return closed
}

func TestSlowLorisCannotExhaustTheServer(t *testing.T) {
	const (
		slow       = 200
		readHeader = 1 * time.Second
		read       = 3 * time.Second
		idle       = 1500 * time.Millisecond
	)
	env := newTestEnvConfig(t, Config{Timeouts: Timeouts{ReadHeader: readHeader, Read: read, Idle: idle}})
	addr := strings.TrimPrefix(env.http.URL, "http://")
	stop := make(chan struct{})
	defer close(stop)

	start := time.Now()
	var headerClients, bodyClients []chan time.Time
	// Headers sent byte by byte, never finished.
	hdr := "GET / HTTP/1.1\r\nHost: hailong\r\nUser-Agent: slow" + strings.Repeat("w", 4000)
	for range slow {
		headerClients = append(headerClients, slowClient(t, addr, hdr, 50*time.Millisecond, stop))
	}
	// Headers at once, then a body byte by byte.
	body := "POST /api/v1/responses HTTP/1.1\r\nHost: hailong\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n" + strings.Repeat("{", 5000)
	for range 20 {
		bodyClients = append(bodyClients, slowClient(t, addr, body, 20*time.Millisecond, stop))
	}

	// Meanwhile honest clients are served promptly.
	time.Sleep(300 * time.Millisecond)
	c := &http.Client{Timeout: 5 * time.Second}
	for _, p := range []string{"/healthz", landPath, "/api/v1/areas"} {
		t0 := time.Now()
		r := sendRequest(t, c, mustRequest(t, http.MethodGet, env.http.URL+p))
		if took := time.Since(t0); r.status != http.StatusOK || took > time.Second {
			t.Errorf("GET %s during the attack: %d in %v, want 200 within 1 s", p, r.status, took)
		}
	}

	// Every slow connection is closed by the server soon after its timeout.
	check := func(what string, cs []chan time.Time, limit time.Duration) {
		t.Helper()
		giveUp := time.After(time.Until(start.Add(limit + 3*time.Second)))
		var late, open int
		var worst time.Duration
		for _, ch := range cs {
			select {
			case at := <-ch:
				if at.IsZero() {
					open++
					continue
				}
				if at.Sub(start) > limit {
					late++
				}
				worst = max(worst, at.Sub(start))
			case <-giveUp:
				open++
			}
		}
		if open > 0 || late > 0 {
			t.Errorf("%s: %d of %d connections still open, %d closed after %v (latest %v)", what, open, len(cs), late, limit, worst)
		}
	}
	check("slow headers", headerClients, readHeader+1200*time.Millisecond) // before ReadTimeout would
	check("slow body", bodyClients, read+1500*time.Millisecond)

	// An idle kept-alive connection is closed after IdleTimeout.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: hailong\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("kept-alive request: %v %v", resp, err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	t0 := time.Now()
	_ = conn.SetReadDeadline(time.Now().Add(idle + 3*time.Second))
	if _, err := br.ReadByte(); err == nil {
		t.Errorf("idle connection: read a byte, want the server to close it")
	} else if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Errorf("idle connection still open after %v (IdleTimeout %v)", time.Since(t0), idle)
	}
}

func mustRequest(t *testing.T, method, url string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// Export routes (a template containing "/export") may write for
// HAILONG_EXPORT_TIMEOUT; every other route is cut at the WriteTimeout.
func TestExportRoutesGetALongerWriteDeadline(t *testing.T) {
	env := newTestEnvConfig(t, Config{Timeouts: Timeouts{Write: 400 * time.Millisecond, Export: 10 * time.Second}})
	slowAnswer := func(c *gin.Context) {
		time.Sleep(900 * time.Millisecond) // past the WriteTimeout
		c.String(http.StatusOK, "%s", strings.Repeat("row\n", 20000))
	}
	env.srv.engine.GET("/api/v1/exports/slow-test", slowAnswer)
	env.srv.engine.GET("/api/v1/slow-test", slowAnswer)

	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(env.http.URL + "/api/v1/exports/slow-test")
	if err != nil {
		t.Fatalf("export route: %v", err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || len(b) != 80000 {
		t.Errorf("export route: status %d, %d bytes, %v; want 200 with 80000 bytes", resp.StatusCode, len(b), err)
	}

	resp, err = c.Get(env.http.URL + "/api/v1/slow-test")
	if err == nil {
		b, err = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	if err == nil && len(b) == 80000 {
		t.Errorf("an ordinary route wrote for longer than the WriteTimeout (want the answer cut)")
	}
}
