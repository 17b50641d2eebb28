package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"hailong/survey"
	"hailong/survey/store/storetest"
)

func sampleResponse(t *testing.T, id string) survey.Response {
	t.Helper()
	f := survey.SIPAS2017()
	answers := map[string]int{}
	for _, q := range f.Questions("tu-phap") {
		answers[q.Code] = 4
	}
	r, err := survey.Check(survey.Submission{
		Key: id, Agency: "so-tu-phap", Area: "tu-phap", Channel: survey.ChannelWeb,
		Lang: survey.Vi, Answers: answers,
	}, f, time.Now())
	if err != nil {
		t.Fatalf("check: %v", err)
	}
	return r
}

func TestInsertResponseOnce(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	r := sampleResponse(t, "key-0000000001")

	created, err := s.InsertResponse(ctx, r)
	if err != nil || !created {
		t.Fatalf("first insert: created=%v err=%v, want created", created, err)
	}
	created, err = s.InsertResponse(ctx, r)
	if err != nil || created {
		t.Fatalf("retry: created=%v err=%v, want not created and no error", created, err)
	}
	other := r
	other.Agency = "so-xay-dung"
	if _, err := s.InsertResponse(ctx, other); !errors.Is(err, survey.ErrConflict) {
		t.Fatalf("reuse for another agency: err=%v, want ErrConflict", err)
	}
	got, err := s.Response(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Agency != "so-tu-phap" || len(got.Answers) != 22 {
		t.Errorf("stored = %+v, want agency so-tu-phap with 22 answers", got)
	}
	if n, _ := s.CountResponses(ctx); n != 1 {
		t.Errorf("count = %d, want 1", n)
	}
}

func TestConcurrentSubmitsOfOneKeyStoreOne(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	r := sampleResponse(t, "key-concurrent-1")
	var wg sync.WaitGroup
	var mu sync.Mutex
	created := 0
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := s.InsertResponse(ctx, r)
			if err != nil {
				t.Errorf("insert: %v", err)
			}
			if ok {
				mu.Lock()
				created++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if created != 1 {
		t.Errorf("created %d times, want 1", created)
	}
	if n, _ := s.CountResponses(ctx); n != 1 {
		t.Errorf("stored %d responses, want 1", n)
	}
}

func TestCatalogSeeded(t *testing.T) {
	s := storetest.New(t)
	cat, err := s.Catalog(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(cat.Areas) < 7 || len(cat.Agencies) < 15 || len(cat.Forms) != 1 {
		t.Fatalf("catalog has %d areas, %d agencies, %d forms", len(cat.Areas), len(cat.Agencies), len(cat.Forms))
	}
	f, err := cat.FormFor("dat-dai", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if n := len(f.Questions("dat-dai")); n != 25 {
		t.Errorf("land questions = %d, want 22 + 3", n)
	}
	// Seeding again changes nothing.
	if err := s.Seed(context.Background()); err != nil {
		t.Fatalf("second seed: %v", err)
	}
}
