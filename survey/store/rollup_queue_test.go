package store

import (
	"testing"
	"time"
)

// A full queue makes submit wait for room (backpressure on the committer)
// instead of leaving the contribution to the pending log; a stopping writer
// lets it go to the log at once.
func TestSubmitWaitsForRoom(t *testing.T) {
	w := &rollupWriter{in: make(chan *contribution, 1), quit: make(chan struct{}), queued: map[string]time.Time{}}
	w.submit(contribution{attempt: "a"}, time.Now().Add(submitWait))
	done := make(chan struct{})
	go func() {
		w.submit(contribution{attempt: "b"}, time.Now().Add(submitWait))
		close(done)
	}()
	select {
	case <-done:
		t.Fatal("submit returned while the queue was full")
	case <-time.After(200 * time.Millisecond):
	}
	if got := (<-w.in).attempt; got != "a" {
		t.Fatalf("first out %q, want a", got)
	}
	select {
	case <-done:
	case <-time.After(time.Second):
		t.Fatal("submit still waits with room in the queue")
	}
	if got := (<-w.in).attempt; got != "b" || w.dropped.Load() != 0 {
		t.Errorf("second out %q, dropped %d; want b, none", got, w.dropped.Load())
	}

	// A batch's deadline bounds the wait of all its responses together.
	w.submit(contribution{attempt: "c"}, time.Now().Add(submitWait)) // fills the queue again
	deadline := time.Now().Add(100 * time.Millisecond)
	start := time.Now()
	w.submit(contribution{attempt: "c2"}, deadline)
	w.submit(contribution{attempt: "c3"}, deadline)
	if waited := time.Since(start); waited > time.Second || w.dropped.Load() != 2 {
		t.Errorf("two submits past one deadline waited %v and dropped %d; want about 100 ms and 2", waited, w.dropped.Load())
	}
	close(w.quit)
	start = time.Now()
	w.submit(contribution{attempt: "d"}, time.Now().Add(submitWait))
	if time.Since(start) > time.Second || w.dropped.Load() != 3 || w.isQueued("d") {
		t.Errorf("stopping: waited %v, dropped %d, d queued %v; want at once, 3, false", time.Since(start), w.dropped.Load(), w.isQueued("d"))
	}
}
