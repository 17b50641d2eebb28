package store

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"hailong/survey"
)

// ResponseFilter selects the responses of an export.
type ResponseFilter struct {
	Period survey.Period
	// Agencies, when not nil, are the only agencies exported.
	Agencies []string
	Area     string
	// Comments says whether the comment is read at all.
	Comments bool
	// VerifiedOnly keeps the responses given through a verified link only.
	VerifiedOnly bool
}

// ExportBatch is how many responses one round trip of an export brings.
// It sets what the embedded FerretDB holds at once for the cursor: it
// decodes a whole batch into its own documents before sending it, about
// 13 KB a response. With 1,000 that was some 13 MB of the live heap, which
// under the export's memory limit (config_memory.go) left the collector
// almost no headroom: it ran about 40 times a second and the export
// streamed 565 rows/s. With 100 the live heap fell from 32 to 19 MB and the
// same export streamed about 1,050 rows/s (100,000 demo responses); a round
// trip per 100 rows costs nothing measurable.
const ExportBatch = 100

// rawReadBatch is the batch of the baseline's raw read (ScanResponses),
// which runs without the memory limit: the fastest read, as before.
const rawReadBatch = 1000

// exportTimeout bounds one export's scan as a whole. Without a deadline of
// its own, each batch would get the client's 10 s, which FerretDB exceeds
// when a selective filter makes it scan far to fill a batch.
const exportTimeout = 12 * time.Hour

// exportDoc is what an export decodes of a stored response: never its _id
// (the idempotency key), the attempt id, the times beyond the month, or
// the language.
type exportDoc struct {
	Agency      string            `bson:"agency"`
	Area        string            `bson:"area"`
	FormID      string            `bson:"formId"`
	FormVersion int               `bson:"formVersion"`
	Channel     survey.Channel    `bson:"channel"`
	Verified    bool              `bson:"verified"`
	Answers     []survey.Answer   `bson:"answers"`
	Comment     string            `bson:"comment"`
	Respondent  survey.Respondent `bson:"respondent"`
	SubmittedAt time.Time         `bson:"submittedAt"`
}

// check refuses a filter that could not match a stored response.
func (f ResponseFilter) check() error {
	if f.Period.From.IsZero() || f.Period.To.Before(f.Period.From) || f.Period.Len() > survey.MaxPeriodMonths {
		return fmt.Errorf("%w: export period", survey.ErrInvalidPeriod)
	}
	for _, a := range f.Agencies {
		if !safeName(a) {
			return survey.ErrNotFound
		}
	}
	if f.Area != "" && !safeName(f.Area) {
		return survey.ErrNotFound
	}
	return nil
}

// query is the filter document: the period in Vietnamese time, and the
// agencies and area when given, verified responses only when asked (values
// only; no input becomes a key).
func (f ResponseFilter) query() bson.D {
	q := docD("submittedAt", docD("$gte", f.Period.From.Start(), "$lt", f.Period.To.End()))
	if f.Agencies != nil {
		q = append(q, bson.E{Key: "agency", Value: docD("$in", f.Agencies)})
	}
	if f.Area != "" {
		q = append(q, bson.E{Key: "area", Value: f.Area})
	}
	if f.VerifiedOnly {
		q = append(q, bson.E{Key: "verified", Value: true})
	}
	return q
}

// exportCursor opens the cursor of an export: the projection leaves out
// what an export never shows, so it does not even cross the wire. whole
// reads the whole documents instead (for the baseline only); batch is how
// many documents a round trip brings.
func (s *Store) exportCursor(ctx context.Context, f ResponseFilter, whole bool, batch int32) (*mongo.Cursor, error) {
	if err := f.check(); err != nil {
		return nil, err
	}
	proj := docD("_id", 0, "attempt", 0, "receivedAt", 0, "lang", 0)
	if !f.Comments {
		proj = append(proj, bson.E{Key: "comment", Value: 0})
	}
	opts := options.Find().SetBatchSize(batch)
	if !whole {
		opts.SetProjection(proj)
	}
	cur, err := s.responses.Find(ctx, f.query(), opts)
	if err != nil {
		return nil, fmt.Errorf("export responses: %w", classify(err))
	}
	return cur, nil
}

// ExportResponses streams the responses matching the filter, in the order
// the database keeps them, one batch in memory at a time, handing each to
// fn with an empty ID; it stops at fn's first error. It scans every response
// on FerretDB: for exports only, never for a page. Each response has its
// own answers; the texts that repeat (agency, area, codes) are shared.
func (s *Store) ExportResponses(ctx context.Context, f ResponseFilter, fn func(survey.Response) error) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, exportTimeout)
	defer cancel()
	cur, err := s.exportCursor(ctx, f, false, ExportBatch)
	if err != nil {
		return 0, err
	}
	defer cur.Close(context.WithoutCancel(ctx))
	var n int64
	var d exportDoc
	var dec exportDecoder // export_decode.go: no reflection, texts interned
	for cur.Next(ctx) {
		if err := dec.decode(cur.Current, &d); err != nil {
			return n, fmt.Errorf("export responses: decode: %w", err)
		}
		r := survey.Response{
			Agency: d.Agency, Area: d.Area, FormID: d.FormID, FormVersion: d.FormVersion, Channel: d.Channel,
			Verified: d.Verified, Answers: d.Answers, Comment: d.Comment, Respondent: d.Respondent, SubmittedAt: d.SubmittedAt,
		}
		if err := fn(r); err != nil {
			return n, err
		}
		n++
	}
	if err := cur.Err(); err != nil {
		return n, fmt.Errorf("export responses: %w", classify(err))
	}
	return n, nil
}

// ScanResponses reads the documents ExportResponses would read without
// decoding them: the baseline exports are measured against. whole reads the
// whole documents (a plain find with the same filter) instead of the
// export's projection.
func (s *Store) ScanResponses(ctx context.Context, f ResponseFilter, whole bool) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, exportTimeout)
	defer cancel()
	cur, err := s.exportCursor(ctx, f, whole, rawReadBatch)
	if err != nil {
		return 0, err
	}
	defer cur.Close(context.WithoutCancel(ctx))
	var n int64
	for cur.Next(ctx) {
		n++
	}
	if err := cur.Err(); err != nil {
		return n, fmt.Errorf("scan responses: %w", classify(err))
	}
	return n, nil
}
