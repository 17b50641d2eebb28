//go:build probe

package loadtest

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	mopts "go.mongodb.org/mongo-driver/v2/mongo/options"

	"hailong/survey/store"
)

func TestProbeExplain(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, store.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close(ctx)
	c, _ := mongo.Connect(mopts.Client().ApplyURI(st.URI()))
	defer c.Disconnect(ctx)
	coll := c.Database("hailong").Collection("probe")
	for i := 0; i < 10; i++ {
		coll.InsertOne(ctx, bson.D{{"_id", fmt.Sprint(i)}, {"x", i}})
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "hailong.sqlite")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := db.Query("SELECT name, sql FROM sqlite_master")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		var s sql.NullString
		rows.Scan(&n, &s)
		t.Log(n, s.String)
	}
	var tbl string
	db.QueryRow("SELECT table_name FROM _ferretdb_collections WHERE name='probe'").Scan(&tbl)
	for _, q := range []string{
		`EXPLAIN QUERY PLAN UPDATE "` + tbl + `" SET _ferretdb_sjson = '{}' WHERE _ferretdb_sjson->'$._id' = '"1"'`,
		`EXPLAIN QUERY PLAN SELECT _ferretdb_sjson FROM "` + tbl + `" WHERE _ferretdb_sjson->'$._id' = '"1"'`,
		`EXPLAIN QUERY PLAN DELETE FROM "` + tbl + `" WHERE _ferretdb_sjson->'$._id' = '"1"'`,
		`EXPLAIN QUERY PLAN SELECT _ferretdb_sjson FROM "` + tbl + `" WHERE _ferretdb_sjson->"_id" = '"1"'`,
	} {
		r, err := db.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		for r.Next() {
			var a, b, cc int
			var d string
			r.Scan(&a, &b, &cc, &d)
			t.Log(q[:40], "→", d)
		}
	}
}

func TestProbeTiming(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, store.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close(ctx)
	c, _ := mongo.Connect(mopts.Client().ApplyURI(st.URI()))
	defer c.Disconnect(ctx)
	coll := c.Database("hailong").Collection("probe2")
	total := 0
	for _, n := range []int{100, 900, 9000, 40000} {
		docs := make([]any, n)
		for i := range docs {
			docs[i] = bson.D{{"_id", fmt.Sprint(total + i)}, {"x", i}, {"pad", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}}
		}
		total += n
		if _, err := coll.InsertMany(ctx, docs); err != nil {
			t.Fatal(err)
		}
		t0 := time.Now()
		for i := 0; i < 20; i++ {
			var m bson.M
			if err := coll.FindOne(ctx, bson.D{{"_id", fmt.Sprint(i * 3)}}).Decode(&m); err != nil {
				t.Fatal(err)
			}
		}
		f := time.Since(t0) / 20
		t0 = time.Now()
		for i := 0; i < 20; i++ {
			if _, err := coll.UpdateOne(ctx, bson.D{{"_id", fmt.Sprint(i * 3)}}, bson.D{{"$inc", bson.D{{"x", 1}}}}); err != nil {
				t.Fatal(err)
			}
		}
		u := time.Since(t0) / 20
		t0 = time.Now()
		for i := 0; i < 20; i++ {
			if _, err := coll.InsertOne(ctx, bson.D{{"_id", fmt.Sprint("n", total, i)}, {"x", i}}); err != nil {
				t.Fatal(err)
			}
		}
		in := time.Since(t0) / 20
		total += 20
		t.Logf("%6d docs: findOne by _id %v, updateOne by _id %v, insertOne %v", total, f, u, in)
	}
}
