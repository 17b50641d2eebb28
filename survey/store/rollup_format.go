package store

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// errRollupFormat: a rollup document of another format than rollupFormat
// (one written by an older binary) is never read as one of this format.
var errRollupFormat = errors.New("rollup of another format: run \"hailong rollups rebuild\"")

// formatID is the rollup_meta record of the format of the live rollups.
const formatID = "format"

// formatRecord is the rollup_meta record naming the rollups' format.
type formatRecord struct {
	ID      string    `bson:"_id"`
	Version int       `bson:"version"`
	At      time.Time `bson:"at"`
}

// recordedFormat returns the format of the live rollups: 0 when none is
// recorded (rollups of the first format, or no rollups yet).
func (s *Store) recordedFormat(ctx context.Context) (int, error) {
	var r formatRecord
	err := s.rollups.meta.FindOne(ctx, docD("_id", formatID)).Decode(&r)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return 0, nil
	}
	return r.Version, classify(err)
}

// recordFormat records that the live rollups are of this binary's format.
func (s *Store) recordFormat(ctx context.Context) error {
	_, err := s.rollups.meta.ReplaceOne(ctx, docD("_id", formatID),
		formatRecord{ID: formatID, Version: rollupFormat, At: time.Now()}, options.Replace().SetUpsert(true))
	return classify(err)
}

// staleMonths is how many of the latest months' collections a start checks
// for documents an older binary created after the rollups were migrated
// (it writes only the months it counts in, the latest ones).
const staleMonths = 3

// staleRollups reports whether one of the latest months holds a document
// without this format's marker: one query of a small collection each.
func (s *Store) staleRollups(ctx context.Context) (bool, error) {
	names, err := s.prefixed(ctx, rollupPrefix)
	if err != nil {
		return false, err
	}
	sort.Strings(names)
	for _, name := range names[max(0, len(names)-staleMonths):] {
		err := s.db.Collection(name).FindOne(ctx, docD("f", docD("$ne", rollupFormat)),
			options.FindOne().SetProjection(docD("_id", 1))).Err()
		if err == nil {
			s.log.Warn("rollups: a document of an older format was found", "collection", name)
			return true, nil
		}
		if !errors.Is(err, mongo.ErrNoDocuments) {
			return false, classify(err)
		}
	}
	return false, nil
}

// migrateRollups, at start, rebuilds rollups of another format from the
// responses, logging its progress; a database without responses only
// records the format. It runs before the store is handed out, so nothing
// reads the old rollups meanwhile.
func (s *Store) migrateRollups(ctx context.Context) error {
	f, err := s.recordedFormat(ctx)
	if err != nil {
		return err
	}
	if f == rollupFormat {
		stale, err := s.staleRollups(ctx)
		if err != nil || !stale {
			return err
		}
		f = 0 // an older binary ran on the data folder since: rebuild
	}
	err = s.responses.FindOne(ctx, docD(), options.FindOne().SetProjection(docD("_id", 1))).Err()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return s.recordFormat(ctx)
	}
	if err != nil {
		return classify(err)
	}
	start := time.Now()
	s.log.Warn("rollups: rebuilding rollups of an older format (counts per questionnaire version)", "format", f, "to", rollupFormat)
	last := time.Now()
	err = s.RebuildRollups(ctx, func(done int64) {
		if time.Since(last) >= 2*time.Second {
			last = time.Now()
			s.log.Info("rollups: migrating", "responses", done)
		}
	})
	if err != nil {
		return fmt.Errorf("migrate rollups: %w", err)
	}
	s.log.Info("rollups: migrated", "took", time.Since(start).Round(time.Millisecond))
	return nil
}
