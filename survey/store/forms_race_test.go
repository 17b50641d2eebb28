package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"hailong/survey"
	"hailong/survey/store/storetest"
)

// A published version never changes: an edit of the draft that races with
// its publication either lands before it (and is published) or is refused,
// never applied after it, whatever the database.
func TestPublishRacingEditsNeverChangesThePublishedVersion(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	v1, err := s.Form(ctx, survey.DefaultFormID, 1)
	if err != nil {
		t.Fatal(err)
	}
	for round := range 6 {
		version := 2 + round
		d := survey.NewDraft(v1, version)
		if err := s.InsertForm(ctx, d); err != nil {
			t.Fatal(err)
		}
		cat, err := s.Catalog(ctx)
		if err != nil {
			t.Fatal(err)
		}
		p, err := survey.Publish(d, cat, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		p.Title.Vi = fmt.Sprintf("Ban hành %d", version)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range 12 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				if i == 5 {
					_ = s.ReplaceDraft(ctx, p)
					return
				}
				e := d
				e.Title.Vi = fmt.Sprintf("Sửa %d", i)
				_ = s.ReplaceDraft(ctx, e) // refused once published
			}()
		}
		close(start)
		wg.Wait()
		got, err := s.Form(ctx, survey.DefaultFormID, version)
		if err != nil {
			t.Fatal(err)
		}
		if !got.Published || got.Title.Vi != p.Title.Vi {
			t.Fatalf("round %d: after the race the version is published=%v with title %q; want the published one, %q",
				round, got.Published, got.Title.Vi, p.Title.Vi)
		}
	}
}
