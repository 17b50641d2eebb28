package store

import (
	"context"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Pins the behaviours of the embedded FerretDB that kiosks.go and ratings.go
// rely on, so an upgrade that changes one is caught here.
func TestFerretDBKioskBehaviours(t *testing.T) {
	ctx := context.Background()
	s := openAt(t, t.TempDir())
	t.Cleanup(func() { _ = s.Close(ctx) })
	coll := s.db.Collection("pin_kiosk")

	// Claim by delete: of eight concurrent deletes of one document, exactly
	// one reports it deleted.
	if _, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: "code"}}); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	won := 0
	for range 8 {
		wg.Go(func() {
			res, err := coll.DeleteOne(ctx, bson.D{{Key: "_id", Value: "code"}})
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			won += int(res.DeletedCount)
			mu.Unlock()
		})
	}
	wg.Wait()
	if won != 1 {
		t.Errorf("concurrent deletes of one document: %d reported it deleted, want 1", won)
	}

	// Count once: a filter on a nested field's absence, with $inc and $set
	// of nested fields in one update, matches only the first time.
	if _, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: "agency|2026-03"}, {Key: "n", Value: bson.D{}}, {Key: "seen", Value: bson.D{}}}); err != nil {
		t.Fatal(err)
	}
	for i, want := range []int64{1, 0} {
		res, err := coll.UpdateOne(ctx,
			bson.D{{Key: "_id", Value: "agency|2026-03"}, {Key: "seen.kabc", Value: bson.D{{Key: "$exists", Value: false}}}},
			bson.D{{Key: "$inc", Value: bson.D{{Key: "n.3132~satisfied", Value: int64(1)}}}, {Key: "$set", Value: bson.D{{Key: "seen.kabc", Value: 1}}}})
		if err != nil {
			t.Fatal(err)
		}
		if res.MatchedCount != want {
			t.Errorf("count update %d: matched %d, want %d", i, res.MatchedCount, want)
		}
	}
	// A range on _id, with a projection leaving out a field.
	for _, id := range []string{"agency|2026-01", "agency|2026-05", "agency-x|2026-03", "agenc|2026-03"} {
		if _, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "seen", Value: bson.D{{Key: "k", Value: 1}}}}); err != nil {
			t.Fatal(err)
		}
	}
	cur, err := coll.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$gte", Value: "agency|2026-02"}, {Key: "$lte", Value: "agency|2026-05"}}}},
		options.Find().SetProjection(bson.D{{Key: "seen", Value: 0}}).SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		t.Fatal(err)
	}
	var docs []struct {
		ID   string           `bson:"_id"`
		N    map[string]int64 `bson:"n"`
		Seen bson.Raw         `bson:"seen"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		t.Fatal(err)
	}
	if len(docs) != 2 || docs[0].ID != "agency|2026-03" || docs[1].ID != "agency|2026-05" {
		t.Fatalf("range on _id = %+v, want agency|2026-03 and agency|2026-05", docs)
	}
	if docs[0].Seen != nil || docs[1].Seen != nil {
		t.Errorf("projection {seen: 0} kept seen: %+v", docs)
	}
	if n := docs[0].N["3132~satisfied"]; n != 1 {
		t.Errorf("counted cell = %v, want 1", docs[0].N)
	}

	// A conditional update on a date: matches when the stored date is old enough.
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	if _, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: "kiosk"}, {Key: "lastSubmit", Value: at}}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		before time.Time
		want   int64
	}{{at.Add(-time.Second), 0}, {at, 1}} {
		res, err := coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: "kiosk"}, {Key: "lastSubmit", Value: bson.D{{Key: "$lte", Value: c.before}}}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "lastSubmit", Value: at}}}})
		if err != nil {
			t.Fatal(err)
		}
		if res.MatchedCount != c.want {
			t.Errorf("lastSubmit <= %v: matched %d, want %d", c.before, res.MatchedCount, c.want)
		}
	}
}
