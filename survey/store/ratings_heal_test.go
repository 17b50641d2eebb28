package store

import (
	"context"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"hailong/survey"
)

// A crash between storing a rating and counting it: the pending entry names
// it, and the next use of ratings counts it, once. Replaying the count again
// (a second crash before the entry was deleted) adds nothing.
func TestRatingCrashHealed(t *testing.T) {
	ctx := context.Background()
	s := openAt(t, t.TempDir())
	t.Cleanup(func() { _ = s.Close(ctx) })
	now := time.Now()
	k := survey.Kiosk{ID: survey.NewKioskID(), Name: "K", Agency: "so-tu-phap", Counters: []string{"3"}, IdleSeconds: 60, MinIntervalSeconds: 5}
	counted, err := survey.CheckRating(survey.RatingSubmission{Key: "counted-00000001", Level: survey.RatingSatisfied, Counter: "3"}, k, now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.InsertRating(ctx, counted); err != nil {
		t.Fatal(err)
	}
	// What a crash leaves: the pending entry and the rating, not counted.
	lost, err := survey.CheckRating(survey.RatingSubmission{Key: "crashed-00000001", Level: survey.RatingDissatisfied, Counter: "3"}, k, now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ratingPending().InsertOne(ctx, ratingPendingDoc{ID: lost.ID, At: now}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ratings().InsertOne(ctx, lost); err != nil {
		t.Fatal(err)
	}
	// A pending entry whose rating never got stored, old enough to drop.
	if _, err := s.ratingPending().InsertOne(ctx, ratingPendingDoc{ID: "neverstored-0001", At: now.Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	s.quick.healed = false // as at a new start

	m := survey.MonthOf(now)
	got, err := s.RatingMonths(ctx, k.Agency, survey.MonthPeriod(m), k.Counters)
	if err != nil {
		t.Fatal(err)
	}
	want := survey.RatingCount{Satisfied: 1, Dissatisfied: 1}
	if got[0].Total() != want {
		t.Fatalf("after the replay the month counts %+v, want %+v", got[0].Total(), want)
	}
	if n, err := s.ratingPending().CountDocuments(ctx, bson.D{}); err != nil || n != 0 {
		t.Fatalf("pending entries left = %d (%v), want 0", n, err)
	}
	// Counting both again changes nothing.
	for _, r := range []survey.Rating{counted, lost} {
		if err := s.countRating(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	got, err = s.RatingMonths(ctx, k.Agency, survey.MonthPeriod(m), k.Counters)
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Total() != want {
		t.Fatalf("after counting again the month counts %+v, want still %+v", got[0].Total(), want)
	}
}
