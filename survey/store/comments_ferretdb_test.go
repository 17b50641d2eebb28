package store_test

// Pins of the FerretDB behaviours the comment buckets rely on (comments.go,
// comment_writer.go, comment_rebuild.go), beside those of ferretdb_test.go
// (insert-or-duplicate, used to claim a handled mark) and
// rollups_ferretdb_test.go (find by _id scans; renameCollection), with the
// product reason of each.

import (
	"context"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

func TestFerretDBCommentBehaviour(t *testing.T) {
	db := ferret(t)
	ctx := context.Background()
	d := func(kv ...any) bson.D {
		out := bson.D{}
		for i := 0; i < len(kv); i += 2 {
			out = append(out, bson.E{Key: kv[i].(string), Value: kv[i+1]})
		}
		return out
	}
	type entry struct {
		ID      string `bson:"id"`
		Text    string `bson:"text"`
		Handled *struct {
			By string `bson:"by"`
		} `bson:"handled,omitempty"`
	}
	type page struct {
		ID      string  `bson:"_id"`
		Entries []entry `bson:"entries"`
	}
	read := func(c *mongo.Collection, id string) page {
		t.Helper()
		var p page
		if err := c.FindOne(ctx, d("_id", id)).Decode(&p); err != nil {
			t.Fatalf("read %s: %v", id, err)
		}
		return p
	}

	// comment_writer.go: a head's slots are reserved by $inc through
	// findOneAndUpdate by _id (no upsert), which returns the new total.
	t.Run("findOneAndUpdate $inc returns the document after", func(t *testing.T) {
		c := db.Collection("comment_heads")
		if _, err := c.InsertOne(ctx, d("_id", "cmh|a|2025-03", "size", 50, "total", 0)); err != nil {
			t.Fatal(err)
		}
		for i, want := range []int64{3, 5} {
			var h struct {
				Total int64 `bson:"total"`
			}
			err := c.FindOneAndUpdate(ctx, d("_id", "cmh|a|2025-03"), d("$inc", d("total", int64(3-i))),
				options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&h)
			if err != nil || h.Total != want {
				t.Errorf("reserve %d: total %d, %v; want %d", i, h.Total, err, want)
			}
		}
		err := c.FindOneAndUpdate(ctx, d("_id", "cmh|missing"), d("$inc", d("total", 1))).Err()
		if err != mongo.ErrNoDocuments {
			t.Errorf("reserve on a missing head: %v, want ErrNoDocuments", err)
		}
	})

	// comment_writer.go: entries are appended by $push with $each, in order.
	// Known fault: a filter {"entries.id": {$ne: x}} on the array still
	// matches a document whose array holds x (MongoDB would not), so a retried
	// append cannot be guarded by it; the writer re-reads the page instead.
	t.Run("$push $each in order; $ne on an array field is wrong", func(t *testing.T) {
		c := db.Collection("comments_2025_03")
		if _, err := c.InsertOne(ctx, d("_id", "cm|a|2025-03|0", "entries", bson.A{})); err != nil {
			t.Fatal(err)
		}
		push := func(filter bson.D, ids ...string) int64 {
			var es bson.A
			for _, id := range ids {
				es = append(es, d("id", id, "text", "ý kiến "+id))
			}
			res, err := c.UpdateOne(ctx, filter, d("$push", d("entries", d("$each", es))))
			if err != nil {
				t.Fatalf("push %v: %v", ids, err)
			}
			return res.ModifiedCount
		}
		if n := push(d("_id", "cm|a|2025-03|0"), "r1", "r2"); n != 1 {
			t.Errorf("first push modified %d", n)
		}
		if n := push(d("_id", "cm|a|2025-03|0"), "r3"); n != 1 {
			t.Errorf("second push modified %d", n)
		}
		p := read(c, "cm|a|2025-03|0")
		var got []string
		for _, e := range p.Entries {
			got = append(got, e.ID)
		}
		if strings.Join(got, ",") != "r1,r2,r3" {
			t.Errorf("entries = %v, want r1,r2,r3 in order", got)
		}
		n, err := c.CountDocuments(ctx, d("_id", "cm|a|2025-03|0", "entries.id", d("$ne", "r2")))
		if err != nil || n != 1 {
			t.Errorf("$ne on the array = %d, %v: FerretDB now answers like MongoDB (0); a guarded push could replace the re-read", n, err)
		}
	})

	// comment_writer.go: a comment is marked handled by $set on its index in
	// the array, by _id alone (an extra condition would not be pushed down);
	// setting the same mark again reports nothing modified, which is how the
	// head's count of handled comments is kept exact.
	t.Run("$set at an array index; the same value again modifies nothing", func(t *testing.T) {
		c := db.Collection("comments_2025_03")
		mark := func(i, by string) int64 {
			res, err := c.UpdateOne(ctx, d("_id", "cm|a|2025-03|0"), d("$set", d("entries."+i+".handled", d("by", by))))
			if err != nil || res.MatchedCount != 1 {
				t.Fatalf("mark %s: %+v, %v", i, res, err)
			}
			return res.ModifiedCount
		}
		if n := mark("1", "lan"); n != 1 {
			t.Errorf("mark modified %d, want 1", n)
		}
		if n := mark("1", "lan"); n != 0 {
			t.Errorf("same mark again modified %d, want 0", n)
		}
		p := read(c, "cm|a|2025-03|0")
		if len(p.Entries) != 3 || p.Entries[1].Handled == nil || p.Entries[1].Handled.By != "lan" ||
			p.Entries[0].Handled != nil || p.Entries[2].Handled != nil || p.Entries[1].Text != "ý kiến r2" {
			t.Errorf("entries after marking = %+v", p.Entries)
		}
	})

	// comments.go: a listing reads each head and page by its _id alone.
	// A $in on _id is not pushed down to SQLite: FerretDB decodes every
	// document of the collection (a month of pages: about a second), while
	// a find by one _id is pushed down (a scan of the small collection).
	t.Run("$in on _id is not pushed down; one _id is", func(t *testing.T) {
		c := db.Collection("comments_2025_04_a")
		for _, id := range []string{"cm|a|2025-04|0", "cm|a|2025-04|1", "cm|b|2025-04|0"} {
			if _, err := c.InsertOne(ctx, d("_id", id, "entries", bson.A{})); err != nil {
				t.Fatal(err)
			}
		}
		pushdown := func(filter bson.D) any {
			var out bson.M
			if err := db.RunCommand(ctx, d("explain", d("find", "comments_2025_04_a", "filter", filter))).Decode(&out); err != nil {
				t.Fatal(err)
			}
			return out["filterPushdown"]
		}
		if got := pushdown(d("_id", d("$in", bson.A{"cm|a|2025-04|0", "cm|a|2025-04|1"}))); got != false {
			t.Errorf("$in on _id: filterPushdown %v; if it is pushed down now, pages could be read in one query", got)
		}
		if got := pushdown(d("_id", "cm|a|2025-04|1")); got != true {
			t.Errorf("one _id: filterPushdown %v, want true", got)
		}
		var p page
		if err := c.FindOne(ctx, d("_id", "cm|a|2025-04|1")).Decode(&p); err != nil || p.ID != "cm|a|2025-04|1" {
			t.Errorf("find by _id = %+v, %v", p, err)
		}
	})

	// comment_rebuild.go: the rebuild reads only responses that have a
	// comment ($exists; the field is omitted when empty).
	t.Run("$exists on an omitted field", func(t *testing.T) {
		c := db.Collection("responses_pin")
		for i, doc := range []bson.D{d("_id", "1", "comment", "x"), d("_id", "2"), d("_id", "3", "comment", "y")} {
			if _, err := c.InsertOne(ctx, doc); err != nil {
				t.Fatal(i, err)
			}
		}
		n, err := c.CountDocuments(ctx, d("comment", d("$exists", true)))
		if err != nil || n != 2 {
			t.Errorf("count with a comment = %d, %v; want 2", n, err)
		}
	})

	// A full page: 50 comments of 2,000 Vietnamese characters (the form's
	// maximum) round-trip in one document.
	t.Run("a full page of the longest comments", func(t *testing.T) {
		c := db.Collection("comments_2025_05")
		long := strings.Repeat("Thủ tục rườm rà quá. ", 100)[:2000]
		var es bson.A
		for i := range 50 {
			es = append(es, d("id", "r"+strings.Repeat("x", i), "text", long))
		}
		if _, err := c.InsertOne(ctx, d("_id", "cm|a|2025-05|0", "entries", es)); err != nil {
			t.Fatal(err)
		}
		p := read(c, "cm|a|2025-05|0")
		if len(p.Entries) != 50 || p.Entries[49].Text != long {
			t.Errorf("read back %d entries", len(p.Entries))
		}
	})
}
