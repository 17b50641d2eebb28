package store

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"hailong/survey"
)

// Stats is what the store tells the metrics endpoint. Everything in it is
// read from memory: a scrape never queries the database.
type Stats struct {
	// Stored counts the responses this store has inserted since it opened,
	// by channel.
	Stored map[survey.Channel]int64
	// Duplicates counts submissions whose idempotency key was already stored
	// (retries and double submits: nothing new stored).
	Duplicates int64
	// RollupPending is how many stored responses this process has not
	// counted in the rollups yet; RollupOldest is how long the oldest of the
	// queued ones has waited (the rollup lag).
	RollupPending int64
	RollupOldest  time.Duration
	// DBErrors counts database errors by kind (see DBErrorKinds), for the
	// whole process.
	DBErrors map[string]int64
}

// DBErrorKinds are the kinds of database errors counted: the database could
// not be reached (or timed out), a duplicate key, the caller gave up
// (cancelled), anything else.
var DBErrorKinds = []string{"unavailable", "duplicate_key", "canceled", "other"}

// storeStats holds the store's counters.
type storeStats struct {
	mu         sync.Mutex
	stored     map[survey.Channel]int64
	duplicates atomic.Int64
}

func (st *storeStats) addStored(ch survey.Channel) {
	st.mu.Lock()
	if st.stored == nil {
		st.stored = map[survey.Channel]int64{}
	}
	st.stored[ch]++
	st.mu.Unlock()
}

// dbErrors counts the errors classify sees, by kind, for the whole process
// (classify has no store at hand). Indexed like DBErrorKinds.
var dbErrors [4]atomic.Int64

// countDBError records one database error by its kind.
func countDBError(err error) {
	var netErr interface{ Timeout() bool }
	switch {
	case errors.Is(err, context.Canceled):
		dbErrors[2].Add(1)
	case mongo.IsDuplicateKeyError(err):
		dbErrors[1].Add(1)
	case mongo.IsNetworkError(err), mongo.IsTimeout(err), errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, mongo.ErrClientDisconnected), errors.As(err, &netErr):
		dbErrors[0].Add(1)
	default:
		dbErrors[3].Add(1)
	}
}

// Stats returns the store's counters and the rollup lag. It is cheap: no
// database access, one short lock.
func (s *Store) Stats() Stats {
	out := Stats{Stored: map[survey.Channel]int64{}, DBErrors: map[string]int64{}}
	for _, ch := range survey.Channels {
		out.Stored[ch] = 0
	}
	s.stats.mu.Lock()
	for ch, n := range s.stats.stored {
		out.Stored[ch] = n
	}
	s.stats.mu.Unlock()
	out.Duplicates = s.stats.duplicates.Load()
	if w := s.rollups.writer; w != nil {
		out.RollupPending, out.RollupOldest = w.lag(time.Now())
	}
	for i, k := range DBErrorKinds {
		out.DBErrors[k] = dbErrors[i].Load()
	}
	return out
}
