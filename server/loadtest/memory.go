package loadtest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The -memory flag: during each run the tool reads the service's resident
// size (process_resident_memory_bytes) and Go heap in use
// (go_memstats_heap_inuse_bytes) from its /metrics at a fixed interval, and
// prints how the resident size moved after a warm-up. It reads the service's
// own figures, so it works the same with -target and -self (where the
// process also holds this tool).

// memSample is one reading of the service's memory.
type memSample struct {
	at        time.Duration // since the run started
	rss, heap float64       // bytes
	// lag is how long the oldest response not yet counted in the rollups
	// has waited (seconds), and pending how many wait: the writer keeping
	// up is part of a steady load (absent from the page: zero).
	lag, pending float64
}

// memWatch samples the service's memory until stopped.
type memWatch struct {
	cancel  context.CancelFunc
	done    chan struct{}
	mu      sync.Mutex
	samples []memSample
	err     error
}

// metricsAccess opens /metrics as an administrator would: with the metrics
// token when one is given, otherwise with the session of -user.
type metricsAccess struct {
	url    string
	client *http.Client
	token  string
}

// newMetricsAccess checks that /metrics answers before the runs start.
func newMetricsAccess(ctx context.Context, o options, base string, timeout time.Duration) (*metricsAccess, error) {
	m := &metricsAccess{url: base + "/metrics", token: o.metricsToken, client: &http.Client{Timeout: timeout, CheckRedirect: noRedirect}}
	if m.token == "" {
		if o.user == "" {
			return nil, errors.New("-memory reads the service's /metrics: give -metrics-token, or -user and -password of an administrator")
		}
		jar, err := login(ctx, base, o.user, o.password)
		if err != nil {
			return nil, fmt.Errorf("-memory: %w", err)
		}
		m.client.Jar = jar
	}
	if _, err := m.read(ctx); err != nil {
		return nil, fmt.Errorf("-memory: %w", err)
	}
	return m, nil
}

// read takes one sample.
func (m *metricsAccess) read(ctx context.Context) (memSample, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.url, nil)
	if err != nil {
		return memSample{}, err
	}
	if m.token != "" {
		req.Header.Set("Authorization", "Bearer "+m.token)
	}
	resp, err := m.client.Do(req)
	if err != nil {
		return memSample{}, fmt.Errorf("GET /metrics: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, resp.Body)
		return memSample{}, fmt.Errorf("GET /metrics: status %d (an administrator or the metrics token is needed)", resp.StatusCode)
	}
	return parseMemory(resp.Body)
}

// parseMemory reads the two gauges from the Prometheus text format.
func parseMemory(r io.Reader) (memSample, error) {
	var s memSample
	found := 0
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		var dst *float64
		switch name {
		case "process_resident_memory_bytes":
			dst = &s.rss
		case "go_memstats_heap_inuse_bytes":
			dst = &s.heap
		case "hailong_rollup_oldest_pending_seconds":
			dst, found = &s.lag, found-1
		case "hailong_rollup_pending":
			dst, found = &s.pending, found-1
		default:
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil {
			return s, fmt.Errorf("metric %s: %q is not a number", name, value)
		}
		*dst = v
		found++
	}
	if err := sc.Err(); err != nil {
		return s, err
	}
	if found < 2 {
		return s, errors.New("/metrics has no process_resident_memory_bytes or go_memstats_heap_inuse_bytes")
	}
	return s, nil
}

// watch starts sampling every interval.
func (m *metricsAccess) watch(ctx context.Context, every time.Duration) *memWatch {
	ctx, cancel := context.WithCancel(ctx)
	w := &memWatch{cancel: cancel, done: make(chan struct{})}
	start := time.Now()
	go func() {
		defer close(w.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			s, err := m.read(ctx)
			w.mu.Lock()
			if err != nil && ctx.Err() == nil && w.err == nil {
				w.err = err
			}
			if err == nil {
				s.at = time.Since(start)
				w.samples = append(w.samples, s)
			}
			w.mu.Unlock()
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return w
}

// stop ends the sampling and returns what was read.
func (w *memWatch) stop() memReport {
	w.cancel()
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	return summarizeMemory(w.samples, w.err)
}

// memReport is how the resident size moved during a run. Warm-up is the
// first fifth of the run (at least one sample): the level after it is the
// median of the samples of the next fifth, and growth compares the median
// of the last fifth with it.
type memReport struct {
	samples            []memSample
	warm, last, peak   float64 // resident bytes
	heapWarm, heapLast float64
	growth             float64 // last / warm - 1
	maxLag, lastLag    float64 // seconds
	maxPending         float64
	err                error
}

func summarizeMemory(ss []memSample, err error) memReport {
	r := memReport{samples: ss, err: err}
	if len(ss) < 3 {
		if r.err == nil {
			r.err = fmt.Errorf("only %d memory samples: run longer or sample more often", len(ss))
		}
		return r
	}
	fifth := max(len(ss)/5, 1)
	mid := func(part []memSample, f func(memSample) float64) float64 {
		vs := make([]float64, len(part))
		for i, s := range part {
			vs[i] = f(s)
		}
		slices.Sort(vs)
		return vs[len(vs)/2]
	}
	rss := func(s memSample) float64 { return s.rss }
	heap := func(s memSample) float64 { return s.heap }
	warmPart := ss[fifth:min(2*fifth, len(ss))]
	lastPart := ss[len(ss)-fifth:]
	r.warm, r.last = mid(warmPart, rss), mid(lastPart, rss)
	r.heapWarm, r.heapLast = mid(warmPart, heap), mid(lastPart, heap)
	for _, s := range ss[fifth:] {
		r.peak = max(r.peak, s.rss)
	}
	r.growth = r.last/r.warm - 1
	for _, s := range ss {
		r.maxLag, r.maxPending = max(r.maxLag, s.lag), max(r.maxPending, s.pending)
	}
	r.lastLag = ss[len(ss)-1].lag
	return r
}

// printMemory prints the report of one run: a sample a minute, then the
// growth after warm-up of the level at the end and of the peak, against the
// 10 % that a steady load may not exceed.
func printMemory(out io.Writer, r memReport) {
	if r.err != nil {
		fmt.Fprintf(out, "  memory: %v\n", r.err)
		if len(r.samples) < 3 {
			return
		}
	}
	mb := func(b float64) string { return fmt.Sprintf("%.1f", b/(1<<20)) }
	var line []string
	next := time.Duration(0)
	for _, s := range r.samples {
		if s.at >= next {
			line = append(line, fmt.Sprintf("%s %s/%s lag %.1fs", s.at.Round(time.Second), mb(s.rss), mb(s.heap), s.lag))
			next = s.at + time.Minute
		}
	}
	fmt.Fprintf(out, "  memory of the service (resident/Go heap in use, MiB): %s\n", strings.Join(line, ", "))
	verdict := "within"
	if r.peak/r.warm-1 > 0.10 {
		verdict = "BEYOND"
	}
	fmt.Fprintf(out, "  resident after warm-up %s MiB, at the end %s MiB, peak %s MiB: growth %+.1f %%, peak %+.1f %% (%s the 10 %%; heap %s -> %s MiB) over %d samples\n",
		mb(r.warm), mb(r.last), mb(r.peak), 100*r.growth, 100*(r.peak/r.warm-1), verdict, mb(r.heapWarm), mb(r.heapLast), len(r.samples))
	fmt.Fprintf(out, "  rollup lag (oldest response not yet counted) at most %.1fs, at the end %.1fs; at most %.0f responses waiting\n",
		r.maxLag, r.lastLag, r.maxPending)
}
