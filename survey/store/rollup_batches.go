package store

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// batchRecord lists the pending entries a batch counts. It is written before
// the batch touches any rollup and deleted after its entries are, so a crash
// leaves it behind, and the batch is replayed under the same tag. One record
// per batch costs one write, where tagging each entry would cost one
// transaction (one disk sync) per entry on FerretDB.
type batchRecord struct {
	ID     string   `bson:"_id"` // "<writer>|<seq>"
	Writer string   `bson:"w"`
	Seq    int64    `bson:"s"`
	IDs    []string `bson:"ids"`
	// Lease is when the batch was last taken, by its writer or a replayer;
	// another process may take it only once the lease is a grace period old.
	Lease time.Time `bson:"lease"`
}

func recordID(t batchTag) string { return t.writer + "|" + strconv.FormatInt(t.seq, 10) }

// writeRecord records the batch; a record left by an earlier try is kept.
func (s *Store) writeRecord(ctx context.Context, t batchTag, ids []string) error {
	rec := batchRecord{ID: recordID(t), Writer: t.writer, Seq: t.seq, IDs: ids, Lease: s.rollups.now()}
	if _, err := s.rollups.batches.InsertOne(ctx, rec); err != nil && !mongo.IsDuplicateKeyError(err) {
		return fmt.Errorf("record batch: %w", classify(err))
	}
	return nil
}

// dropRecord deletes the record of a finished batch.
func (s *Store) dropRecord(ctx context.Context, t batchTag) error {
	if _, err := s.rollups.batches.DeleteOne(ctx, docD("_id", recordID(t))); err != nil {
		return fmt.Errorf("finish batch: %w", classify(err))
	}
	return nil
}

// findRecords reads every batch record, a writer's in order.
func (s *Store) findRecords(ctx context.Context) ([]batchRecord, error) {
	cur, err := s.rollups.batches.Find(ctx, bson.D{}, options.Find().SetSort(docD("w", 1, "s", 1)))
	if err != nil {
		return nil, fmt.Errorf("read batches: %w", classify(err))
	}
	var recs []batchRecord
	if err := cur.All(ctx, &recs); err != nil {
		return nil, fmt.Errorf("read batches: %w", classify(err))
	}
	return recs, nil
}

// leaseRecord takes a batch left by another writer, unless someone took it
// less than the grace period (Config.TakeoverGrace) ago: among processes only one replays it.
func (s *Store) leaseRecord(ctx context.Context, rec batchRecord, now time.Time) (bool, error) {
	res, err := s.rollups.batches.UpdateOne(ctx,
		docD("_id", rec.ID, "lease", docD("$lte", now.Add(-s.rollups.grace))),
		docD("$set", docD("lease", now)))
	if err != nil {
		return false, fmt.Errorf("take batch: %w", classify(err))
	}
	return res.ModifiedCount == 1, nil
}

// heartbeat records that the writer is alive, for the other processes
// sharing a MongoDB (with the embedded database there are none).
func (s *Store) heartbeat(ctx context.Context, writer string) error {
	_, err := s.rollups.writers.UpdateOne(ctx, docD("_id", writer), docD("$set", docD("seen", s.rollups.now())),
		options.UpdateOne().SetUpsert(true))
	return classify(err)
}

// forgetWriter removes the heartbeat of a writer that stopped cleanly.
func (s *Store) forgetWriter(writer string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, _ = s.rollups.writers.DeleteOne(ctx, docD("_id", writer))
}

// liveWriters lists the writers seen within twice the grace period.
func (s *Store) liveWriters(ctx context.Context, now time.Time) (map[string]bool, error) {
	var ws []struct {
		ID   string    `bson:"_id"`
		Seen time.Time `bson:"seen"`
	}
	cur, err := s.rollups.writers.Find(ctx, bson.D{})
	if err == nil {
		err = cur.All(ctx, &ws)
	}
	if err != nil {
		return nil, fmt.Errorf("read writers: %w", classify(err))
	}
	live := map[string]bool{}
	for _, w := range ws {
		if now.Sub(w.Seen) < 2*s.rollups.grace {
			live[w.ID] = true
		}
	}
	return live, nil
}

// takeOver makes the writer the owner of entries whose owner is gone, and
// returns those it now owns: ownership passes atomically per entry, so two
// processes never both count one.
func (s *Store) takeOver(ctx context.Context, docs []pendingDoc, writer string) (map[string]bool, error) {
	mine := map[string]bool{}
	for _, d := range docs {
		res, err := s.rollups.pending.UpdateOne(ctx, docD("_id", d.ID, "o", d.Owner), docD("$set", docD("o", writer)))
		if err != nil {
			return mine, fmt.Errorf("take over pending: %w", classify(err))
		}
		if res.ModifiedCount == 1 {
			mine[d.ID] = true
		}
	}
	return mine, nil
}
