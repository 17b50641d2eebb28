package server

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// countPings makes /readyz count its database checks: the real ping of the
// real store, with a counter around it. Call it before the first request.
func countPings(env *testEnv) *atomic.Int64 {
	var n atomic.Int64
	env.srv.ready.ping = func(ctx context.Context) error {
		n.Add(1)
		return env.store.Ping(ctx)
	}
	return &n
}

// readyStatus calls /readyz once (safe from any goroutine).
func readyStatus(env *testEnv) (int, error) {
	res, err := http.Get(env.http.URL + "/readyz")
	if err != nil {
		return 0, err
	}
	res.Body.Close()
	return res.StatusCode, nil
}

// TestReadyzPingsOncePerSecond: 50 probes at once make one database check;
// the next check comes once the second is over.
func TestReadyzPingsOncePerSecond(t *testing.T) {
	env := newTestEnv(t)
	pings := countPings(env)

	start := time.Now()
	var wg sync.WaitGroup
	statuses := make([]int, 50)
	for i := range statuses {
		wg.Go(func() {
			st, err := readyStatus(env)
			if err != nil {
				t.Errorf("probe %d: %v", i, err)
			}
			statuses[i] = st
		})
	}
	wg.Wait()
	took := time.Since(start)
	for i, st := range statuses {
		if st != http.StatusOK {
			t.Errorf("probe %d: %d, want 200", i, st)
		}
	}
	// On a machine so loaded that the 50 calls spread over more than a
	// second, one check a second is still the bound.
	if n, limit := pings.Load(), int64(took/readyTTL)+1; n < 1 || n > limit {
		t.Errorf("50 probes in %v made %d database checks, want 1 (at most %d)", took, n, limit)
	}

	before := pings.Load()
	if st, err := readyStatus(env); err != nil || st != http.StatusOK {
		t.Fatalf("probe: %d, %v", st, err)
	}
	time.Sleep(readyTTL + 100*time.Millisecond)
	if st, err := readyStatus(env); err != nil || st != http.StatusOK {
		t.Fatalf("probe a second later: %d, %v", st, err)
	}
	if got := pings.Load() - before; got < 1 || got > 2 {
		t.Errorf("two probes a second apart made %d checks, want the second to check again", got)
	}
}

// TestReadyzFollowsTheDatabase: once the database stops, /readyz answers 503
// within a second (the cached success) plus one failing check, with at most
// one check a second meanwhile; once it returns, 200 again.
func TestReadyzFollowsTheDatabase(t *testing.T) {
	db, env := startOutageEnv(t)
	pings := countPings(env)
	if st, err := readyStatus(env); err != nil || st != http.StatusOK {
		t.Fatalf("readyz before the outage: %d, %v", st, err)
	}

	db.stop()
	stopped := time.Now()
	for {
		st, err := readyStatus(env)
		if err != nil {
			t.Fatal(err)
		}
		if st == http.StatusServiceUnavailable {
			break
		}
		if time.Since(stopped) > readyTTL+readyTimeout+time.Second {
			t.Fatalf("readyz still %d %v after the database stopped, want 503 within %v", st, time.Since(stopped), readyTTL+readyTimeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("503 after %v", time.Since(stopped))

	// Probing hard through the outage: at most one check a second.
	before, from := pings.Load(), time.Now()
	for time.Since(from) < 2*time.Second {
		if st, err := readyStatus(env); err != nil || st != http.StatusServiceUnavailable {
			t.Fatalf("readyz during the outage: %d, %v; want 503", st, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n, limit := pings.Load()-before, int64(time.Since(from)/readyTTL)+1; n > limit {
		t.Errorf("%d checks in %v of an outage, want at most %d", n, time.Since(from), limit)
	}

	db.start()
	restarted := time.Now()
	eventually(t, 10*time.Second, "readyz back to 200", func() bool {
		st, err := readyStatus(env)
		return err == nil && st == http.StatusOK
	})
	t.Logf("200 again %v after the database returned", time.Since(restarted))
}
