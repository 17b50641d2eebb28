package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"hailong/survey"
	"hailong/survey/store"
	"hailong/survey/store/storetest"
)

func testKiosk(t *testing.T, s *store.Store) survey.Kiosk {
	t.Helper()
	now := time.Now()
	k := survey.Kiosk{
		ID: survey.NewKioskID(), Name: "Quầy tiếp nhận", Agency: "so-tu-phap", Areas: []string{"tu-phap"},
		Counters: []string{"1", "2", "Quầy A"}, IdleSeconds: 60, MinIntervalSeconds: 5, CreatedAt: now, UpdatedAt: now,
	}
	if err := s.InsertKiosk(context.Background(), k); err != nil {
		t.Fatalf("insert kiosk: %v", err)
	}
	return k
}

func rating(t *testing.T, k survey.Kiosk, key, counter string, l survey.RatingLevel, at time.Time) survey.Rating {
	t.Helper()
	r, err := survey.CheckRating(survey.RatingSubmission{Key: key, Level: l, Counter: counter, RatedAt: at}, k, time.Now())
	if err != nil {
		t.Fatalf("check rating: %v", err)
	}
	return r
}

func TestInsertRatingOnce(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	k := testKiosk(t, s)
	r := rating(t, k, "rating-000000001", "2", survey.RatingSatisfied, time.Time{})

	if created, err := s.InsertRating(ctx, r); err != nil || !created {
		t.Fatalf("first insert: created=%v err=%v, want created", created, err)
	}
	if created, err := s.InsertRating(ctx, r); err != nil || created {
		t.Fatalf("retry: created=%v err=%v, want not created, no error", created, err)
	}
	other := r
	other.Level = survey.RatingDissatisfied
	if _, err := s.InsertRating(ctx, other); !errors.Is(err, survey.ErrConflict) {
		t.Fatalf("key reused for another rating: err=%v, want ErrConflict", err)
	}
	m := survey.MonthOf(time.Now())
	got, err := s.RatingMonths(ctx, k.Agency, survey.MonthPeriod(m), k.Counters)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || len(got[0].Counters) != 1 || got[0].Counters[0].Counter != "2" ||
		got[0].Counters[0].Count != (survey.RatingCount{Satisfied: 1}) {
		t.Fatalf("month counts = %+v, want counter 2: one satisfied", got)
	}
	if n, _ := s.CountRatings(ctx); n != 1 {
		t.Fatalf("stored ratings = %d, want 1", n)
	}
}

// Eight goroutines send the same key at once (a double tap, a retry racing
// the first try): one rating is stored and counted once.
func TestInsertRatingConcurrentSameKey(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	k := testKiosk(t, s)
	r := rating(t, k, "same-key-00000001", "", survey.RatingVerySatisfied, time.Time{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	created := 0
	for range 8 {
		wg.Go(func() {
			c, err := s.InsertRating(ctx, r)
			if err != nil {
				t.Errorf("insert: %v", err)
			}
			if c {
				mu.Lock()
				created++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if created != 1 {
		t.Fatalf("created %d times, want 1", created)
	}
	got, err := s.RatingMonths(ctx, k.Agency, survey.MonthPeriod(survey.MonthOf(time.Now())), k.Counters)
	if err != nil {
		t.Fatal(err)
	}
	if tot := got[0].Total(); tot != (survey.RatingCount{VerySatisfied: 1}) {
		t.Fatalf("month total = %+v, want one very satisfied", tot)
	}
}

// Ratings of several counters, levels and months, written concurrently: the
// month documents equal a recount from the ratings themselves.
func TestRatingMonthsEqualRecount(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	k := testKiosk(t, s)
	now := time.Now()
	this := survey.MonthOf(now)
	last := this.Add(-1)
	lastTime := this.Start().Add(-time.Minute) // the last minute of last month
	counters := []string{"", "1", "2", "Quầy A"}
	var wg sync.WaitGroup
	for i := range 60 {
		at := time.Time{}
		if i%3 == 0 {
			at = lastTime
		}
		r := rating(t, k, fmt.Sprintf("many-%011d", i), counters[i%4], survey.RatingLevels[i%3], at)
		wg.Go(func() {
			if _, err := s.InsertRating(ctx, r); err != nil {
				t.Errorf("insert %s: %v", r.ID, err)
			}
		})
	}
	wg.Wait()
	p, _ := survey.RangePeriod(last, this)
	got, err := s.RatingMonths(ctx, k.Agency, p, k.Counters)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("got %d months, want 2", len(got))
	}
	total := int64(0)
	for _, mr := range got {
		want, err := s.RecountRatings(ctx, k.Agency, mr.Month, k.Counters)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(mr) != fmt.Sprint(want) {
			t.Errorf("month %s: aggregate %+v, recount %+v", mr.Month, mr, want)
		}
		total += mr.Total().Total()
	}
	if total != 60 {
		t.Errorf("counted %d ratings over the two months, want 60", total)
	}
	// Counters come in the kiosk's order, the ratings without one last.
	var order []string
	for _, c := range got[1].Counters {
		order = append(order, c.Counter)
	}
	if fmt.Sprint(order) != fmt.Sprint([]string{"1", "2", "Quầy A", ""}) {
		t.Errorf("counter order = %q, want 1, 2, Quầy A, none", order)
	}
	// Another agency's range reads nothing of this one's.
	other, err := s.RatingMonths(ctx, "so-tu", p, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, mr := range other {
		if len(mr.Counters) != 0 {
			t.Errorf("agency so-tu reads %+v", mr)
		}
	}
}
