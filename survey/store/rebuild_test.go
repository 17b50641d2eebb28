package store

import (
	"context"
	"strings"
	"sync"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"hailong/survey"
)

// corrupt adds bogus counts to a rollup document, as a bug or a hand edit might.
func corrupt(t *testing.T, s *Store) {
	t.Helper()
	m, _ := survey.ParseMonth("2025-02")
	for _, ag := range []string{"lam-binh", "na-hang", "so-tu-phap"} {
		_, err := s.db.Collection(rollupColl(m)).UpdateOne(context.Background(),
			docD("_id", agencyMonthID(ag, m)), docD("$inc", docD("n.dat-dai|v|web", int64(5), "a.dat-dai|sipas-2017@1/1~1|5", int64(5))))
		if err != nil {
			t.Fatal(err)
		}
	}
	s.ForgetRollupCache()
}

// leftovers names the collections of a rebuild still present, and says
// whether a rebuild plan is recorded.
func leftovers(t *testing.T, s *Store) (string, bool) {
	t.Helper()
	ctx := context.Background()
	names, err := s.prefixed(ctx, rebuildPrefix)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := s.rollups.meta.CountDocuments(ctx, bson.D{{Key: "_id", Value: rebuildPlanID}}) // the format record stays
	return strings.Join(names, ","), n > 0
}

func TestRebuildRollupsWhileSubmitting(t *testing.T) {
	s := openAt(t, t.TempDir())
	ctx := context.Background()
	defer s.Close(ctx)
	rs := GenResponses(6, 150)
	insertAll(t, s, rs[:90])
	corrupt(t, s)
	// Stored but not yet counted when the rebuild starts: the rebuild must
	// leave them to the writer.
	for _, r := range rs[90:100] {
		storeOnly(t, s, r, r.ID[len(r.ID)-1]%2 == 0)
	}
	if _, bad := compare(t, s); len(bad) == 0 {
		t.Fatal("the corruption went unnoticed")
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // submissions go on during the rebuild
		defer wg.Done()
		for _, r := range rs[100:] {
			if _, err := s.InsertResponse(ctx, r); err != nil {
				t.Errorf("insert during rebuild: %v", err)
			}
		}
	}()
	var last int64
	if err := s.RebuildRollups(ctx, func(done int64) { last = done }); err != nil {
		t.Fatalf("rebuild: %v", err)
	}
	wg.Wait()
	insertAll(t, s, nil) // flush
	if last < 100 {
		t.Errorf("progress ended at %d, want at least 100", last)
	}
	if n := exact(t, s, "after rebuild"); n != 150 {
		t.Errorf("rollups hold %d responses, want 150", n)
	}
	s.ForgetRollupCache()
	exact(t, s, "after rebuild, from the database")
	if names, plan := leftovers(t, s); names != "" || plan {
		t.Errorf("left behind: collections %q, plan %v", names, plan)
	}
}

// A rebuild cut short is finished (or discarded) at the next start.
func TestInterruptedRebuild(t *testing.T) {
	for _, stage := range []string{"collections written, no plan", "plan written, half swapped"} {
		t.Run(stage, func(t *testing.T) {
			dir := t.TempDir()
			ctx := context.Background()
			s := openAt(t, dir)
			insertAll(t, s, GenResponses(7, 60))
			corrupt(t, s)
			w := s.rollups.writer
			w.run.Lock() // paused, as RebuildRollups pauses it
			set := bucketSet{}
			if _, err := s.eachResponse(ctx, func(r survey.Response, attempt string) {
				c, _ := newContribution(r, attempt)
				set.add(c)
			}, nil); err != nil {
				t.Fatal(err)
			}
			plan, err := s.writeRebuild(ctx, set)
			if err != nil {
				t.Fatal(err)
			}
			if stage != "collections written, no plan" {
				if _, err := s.rollups.meta.InsertOne(ctx, plan); err != nil {
					t.Fatal(err)
				}
				half := plan
				half.Write = plan.Write[:len(plan.Write)/2]
				if err := s.finishSwap(ctx, half); err != nil {
					t.Fatal(err)
				}
			}
			crash(s, true)

			s = openAt(t, dir)
			defer s.Close(ctx)
			if names, plan := leftovers(t, s); names != "" || plan {
				t.Errorf("left behind: collections %q, plan %v", names, plan)
			}
			if stage == "collections written, no plan" {
				// Nothing was swapped: the live rollups are as they were
				// (corrupted); a new rebuild repairs them.
				if err := s.RebuildRollups(ctx, nil); err != nil {
					t.Fatal(err)
				}
			}
			if n := exact(t, s, "after restart"); n != 60 {
				t.Errorf("rollups hold %d responses, want 60", n)
			}
		})
	}
}

func TestRebuildOfEmptyDatabaseDropsRollups(t *testing.T) {
	s := openAt(t, t.TempDir())
	ctx := context.Background()
	defer s.Close(ctx)
	if err := s.RebuildRollups(ctx, nil); err != nil {
		t.Fatal(err)
	}
	live, err := s.prefixed(ctx, rollupPrefix)
	if err != nil || len(live) != 0 {
		t.Errorf("live rollups after rebuilding nothing: %v %v", live, err)
	}
}
