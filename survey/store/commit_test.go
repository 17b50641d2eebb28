package store

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestCommitLeaderIsAnsweredWithItsBatch: under a steady flood of
// submissions, no caller waits much longer than a few batches. A leader used
// to write batches until the queue was empty, which under a steady load
// never came: its own caller waited for as long as the flood lasted.
func TestCommitLeaderIsAnsweredWithItsBatch(t *testing.T) {
	s := openAt(t, t.TempDir())
	ctx := context.Background()
	defer s.Close(ctx)

	const flood = 3 * time.Second
	rs := GenResponses(7, 60000)
	var next atomic.Int64
	var slowest atomic.Int64
	var calls atomic.Int64
	stop := time.Now().Add(flood)
	var wg sync.WaitGroup
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(stop) {
				i := next.Add(1) - 1
				if int(i) >= len(rs) {
					return
				}
				r := rs[i]
				r.ID = fmt.Sprintf("flood-%06d", i)
				start := time.Now()
				if _, err := s.InsertResponse(ctx, r); err != nil {
					t.Error(err)
					return
				}
				calls.Add(1)
				d := int64(time.Since(start))
				for m := slowest.Load(); d > m && !slowest.CompareAndSwap(m, d); m = slowest.Load() {
				}
			}
		}()
	}
	wg.Wait()
	worst := time.Duration(slowest.Load())
	t.Logf("%d submissions from 64 goroutines in %v; the slowest took %v", calls.Load(), flood, worst)
	if calls.Load() < 100 {
		t.Fatalf("only %d submissions: the flood did not happen", calls.Load())
	}
	if worst > flood/2 {
		t.Errorf("a submission took %v of a %v flood: a leader kept writing other callers' batches", worst, flood)
	}
}
