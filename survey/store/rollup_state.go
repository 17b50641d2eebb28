package store

import (
	"context"
	"fmt"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
)

// rollupState is the store's part for rollups: the pending log, the writer,
// the cache and the locks a rebuild takes.
type rollupState struct {
	pending *mongo.Collection
	batches *mongo.Collection
	writers *mongo.Collection
	meta    *mongo.Collection
	// alone is set with the embedded database, which no other process may
	// use: whatever another writer left there is abandoned.
	alone bool
	// clock and grace come from Config (Clock, TakeoverGrace): the time
	// the lifecycle's leases, heartbeats and entries are stamped with, and
	// how long another process's entry or batch is left to it.
	clock  func() time.Time
	grace  time.Duration
	writer *rollupWriter
	cache  *rollupCache // nil unless the database is embedded
	stop   sync.Once
	// life ends when the store closes, for background reads.
	life context.Context
	end  context.CancelFunc

	// swap is held for reading by reports, for writing by a rebuild while it
	// swaps collections.
	swap sync.RWMutex
	// gate is held for reading while a pending entry is written, for writing
	// by a rebuild as it starts; rebuilding then records every new entry.
	gate       sync.RWMutex
	rebuilding *attemptSet
	rebuildMu  sync.Mutex // one rebuild at a time
	// noMigration skips migrateRollups and startPairs at start
	// (Config.Rebuilding).
	noMigration bool
}

// now is the lifecycle's clock.
func (st *rollupState) now() time.Time { return st.clock() }

// startRollups finishes an interrupted rebuild, replays the pending log
// (healing a crash between storing a response and counting it) and starts
// the writer. Open calls it once the database answers.
func (s *Store) startRollups(ctx context.Context) error {
	st := &s.rollups
	st.pending = s.db.Collection("pending")
	st.batches = s.db.Collection("rollup_batches")
	st.writers = s.db.Collection("rollup_writers")
	st.meta = s.db.Collection("rollup_meta")
	if err := s.refuseNewerFormat(ctx); err != nil {
		return fmt.Errorf("start rollups: %w", err)
	}
	if st.alone = s.embedded != nil; st.alone {
		st.cache = newRollupCache()
	}
	if err := s.recoverRebuild(ctx); err != nil {
		return fmt.Errorf("start rollups: %w", err)
	}
	w := newRollupWriter(s)
	if !st.alone {
		w.beat()
	}
	if err := s.migrateRatingPending(ctx, w.id); err != nil {
		return fmt.Errorf("start rollups: %w", err)
	}
	w.reconcile(true)
	st.life, st.end = context.WithCancel(context.Background())
	st.writer = w // from here on Close stops it
	go w.loop()
	// The rebuild command builds the rollups and the pair sums in one scan:
	// nothing to migrate first.
	if !st.noMigration {
		if err := s.migrateRollups(ctx); err != nil {
			return fmt.Errorf("start rollups: %w", err)
		}
		if err := s.startPairs(ctx); err != nil { // pairs_rebuild.go
			return fmt.Errorf("start rollups: %w", err)
		}
	}
	go s.warmRollups(st.life)
	return nil
}

// stopRollups counts what is queued and stops the writer; Close calls it
// before disconnecting.
func (s *Store) stopRollups(ctx context.Context) error {
	var err error
	if w := s.rollups.writer; w != nil {
		s.rollups.stop.Do(func() {
			s.rollups.end()
			err = w.stop(ctx)
		})
	}
	return err
}

// FlushRollups returns once every response stored before the call is
// counted in the rollups. Counting does not need it (the writer runs on its
// own, a fraction of a second behind); the demo generator, operators and
// tests call it before comparing figures.
func (s *Store) FlushRollups(ctx context.Context) error {
	if s.rollups.writer == nil {
		return nil
	}
	return s.rollups.writer.flush(ctx)
}

// attemptSet is a set of attempt ids safe for concurrent use.
type attemptSet struct {
	mu sync.Mutex
	m  map[string]bool
}

func newAttemptSet() *attemptSet { return &attemptSet{m: map[string]bool{}} }

func (a *attemptSet) add(id string) {
	a.mu.Lock()
	a.m[id] = true
	a.mu.Unlock()
}

func (a *attemptSet) has(id string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.m[id]
}
