package server

import (
	"context"
	"encoding/hex"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"

	"hailong/survey/store"
)

// Failed logins slow down the client that fails, not the user name: a
// lockout per user name alone let anyone keep an administrator out by
// typing wrong passwords. Failures are counted per user name and client
// (the client known only by the keyed hash the rate limits use), and per
// user name from every client:
//
//   - after clientFreeTries failures of one client for one user name, that
//     client waits before each further try, twice as long each time (30 s,
//     1 min, ... up to 15 min), while other clients log in as usual;
//   - after userAlarmFailures failures of one user name from all clients
//     (a guessing campaign from many addresses), every client that has
//     failed for that user name waits until lockMax after the user name's
//     last failure; a client that has not failed still logs in.
//
// Records are forgotten attemptMemory after their last failure. The
// per-client rate limit of logins (HAILONG_RATE_LOGIN) still applies.
const (
	clientFreeTries   = 5
	userAlarmFailures = 100
	lockMax           = 15 * time.Minute
	attemptMemory     = 24 * time.Hour
	// pruneEvery: how often a failure also clears forgotten records.
	pruneEvery = time.Hour
)

// attemptKeys returns the failure records' keys of a login: the user name
// with the client, and the user name alone. A user name too long to be one
// is keyed by its hash.
func (s *Server) attemptKeys(c *gin.Context, username string) (client, user string) {
	if len(username) > 64 {
		username = "#" + hashID(username)[:32]
	}
	b := s.bucketOf(c, classLogin) // the keyed hash of the client's address (ratelimit_http.go)
	return "c|" + username + "|" + hex.EncodeToString(b.client[:]), "u|" + username
}

// lockout is how long a client must wait before its next try, given its
// own failure record for the user name and the user name's record.
func lockout(mine, all store.LoginAttempts, now time.Time) time.Duration {
	forget := now.Add(-attemptMemory)
	if mine.Failures == 0 || mine.LastFailure.Before(forget) {
		return 0 // a client that has not failed lately is never kept out
	}
	var wait time.Duration
	if mine.Failures >= clientFreeTries {
		d := min(30*time.Second<<min(mine.Failures-clientFreeTries, 5), lockMax)
		wait = mine.LastFailure.Add(d).Sub(now)
	}
	if all.Failures >= userAlarmFailures && !all.LastFailure.Before(forget) {
		wait = max(wait, all.LastFailure.Add(lockMax).Sub(now))
	}
	return max(wait, 0)
}

// countFailure records a failed login of both keys.
func (s *Server) countFailure(ctx context.Context, clientKey, userKey string, now time.Time) error {
	forget := now.Add(-attemptMemory)
	for _, k := range []string{clientKey, userKey} {
		if _, err := s.store.AddLoginFailure(ctx, k, now, forget); err != nil {
			return err
		}
	}
	prune := &s.logins.lastPrune
	if last := prune.Load(); now.Unix()-last >= int64(pruneEvery/time.Second) && prune.CompareAndSwap(last, now.Unix()) {
		if _, err := s.store.PruneLoginAttempts(ctx, forget); err != nil {
			s.log.Warn("prune login attempts", "err", err)
		}
	}
	return nil
}

// loginGuard is the server's state for counting failed logins.
type loginGuard struct {
	locks     keyedMutex   // one login at a time per user name and client
	lastPrune atomic.Int64 // when forgotten records were last removed (Unix seconds)
}

// keyedMutex serialises the logins of one user name from one client in
// this process, from the lockout check to the count of a failure, so
// parallel guesses cannot all pass the check before any is counted.
type keyedMutex struct {
	mu sync.Mutex
	m  map[string]*keyedEntry
}

type keyedEntry struct {
	mu   sync.Mutex
	refs int
}

// lock locks key and returns its unlock; an unused key takes no memory.
func (k *keyedMutex) lock(key string) (unlock func()) {
	k.mu.Lock()
	if k.m == nil {
		k.m = map[string]*keyedEntry{}
	}
	e := k.m[key]
	if e == nil {
		e = &keyedEntry{}
		k.m[key] = e
	}
	e.refs++
	k.mu.Unlock()
	e.mu.Lock()
	return func() {
		e.mu.Unlock()
		k.mu.Lock()
		if e.refs--; e.refs == 0 {
			delete(k.m, key)
		}
		k.mu.Unlock()
	}
}
