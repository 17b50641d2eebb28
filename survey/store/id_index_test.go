package store

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"hailong/survey"
)

// explainPlan is SQLite's plan for FerretDB's find by _id in the collection.
// An EXPLAIN does not read the table, so a connection that has not read
// since an index was added explains with the schema it had: the plan is
// asked for after real finds, until it names want (at most 20 times, over
// FerretDB's pool of connections).
func explainPlan(t *testing.T, s *Store, coll, id, want string) string {
	t.Helper()
	ctx := context.Background()
	var plan string
	for range 20 {
		_ = s.db.Collection(coll).FindOne(ctx, docD("_id", id)).Err()
		var out bson.M
		err := s.db.RunCommand(ctx, docD("explain", docD("find", coll, "filter", docD("_id", id)))).Decode(&out)
		if err != nil {
			t.Fatalf("explain %s: %v", coll, err)
		}
		if out["filterPushdown"] != true {
			t.Fatalf("explain %s: the find by _id is no longer pushed down to SQLite: %v", coll, out)
		}
		if plan = fmt.Sprint(out["queryPlanner"]); strings.Contains(plan, want) {
			break
		}
	}
	return plan
}

// TestIDIndexes checks that the store's _id indexes on the embedded database
// are the ones FerretDB's own queries use: before the sweep a find by _id
// scans the table, after it SQLite searches the index, and finding, updating,
// deleting and renaming still answer as before.
func TestIDIndexes(t *testing.T) {
	ctx := context.Background()
	s := openAt(t, t.TempDir())
	defer s.Close(ctx)

	r := survey.Response{ID: "idx-1", Agency: "lam-binh", Area: "dat-dai", Channel: survey.ChannelWeb,
		SubmittedAt: time.Date(2025, 3, 10, 9, 0, 0, 0, time.UTC), Answers: []survey.Answer{{Code: "1.1", Value: 5}}}
	if _, err := s.InsertResponse(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := s.FlushRollups(ctx); err != nil {
		t.Fatal(err)
	}
	// A collection FerretDB creates after the last sweep has no index yet;
	// one of another tool's is never given one.
	if _, err := s.db.Collection(ScratchPrefix+"tool").InsertOne(ctx, docD("_id", "x")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.Collection(rebuildPrefix+"2025_03").InsertOne(ctx, docD("_id", "am|x|2025-03", "n", 1)); err != nil {
		t.Fatal(err)
	}
	if plan := explainPlan(t, s, rebuildPrefix+"2025_03", "am|x|2025-03", idIndexSuffix); !strings.Contains(plan, "SCAN") || strings.Contains(plan, "USING INDEX") {
		t.Fatalf("before the sweep, plan = %s; want a scan (FerretDB's own _id index unused)", plan)
	}

	if err := s.ids.sweep(ctx); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ coll, id string }{
		{"responses", "idx-1"},
		{rollupColl(survey.MonthOf(r.SubmittedAt)), agencyMonthID("lam-binh", survey.MonthOf(r.SubmittedAt))},
		{"pending", "nothing"},
		{rebuildPrefix + "2025_03", "am|x|2025-03"},
	} {
		if plan := explainPlan(t, s, c.coll, c.id, idIndexSuffix); !strings.Contains(plan, "USING INDEX") || !strings.Contains(plan, idIndexSuffix) {
			t.Errorf("%s: plan = %s; want the search of the %s index", c.coll, plan, idIndexSuffix)
		}
	}
	if plan := explainPlan(t, s, ScratchPrefix+"tool", "x", idIndexSuffix); strings.Contains(plan, idIndexSuffix) {
		t.Errorf("a collection that is not the store's got an index: %s", plan)
	}

	// Reads, updates and deletes by _id answer the same through the index.
	got, err := s.Response(ctx, "idx-1")
	if err != nil || got.ID != "idx-1" || got.Agency != "lam-binh" {
		t.Fatalf("Response = %+v, %v", got, err)
	}
	if _, err := s.Response(ctx, "idx-2"); err == nil {
		t.Fatal("a missing response was found")
	}
	rb := s.db.Collection(rebuildPrefix + "2025_03")
	if res, err := rb.UpdateOne(ctx, docD("_id", "am|x|2025-03"), docD("$inc", docD("n", 2))); err != nil || res.MatchedCount != 1 {
		t.Fatalf("update by _id: %+v, %v", res, err)
	}
	var doc struct {
		N int `bson:"n"`
	}
	if err := rb.FindOne(ctx, docD("_id", "am|x|2025-03")).Decode(&doc); err != nil || doc.N != 3 {
		t.Fatalf("after $inc, n = %d, %v; want 3", doc.N, err)
	}
	// A rename (how a rebuild installs its months) keeps the index.
	admin := s.client.Database("admin")
	if err := admin.RunCommand(ctx, docD("renameCollection", s.db.Name()+"."+rebuildPrefix+"2025_03",
		"to", s.db.Name()+".renamed_2025_03")).Err(); err != nil {
		t.Fatal(err)
	}
	if plan := explainPlan(t, s, "renamed_2025_03", "am|x|2025-03", idIndexSuffix); !strings.Contains(plan, idIndexSuffix) {
		t.Errorf("after a rename, plan = %s; want the index kept", plan)
	}
	if err := s.db.Collection("renamed_2025_03").FindOne(ctx, docD("_id", "am|x|2025-03")).Decode(&doc); err != nil || doc.N != 3 {
		t.Fatalf("after the rename, n = %d, %v", doc.N, err)
	}
	if res, err := s.db.Collection("renamed_2025_03").DeleteOne(ctx, docD("_id", "am|x|2025-03")); err != nil || res.DeletedCount != 1 {
		t.Fatalf("delete by _id: %+v, %v", res, err)
	}
	// A dropped collection takes its index along; a new one of the same
	// name is indexed again by the next sweep.
	if err := s.db.Collection("renamed_2025_03").Drop(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := rb.InsertOne(ctx, docD("_id", "again")); err != nil {
		t.Fatal(err)
	}
	if err := s.ids.sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if plan := explainPlan(t, s, rebuildPrefix+"2025_03", "again", idIndexSuffix); !strings.Contains(plan, idIndexSuffix) {
		t.Errorf("a re-created collection: plan = %s; want the index", plan)
	}
}

func TestIDIndexedNames(t *testing.T) {
	for name, want := range map[string]bool{
		"responses": true, "pending": true, "rollups_2025_03": true, "rebuild_2025_03": true,
		commentPrefix + "lam-binh": true, invitationPrefix + "2025_03": true,
		ScratchPrefix + "loadtest_baseline": false, "other": true,
	} {
		if got := idIndexed(name); got != want {
			t.Errorf("idIndexed(%q) = %v, want %v", name, got, want)
		}
	}
}
