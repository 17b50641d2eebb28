package store_test

// This file pins every behaviour of the embedded FerretDB (v1.24.x, SQLite
// backend) that the store relies on, plus the known faults the store works
// around (shared/DESIGN.md §2). It talks to the database with the raw driver,
// not through the Store, so that an upgrade of FerretDB or of the driver that
// changes one of these facts fails here, with the product reason beside it,
// before it breaks the service in a subtler way.
//
// Each subtest uses its own collection; they share one server.

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"hailong/survey"
	"hailong/survey/store"
)

// ferret starts an embedded FerretDB in a temporary folder and returns a
// database on a raw driver client. The client is disconnected before the
// server stops (cleanups run last-in first-out), or FerretDB waits 3 s.
func ferret(t *testing.T) *mongo.Database {
	t.Helper()
	e, err := store.StartEmbedded(t.TempDir())
	if err != nil {
		t.Fatalf("start embedded FerretDB: %v", err)
	}
	t.Cleanup(e.Stop)
	client, err := mongo.Connect(options.Client().ApplyURI(e.URI()))
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { _ = client.Disconnect(context.Background()) })
	return client.Database("pin")
}

// responseIndexes are the indexes survey/store/store.go ensureIndexes
// declares on responses.
func responseIndexes() []mongo.IndexModel {
	return []mongo.IndexModel{
		{Keys: bson.D{{Key: "agency", Value: 1}, {Key: "submittedAt", Value: 1}}},
		{Keys: bson.D{{Key: "agency", Value: 1}, {Key: "area", Value: 1}, {Key: "submittedAt", Value: 1}}},
	}
}

func TestFerretDBBehaviour(t *testing.T) {
	db := ferret(t)
	ctx := context.Background()

	// survey/store/responses.go InsertResponse and seed.go insertMissing
	// claim by insert: a second insert of an _id must be an error that
	// mongo.IsDuplicateKeyError recognises, so a retried submission is
	// answered as success without a second count.
	t.Run("duplicate _id is a duplicate-key error", func(t *testing.T) {
		coll := db.Collection("dup")
		if _, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: "k1"}, {Key: "n", Value: 1}}); err != nil {
			t.Fatalf("first insert: %v", err)
		}
		_, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: "k1"}, {Key: "n", Value: 2}})
		if !mongo.IsDuplicateKeyError(err) {
			t.Fatalf("second insert: err = %v, want a duplicate-key error", err)
		}
		var got bson.M
		if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: "k1"}}).Decode(&got); err != nil {
			t.Fatal(err)
		}
		if got["n"] != int32(1) {
			t.Errorf("stored n = %v, want the first insert's 1", got["n"])
		}
	})

	// InsertResponse under a double submit: concurrent inserts of one _id
	// must store exactly one document, and every loser must see a
	// duplicate-key error (not some other error the server would turn
	// into a 500 or 503).
	t.Run("50 concurrent inserts of one _id: one wins, the rest are duplicates", func(t *testing.T) {
		coll := db.Collection("race")
		const n = 50
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = coll.InsertOne(ctx, bson.D{{Key: "_id", Value: "same"}, {Key: "i", Value: i}})
			}()
		}
		wg.Wait()
		won, dup := 0, 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case mongo.IsDuplicateKeyError(err):
				dup++
			default:
				t.Errorf("unexpected error: %v", err)
			}
		}
		if won != 1 || dup != n-1 {
			t.Errorf("won %d, duplicates %d; want 1 and %d", won, dup, n-1)
		}
		if c, err := coll.CountDocuments(ctx, bson.D{}); err != nil || c != 1 {
			t.Errorf("count = %d (%v), want 1", c, err)
		}
	})

	// survey/store/catalog.go findAll: the catalog is loaded by find with an
	// empty filter, sorted by _id, decoded with cursor.All into structs that
	// hold nested arrays (agency areas; form factors → criteria, area items,
	// demographics → options) and dates.
	t.Run("find all sorted by _id decodes nested structs", func(t *testing.T) {
		agencies := db.Collection("agencies")
		want := survey.SeedAgencies()
		// Insert in reverse so the sort has work to do.
		for i := len(want) - 1; i >= 0; i-- {
			if _, err := agencies.InsertOne(ctx, want[i]); err != nil {
				t.Fatalf("insert %s: %v", want[i].Code, err)
			}
		}
		sort.Slice(want, func(i, j int) bool { return want[i].Code < want[j].Code })
		cur, err := agencies.Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
		if err != nil {
			t.Fatal(err)
		}
		var got []survey.Agency
		if err := cur.All(ctx, &got); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("agencies read back differ:\n got %+v\nwant %+v", got, want)
		}

		forms := db.Collection("forms")
		form := survey.SIPAS2017()
		if _, err := forms.InsertOne(ctx, form); err != nil {
			t.Fatal(err)
		}
		cur, err = forms.Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
		if err != nil {
			t.Fatal(err)
		}
		var fs []survey.Form
		if err := cur.All(ctx, &fs); err != nil {
			t.Fatal(err)
		}
		if len(fs) != 1 || !reflect.DeepEqual(fs[0], form) {
			t.Errorf("form read back differs:\n got %+v\nwant %+v", fs, form)
		}
	})

	// survey/store/responses.go Response (and InsertResponse after a
	// duplicate): findOne by _id decodes the document; a missing id is
	// mongo.ErrNoDocuments, which classify maps to survey.ErrNotFound.
	t.Run("findOne by _id, ErrNoDocuments when missing", func(t *testing.T) {
		coll := db.Collection("findone")
		r := survey.Response{
			ID: "resp-0001", Agency: "so-tu-phap", Area: "tu-phap", FormID: "sipas-2017", FormVersion: 1,
			Channel: survey.ChannelWeb, Lang: survey.Vi,
			Answers: []survey.Answer{{Code: "1.1", Value: 5}, {Code: "1.2", Value: 0}},
			Comment: "Cán bộ nhiệt tình", Respondent: survey.Respondent{Gender: "female"},
			SubmittedAt: time.Date(2025, 3, 4, 5, 6, 7, 8e6, time.UTC),
			ReceivedAt:  time.Date(2025, 3, 4, 5, 6, 8, 0, time.UTC),
		}
		if _, err := coll.InsertOne(ctx, r); err != nil {
			t.Fatal(err)
		}
		var got survey.Response
		if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: r.ID}}).Decode(&got); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, r) {
			t.Errorf("read back\n got %+v\nwant %+v", got, r)
		}
		err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: "no-such-id"}}).Decode(&got)
		if !errors.Is(err, mongo.ErrNoDocuments) {
			t.Errorf("missing id: err = %v, want mongo.ErrNoDocuments", err)
		}
	})

	// survey/store/store.go ensureIndexes declares compound indexes for
	// MongoDB at every start; FerretDB must accept them. A unique index must
	// refuse a duplicate with a duplicate-key error, should the store ever
	// claim by a field other than _id.
	t.Run("compound indexes are accepted; a unique index refuses duplicates", func(t *testing.T) {
		coll := db.Collection("indexed")
		if _, err := coll.Indexes().CreateMany(ctx, responseIndexes()); err != nil {
			t.Fatalf("create compound indexes: %v", err)
		}
		if _, err := coll.Indexes().CreateOne(ctx, mongo.IndexModel{
			Keys:    bson.D{{Key: "token", Value: 1}},
			Options: options.Index().SetUnique(true),
		}); err != nil {
			t.Fatalf("create unique index: %v", err)
		}
		if _, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: 1}, {Key: "token", Value: "t-1"}}); err != nil {
			t.Fatal(err)
		}
		_, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: 2}, {Key: "token", Value: "t-1"}})
		if !mongo.IsDuplicateKeyError(err) {
			t.Errorf("duplicate token: err = %v, want a duplicate-key error", err)
		}
	})

	// ensureIndexes runs at EVERY start, so it re-declares indexes that
	// exist. FerretDB v1.24.2 accepts that one index per createIndexes
	// command, but a command naming two or more indexes that all exist
	// panics in the handler (validateIndexesForCreation deletes from the
	// filtered slice with the unfiltered index) and the connection is
	// dropped. So the store must declare indexes one per command. This pins
	// the fault so a fix is noticed.
	t.Run("re-declaring existing indexes: one per command works, several per command drop the connection", func(t *testing.T) {
		coll := db.Collection("redeclared")
		if _, err := coll.Indexes().CreateMany(ctx, responseIndexes()); err != nil {
			t.Fatalf("first declaration: %v", err)
		}
		for round := 1; round <= 2; round++ {
			for _, m := range responseIndexes() {
				if _, err := coll.Indexes().CreateOne(ctx, m); err != nil {
					t.Errorf("re-declare %v one per command (round %d): %v", m.Keys, round, err)
				}
			}
		}
		_, err := coll.Indexes().CreateMany(ctx, responseIndexes())
		if err == nil {
			t.Errorf("re-declaring two existing indexes in one command succeeded: the FerretDB fault is fixed")
		} else {
			t.Logf("re-declaring two existing indexes in one command fails as pinned: %v", err)
		}
		// The server survives: the next command on a new connection works.
		if _, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: 1}}); err != nil {
			t.Errorf("insert after the dropped connection: %v", err)
		}
	})

	// The upcoming rollups (DESIGN §2: one writer per process, batched $inc
	// by _id): an $inc upsert by _id creates the document, and increments
	// sent one after another from one goroutine all count.
	t.Run("$inc upsert by _id, serialised, loses nothing", func(t *testing.T) {
		coll := db.Collection("rollup")
		const n = 200
		for i := range n {
			_, err := coll.UpdateOne(ctx,
				bson.D{{Key: "_id", Value: "so-tu-phap|2025-03"}},
				bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: 1}, {Key: "sum.1_1", Value: 4}}}},
				options.UpdateOne().SetUpsert(true))
			if err != nil {
				t.Fatalf("increment %d: %v", i, err)
			}
		}
		var got struct {
			N   int64            `bson:"n"`
			Sum map[string]int64 `bson:"sum"`
		}
		if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: "so-tu-phap|2025-03"}}).Decode(&got); err != nil {
			t.Fatal(err)
		}
		if got.N != n || got.Sum["1_1"] != 4*n {
			t.Errorf("n = %d, sum.1_1 = %d; want %d and %d", got.N, got.Sum["1_1"], n, 4*n)
		}
	})

	// Why the rollups have ONE writer per process: concurrent $inc upserts
	// on one document may lose updates on FerretDB (DESIGN measured 636 of
	// 160,000), and a racing upsert's duplicate key may come back as an
	// error. Asserted loosely (never more than sent); the outcome is logged.
	t.Run("concurrent $inc upserts on one document may lose updates", func(t *testing.T) {
		coll := db.Collection("rollup-race")
		const workers, each = 8, 50
		var wg sync.WaitGroup
		var mu sync.Mutex
		var errs []error
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range each {
					_, err := coll.UpdateOne(ctx,
						bson.D{{Key: "_id", Value: "hot"}},
						bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: 1}}}},
						options.UpdateOne().SetUpsert(true))
					if err != nil {
						mu.Lock()
						errs = append(errs, err)
						mu.Unlock()
					}
				}
			}()
		}
		wg.Wait()
		var got struct {
			N int64 `bson:"n"`
		}
		if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: "hot"}}).Decode(&got); err != nil {
			t.Fatal(err)
		}
		const sent = workers * each
		if got.N > sent {
			t.Errorf("n = %d, more than the %d increments sent", got.N, sent)
		}
		if got.N < sent {
			t.Logf("as DESIGN says: kept %d of %d concurrent increments (%d errors)", got.N, sent, len(errs))
		} else {
			t.Logf("kept all %d concurrent increments this run (%d errors); lost updates are possible, not certain", sent, len(errs))
		}
		for i, err := range errs {
			if i == 3 {
				break
			}
			t.Logf("concurrent upsert error (dup=%v): %v", mongo.IsDuplicateKeyError(err), err)
		}
	})

	// Why reports are aggregated in Go, never by $group: with two
	// accumulators FerretDB silently returns 0 for the second. This pins the
	// fault so that a fix is noticed (then DESIGN §2 can be revisited).
	t.Run("$group with two accumulators returns zero for the second", func(t *testing.T) {
		coll := db.Collection("group")
		docs := []any{
			bson.D{{Key: "_id", Value: 1}, {Key: "k", Value: "a"}, {Key: "v", Value: 4}},
			bson.D{{Key: "_id", Value: 2}, {Key: "k", Value: "a"}, {Key: "v", Value: 5}},
			bson.D{{Key: "_id", Value: 3}, {Key: "k", Value: "a"}, {Key: "v", Value: 3}},
		}
		if _, err := coll.InsertMany(ctx, docs); err != nil {
			t.Fatal(err)
		}
		cur, err := coll.Aggregate(ctx, mongo.Pipeline{
			{{Key: "$group", Value: bson.D{
				{Key: "_id", Value: "$k"},
				{Key: "n", Value: bson.D{{Key: "$sum", Value: 1}}},
				{Key: "total", Value: bson.D{{Key: "$sum", Value: "$v"}}},
			}}},
		})
		if err != nil {
			t.Fatalf("aggregate: %v", err)
		}
		var got []struct {
			ID    string `bson:"_id"`
			N     int64  `bson:"n"`
			Total int64  `bson:"total"`
		}
		if err := cur.All(ctx, &got); err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].N != 3 {
			t.Fatalf("groups = %+v, want one group with n = 3", got)
		}
		if got[0].Total != 0 {
			t.Errorf("second accumulator = %d (correct is 12): FerretDB's $group fault is fixed; revisit DESIGN §2", got[0].Total)
		}
	})

	// Why stored documents never use input (or criterion codes such as
	// "1.1") as field names: FerretDB refuses a field name containing ".".
	// Answers are a list of {c, v}, and rollup keys must avoid ".".
	t.Run("a field name containing a dot is refused", func(t *testing.T) {
		coll := db.Collection("dotted")
		_, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: 1}, {Key: "answers", Value: bson.D{{Key: "1.1", Value: 5}}}})
		if err == nil {
			t.Errorf("insert of field name %q succeeded; FerretDB now accepts dots (MongoDB 5+ does too)", "1.1")
		} else {
			t.Logf("refused as expected: %v", err)
		}
	})

	// distinct is usable only without a deadline (DESIGN §2). The Store's
	// client sets a client-wide timeout, so through the Store every context
	// has one: the product must not call distinct there; this pins both
	// halves so a change is noticed.
	t.Run("distinct works without a deadline, fails with one", func(t *testing.T) {
		coll := db.Collection("distinct")
		docs := []any{
			bson.D{{Key: "_id", Value: 1}, {Key: "area", Value: "dat-dai"}},
			bson.D{{Key: "_id", Value: 2}, {Key: "area", Value: "tu-phap"}},
			bson.D{{Key: "_id", Value: 3}, {Key: "area", Value: "dat-dai"}},
		}
		if _, err := coll.InsertMany(ctx, docs); err != nil {
			t.Fatal(err)
		}
		res := coll.Distinct(ctx, "area", bson.D{})
		if err := res.Err(); err != nil {
			t.Fatalf("distinct without a deadline: %v", err)
		}
		var areas []string
		if err := res.Decode(&areas); err != nil {
			t.Fatal(err)
		}
		sort.Strings(areas)
		if !reflect.DeepEqual(areas, []string{"dat-dai", "tu-phap"}) {
			t.Errorf("distinct = %v, want [dat-dai tu-phap]", areas)
		}

		dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := coll.Distinct(dctx, "area", bson.D{}).Err(); err == nil {
			t.Errorf("distinct with a deadline succeeded: the fault is fixed; revisit DESIGN §2")
		} else {
			t.Logf("distinct with a deadline fails as expected: %v", err)
		}
	})

	// survey.Response SubmittedAt/ReceivedAt and agency Since: a time.Time
	// is stored as a BSON date (millisecond precision) and read back as the
	// same instant, in UTC.
	t.Run("dates round-trip at millisecond precision in UTC", func(t *testing.T) {
		coll := db.Collection("dates")
		ict := time.FixedZone("ICT", 7*3600)
		in := time.Date(2025, 12, 31, 23, 59, 58, 123456789, ict)
		if _, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: 1}, {Key: "at", Value: in}}); err != nil {
			t.Fatal(err)
		}
		var got struct {
			At time.Time `bson:"at"`
		}
		if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: 1}}).Decode(&got); err != nil {
			t.Fatal(err)
		}
		want := in.Truncate(time.Millisecond).UTC()
		if !got.At.Equal(want) {
			t.Errorf("read back %v, want %v", got.At, want)
		}
		if got.At.Location() != time.UTC {
			t.Errorf("read back in %v, want UTC", got.At.Location())
		}
		// A range filter on dates works too (exports by period).
		n, err := coll.CountDocuments(ctx, bson.D{{Key: "at", Value: bson.D{
			{Key: "$gte", Value: want.Add(-time.Millisecond)}, {Key: "$lt", Value: want.Add(time.Millisecond)},
		}}})
		if err != nil || n != 1 {
			t.Errorf("date range count = %d (%v), want 1", n, err)
		}
	})

	// The product never writes a key beginning with "$" (answers are a
	// list, DESIGN §4); should one slip through it must be refused, never
	// stored as an operator-looking field.
	t.Run("a top-level field name beginning with $ is refused", func(t *testing.T) {
		coll := db.Collection("dollar")
		_, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: 1}, {Key: "$gt", Value: ""}})
		if err == nil {
			t.Errorf("insert of a $-prefixed field name succeeded")
		} else {
			t.Logf("refused as expected: %v", err)
		}
		if n, err := coll.CountDocuments(ctx, bson.D{}); err != nil || n != 0 {
			t.Errorf("count = %d (%v), want 0", n, err)
		}
	})

	// survey/store/responses.go CountResponses (tests and operations):
	// countDocuments with an empty filter counts every document.
	t.Run("countDocuments with an empty filter", func(t *testing.T) {
		coll := db.Collection("count")
		docs := make([]any, 25)
		for i := range docs {
			docs[i] = bson.D{{Key: "_id", Value: fmt.Sprintf("r%02d", i)}}
		}
		if _, err := coll.InsertMany(ctx, docs); err != nil {
			t.Fatal(err)
		}
		n, err := coll.CountDocuments(ctx, bson.D{})
		if err != nil || n != 25 {
			t.Errorf("count = %d (%v), want 25", n, err)
		}
		if n, err := db.Collection("never-written").CountDocuments(ctx, bson.D{}); err != nil || n != 0 {
			t.Errorf("count of a missing collection = %d (%v), want 0", n, err)
		}
	})

	// Batched imports and seeding (claim-by-insert in bulk): an unordered
	// bulkWrite of inserts stores every new document and reports each
	// duplicate as a duplicate-key write error at its index.
	t.Run("unordered bulkWrite inserts the new ones and reports the duplicates", func(t *testing.T) {
		coll := db.Collection("bulk")
		if _, err := coll.InsertMany(ctx, []any{
			bson.D{{Key: "_id", Value: "b"}}, bson.D{{Key: "_id", Value: "d"}},
		}); err != nil {
			t.Fatal(err)
		}
		ids := []string{"a", "b", "c", "d", "e"}
		models := make([]mongo.WriteModel, len(ids))
		for i, id := range ids {
			models[i] = mongo.NewInsertOneModel().SetDocument(bson.D{{Key: "_id", Value: id}, {Key: "new", Value: true}})
		}
		res, err := coll.BulkWrite(ctx, models, options.BulkWrite().SetOrdered(false))
		var bwe mongo.BulkWriteException
		if !errors.As(err, &bwe) {
			t.Fatalf("err = %v, want a BulkWriteException", err)
		}
		if !mongo.IsDuplicateKeyError(err) {
			t.Errorf("IsDuplicateKeyError(%v) = false", err)
		}
		var failed []int
		for _, we := range bwe.WriteErrors {
			failed = append(failed, we.Index)
			if !mongo.IsDuplicateKeyError(we) {
				t.Errorf("write error at %d is not a duplicate-key error: %v", we.Index, we)
			}
		}
		sort.Ints(failed)
		if !reflect.DeepEqual(failed, []int{1, 3}) {
			t.Errorf("failed indexes = %v, want [1 3]", failed)
		}
		if res == nil || res.InsertedCount != 3 {
			t.Errorf("result = %+v, want 3 inserted", res)
		}
		n, err := coll.CountDocuments(ctx, bson.D{{Key: "new", Value: true}})
		if err != nil || n != 3 {
			t.Errorf("new documents = %d (%v), want 3", n, err)
		}
	})
}
