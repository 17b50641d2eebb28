package store

import (
	"context"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"hailong/survey"
)

// ratingPair stores one rating through InsertRating, counted, and returns
// it with a second one of the same kiosk (not stored yet).
func ratingPair(t *testing.T, s *Store, now time.Time) (survey.Kiosk, survey.Rating, survey.Rating) {
	t.Helper()
	k := survey.Kiosk{ID: survey.NewKioskID(), Name: "K", Agency: "so-tu-phap", Counters: []string{"3"}, IdleSeconds: 60, MinIntervalSeconds: 5}
	counted, err := survey.CheckRating(survey.RatingSubmission{Key: "counted-00000001", Level: survey.RatingSatisfied, Counter: "3"}, k, now)
	if err != nil {
		t.Fatal(err)
	}
	if created, err := s.InsertRating(context.Background(), counted); err != nil || !created {
		t.Fatalf("insert: created %v, %v", created, err)
	}
	lost, err := survey.CheckRating(survey.RatingSubmission{Key: "crashed-00000001", Level: survey.RatingDissatisfied, Counter: "3"}, k, now)
	if err != nil {
		t.Fatal(err)
	}
	return k, counted, lost
}

// ratingsExact fails unless the month counts want, as a recount does, and
// no pending entry is left.
func ratingsExact(t *testing.T, s *Store, k survey.Kiosk, m survey.Month, want survey.RatingCount) {
	t.Helper()
	ctx := context.Background()
	got, err := s.RatingMonths(ctx, k.Agency, survey.MonthPeriod(m), k.Counters)
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Total() != want {
		t.Errorf("the month counts %+v, want %+v", got[0].Total(), want)
	}
	re, err := s.RecountRatings(ctx, k.Agency, m, k.Counters)
	if err != nil {
		t.Fatal(err)
	}
	if re.Total() != want {
		t.Errorf("a recount finds %+v, want %+v", re.Total(), want)
	}
	if n := s.PendingCount(ctx); n != 0 {
		t.Errorf("%d pending entries left", n)
	}
}

// A crash between storing a rating and counting it, on the real path (the
// rating's pending entry, the writer's batch, its appliers), neither loses
// nor double-counts it: the next start counts it once.
func TestRatingCrashBeforeCountingHealedAtStart(t *testing.T) {
	for _, stop := range []string{"held", "comments", "ratings"} {
		// held: stored and queued, no batch began; comments: the batch
		// stopped before the ratings applier; ratings: after it, before its
		// pending entries were deleted.
		t.Run(stop, func(t *testing.T) {
			dir := t.TempDir()
			ctx := context.Background()
			now := time.Now()
			s := openAt(t, dir)
			k, _, lost := ratingPair(t, s, now)
			ratingsExact(t, s, k, survey.MonthOf(now), survey.RatingCount{Satisfied: 1})
			var halted <-chan struct{}
			if stop == "held" {
				s.HoldWriter()
			} else {
				halted = s.HaltWriterAfter(stop)
			}
			if created, err := s.InsertRating(ctx, lost); err != nil || !created {
				t.Fatalf("insert: created %v, %v", created, err)
			}
			if halted != nil {
				<-halted
			}
			crash(s, stop == "held")

			s = openAt(t, dir)
			defer s.Close(ctx)
			ratingsExact(t, s, k, survey.MonthOf(now), survey.RatingCount{Satisfied: 1, Dissatisfied: 1})
			// A retry of the crashed request answers as a retry and counts
			// nothing more.
			if created, err := s.InsertRating(ctx, lost); err != nil || created {
				t.Fatalf("retry: created %v, %v", created, err)
			}
			ratingsExact(t, s, k, survey.MonthOf(now), survey.RatingCount{Satisfied: 1, Dissatisfied: 1})
		})
	}
}

// A folder written by an older version may hold entries of its own log for
// ratings ("rating_pending"): the next start moves them into the pending log
// and counts each stored rating once, whether it was counted before or not.
func TestRatingPendingOfOlderVersionCountedOnceAtStart(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	now := time.Now()
	s := openAt(t, dir)
	k, counted, lost := ratingPair(t, s, now)
	ratingsExact(t, s, k, survey.MonthOf(now), survey.RatingCount{Satisfied: 1})
	// What an older version's crash left: the entry of a counted rating
	// (died before deleting it), of a stored one not counted, and of one
	// never stored, old enough to drop.
	if _, err := s.ratings().InsertOne(ctx, lost); err != nil {
		t.Fatal(err)
	}
	old := s.db.Collection("rating_pending")
	for _, e := range []legacyRatingPending{{ID: counted.ID, At: now}, {ID: lost.ID, At: now}, {ID: "neverstored-0001", At: now.Add(-time.Hour)}} {
		if _, err := old.InsertOne(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}

	s = openAt(t, dir)
	defer s.Close(ctx)
	ratingsExact(t, s, k, survey.MonthOf(now), survey.RatingCount{Satisfied: 1, Dissatisfied: 1})
	if n, err := s.db.Collection("rating_pending").CountDocuments(ctx, bson.D{}); err != nil || n != 0 {
		t.Errorf("rating_pending holds %d entries (%v), want 0", n, err)
	}
}
