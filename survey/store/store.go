// Package store keeps Hài Lòng's data in MongoDB, or in an embedded FerretDB
// spoken to over the same wire protocol, using only the portable subset of
// operations that behaves the same on both (see shared/DESIGN.md §2).
package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"
	"go.mongodb.org/mongo-driver/v2/mongo/writeconcern"
)

// Config says where the data lives.
type Config struct {
	// URI of a MongoDB deployment; empty starts an embedded FerretDB in DataDir.
	URI string
	// DataDir holds the embedded database's files; it is made private to
	// the process's user (0700, files 0600) at start.
	DataDir string
	// Database is the database name; "hailong" when empty.
	Database string
	// Logger receives the store's own messages; slog.Default() when nil.
	Logger *slog.Logger
	// OpTimeout bounds each database operation; 10 s when zero. Commands
	// that scan every response on a busy machine give it longer.
	OpTimeout time.Duration
	// AwaitAttentionHook holds back the pending entries of responses with
	// attention items until OnAttentionCreated is called (the service sets
	// it when its notifications take new items; attention.go).
	AwaitAttentionHook bool
	// Rebuilding opens the store for "hailong rollups rebuild": rollups of
	// an older format are not migrated at start, since the command rebuilds
	// them anyway (with its own progress) and would otherwise scan every
	// response twice.
	Rebuilding bool
	// Clock stamps the count-keeping lifecycle's pending entries, batch
	// leases and heartbeats (doc.go); time.Now when nil. Tests set it to
	// let a takeover happen without waiting.
	Clock func() time.Time
	// TakeoverGrace is how long another process's pending entries and
	// unfinished batches are left to it before this one takes them over
	// (MongoDB only); a minute when zero.
	TakeoverGrace time.Duration
}

// Store is the service's access to its database. It is safe for concurrent use.
type Store struct {
	client   *mongo.Client
	db       *mongo.Database
	embedded *Embedded
	ids      *idIndexes // the _id indexes added to the embedded database (id_index.go); nil with MongoDB
	log      *slog.Logger

	areas     *mongo.Collection
	agencies  *mongo.Collection
	forms     *mongo.Collection
	responses *mongo.Collection
	users     *mongo.Collection
	sessions  *mongo.Collection
	tokens    *mongo.Collection
	attempts  *mongo.Collection
	audit     *mongo.Collection
	settings  *mongo.Collection

	rollups rollupState
	pairs   pairState // pair sums of sipas-2017-v2: pairs.go

	group committer  // batches concurrent response inserts
	stats storeStats // counters for the metrics endpoint (stats.go)

	attention attentionState // the attention queue's rule (attention.go)

	// draftMu serialises the replacements of drafts (questionnaires and
	// CCHC frameworks): the embedded FerretDB does not apply a
	// conditional ReplaceOne atomically, so an edit racing with the
	// publication could land after it and silently unpublish and change a
	// published version (forms_race_test.go). MongoDB needs no lock; one
	// process per embedded folder makes an in-process lock enough there.
	draftMu sync.Mutex

	catalogMu   sync.Mutex
	catalogGen  int  // bumped by InvalidateCatalog
	catalogBusy bool // a refresh is under way
	catalog     *catalogCache
	catalogTTL  time.Duration
	catalogLoad func(context.Context) (*catalogCache, error)
}

// Open connects to the configured database, starting the embedded one when no
// URI is given, and prepares indexes. Close releases it.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	s := &Store{log: log, catalogTTL: 5 * time.Second}
	s.attention.await = cfg.AwaitAttentionHook
	s.rollups.noMigration = cfg.Rebuilding
	s.rollups.clock, s.rollups.grace = cfg.Clock, cmp.Or(cfg.TakeoverGrace, pendingGrace)
	if s.rollups.clock == nil {
		s.rollups.clock = time.Now
	}
	uri := cfg.URI
	if uri == "" {
		// The embedded database listens on a Unix socket in a private
		// folder, never on TCP (embedded.go).
		e, err := StartEmbedded(cfg.DataDir)
		if err != nil {
			return nil, err
		}
		s.embedded = e
		uri = e.uri
	}
	opts := options.Client().ApplyURI(uri).
		SetServerSelectionTimeout(2 * time.Second).
		SetConnectTimeout(2 * time.Second).
		SetTimeout(cmp.Or(cfg.OpTimeout, 10*time.Second)).
		SetAppName("hailong")
	if cfg.URI != "" {
		// On a real replica set, acknowledge writes only once a majority has them.
		opts.SetWriteConcern(writeconcern.Majority())
	}
	client, err := mongo.Connect(opts)
	if err != nil {
		s.stopEmbedded()
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	s.client = client
	name := cfg.Database
	if name == "" {
		name = "hailong"
	}
	s.db = client.Database(name)
	s.areas = s.db.Collection("areas")
	s.agencies = s.db.Collection("agencies")
	s.forms = s.db.Collection("forms")
	s.responses = s.db.Collection("responses")
	s.users = s.db.Collection("users")
	s.sessions = s.db.Collection("sessions")
	s.tokens = s.db.Collection("tokens")
	s.attempts = s.db.Collection("login_attempts")
	s.audit = s.db.Collection("audit")
	s.settings = s.db.Collection("settings")
	s.catalogLoad = s.loadCatalog

	if err := s.Ping(ctx); err != nil {
		s.Close(context.Background())
		return nil, fmt.Errorf("reach database: %w", err)
	}
	if err := s.ensureIndexes(ctx); err != nil {
		s.Close(context.Background())
		return nil, err
	}
	if s.embedded != nil {
		s.ids = newIDIndexes(s.embedded.dir, name, s.log)
		s.ids.sweepQuietly(ctx)
	}
	if err := s.startRollups(ctx); err != nil {
		s.Close(context.Background())
		return nil, err
	}
	return s, nil
}

// Embedded reports whether the store runs the embedded FerretDB.
func (s *Store) Embedded() bool { return s.embedded != nil }

// Ping checks the database answers.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	return classify(s.client.Ping(ctx, readpref.Primary()))
}

// Close disconnects, then stops the embedded database if there is one (in that
// order: FerretDB otherwise waits for the open connections).
func (s *Store) Close(ctx context.Context) error {
	// Count what the rollup writer holds while the database is still there.
	err := s.stopRollups(ctx)
	err = errors.Join(err, s.stopComments(ctx)) // likewise the comment writer (comment_writer.go)
	if s.client != nil {
		err = errors.Join(err, s.client.Disconnect(ctx))
	}
	s.ids.close()
	s.stopEmbedded()
	return err
}

func (s *Store) stopEmbedded() {
	if s.embedded != nil {
		s.embedded.Stop()
		s.embedded = nil
	}
}

// ensureIndexes declares the indexes MongoDB needs to answer the service's
// queries without scanning, one per call: FerretDB v1.24 drops the
// connection when one call re-declares several existing indexes (pinned in
// ferretdb_test.go). They are not declared on the embedded FerretDB, which
// never uses a secondary index (not even its _id index for updates; pinned
// in rollups_ferretdb_test.go) yet maintains each on every insert: without
// them submissions went from 0.65 to 0.76 of the raw insert rate.
func (s *Store) ensureIndexes(ctx context.Context) error {
	if s.embedded != nil {
		return nil
	}
	for _, m := range []mongo.IndexModel{
		{Keys: docD("agency", 1, "submittedAt", 1)},
		{Keys: docD("agency", 1, "area", 1, "submittedAt", 1)},
	} {
		if _, err := s.responses.Indexes().CreateOne(ctx, m); err != nil {
			return fmt.Errorf("create indexes: %w", classify(err))
		}
	}
	return s.ensureNotifyIndexes(ctx) // notify.go
}
