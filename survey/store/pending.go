package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"hailong/survey"
)

// pendingDoc is an entry of the pending log. InsertResponse writes one before
// the response, under a fresh attempt id that the response also records; the
// rollup writer deletes it once the response is counted. What is left in the
// log after a crash is exactly what may be stored and not counted. Entries
// are kept small (one packed string for the contribution) because every
// filter on the log makes FerretDB decode all of it.
type pendingDoc struct {
	ID       string    `bson:"_id"` // the attempt id
	Response string    `bson:"r"`
	Owner    string    `bson:"o"` // the writer that counts it
	At       time.Time `bson:"at"`
	// Stored is set once the response is known to be stored by this attempt.
	Stored bool   `bson:"ok"`
	Packed string `bson:"c"`
}

// pack writes a contribution as one string: names and codes are checked to
// contain none of "|", "," and "="; the combination of demographics comes
// next with "," for its own "|", then the questionnaire of the pattern
// ("<form id>,<version>", empty when the pattern is unknown), then "s" for
// a self-entered response ("" otherwise).
func pack(c contribution) string {
	var b strings.Builder
	b.WriteString(c.agency + "|" + c.area + "|" + c.channel + "|" + verifiedKey(c.verified) + "|" + c.month.String() + "|")
	for i, a := range c.answers {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(a.Code + "=" + strconv.Itoa(a.Value))
	}
	b.WriteString("|" + strings.ReplaceAll(c.demographics, "|", ","))
	b.WriteString("|" + patternForm(c.pattern))
	if c.self {
		b.WriteString("|s")
	} else {
		b.WriteString("|")
	}
	b.WriteString("|" + c.form)
	return b.String()
}

// unpack reads the contribution of a pending entry.
func unpack(d pendingDoc) (contribution, error) {
	bad := fmt.Errorf("pending %q: bad contribution %q", d.ID, d.Packed)
	p := strings.Split(d.Packed, "|")
	// Entries written before demographics were counted have 6 parts, those
	// written before patterns were counted 7: their pattern is unknown.
	// Entries written before self-entered responses were told apart have
	// at most 8: they unpack as not self-entered.
	// Entries written before answers were counted per questionnaire
	// version have at most 9: their version is the pattern's, else
	// contributionForm's default.
	if len(p) < 6 || len(p) > 10 {
		return contribution{}, bad
	}
	m, err := survey.ParseMonth(p[4])
	if err != nil {
		return contribution{}, bad
	}
	c := contribution{attempt: d.ID, response: d.Response, agency: p[0], area: p[1],
		channel: p[2], verified: p[3] == "v", month: m, demographics: unknownDemographics, pattern: unknownPattern}
	if len(p) >= 7 {
		c.demographics = strings.ReplaceAll(p[6], ",", "|")
	}
	if len(p) >= 8 {
		c.pattern = unpackPattern(c, p[7])
	}
	c.form = contributionForm(survey.Response{})
	if id, v, ok := strings.Cut(patternFormOf(p), ","); ok {
		if n, err := strconv.Atoi(v); err == nil {
			c.form = survey.FormKey(id, n)
		}
	}
	if len(p) == 10 {
		c.form = p[9]
	}
	if !safeFormKey(c.form) {
		return contribution{}, bad
	}
	if len(p) >= 9 {
		switch p[8] {
		case "s":
			c.self = true
		case "":
		default:
			return contribution{}, bad
		}
	}
	for _, kv := range strings.Split(p[5], ",") {
		if kv == "" {
			continue
		}
		code, v, ok := strings.Cut(kv, "=")
		n, err := strconv.Atoi(v)
		if !ok || err != nil {
			return contribution{}, bad
		}
		c.answers = append(c.answers, survey.Answer{Code: code, Value: n})
	}
	return c, nil
}

// patternFormOf is the questionnaire part of a packed entry, "" if none.
func patternFormOf(p []string) string {
	if len(p) >= 8 {
		return p[7]
	}
	return ""
}

// patternForm is the questionnaire part of a pattern key, as pack writes
// it: "<form id>,<version>", or "" for an unknown pattern.
func patternForm(key string) string {
	p, ok := survey.ParsePattern(key)
	if !ok {
		return ""
	}
	return p.FormID + "," + strconv.Itoa(p.FormVersion)
}

// unpackPattern rebuilds the pattern key of an unpacked contribution from
// its parts and the questionnaire pack wrote.
func unpackPattern(c contribution, form string) string {
	id, version, ok := strings.Cut(form, ",")
	n, err := strconv.Atoi(version)
	parts := strings.Split(c.demographics, "|")
	if !ok || err != nil || len(parts) != len(survey.DemographicOrder) {
		return unknownPattern
	}
	p := survey.Pattern{Area: c.area, Channel: c.channel, Verified: c.verified, FormID: id, FormVersion: n}
	copy(p.Demo[:], parts)
	if key, ok := p.Key(); ok {
		return key
	}
	return unknownPattern
}

// logPending writes the pending entry of a response about to be inserted.
func (s *Store) logPending(ctx context.Context, c contribution) error {
	d := pendingDoc{ID: c.attempt, Response: c.response, Owner: s.rollups.writer.id,
		At: time.Now(), Packed: pack(c)}
	s.rollups.gate.RLock()
	defer s.rollups.gate.RUnlock()
	if set := s.rollups.rebuilding; set != nil {
		set.add(c.attempt)
	}
	if _, err := s.rollups.pending.InsertOne(ctx, d); err != nil {
		return fmt.Errorf("log pending count: %w", classify(err))
	}
	return nil
}

// logPendingMany writes the pending entries of a group commit in one insert.
func (s *Store) logPendingMany(ctx context.Context, batch []*commitReq) error {
	docs := make([]any, len(batch))
	now := time.Now()
	for i, r := range batch {
		docs[i] = pendingDoc{ID: r.c.attempt, Response: r.c.response, Owner: s.rollups.writer.id, At: now, Packed: pack(r.c)}
	}
	s.rollups.gate.RLock()
	defer s.rollups.gate.RUnlock()
	if set := s.rollups.rebuilding; set != nil {
		for _, r := range batch {
			set.add(r.c.attempt)
		}
	}
	if _, err := s.rollups.pending.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false)); err != nil {
		return fmt.Errorf("log pending counts: %w", classify(err))
	}
	return nil
}

// detached is a short context for bookkeeping that must outlive a request
// whose client has gone.
func detached(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
}

// markStored records that the attempt stored its response, so a replay need
// not look the response up. Failure only costs that look-up later.
func (s *Store) markStored(ctx context.Context, attempt string) {
	ctx, cancel := detached(ctx)
	defer cancel()
	_, _ = s.rollups.pending.UpdateOne(ctx, docD("_id", attempt), docD("$set", docD("ok", true)))
}

// forgetPending deletes the entry of an attempt that stored nothing.
// Failure leaves it to the reconciler.
func (s *Store) forgetPending(ctx context.Context, attempt string) {
	ctx, cancel := detached(ctx)
	defer cancel()
	_, _ = s.rollups.pending.DeleteOne(ctx, docD("_id", attempt))
}

// deletePending deletes the entries (one statement, so all or none).
func (s *Store) deletePending(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	if _, err := s.rollups.pending.DeleteMany(ctx, docD("_id", docD("$in", ids))); err != nil {
		return fmt.Errorf("clear pending: %w", classify(err))
	}
	return nil
}

// findPending reads the entries matching the filter (bson.D{} for all).
func (s *Store) findPending(ctx context.Context, filter bson.D) ([]pendingDoc, error) {
	cur, err := s.rollups.pending.Find(ctx, filter, options.Find().SetSort(docD("at", 1)))
	if err != nil {
		return nil, fmt.Errorf("read pending: %w", classify(err))
	}
	var docs []pendingDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("read pending: %w", classify(err))
	}
	return docs, nil
}
