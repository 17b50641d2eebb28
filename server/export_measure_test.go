//go:build measure

package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"hailong/survey"
	"hailong/survey/store"
)

// TestMeasureExport prints the figures of the exports on the embedded
// database: rows per second exporting every response as CSV over HTTP,
// beside raw cursor reads of the same documents (whole, undecoded) before
// and after it in the same run, with the process's peak resident memory
// during each; then the time to export a year of aggregates for every
// agency in each format. It is a measurement, not a timed test: the only
// failures are wrong row counts.
//
// Without a size it makes a quick run of 300 demo responses. To measure,
// give a number of demo responses to generate in a temporary folder, or an
// existing data folder (stop the service that uses it first: one process
// per folder; the run adds an inspector "export-measure" and audit entries):
//
//	HAILONG_MEASURE_EXPORT=20000 go test -tags measure ./server -run MeasureExport -v -timeout 3h
//	HAILONG_MEASURE_EXPORT_DIR=/work/d1m go test -tags measure ./server -run MeasureExport -v -timeout 6h
//
// HAILONG_MEASURE_EXPORT_ROUNDS=n alternates n exports with n+1 reads (1 by
// default); HAILONG_MEASURE_EXPORT_MONTHS=n exports and reads only the
// responses of the last n months (all by default); HAILONG_MEASURE_EXPORT_MORE=1 also exports the responses as
// gzipped CSV, JSON Lines and XLSX (the XLSX spills about 1.3 KB per row to
// os.TempDir); HAILONG_MEASURE_EXPORT_HEAP=file writes a heap profile after
// the first CSV export. The aggregates are exported for the last twelve
// months by month, first with the rollups read from the database, then
// from memory.
func TestMeasureExport(t *testing.T) {
	dir := os.Getenv("HAILONG_MEASURE_EXPORT_DIR")
	n, _ := strconv.Atoi(os.Getenv("HAILONG_MEASURE_EXPORT"))
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	fresh := dir == ""
	if fresh {
		dir = t.TempDir()
		if n <= 0 {
			n = 300 // a quick run that keeps the harness working
		}
	}
	st, err := store.Open(ctx, store.Config{DataDir: dir, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close(context.Background())
	if err := st.Seed(ctx); err != nil {
		t.Fatal(err)
	}
	if fresh {
		start := time.Now()
		fillDemo(t, st, n)
		t.Logf("generated %d demo responses and rebuilt the rollups in %v", n, time.Since(start).Round(time.Millisecond))
	}
	srv, err := New(Config{ExportMemoryLimit: DefaultExportMemoryLimit}, st, log)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	token := measureToken(t, st, hs.URL)

	now := survey.MonthOf(time.Now())
	months := survey.MaxPeriodMonths
	if v, _ := strconv.Atoi(os.Getenv("HAILONG_MEASURE_EXPORT_MONTHS")); v > 0 {
		months = min(v, months)
	}
	all, _ := survey.RangePeriod(now.Add(-(months - 1)), now)
	filter := store.ResponseFilter{Period: all}
	query := fmt.Sprintf("from=%s&to=%s", all.From, all.To)

	// The service's soft memory limit while exports stream
	// (config_memory.go): the exports below run under it, the raw reads
	// under the runtime's limit (GOMEMLIMIT, none by default).
	standing := "none"
	if l := debug.SetMemoryLimit(-1); l < math.MaxInt64 {
		standing = fmt.Sprintf("%d MiB", l>>20)
	}
	t.Logf("memory limit %d MiB during exports, otherwise %s", DefaultExportMemoryLimit>>20, standing)
	settle()
	base := readStatus()
	t.Logf("process before the run: resident %d MB, peak so far %d MB; %d CPU(s), %s",
		base.rss>>20, base.hwm>>20, runtime.NumCPU(), runtime.Version())

	raw := func(label string) float64 {
		settle()
		m := startMemWatch()
		t0 := time.Now()
		got, err := st.ScanResponses(ctx, filter, true)
		el := time.Since(t0)
		peak := m.stop()
		if err != nil {
			t.Fatalf("raw read: %v", err)
		}
		rate := float64(got) / el.Seconds()
		t.Logf("%s: raw cursor read of %d documents (whole, not decoded): %v = %.0f docs/s; peak resident %d MB",
			label, got, el.Round(time.Millisecond), rate, peak>>20)
		if n > 0 && fresh && got != int64(n) {
			t.Errorf("raw read %d documents, want %d", got, n)
		}
		return rate
	}
	export := func(label, path string, gz bool) (int64, float64) {
		settle()
		m := startMemWatch()
		t0 := time.Now()
		rows, size, err := measureDownload(hs.URL+path, token, gz)
		el := time.Since(t0)
		peak := m.stop()
		if err != nil {
			t.Fatalf("%s: %v", label, err)
		}
		rate := float64(rows) / el.Seconds()
		t.Logf("%s: %d rows (%.1f MB) in %v = %.0f rows/s; peak resident %d MB (anonymous at most %d MB, files such as the program's text %d MB; Go heap in use at most %d MB)",
			label, rows, float64(size)/1e6, el.Round(time.Millisecond), rate, peak>>20, m.anon.Load()>>20, m.file.Load()>>20, m.heap.Load()>>20)
		return rows, rate
	}

	// Reads and exports alternate (raw, export, raw, ...), so that each
	// export is compared with the reads on either side of it: on a shared
	// machine the rates drift.
	rounds, _ := strconv.Atoi(os.Getenv("HAILONG_MEASURE_EXPORT_ROUNDS"))
	rounds = max(rounds, 1)
	var rows int64
	var ratios []float64
	before := raw("raw read 1")
	for i := 1; i <= rounds; i++ {
		var rate float64
		rows, rate = export(fmt.Sprintf("export %d: CSV of every response", i), "/api/v1/exports/responses?format=csv&"+query, false)
		if f := os.Getenv("HAILONG_MEASURE_EXPORT_HEAP"); f != "" && i == 1 {
			writeHeap(t, f)
		}
		after := raw(fmt.Sprintf("raw read %d", i+1))
		ratios = append(ratios, rate/((before+after)/2))
		t.Logf("ratio of export %d to the mean of the reads around it: %.2f", i, ratios[len(ratios)-1])
		before = after
	}
	verdict := "met"
	if median(ratios) < 0.7 {
		verdict = "NOT met"
	}
	t.Logf("RATIO export CSV rows/s / raw cursor read docs/s = %.2f (median of %d); target 0.7 %s", median(ratios), len(ratios), verdict)
	scanned, err := st.ScanResponses(ctx, filter, false)
	if err != nil || scanned != rows {
		t.Errorf("exported %d rows, the cursor reads %d (%v)", rows, scanned, err)
	}
	if os.Getenv("HAILONG_MEASURE_EXPORT_MORE") != "" {
		export("export CSV, gzipped", "/api/v1/exports/responses?format=csv&"+query, true)
		export("export JSON Lines", "/api/v1/exports/responses?format=jsonl&"+query, false)
		export("export XLSX (rows not counted)", "/api/v1/exports/responses?format=xlsx&"+query, false)
	}

	year, _ := survey.RangePeriod(now.Add(-11), now)
	yq := fmt.Sprintf("from=%s&to=%s", year.From, year.To)
	for _, f := range []string{"csv", "xlsx", "json"} {
		st.ClearRollupCache()
		export(fmt.Sprintf("aggregates %s, a year by month, every agency, rollups read from the database", f),
			"/api/v1/exports/aggregates?format="+f+"&granularity=month&"+yq, false)
		export(fmt.Sprintf("aggregates %s, the same again, rollups in memory", f),
			"/api/v1/exports/aggregates?format="+f+"&granularity=month&"+yq, false)
	}
}

// fillDemo stores n demo responses over the last 24 months, then rebuilds
// the rollups, as `hailong demo` does.
func fillDemo(t *testing.T, st *store.Store, n int) {
	t.Helper()
	// A deadline of its own: each insert then waits as long as it takes
	// on a busy machine instead of the client's 10 s.
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Hour)
	defer cancel()
	cat, err := st.Catalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	batch := make([]survey.Response, 0, 1000)
	err = survey.DemoResponses(cat, time.Now(), n, 42, func(r survey.Response) error {
		if batch = append(batch, r); len(batch) == cap(batch) {
			_, err := st.ImportResponses(ctx, batch)
			batch = batch[:0]
			return err
		}
		return nil
	})
	if err == nil {
		_, err = st.ImportResponses(ctx, batch)
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := st.RebuildRollups(ctx, nil); err != nil {
		t.Fatal(err)
	}
}

// measureToken makes (or resets) the inspector export-measure and returns
// an API token of it.
func measureToken(t *testing.T, st *store.Store, base string) string {
	t.Helper()
	ctx := context.Background()
	pw := "measure-" + survey.RandomPassword()
	hash, err := survey.HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	u := survey.User{Username: "export-measure", Name: "Export measurement", Role: survey.RoleInspector,
		Agencies: []string{}, PasswordHash: hash, CreatedAt: time.Now()}
	if err := st.InsertUser(ctx, u); errors.Is(err, survey.ErrDuplicate) {
		if err := st.ReplaceUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	} else if err != nil {
		t.Fatal(err)
	}
	body := fmt.Sprintf(`{"username":"export-measure","password":%q,"label":"measure"}`, pw)
	resp, err := http.Post(base+"/api/v1/auth/token", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	const key = `"token":"`
	i := bytes.Index(b, []byte(key))
	if resp.StatusCode != http.StatusCreated || i < 0 {
		t.Fatalf("token: %d %s", resp.StatusCode, b)
	}
	tok := b[i+len(key):]
	return string(tok[:bytes.IndexByte(tok, '"')])
}

// measureDownload reads an export to its end; it counts the rows of text
// formats (lines, less the CSV header; none for XLSX) and the bytes.
func measureDownload(url, token string, gz bool) (rows, size int64, err error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return 0, 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if !gz {
		req.Header.Set("Accept-Encoding", "identity")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return 0, 0, fmt.Errorf("status %d: %s", resp.StatusCode, b)
	}
	var lines int64
	buf := make([]byte, 64<<10)
	for {
		k, err := resp.Body.Read(buf)
		lines += int64(bytes.Count(buf[:k], []byte{'\n'}))
		size += int64(k)
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, size, err
		}
	}
	if st := resp.Trailer.Get("X-Export-Status"); st != "complete" {
		return 0, size, fmt.Errorf("export status %q", st)
	}
	switch ct := resp.Header.Get("Content-Type"); {
	case strings.Contains(ct, "spreadsheet"):
		return 0, size, nil
	case strings.Contains(ct, "text/csv"):
		return lines - 1, size, nil
	}
	return lines, size, nil
}

// settle collects garbage and gives memory back, then resets the peak
// resident size (Linux: clear_refs 5), so the next peak is the next step's.
func settle() {
	runtime.GC()
	debug.FreeOSMemory()
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// procStatus is the resident size of this process and its peak (bytes).
type procStatus struct{ rss, hwm, anon, file int64 }

func readStatus() procStatus {
	var s procStatus
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return s
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		v, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmRSS:":
			s.rss = v << 10
		case "VmHWM:":
			s.hwm = v << 10
		case "RssAnon:":
			s.anon = v << 10
		case "RssFile:":
			s.file = v << 10
		}
	}
	return s
}

// memWatch samples the resident size and the Go heap while a step runs.
type memWatch struct {
	done       chan struct{}
	wg         sync.WaitGroup
	rss, heap  atomic.Int64
	anon, file atomic.Int64 // the largest anonymous and file-backed resident sizes seen
}

func startMemWatch() *memWatch {
	m := &memWatch{done: make(chan struct{})}
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		var ms runtime.MemStats
		for {
			s := readStatus()
			if s.rss > m.rss.Load() {
				m.rss.Store(s.rss)
			}
			if s.anon > m.anon.Load() {
				m.anon.Store(s.anon)
			}
			if s.file > m.file.Load() {
				m.file.Store(s.file)
			}
			runtime.ReadMemStats(&ms)
			if h := int64(ms.HeapInuse); h > m.heap.Load() {
				m.heap.Store(h)
			}
			select {
			case <-m.done:
				return
			case <-tick.C:
			}
		}
	}()
	return m
}

// stop ends the sampling and returns the peak resident size: the kernel's
// high-water mark when it has one, else the highest sample.
func (m *memWatch) stop() int64 {
	close(m.done)
	m.wg.Wait()
	if s := readStatus(); s.hwm > 0 {
		return s.hwm
	}
	return m.rss.Load()
}

func writeHeap(t *testing.T, file string) {
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		t.Fatal(err)
	}
}

// median is the middle value (the mean of the two middle ones).
func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
