package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"reflect"
	"regexp"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"hailong/survey"
	"hailong/survey/store"
)

// The crash test: the real service, as a child process over an embedded
// database in a temporary folder, is killed with SIGKILL in the middle of
// concurrent API submissions. After a restart every submission that got a
// 2xx is stored, none twice, and the reports equal a full recomputation.
//
// The child is this test binary re-executed as the service (TestMain below
// runs main() when HAILONG_TEST_CHILD is set): the same code as the built
// binary, without a second link of it.

const childEnv = "HAILONG_TEST_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "serve" {
		os.Args = []string{"hailong"}
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// child is a running service process.
type child struct {
	cmd  *exec.Cmd
	url  string
	done chan error
}

var runningRE = regexp.MustCompile(`Hài Lòng is running: open (http://[^/ ]+)/`)

// startChild starts the service on dataDir and waits until it listens.
func startChild(t *testing.T, dataDir string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=serve",
		"HAILONG_ADDR=127.0.0.1:0", "HAILONG_DATA_DIR="+dataDir, "HAILONG_LOG_LEVEL=error",
		"HAILONG_ADMIN_PASSWORD=crash-test-admin-password",
		// One client sends everything: it must not be rate limited.
		"HAILONG_RATE_EXEMPT=127.0.0.1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start the service: %v", err)
	}
	c := &child{cmd: cmd, done: make(chan error, 1)}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			if m := runningRE.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
		c.done <- cmd.Wait()
	}()
	select {
	case c.url = <-found:
	case err := <-c.done:
		t.Fatalf("the service ended before listening: %v\n%s", err, stderr.String())
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("the service did not start within 30 s\n%s", stderr.String())
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	return c
}

// kill ends the service with SIGKILL: nothing flushed, nothing closed.
func (c *child) kill(t *testing.T) {
	t.Helper()
	if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("kill: %v", err)
	}
	<-c.done
}

// stop ends the service gracefully (SIGTERM) and waits.
func (c *child) stop(t *testing.T) {
	t.Helper()
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-c.done:
		if err != nil {
			t.Errorf("the service ended with %v after SIGTERM", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("the service did not stop within 30 s of SIGTERM")
	}
}

// target is an agency and area with the codes of the form's questions.
type target struct {
	agency, area string
	codes        []string
}

// targets reads a few agencies, their areas and the questions through the API.
func targets(t *testing.T, base string) []target {
	t.Helper()
	var ags struct {
		Agencies []struct {
			Code  string   `json:"code"`
			Areas []string `json:"areas"`
		} `json:"agencies"`
	}
	getJSON(t, base+"/api/v1/agencies", &ags)
	var out []target
	for _, a := range ags.Agencies {
		if len(out) == 6 {
			break
		}
		if len(a.Areas) == 0 {
			continue
		}
		var f struct {
			Factors []struct {
				Criteria []struct{ Code string } `json:"criteria"`
			} `json:"factors"`
			Extra []struct{ Code string } `json:"extraItems"`
		}
		getJSON(t, base+"/api/v1/forms/"+a.Code+"/"+a.Areas[0], &f)
		tg := target{agency: a.Code, area: a.Areas[0]}
		for _, fa := range f.Factors {
			for _, c := range fa.Criteria {
				tg.codes = append(tg.codes, c.Code)
			}
		}
		for _, c := range f.Extra {
			tg.codes = append(tg.codes, c.Code)
		}
		out = append(out, tg)
	}
	if len(out) < 2 {
		t.Fatalf("only %d agencies with areas", len(out))
	}
	return out
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

// submission is one response sent, with its outcome.
type submission struct {
	key  string
	body []byte
	// status is the first answer's status; 0 when the request failed (the
	// service died under it).
	status int
}

func newSubmission(rng *rand.Rand, tg target, key string) *submission {
	answers := map[string]int{}
	for _, c := range tg.codes {
		answers[c] = rng.IntN(6) // 0 (not applicable) .. 5
	}
	body, _ := json.Marshal(map[string]any{
		"agency": tg.agency, "area": tg.area, "answers": answers, "channel": "counter",
		"idempotencyKey": key, "comment": "Góp ý " + key,
	})
	return &submission{key: key, body: body}
}

func post(c *http.Client, base string, body []byte) (int, error) {
	resp, err := c.Post(base+"/api/v1/responses", "application/json", bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

func TestCrashMidLoadKeepsEveryAcknowledgedSubmission(t *testing.T) {
	start := time.Now()
	dir := t.TempDir()
	svc := startChild(t, dir)
	tgs := targets(t, svc.url)

	// 24 clients submit until the service dies under them.
	const clients = 24
	var (
		mu    sync.Mutex
		subs  []*submission
		acked atomic.Int64
		wg    sync.WaitGroup
	)
	httpc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	for w := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 99))
			for i := 0; ; i++ {
				s := newSubmission(rng, tgs[rng.IntN(len(tgs))], fmt.Sprintf("crash-%02d-%06d", w, i))
				mu.Lock()
				subs = append(subs, s)
				mu.Unlock()
				status, err := post(httpc, svc.url, s.body)
				mu.Lock()
				s.status = status
				mu.Unlock()
				if err != nil {
					return // the service is gone
				}
				if status/100 != 2 {
					t.Errorf("submission %s: status %d before the crash", s.key, status)
					return
				}
				acked.Add(1)
			}
		}()
	}
	for acked.Load() < 400 && time.Since(start) < 40*time.Second {
		time.Sleep(20 * time.Millisecond)
	}
	svc.kill(t)
	wg.Wait()
	var ackedKeys, lostInFlight int
	for _, s := range subs {
		if s.status/100 == 2 {
			ackedKeys++
		} else {
			lostInFlight++
		}
	}
	t.Logf("killed after %d acknowledged submissions, %d in flight", ackedKeys, lostInFlight)
	if ackedKeys < 100 || lostInFlight == 0 {
		t.Fatalf("the kill did not land mid-load: %d acknowledged, %d in flight", ackedKeys, lostInFlight)
	}

	// Restart: every acknowledged submission is there (a retry is answered
	// 200, "already stored"); the ones in flight are stored now if they
	// were not.
	svc = startChild(t, dir)
	retry := make(chan *submission)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for s := range retry {
				status, err := post(httpc, svc.url, s.body)
				switch {
				case err != nil:
					t.Errorf("retry %s: %v", s.key, err)
				case s.status/100 == 2 && status != http.StatusOK:
					t.Errorf("acknowledged %s (%d): the retry after the crash got %d, want 200 (already stored)", s.key, s.status, status)
				case s.status/100 != 2 && status != http.StatusOK && status != http.StatusCreated:
					t.Errorf("in flight %s: the retry got %d, want 200 or 201", s.key, status)
				}
			}
		}()
	}
	for _, s := range subs {
		retry <- s
	}
	close(retry)
	wg.Wait()
	svc.stop(t)

	// Every response once (an acknowledged one answered 200 above: stored,
	// same request), and the reports equal a full recomputation.
	ctx := context.Background()
	st, err := store.Open(ctx, store.Config{DataDir: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatalf("open the data: %v", err)
	}
	defer st.Close(ctx)
	n, err := st.CountResponses(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(len(subs)) {
		t.Errorf("%d responses stored, want %d (each submission exactly once)", n, len(subs))
	}
	months := []survey.Month{survey.MonthOf(time.Now())}
	if prev := survey.MonthOf(start); prev != months[0] {
		months = append([]survey.Month{prev}, months...)
	}
	var counted int64
	for _, tg := range tgs {
		got, err := st.Report(ctx, tg.agency, months, "")
		if err != nil {
			t.Fatal(err)
		}
		want, err := st.Recompute(ctx, tg.agency, months, "")
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: the report holds %d responses, a full recomputation %d; they differ", tg.agency, got.Total.Responses, want.Total.Responses)
		}
		counted += got.Total.Responses
	}
	if counted != int64(len(subs)) {
		t.Errorf("the reports count %d responses, want %d", counted, len(subs))
	}
	checkAttentionItems(t, st, subs)
	t.Logf("%d submissions, all stored once, reports exact; %v", len(subs), time.Since(start).Round(time.Second))
}
