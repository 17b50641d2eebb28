package loadtest

import (
	"context"
	"math/rand/v2"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// outcome is what one operation came to: ok, or the reason it failed (an
// HTTP status such as "500", or "transport" when no answer came).
type outcome struct {
	ok     bool
	reason string
	items  int64 // rows an export gave
}

func statusOutcome(got, want int) outcome {
	if got == want {
		return outcome{ok: true}
	}
	return outcome{reason: strconv.Itoa(got)}
}

var transportFailure = outcome{reason: "transport"}

// worker is one concurrent client, with its own random source, histogram
// and error counts, so the clients share nothing but the HTTP transport.
type worker struct {
	http   *http.Client
	rng    *rand.Rand
	hist   histogram
	ok     int64
	items  int64
	errors map[string]int64
	buf    []byte // reused response body buffer
}

// op performs one operation of a scenario.
type op func(ctx context.Context, w *worker) outcome

// result is one measured run (of the scenario or of a baseline phase).
type result struct {
	clients int
	ops     int64 // operations attempted
	ok      int64 // operations that got the expected answer
	items   int64 // rows exported by the operations (export scenario)
	errors  map[string]int64
	elapsed time.Duration
	hist    *histogram
}

// throughput is successful operations per second.
func (r result) throughput() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.ok) / r.elapsed.Seconds()
}

// drive runs do from n goroutines until requests operations have been
// issued (when positive) or dur has passed, whichever is first. Operations
// in flight at the deadline finish and count: nothing is cut off half-way,
// so every acknowledged submission is in the totals. Latency is measured on
// the client, from before the request is written until its body is read.
func drive(ctx context.Context, n int, dur time.Duration, requests int64, client *http.Client, do op) result {
	var issued atomic.Int64
	workers := make([]*worker, n)
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(dur)
	for i := range workers {
		w := &worker{http: client, rng: rand.New(rand.NewPCG(uint64(start.UnixNano()), uint64(i))), errors: map[string]int64{}}
		workers[i] = w
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil && time.Now().Before(deadline) {
				if requests > 0 && issued.Add(1) > requests {
					return
				}
				t0 := time.Now()
				o := do(ctx, w)
				w.hist.record(time.Since(t0))
				w.items += o.items
				if o.ok {
					w.ok++
				} else {
					w.errors[o.reason]++
				}
			}
		}()
	}
	wg.Wait()
	return collect(n, time.Since(start), workers)
}

// collect merges the clients' counts into one result.
func collect(n int, elapsed time.Duration, workers []*worker) result {
	r := result{clients: n, elapsed: elapsed, errors: map[string]int64{}, hist: &histogram{}}
	for _, w := range workers {
		r.hist.merge(&w.hist)
		r.ok += w.ok
		r.ops += w.ok
		r.items += w.items
		for k, v := range w.errors {
			r.errors[k] += v
			r.ops += v
		}
	}
	return r
}

// itemRate is rows exported per second.
func (r result) itemRate() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.items) / r.elapsed.Seconds()
}

// median is the middle value (the mean of the two middle ones for an even
// count); zero for none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
