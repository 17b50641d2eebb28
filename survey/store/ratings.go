package store

// Quick ratings from kiosks are their own records, never SIPAS answers.
//
//	ratings:        {_id: <idempotency key>, kiosk, agency, counter, topic, level, lang, ratedAt, receivedAt}
//	rating_months:  {_id: "<agency>|<YYYY-MM>", agency, month,
//	                 n:    {"<counter>~<level>": ratings},   // counter hex-encoded, "-" for none
//	                 seen: {"k<rating id>": 1}}              // the ratings counted
//
// A rating is claimed by insert (its _id is the key the tablet generated), so
// a retry is a duplicate. The month document is a pre-aggregate read by _id
// range for the dashboard. It is kept by the store's one count-keeping
// lifecycle (doc.go), as the rollups and the comment pages are: a pending
// entry naming the rating is written before it, and the writer's "ratings"
// applier (rating_apply.go) counts it and the entry is deleted once every
// applier has applied its batch. The applier is exactly once per rating:
// one conditional update both increments the cell and marks the rating
// seen, and matches only while the rating is unseen, so a replay (by this
// process or another) adds nothing.

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"hailong/survey"
)

func (s *Store) ratings() *mongo.Collection      { return s.db.Collection("ratings") }
func (s *Store) ratingMonths() *mongo.Collection { return s.db.Collection("rating_months") }

func ratingMonthID(agency string, m survey.Month) string { return agency + "|" + m.String() }

// ratingCell names the count of a counter and level: the counter label (any
// letters) is hex-encoded so no field name holds a dot or starts with "$".
func ratingCell(counter string, l survey.RatingLevel) string {
	c := "-"
	if counter != "" {
		c = hex.EncodeToString([]byte(counter))
	}
	return c + "~" + string(l)
}

func parseRatingCell(cell string) (string, survey.RatingLevel, bool) {
	c, l, ok := strings.Cut(cell, "~")
	if !ok || !survey.ValidRatingLevel(survey.RatingLevel(l)) {
		return "", "", false
	}
	if c == "-" {
		return "", survey.RatingLevel(l), true
	}
	b, err := hex.DecodeString(c)
	if err != nil {
		return "", "", false
	}
	return string(b), survey.RatingLevel(l), true
}

// InsertRating stores a rating whose ID is its idempotency key and hands
// it to the count-keeping lifecycle (rating_apply.go), which counts it in
// its month. created is false when a rating with that key is already
// stored for the same kiosk, counter and level (a retry: nothing new is
// stored or counted); survey.ErrConflict when the key was used for another
// rating.
func (s *Store) InsertRating(ctx context.Context, r survey.Rating) (created bool, err error) {
	if !survey.ValidKey(r.ID) || !safeName(r.Agency) {
		return false, fmt.Errorf("insert rating: bad id or agency")
	}
	if err := s.logRatingPending(ctx, r.ID); err != nil {
		return false, fmt.Errorf("insert rating: %w", err)
	}
	_, err = s.ratings().InsertOne(ctx, r)
	switch {
	case err == nil:
		s.queueRating(r)
		return true, nil
	case mongo.IsDuplicateKeyError(err):
		prev, rerr := s.Rating(ctx, r.ID)
		if rerr != nil {
			return false, fmt.Errorf("read existing rating: %w", rerr)
		}
		// The first attempt may have stopped before counting: count it
		// (once) now, whatever this request was.
		s.queueRating(prev)
		if !prev.SameRequest(r) {
			return false, survey.ErrConflict
		}
		return false, nil
	default:
		// Stored or not: the pending entry lets the lifecycle find out.
		return false, fmt.Errorf("insert rating: %w", classify(err))
	}
}

// countRating adds the rating to its month document unless that document
// has already counted it.
func (s *Store) countRating(ctx context.Context, r survey.Rating) error {
	m := r.Month()
	id := ratingMonthID(r.Agency, m)
	seen := "seen.k" + r.ID
	cell := ratingCell(r.Counter, r.Level)
	for range 2 {
		res, err := s.ratingMonths().UpdateOne(ctx,
			bson.D{{Key: "_id", Value: id}, {Key: seen, Value: bson.D{{Key: "$exists", Value: false}}}},
			bson.D{{Key: "$inc", Value: bson.D{{Key: "n." + cell, Value: int64(1)}}}, {Key: "$set", Value: bson.D{{Key: seen, Value: 1}}}})
		if err != nil {
			return fmt.Errorf("count rating: %w", classify(err))
		}
		if res.MatchedCount == 1 {
			return nil
		}
		// Not matched: the month has no document yet, or has counted it.
		_, err = s.ratingMonths().InsertOne(ctx, bson.D{
			{Key: "_id", Value: id}, {Key: "agency", Value: r.Agency}, {Key: "month", Value: m.String()},
			{Key: "n", Value: bson.D{{Key: cell, Value: int64(1)}}},
			{Key: "seen", Value: bson.D{{Key: "k" + r.ID, Value: 1}}},
		})
		if err == nil {
			return nil
		}
		if !mongo.IsDuplicateKeyError(err) {
			return fmt.Errorf("count rating: %w", classify(err))
		}
		// The document exists: either it has counted this rating, or another
		// process created it meanwhile (try the update once more).
		n, err := s.ratingMonths().CountDocuments(ctx, bson.D{{Key: "_id", Value: id}, {Key: seen, Value: bson.D{{Key: "$exists", Value: true}}}})
		if err != nil {
			return fmt.Errorf("count rating: %w", classify(err))
		}
		if n == 1 {
			return nil
		}
	}
	return errors.New("count rating: month document keeps changing")
}

// Rating reads a rating by its id (its idempotency key).
func (s *Store) Rating(ctx context.Context, id string) (survey.Rating, error) {
	var r survey.Rating
	if err := s.ratings().FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&r); err != nil {
		return survey.Rating{}, classify(err)
	}
	return r, nil
}

// ratingMonthDoc is a month document without its seen set.
type ratingMonthDoc struct {
	ID    string           `bson:"_id"`
	Month string           `bson:"month"`
	N     map[string]int64 `bson:"n"`
}

// RatingMonths returns the agency's ratings for each month of the period
// (months without ratings included, empty), by counter: the counters in
// order (the kiosks' labels as given, then any other label), the ratings
// without a counter last. It reads one document per month with ratings.
func (s *Store) RatingMonths(ctx context.Context, agency string, p survey.Period, order []string) ([]survey.MonthRatings, error) {
	s.awaitRatings(ctx)
	cur, err := s.ratingMonths().Find(ctx,
		bson.D{{Key: "_id", Value: bson.D{{Key: "$gte", Value: ratingMonthID(agency, p.From)}, {Key: "$lte", Value: ratingMonthID(agency, p.To)}}}},
		options.Find().SetProjection(bson.D{{Key: "seen", Value: 0}}))
	if err != nil {
		return nil, fmt.Errorf("read ratings: %w", classify(err))
	}
	var docs []ratingMonthDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("read ratings: %w", classify(err))
	}
	byMonth := map[string]map[string]int64{}
	for _, d := range docs {
		byMonth[d.Month] = d.N
	}
	var out []survey.MonthRatings
	for _, m := range p.Months() {
		out = append(out, monthRatings(m, byMonth[m.String()], order))
	}
	return out, nil
}

// monthRatings turns a month document's cells into counts by counter.
func monthRatings(m survey.Month, cells map[string]int64, order []string) survey.MonthRatings {
	counts := map[string]*survey.RatingCount{}
	var labels []string
	for cell, n := range cells {
		counter, level, ok := parseRatingCell(cell)
		if !ok || n == 0 {
			continue
		}
		c, seen := counts[counter]
		if !seen {
			c = &survey.RatingCount{}
			counts[counter] = c
			labels = append(labels, counter)
		}
		c.Add(level, n)
	}
	rank := func(l string) int {
		if l == "" {
			return len(order) + 1
		}
		if i := slices.Index(order, l); i >= 0 {
			return i
		}
		return len(order)
	}
	slices.SortFunc(labels, func(a, b string) int {
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra - rb
		}
		return strings.Compare(a, b)
	})
	mr := survey.MonthRatings{Month: m}
	for _, l := range labels {
		mr.Counters = append(mr.Counters, survey.CounterRatings{Counter: l, Count: *counts[l]})
	}
	return mr
}

// RecountRatings counts an agency's ratings of a month from the ratings
// themselves (a full scan: for tests and checks, never for a page).
func (s *Store) RecountRatings(ctx context.Context, agency string, m survey.Month, order []string) (survey.MonthRatings, error) {
	cur, err := s.ratings().Find(ctx, bson.D{{Key: "agency", Value: agency}})
	if err != nil {
		return survey.MonthRatings{}, fmt.Errorf("recount ratings: %w", classify(err))
	}
	cells := map[string]int64{}
	for cur.Next(ctx) {
		var r survey.Rating
		if err := cur.Decode(&r); err != nil {
			return survey.MonthRatings{}, fmt.Errorf("recount ratings: %w", err)
		}
		if r.Month() == m {
			cells[ratingCell(r.Counter, r.Level)]++
		}
	}
	if err := cur.Err(); err != nil {
		return survey.MonthRatings{}, fmt.Errorf("recount ratings: %w", classify(err))
	}
	return monthRatings(m, cells, order), nil
}

// CountRatings counts every stored rating (a scan: for tests and operations).
func (s *Store) CountRatings(ctx context.Context) (int64, error) {
	n, err := s.ratings().CountDocuments(ctx, bson.D{})
	return n, classify(err)
}
