//go:build probe

package loadtest

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	mopts "go.mongodb.org/mongo-driver/v2/mongo/options"

	"hailong/survey"
	"hailong/survey/store"
)

func rate(n int, d time.Duration, f func(i int) error) float64 {
	var ops atomic.Int64
	var wg sync.WaitGroup
	dl := time.Now().Add(d)
	t0 := time.Now()
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(dl) {
				if err := f(i); err != nil {
					panic(err)
				}
				ops.Add(1)
			}
		}()
	}
	wg.Wait()
	return float64(ops.Load()) / time.Since(t0).Seconds()
}

func TestProbeDecompose(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, store.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close(ctx)
	st.Seed(ctx)
	c, _ := mongo.Connect(mopts.Client().ApplyURI(st.URI()))
	defer c.Disconnect(ctx)
	db := c.Database("hailong")
	cat, _ := st.Catalog(ctx)
	var subs []survey.Response
	for _, ag := range cat.Agencies {
		for _, ar := range ag.Areas {
			f, err := cat.FormFor(ar, time.Now())
			if err != nil {
				continue
			}
			ans := map[string]int{}
			for _, q := range f.Questions(ar) {
				ans[q.Code] = 4
			}
			r, err := survey.Check(survey.Submission{Key: survey.NewKey(), Agency: ag.Code, Area: ar, Channel: "web", Lang: "vi", Answers: ans}, f, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			subs = append(subs, r)
		}
	}
	fresh := func(i int) survey.Response {
		r := subs[(i*7+int(time.Now().UnixNano()))%len(subs)]
		r.ID = survey.NewKey()
		return r
	}
	d := 8 * time.Second
	scratch := db.Collection("p_raw")
	t.Logf("raw insertOne, no extra index:           %.0f/s", rate(16, d, func(i int) error { _, err := scratch.InsertOne(ctx, fresh(i)); return err }))
	idx := db.Collection("p_idx")
	idx.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{"agency", 1}, {"submittedAt", 1}}})
	idx.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{"agency", 1}, {"area", 1}, {"submittedAt", 1}}})
	t.Logf("raw insertOne, responses' indexes:       %.0f/s", rate(16, d, func(i int) error { _, err := idx.InsertOne(ctx, fresh(i)); return err }))
	pend := db.Collection("p_pending")
	resp := db.Collection("p_resp")
	t.Logf("insert small + insert response:          %.0f/s", rate(16, d, func(i int) error {
		k := survey.NewKey()
		if _, err := pend.InsertOne(ctx, bson.D{{"_id", k}, {"c", "agency|area|web|x|2026-11|1.1=4,1.2=5"}}); err != nil {
			return err
		}
		_, err := resp.InsertOne(ctx, fresh(i))
		return err
	}))
	pend2 := db.Collection("p_pending2")
	t.Logf("insert small + insert resp + update small: %.0f/s", rate(16, d, func(i int) error {
		k := survey.NewKey()
		if _, err := pend2.InsertOne(ctx, bson.D{{"_id", k}, {"c", "agency|area|web|x|2026-11|1.1=4,1.2=5"}}); err != nil {
			return err
		}
		if _, err := resp.InsertOne(ctx, fresh(i)); err != nil {
			return err
		}
		_, err := pend2.UpdateOne(ctx, bson.D{{"_id", k}}, bson.D{{"$set", bson.D{{"ok", true}}}})
		if err != nil {
			return err
		}
		_, err = pend2.DeleteOne(ctx, bson.D{{"_id", k}})
		return err
	}))
	t0 := time.Now()
	t.Logf("store.InsertResponse (rollups async):    %.0f/s", rate(16, d, func(i int) error { _, err := st.InsertResponse(ctx, fresh(i)); return err }))
	st.FlushRollups(ctx)
	t.Logf("  ... flushed after %v total", time.Since(t0))
	t.Logf("raw insertOne again:                     %.0f/s", rate(16, d, func(i int) error { _, err := scratch.InsertOne(ctx, fresh(i)); return err }))
}
