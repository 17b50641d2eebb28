package store

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"hailong/survey"
)

// The CCHC index keeps its framework versions in "cchc_frameworks", one
// document per version with _id "cchc@<version>" (claim-by-insert, like
// questionnaires), and each year's appraised points in "cchc_points", one
// document per year (_id = the year) holding every unit's, so that an entry
// is stored whole or not at all without a transaction. A year's document is
// replaced only while its revision is the one read (optimistic concurrency).

func (s *Store) cchcFrameworks() *mongo.Collection { return s.db.Collection("cchc_frameworks") }
func (s *Store) cchcPoints() *mongo.Collection     { return s.db.Collection("cchc_points") }

// CCHCFrameworks reads every framework version, drafts included, in _id order.
func (s *Store) CCHCFrameworks(ctx context.Context) ([]survey.CCHCFramework, error) {
	var fs []survey.CCHCFramework
	if err := findAll(ctx, s.cchcFrameworks(), &fs); err != nil {
		return nil, fmt.Errorf("list cchc frameworks: %w", err)
	}
	return fs, nil
}

// CCHCFramework reads one version, or survey.ErrNotFound.
func (s *Store) CCHCFramework(ctx context.Context, version int) (survey.CCHCFramework, error) {
	var f survey.CCHCFramework
	err := s.cchcFrameworks().FindOne(ctx, bson.D{{Key: "_id", Value: survey.CCHCKey(version)}}).Decode(&f)
	if err != nil {
		return survey.CCHCFramework{}, classify(err)
	}
	return f, nil
}

// InsertCCHCFramework stores a new version; survey.ErrDuplicate when it exists.
func (s *Store) InsertCCHCFramework(ctx context.Context, f survey.CCHCFramework) error {
	f.Key = survey.CCHCKey(f.Version)
	return insertNew(ctx, s.cchcFrameworks(), f)
}

// ReplaceCCHCDraft stores a changed (or publishing) draft, only while the
// stored version is a draft: survey.ErrPublished otherwise,
// survey.ErrNotFound when there is no such version.
func (s *Store) ReplaceCCHCDraft(ctx context.Context, f survey.CCHCFramework) error {
	f.Key = survey.CCHCKey(f.Version)
	s.draftMu.Lock() // see Store.draftMu
	defer s.draftMu.Unlock()
	res, err := s.cchcFrameworks().ReplaceOne(ctx, bson.D{{Key: "_id", Value: f.Key}, {Key: "published", Value: false}}, f)
	if err != nil {
		return fmt.Errorf("replace cchc framework %s: %w", f.Key, classify(err))
	}
	if res.MatchedCount == 0 {
		if _, err := s.CCHCFramework(ctx, f.Version); err != nil {
			return err
		}
		return survey.ErrPublished
	}
	return nil
}

// CCHCYear reads a year's points; a year without any has none (Rev 0).
func (s *Store) CCHCYear(ctx context.Context, year int) (survey.CCHCYear, error) {
	var y survey.CCHCYear
	err := s.cchcPoints().FindOne(ctx, bson.D{{Key: "_id", Value: year}}).Decode(&y)
	if err != nil {
		if err = classify(err); errors.Is(err, survey.ErrNotFound) {
			return survey.CCHCYear{Year: year}, nil
		}
		return y, fmt.Errorf("read cchc points of %d: %w", year, err)
	}
	return y, nil
}

// SaveCCHCYear stores a year's points as read at revision y.Rev with the
// revision one more: survey.ErrConflict when another write came between
// (the caller reads again and retries).
func (s *Store) SaveCCHCYear(ctx context.Context, y survey.CCHCYear) error {
	read := y.Rev
	y.Rev++
	if y.Units == nil {
		y.Units = []survey.CCHCUnitPoints{}
	}
	if read == 0 {
		err := insertNew(ctx, s.cchcPoints(), y)
		if errors.Is(err, survey.ErrDuplicate) {
			return survey.ErrConflict
		}
		return err
	}
	res, err := s.cchcPoints().ReplaceOne(ctx, bson.D{{Key: "_id", Value: y.Year}, {Key: "rev", Value: read}}, y)
	if err != nil {
		return fmt.Errorf("save cchc points of %d: %w", y.Year, classify(err))
	}
	if res.MatchedCount == 0 {
		return survey.ErrConflict
	}
	return nil
}

// LoadCCHCFixture stores the 2018 fixture (survey.CCHCFixtureFramework and
// its 2017 and 2018 points) where nothing is stored yet: a framework version
// or a year that exists is left as it is. It reports what it added.
func (s *Store) LoadCCHCFixture(ctx context.Context) (added []string, err error) {
	fw := survey.CCHCFixtureFramework()
	switch err := s.InsertCCHCFramework(ctx, fw); {
	case err == nil:
		added = append(added, fw.Key)
	case !errors.Is(err, survey.ErrDuplicate):
		return added, err
	}
	for _, y := range survey.CCHCFixtureYears() {
		switch err := s.SaveCCHCYear(ctx, y); {
		case err == nil:
			added = append(added, fmt.Sprint(y.Year))
		case !errors.Is(err, survey.ErrConflict):
			return added, err
		}
	}
	return added, nil
}

// CCHCYears lists the years that have points, in order.
func (s *Store) CCHCYears(ctx context.Context) ([]int, error) {
	cur, err := s.cchcPoints().Find(ctx, bson.D{}, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}).SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("list cchc years: %w", classify(err))
	}
	var docs []struct {
		Year int `bson:"_id"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("list cchc years: %w", classify(err))
	}
	out := make([]int, len(docs))
	for i, d := range docs {
		out[i] = d.Year
	}
	return out, nil
}
