package store_test

// Pins of the FerretDB behaviours the rollups rely on (rollups.go,
// rollup_apply.go, pending.go, rollup_batches.go, rebuild.go), beside those of
// ferretdb_test.go, with the product reason of each.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

func TestFerretDBRollupBehaviour(t *testing.T) {
	db := ferret(t)
	ctx := context.Background()
	d := func(kv ...any) bson.D {
		out := bson.D{}
		for i := 0; i < len(kv); i += 2 {
			out = append(out, bson.E{Key: kv[i].(string), Value: kv[i+1]})
		}
		return out
	}

	// Why rollups live in one small collection per month and are cached in
	// memory: a find by _id is pushed down to SQLite, whose plan SCANs the
	// table (the query's json path does not match the _id index expression),
	// so its cost grows with the bytes of the collection.
	t.Run("find by _id is pushed down but scans the table", func(t *testing.T) {
		c := db.Collection("scan")
		if _, err := c.InsertOne(ctx, d("_id", "a")); err != nil {
			t.Fatal(err)
		}
		var out bson.M
		err := db.RunCommand(ctx, d("explain", d("find", "scan", "filter", d("_id", "a")))).Decode(&out)
		if err != nil {
			t.Fatal(err)
		}
		plan := fmt.Sprint(out["queryPlanner"])
		if out["filterPushdown"] != true || !strings.Contains(plan, "SCAN") || strings.Contains(plan, "USING INDEX") {
			t.Errorf("explain = pushdown %v, plan %s; want pushed down and a SCAN (if it now uses the index, revisit the monthly split)", out["filterPushdown"], plan)
		}
	})

	// rollup_apply.go: a bucket is created by insert (duplicate ignored), then
	// updated by _id alone with $inc on keys holding "|" and "-" together with
	// $set of the writer's batch number; no upsert, so a missing document
	// matches nothing.
	t.Run("$inc on piped keys with $set of the batch, by _id, without upsert", func(t *testing.T) {
		c := db.Collection("rollups_2025_03")
		skel := d("_id", "am|lam-binh|2025-03", "k", "am", "month", "2025-03", "w", d())
		if _, err := c.InsertOne(ctx, skel); err != nil {
			t.Fatal(err)
		}
		if _, err := c.InsertOne(ctx, skel); !mongo.IsDuplicateKeyError(err) {
			t.Fatalf("second skeleton: %v, want duplicate key", err)
		}
		big := int64(1) << 40
		for i := range 3 {
			res, err := c.UpdateOne(ctx, d("_id", "am|lam-binh|2025-03"),
				d("$inc", d("n.dat-dai|v|web", int64(1), "a.dat-dai|1~1|5", big), "$set", d("w.0123abcd", int64(i+1))))
			if err != nil || res.MatchedCount != 1 {
				t.Fatalf("update %d: %+v, %v", i, res, err)
			}
		}
		var got struct {
			W map[string]int64 `bson:"w"`
			N map[string]int64 `bson:"n"`
			A map[string]int64 `bson:"a"`
		}
		if err := c.FindOne(ctx, d("_id", "am|lam-binh|2025-03")).Decode(&got); err != nil {
			t.Fatal(err)
		}
		if got.W["0123abcd"] != 3 || got.N["dat-dai|v|web"] != 3 || got.A["dat-dai|1~1|5"] != 3*big {
			t.Errorf("document = %+v", got)
		}
		var w struct {
			K string           `bson:"k"`
			W map[string]int64 `bson:"w"`
		}
		err := c.FindOne(ctx, d("_id", "am|lam-binh|2025-03"), options.FindOne().SetProjection(d("w", 1))).Decode(&w)
		if err != nil || w.K != "" || w.W["0123abcd"] != 3 {
			t.Errorf("projection on w = %+v, %v", w, err)
		}
		res, err := c.UpdateOne(ctx, d("_id", "am|missing|2025-03"), d("$inc", d("n.x", int64(1))))
		if err != nil || res.MatchedCount != 0 {
			t.Errorf("update of a missing document = %+v, %v; want 0 matched", res, err)
		}
	})

	// pending.go, rollup_batches.go: the log is read and cleared by _id $in,
	// an entry changes owner only if the owner is the one read, a batch is
	// leased only if its lease is old enough, heartbeats are upserts by _id.
	t.Run("pending log: $in, conditional owner change, date lease, upsert", func(t *testing.T) {
		p := db.Collection("pending")
		old := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
		for i := range 5 {
			if _, err := p.InsertOne(ctx, d("_id", fmt.Sprint("att-", i), "o", "w1", "lease", old)); err != nil {
				t.Fatal(err)
			}
		}
		cur, err := p.Find(ctx, d("_id", d("$in", bson.A{"att-1", "att-3", "att-9"})))
		var found []bson.M
		if err == nil {
			err = cur.All(ctx, &found)
		}
		if err != nil || len(found) != 2 {
			t.Errorf("find $in = %d docs, %v; want 2", len(found), err)
		}
		for i, want := range []int64{1, 0} {
			res, err := p.UpdateOne(ctx, d("_id", "att-0", "o", "w1"), d("$set", d("o", "w2")))
			if err != nil || res.ModifiedCount != want {
				t.Errorf("owner change %d: %+v, %v; want %d modified", i, res, err, want)
			}
		}
		for i, want := range []int64{1, 0} {
			res, err := p.UpdateOne(ctx, d("_id", "att-1", "lease", d("$lte", time.Now().Add(-time.Minute))),
				d("$set", d("lease", time.Now())))
			if err != nil || res.ModifiedCount != want {
				t.Errorf("lease %d: %+v, %v; want %d modified", i, res, err, want)
			}
		}
		del, err := p.DeleteMany(ctx, d("_id", d("$in", bson.A{"att-1", "att-2", "att-9"})))
		if err != nil || del.DeletedCount != 2 {
			t.Errorf("delete $in = %+v, %v; want 2", del, err)
		}
		for range 2 {
			if _, err := p.UpdateOne(ctx, d("_id", "writer-1"), d("$set", d("seen", time.Now())), options.UpdateOne().SetUpsert(true)); err != nil {
				t.Errorf("heartbeat upsert: %v", err)
			}
		}
		if n, _ := p.CountDocuments(ctx, d()); n != 4 {
			t.Errorf("%d documents left, want 4", n)
		}
	})

	// rebuild.go: new monthly collections are renamed over the live ones.
	// renameCollection works within a database, refuses an existing target
	// and does not implement dropTarget, so the old one is dropped first;
	// dropping a missing collection is not an error.
	t.Run("renameCollection without dropTarget; drop of a missing collection", func(t *testing.T) {
		rename := func(from, to string, dropTarget bool) error {
			cmd := d("renameCollection", "pin."+from, "to", "pin."+to)
			if dropTarget {
				cmd = append(cmd, bson.E{Key: "dropTarget", Value: true})
			}
			return db.Client().Database("admin").RunCommand(ctx, cmd).Err()
		}
		for _, n := range []string{"rebuild_x", "live_x"} {
			if _, err := db.Collection(n).InsertOne(ctx, d("_id", n)); err != nil {
				t.Fatal(err)
			}
		}
		var ce mongo.CommandError
		if err := rename("rebuild_x", "live_x", false); !errors.As(err, &ce) || ce.Code != 48 {
			t.Errorf("rename onto an existing collection: %v, want NamespaceExists (48)", err)
		}
		if err := rename("rebuild_x", "live_x", true); err == nil {
			t.Error("dropTarget is implemented now: the swap could be one step")
		}
		if err := db.Collection("live_x").Drop(ctx); err != nil {
			t.Fatal(err)
		}
		if err := rename("rebuild_x", "live_x", false); err != nil {
			t.Fatalf("rename: %v", err)
		}
		names, err := db.ListCollectionNames(ctx, d())
		if err != nil || strings.Contains(strings.Join(names, ","), "rebuild_x") {
			t.Errorf("collections after rename = %v, %v", names, err)
		}
		if err := db.Collection("never_created").Drop(ctx); err != nil {
			t.Errorf("drop of a missing collection: %v", err)
		}
	})

	// recompute.go, rebuild.go: a full scan streams in batches of 1000 by
	// getMore; responses.go: the stored response embeds the domain type
	// inline and adds the attempt id, which a plain decode ignores.
	t.Run("cursor streams past its first batch; inline struct with an extra field", func(t *testing.T) {
		c := db.Collection("scan_big")
		type Inner struct {
			ID string `bson:"_id"`
			V  int    `bson:"v"`
		}
		type Outer struct {
			Inner   `bson:",inline"`
			Attempt string `bson:"attempt"`
		}
		docs := make([]any, 2500)
		for i := range docs {
			docs[i] = Outer{Inner: Inner{ID: fmt.Sprintf("r%05d", i), V: i}, Attempt: "a"}
		}
		if _, err := c.InsertMany(ctx, docs); err != nil {
			t.Fatal(err)
		}
		cur, err := c.Find(ctx, d(), options.Find().SetBatchSize(1000))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for cur.Next(ctx) {
			var o Outer
			var plain Inner
			if cur.Decode(&o) != nil || cur.Decode(&plain) != nil || o.Attempt != "a" || plain.ID != o.ID || plain.ID == "" {
				t.Fatalf("decode %d: %+v %+v", n, o, plain)
			}
			n++
		}
		if cur.Err() != nil || n != 2500 {
			t.Errorf("streamed %d, err %v; want 2500", n, cur.Err())
		}
	})
}
