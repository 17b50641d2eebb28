package loadtest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	mopts "go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/writeconcern"

	"hailong/survey"
	"hailong/survey/store"
)

// scratchName is the collection the insert baseline writes; it is dropped
// before and after.
const scratchName = store.ScratchPrefix + "loadtest_baseline"

// baseline is the tool's own connection to the service's database: it
// measures the database itself with the raw driver (the limit the service's
// figures are compared with) and counts the stored responses.
type baseline struct {
	client    *mongo.Client
	scratch   *mongo.Collection
	responses *mongo.Collection
	shape     target
	timeout   time.Duration // of one insert
}

// responseDoc is shaped like a stored response (survey.Response and the
// attempt id the store adds).
type responseDoc struct {
	survey.Response `bson:",inline"`
	Attempt         string `bson:"attempt"`
}

// openBaseline connects to the database at uri. majority asks for the write
// concern the store uses on a configured MongoDB. Each operation has its own
// timeout: a count scans every response on FerretDB and may take long.
func openBaseline(ctx context.Context, uri, database string, majority bool, shape target, timeout time.Duration) (*baseline, error) {
	opts := mopts.Client().ApplyURI(uri).SetAppName("hailong-load").
		SetServerSelectionTimeout(2 * time.Second)
	if majority {
		opts.SetWriteConcern(writeconcern.Majority())
	}
	c, err := mongo.Connect(opts)
	if err != nil {
		return nil, fmt.Errorf("baseline: connect: %w", err)
	}
	db := c.Database(database)
	b := &baseline{client: c, scratch: db.Collection(scratchName), responses: db.Collection("responses"), shape: shape, timeout: timeout}
	if err := b.scratch.Drop(ctx); err != nil {
		_ = c.Disconnect(ctx)
		return nil, fmt.Errorf("baseline: %w", err)
	}
	return b, nil
}

// close drops the scratch collection and disconnects.
func (b *baseline) close(ctx context.Context) {
	_ = b.scratch.Drop(ctx)
	_ = b.client.Disconnect(ctx)
}

// doc is a response-shaped document with a fresh _id.
func (b *baseline) doc(rng *rand.Rand) responseDoc {
	t := b.shape
	now := time.Now().UTC()
	r := survey.Response{ID: survey.NewKey(), Agency: t.agency, Area: t.area, FormID: t.form.ID,
		FormVersion: t.form.Version, Channel: survey.ChannelWeb, Lang: survey.Vi,
		Answers: make([]survey.Answer, len(t.questions)), SubmittedAt: now, ReceivedAt: now}
	for i, q := range t.questions {
		r.Answers[i] = survey.Answer{Code: q, Value: 1 + rng.IntN(t.top)}
	}
	return responseDoc{Response: r, Attempt: survey.NewKey()}
}

// inserts runs insertOne from n goroutines, for as long (or as many) as the
// scenario ran.
func (b *baseline) inserts(ctx context.Context, n int, dur time.Duration, requests int64) result {
	return drive(ctx, n, dur, requests, nil, func(ctx context.Context, w *worker) outcome {
		ctx, cancel := context.WithTimeout(ctx, b.timeout)
		defer cancel()
		if _, err := b.scratch.InsertOne(ctx, b.doc(w.rng)); err != nil {
			return outcome{reason: "insert error"}
		}
		return outcome{ok: true}
	})
}

// readResult is the cursor read rate: documents decoded per second.
type readResult struct {
	docs    int64
	elapsed time.Duration
	err     error
}

func (r readResult) rate() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.docs) / r.elapsed.Seconds()
}

// reads streams the responses collection by cursor from n goroutines, pass
// after pass, until dur has passed or maxDocs (when positive) are read; a
// negative maxDocs makes one pass. A dur of zero sets no time bound (the
// export scenario's passes: they read as much as the export, however long
// that takes). An empty collection ends it at once.
func (b *baseline) reads(ctx context.Context, n int, dur time.Duration, maxDocs int64) readResult {
	var docs atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	var deadline time.Time // zero: none
	if dur > 0 {
		deadline = start.Add(dur)
	}
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil && (deadline.IsZero() || time.Now().Before(deadline)) {
				got, err := b.pass(ctx, deadline, &docs, maxDocs)
				if err != nil {
					once.Do(func() { firstErr = err })
				}
				if err != nil || got == 0 || maxDocs < 0 || (maxDocs > 0 && docs.Load() >= maxDocs) {
					return
				}
			}
		}()
	}
	wg.Wait()
	return readResult{docs: docs.Load(), elapsed: time.Since(start), err: firstErr}
}

// pass reads the collection once (or until the deadline, when not zero, or
// the limit).
func (b *baseline) pass(ctx context.Context, deadline time.Time, docs *atomic.Int64, maxDocs int64) (int64, error) {
	if !deadline.IsZero() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline.Add(b.timeout))
		defer cancel()
	}
	cur, err := b.responses.Find(ctx, bson.D{})
	if err != nil {
		return 0, err
	}
	defer cur.Close(ctx)
	var got int64
	for cur.Next(ctx) { // the document stays raw BSON (cur.Current): no decoding
		got++
		if n := docs.Add(1); (maxDocs > 0 && n >= maxDocs) || (!deadline.IsZero() && time.Now().After(deadline)) {
			break
		}
	}
	return got, cur.Err()
}

// countResponses counts the stored responses (a full scan on FerretDB).
func (b *baseline) countResponses(ctx context.Context) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	return b.responses.CountDocuments(ctx, bson.D{})
}
