package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"hailong/survey"
)

// Kiosk quick ratings in the count-keeping lifecycle (doc.go). A rating's
// pending entry is {_id: "rating|<rating id>", k: <rating id>, o, at}: its id
// follows from the rating's, so a retry of the same key finds the first
// attempt's entry (an insert that collides is fine). The writer reads the
// rating back (resolve), and the "ratings" applier counts it in its month
// (ratings.go countRating, exactly once per rating).

// ratingEntryID is the pending entry id of a rating.
func ratingEntryID(rating string) string { return "rating|" + rating }

// logRatingPending writes the pending entry of a rating, before the rating.
func (s *Store) logRatingPending(ctx context.Context, rating string) error {
	if s.rollups.writer == nil {
		return survey.ErrUnavailable // Open failed
	}
	d := pendingDoc{ID: ratingEntryID(rating), Rating: rating, Owner: s.rollups.writer.id, At: s.rollups.now()}
	if _, err := s.rollups.pending.InsertOne(ctx, d); err != nil && !mongo.IsDuplicateKeyError(err) {
		return fmt.Errorf("log pending rating: %w", classify(err))
	}
	return nil
}

// queueRating hands a stored rating to the writer.
func (s *Store) queueRating(r survey.Rating) {
	c := contribution{attempt: ratingEntryID(r.ID), rating: &r}
	s.rollups.writer.submit(c, time.Now().Add(submitWait))
}

// resolveRating is resolve for a rating's entry.
func (w *rollupWriter) resolveRating(ctx context.Context, d pendingDoc) (contribution, entryState, error) {
	r, err := w.s.Rating(ctx, d.Rating)
	switch {
	case errors.Is(err, survey.ErrNotFound):
		return contribution{}, missing, nil
	case err != nil:
		return contribution{}, missing, err
	}
	return contribution{attempt: d.ID, rating: &r}, countIt, nil
}

// applyRatings is the "ratings" applier: it counts each rating of the batch
// in its month document. countRating skips a rating its month has counted,
// so a replay (checked or not) adds nothing.
func (s *Store) applyRatings(ctx context.Context, b appliedBatch) error {
	for _, c := range b.cs {
		if c.rating == nil {
			continue
		}
		if err := s.countRating(ctx, *c.rating); err != nil {
			return err
		}
	}
	return nil
}

// ratingsFresh bounds how long a read of the ratings waits for the writer.
const ratingsFresh = 3 * time.Second

// awaitRatings lets the writer count the ratings this process has queued
// before a read, so a dashboard shows a rating as soon as it is stored (the
// writer lingers to batch). A paused writer (a rebuild) delays the read by
// ratingsFresh at most.
func (s *Store) awaitRatings(ctx context.Context) {
	w := s.rollups.writer
	if w == nil || w.ratingsQueued.Load() == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, ratingsFresh)
	defer cancel()
	_ = w.flush(ctx)
}

// legacyRatingPending is an entry of the pending log that older versions
// kept for ratings alone ("rating_pending"): {_id: <rating id>, at}.
type legacyRatingPending struct {
	ID string    `bson:"_id"`
	At time.Time `bson:"at"`
}

// migrateRatingPending moves the entries older versions left in
// "rating_pending" into the pending log, so the lifecycle counts their
// ratings (once: countRating skips a rating already counted). An entry is
// copied before it is deleted; a crash between the two copies it again
// under the same id. Open calls it before the first reconcile.
func (s *Store) migrateRatingPending(ctx context.Context, owner string) error {
	old := s.db.Collection("rating_pending")
	var entries []legacyRatingPending
	if err := findAll(ctx, old, &entries); err != nil {
		return fmt.Errorf("migrate rating_pending: %w", err)
	}
	if len(entries) == 0 {
		return nil
	}
	docs := make([]any, len(entries))
	ids := make([]string, len(entries))
	for i, e := range entries {
		docs[i] = pendingDoc{ID: ratingEntryID(e.ID), Rating: e.ID, Owner: owner, At: e.At}
		ids[i] = e.ID
	}
	_, err := s.rollups.pending.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	if err != nil && !onlyDuplicates(err) {
		return fmt.Errorf("migrate rating_pending: %w", classify(err))
	}
	if _, err := old.DeleteMany(ctx, docD("_id", docD("$in", ids))); err != nil {
		return fmt.Errorf("migrate rating_pending: %w", classify(err))
	}
	s.log.Info("ratings: moved the old pending entries into the pending log", "entries", len(entries))
	return nil
}

// onlyDuplicates reports whether a bulk insert failed on duplicate ids only.
func onlyDuplicates(err error) bool {
	var bwe mongo.BulkWriteException
	if !errors.As(err, &bwe) || bwe.WriteConcernError != nil || len(bwe.WriteErrors) == 0 {
		return false
	}
	for _, we := range bwe.WriteErrors {
		if !we.HasErrorCode(11000) {
			return false
		}
	}
	return true
}
