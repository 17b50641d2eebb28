package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"hailong/survey"
)

func TestZZSubmit(t *testing.T) {
	s := openAt(t, t.TempDir())
	ctx := context.Background()
	defer s.Close(ctx)
	rs := GenResponses(42, 10000)
	for i := 0; i < len(rs); i += 1000 {
		docs := make([]any, 0, 1000)
		for _, r := range rs[i:min(i+1000, len(rs))] {
			docs = append(docs, storedResponse{Response: r})
		}
		s.responses.InsertMany(ctx, docs)
	}
	s.rollups.writer.run.Lock()
	var tp, tr, tm time.Duration
	extra := GenResponses(7, 100)
	for i, r := range extra {
		r.ID = fmt.Sprintf("z-%d", i)
		c, _ := newContribution(r, survey.NewKey())
		st := time.Now()
		s.logPending(ctx, c)
		tp += time.Since(st)
		st = time.Now()
		if _, err := s.responses.InsertOne(ctx, storedResponse{Response: r, Attempt: c.attempt}); err != nil {
			t.Fatal(err)
		}
		tr += time.Since(st)
		st = time.Now()
		s.markStored(ctx, c.attempt)
		tm += time.Since(st)
	}
	t.Logf("per op: pending %v response %v mark %v", tp/100, tr/100, tm/100)
	s.rollups.writer.run.Unlock()
}
