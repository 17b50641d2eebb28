package store

import (
	"context"
	"fmt"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"hailong/survey"
)

// RatingMonthsOf is RatingMonths for several agencies at once (an agency
// and its lineage: the agencies merged into it), their counts added month
// by month and counter by counter. With kiosks set (an area filter: the
// kiosks that serve the area), only the ratings given at those kiosks count:
// they are read from the ratings themselves, since the month documents do
// not keep the kiosk. A rating carries no area, so a kiosk serving several
// areas counts for each of them.
func (s *Store) RatingMonthsOf(ctx context.Context, agencies []string, kiosks []string, p survey.Period, order []string) ([]survey.MonthRatings, error) {
	s.quick.mu.Lock()
	s.healRatingsLocked(ctx)
	s.quick.mu.Unlock()
	byMonth := map[string]map[string]int64{}
	add := func(month, cell string, n int64) {
		if byMonth[month] == nil {
			byMonth[month] = map[string]int64{}
		}
		byMonth[month][cell] += n
	}
	if kiosks == nil {
		for _, agency := range agencies {
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
			for _, d := range docs {
				for cell, n := range d.N {
					add(d.Month, cell, n)
				}
			}
		}
	} else if len(kiosks) > 0 {
		cur, err := s.ratings().Find(ctx, bson.D{
			{Key: "agency", Value: bson.D{{Key: "$in", Value: agencies}}},
			{Key: "kiosk", Value: bson.D{{Key: "$in", Value: kiosks}}},
			{Key: "ratedAt", Value: bson.D{{Key: "$gte", Value: p.From.Start()}, {Key: "$lt", Value: p.To.End()}}},
		}, options.Find().SetProjection(bson.D{{Key: "agency", Value: 1}, {Key: "kiosk", Value: 1}, {Key: "counter", Value: 1}, {Key: "level", Value: 1}, {Key: "ratedAt", Value: 1}}))
		if err != nil {
			return nil, fmt.Errorf("read ratings: %w", classify(err))
		}
		var rs []survey.Rating
		if err := cur.All(ctx, &rs); err != nil {
			return nil, fmt.Errorf("read ratings: %w", classify(err))
		}
		for _, r := range rs {
			if slices.Contains(agencies, r.Agency) && slices.Contains(kiosks, r.Kiosk) && survey.ValidRatingLevel(r.Level) {
				add(r.Month().String(), ratingCell(r.Counter, r.Level), 1)
			}
		}
	}
	var out []survey.MonthRatings
	for _, m := range p.Months() {
		out = append(out, monthRatings(m, byMonth[m.String()], order))
	}
	return out, nil
}
