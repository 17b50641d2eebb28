package server

import (
	"context"
	"html"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"hailong/survey"
	"hailong/survey/store"
)

// Tests of a database outage: the service answers 503 quickly, keeps what
// the citizen entered, stores nothing half-written, and recovers by itself
// when the database comes back on the same address.

// outageDB is an embedded FerretDB that a test stops and starts again over
// the same files, and so on the same socket.
type outageDB struct {
	t   testing.TB
	dir string
	uri string // the first start's URI, which every restart must keep
	mu  sync.Mutex
	e   *store.Embedded
}

// startOutageEnv starts a database of its own, a store connected to it by
// URI (so the store does not own it), seeds it, and builds the service.
func startOutageEnv(t *testing.T) (*outageDB, *testEnv) {
	t.Helper()
	db := &outageDB{t: t, dir: t.TempDir()}
	db.start()
	t.Cleanup(db.stop) // runs after the store is closed
	ctx := context.Background()
	st, err := store.Open(ctx, store.Config{URI: db.uri, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = st.Close(context.Background()) })
	if err := st.SeedWith(ctx, survey.LegacySeedAgencies()); err != nil { // the pre-2025 catalog the tests rate
		t.Fatalf("seed: %v", err)
	}
	return db, newTestEnvWith(t, st)
}

func (db *outageDB) start() {
	db.t.Helper()
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.e != nil {
		return
	}
	e, err := store.StartEmbedded(db.dir)
	if err != nil {
		db.t.Fatalf("start embedded database in %s: %v", db.dir, err)
	}
	if db.uri == "" {
		db.uri = e.URI()
	} else if e.URI() != db.uri {
		e.Stop()
		db.t.Fatalf("restarted embedded database listens on %s, want %s as before", e.URI(), db.uri)
	}
	db.e = e
}

func (db *outageDB) stop() {
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.e != nil {
		db.e.Stop()
		db.e = nil
	}
}

// checkRetryAfter wants a Retry-After of a few seconds.
func checkRetryAfter(t testing.TB, r httpResult) {
	t.Helper()
	ra := r.header.Get("Retry-After")
	n, err := strconv.Atoi(ra)
	if err != nil || n < 1 || n > 300 {
		t.Errorf("Retry-After = %q, want a number of seconds between 1 and 300", ra)
	}
}

// eventually retries f until it reports true or the time is up.
func eventually(t testing.TB, within time.Duration, what string, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		if f() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, within)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func TestOutageAnswers503AndRecovers(t *testing.T) {
	db, env := startOutageEnv(t)
	ctx := context.Background()
	c := env.client(t)

	// Loading the form caches the catalog.
	form := env.openSurvey(t, c, landPath, landArea)
	sentKey := form.Get("key")
	apiKey := survey.NewKey()
	apiBody := mustJSON(t, apiSubmission(landAgency, landArea, apiKey))
	if r := env.getPage(t, c, "/readyz"); r.status != http.StatusOK {
		t.Fatalf("readyz before the outage: status %d, want 200", r.status)
	}

	db.stop()

	t.Run("API POST answers 503 quickly", func(t *testing.T) {
		start := time.Now()
		r := env.postAPI(t, &http.Client{Timeout: 15 * time.Second}, responsesPath, apiBody, nil)
		took := time.Since(start)
		if r.status != http.StatusServiceUnavailable {
			t.Fatalf("status %d, want 503; %s", r.status, clip(r.body))
		}
		if took > 3500*time.Millisecond {
			t.Errorf("503 took %v, want ≤ 3.5 s", took)
		}
		checkRetryAfter(t, r)
		if e := decodeAPIError(t, r); e.Error.Code != "unavailable" {
			t.Errorf("code %q, want unavailable", e.Error.Code)
		}
	})

	t.Run("form POST shows the form again with the answers kept", func(t *testing.T) {
		start := time.Now()
		r := env.postSurvey(t, c, landPath, form)
		took := time.Since(start)
		if r.status != http.StatusServiceUnavailable {
			t.Fatalf("status %d, want 503; %s", r.status, clip(r.body))
		}
		if took > 5*time.Second {
			t.Errorf("503 took %v, want ≤ 5 s", took)
		}
		checkRetryAfter(t, r)
		if !strings.Contains(r.body, `<div class="alert" role="alert">`+html.EscapeString(env.srv.locales[survey.Vi].T("form.unavailable"))) {
			t.Errorf("page lacks the 'try again' message")
		}
		if got := formKey(t, r.body); got != sentKey {
			t.Errorf("key = %q, want %q kept so a resend is not counted twice", got, sentKey)
		}
		checked := checkedAnswers(r.body)
		for i, code := range questionCodes(landArea) {
			if want := strconv.Itoa(answerValue(i)); checked[code] != want {
				t.Errorf("question %s: checked %q, want %q", code, checked[code], want)
			}
		}
		if m := textareaRE.FindStringSubmatch(r.body); m == nil || m[1] != form.Get("comment") {
			t.Errorf("comment not kept")
		}
		for _, d := range []string{"ageBand", "gender", "occupation", "education"} {
			if got := selectedDemographic(r.body, d); got != form.Get(d) {
				t.Errorf("demographic %s: selected %q, want %q", d, got, form.Get(d))
			}
		}
		if strings.Contains(r.body, `class="err"`) {
			t.Errorf("an outage is shown as a field error")
		}
	})

	t.Run("readyz answers 503", func(t *testing.T) {
		r := env.getPage(t, c, "/readyz")
		if r.status != http.StatusServiceUnavailable {
			t.Errorf("status %d, want 503", r.status)
		}
		checkRetryAfter(t, r)
	})

	t.Run("healthz still 200", func(t *testing.T) {
		if r := env.getPage(t, c, "/healthz"); r.status != http.StatusOK {
			t.Errorf("status %d, want 200", r.status)
		}
	})

	db.start() // same files, same address
	restarted := time.Now()

	eventually(t, 10*time.Second, "readyz back to 200", func() bool {
		return env.getPage(t, c, "/readyz").status == http.StatusOK
	})
	var apiStatus int
	eventually(t, 10*time.Second, "API POST succeeds again", func() bool {
		apiStatus = env.postAPI(t, &http.Client{}, responsesPath, apiBody, nil).status
		return apiStatus == http.StatusCreated || apiStatus == http.StatusOK
	})
	if apiStatus != http.StatusCreated {
		t.Errorf("first successful API POST: status %d, want 201 (the 503 must have stored nothing)", apiStatus)
	}
	r := env.postSurvey(t, c, landPath, form)
	if r.status != http.StatusSeeOther {
		t.Fatalf("form resend after recovery: status %d, want 303", r.status)
	}
	t.Logf("recovered %v after the restart", time.Since(restarted))

	// Each response stored once; retries are still recognised.
	if r := env.postAPI(t, &http.Client{}, responsesPath, apiBody, nil); r.status != http.StatusOK {
		t.Errorf("API retry after recovery: status %d, want 200", r.status)
	}
	if r := env.postSurvey(t, c, landPath, form); r.status != http.StatusSeeOther {
		t.Errorf("form resend after recovery: status %d, want 303", r.status)
	}
	if n := env.responseCount(t); n != 2 {
		t.Errorf("stored %d responses, want 2 (one API, one form)", n)
	}
	for _, key := range []string{apiKey, sentKey} {
		got, err := env.store.Response(ctx, key)
		if err != nil {
			t.Errorf("response %s: %v", key, err)
			continue
		}
		if got.Agency != landAgency || len(got.Answers) != len(questionCodes(landArea)) {
			t.Errorf("response %s = %s with %d answers, want %s with %d", key, got.Agency, len(got.Answers), landAgency, len(questionCodes(landArea)))
		}
	}
}

// TestOutageStaysFastAfterCatalogExpires: during an outage that outlives the
// catalog's cache time, pages that only need the catalog must still render
// from the last good copy, and submissions must still get their 503, each
// within a few seconds, even when several citizens arrive at once.
func TestOutageStaysFastAfterCatalogExpires(t *testing.T) {
	db, env := startOutageEnv(t)
	c := env.client(t)
	form := env.openSurvey(t, c, landPath, landArea)
	loaded := time.Now()
	db.stop()
	// Let the cached catalog expire (5 s) while the database is away.
	if wait := 5500*time.Millisecond - time.Since(loaded); wait > 0 {
		time.Sleep(wait)
	}

	const limit = 3500 * time.Millisecond
	client := &http.Client{Timeout: 3 * limit}
	type result struct {
		what   string
		status int
		took   time.Duration
	}
	results := make(chan result, 8)
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			req, _ := http.NewRequest(http.MethodGet, env.http.URL+landPath, nil)
			resp, err := client.Do(req)
			status := 0
			if err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				status = resp.StatusCode
			}
			results <- result{"GET form " + strconv.Itoa(i), status, time.Since(start)}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		start := time.Now()
		req, _ := http.NewRequest(http.MethodPost, env.http.URL+landPath, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := c.Do(req)
		status := 0
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			status = resp.StatusCode
		}
		results <- result{"POST form", status, time.Since(start)}
	}()
	wg.Wait()
	close(results)
	for r := range results {
		want := http.StatusOK
		if strings.HasPrefix(r.what, "POST") {
			want = http.StatusServiceUnavailable
		}
		if r.status != want {
			t.Errorf("%s: status %d, want %d", r.what, r.status, want)
		}
		if r.took > limit {
			t.Errorf("%s took %v, want ≤ %v", r.what, r.took, limit)
		}
	}
}
