package store

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"hailong/survey"
)

// Published CCHC years live in "cchc_publications", one document per
// revision under _id "cchc|<year>|<revision>", written once and never
// changed: two publishes at once both read the same latest revision, the
// second insert fails on the _id and is retried with the next number (no
// transaction). The collection is tiny (a few documents a year).

func (s *Store) cchcPublications() *mongo.Collection { return s.db.Collection("cchc_publications") }

// LatestCCHCPublication is the newest revision of the year, with its
// content, or survey.ErrNotFound.
func (s *Store) LatestCCHCPublication(ctx context.Context, year int) (survey.CCHCPublication, error) {
	var p survey.CCHCPublication
	err := s.cchcPublications().FindOne(ctx, docD("year", year),
		options.FindOne().SetSort(docD("revision", -1))).Decode(&p)
	if err != nil {
		return p, classify(err)
	}
	return p, nil
}

// CCHCPublication is one revision with its content, or survey.ErrNotFound.
func (s *Store) CCHCPublication(ctx context.Context, year, revision int) (survey.CCHCPublication, error) {
	var p survey.CCHCPublication
	if err := s.cchcPublications().FindOne(ctx, docD("_id", survey.CCHCPublicationID(year, revision))).Decode(&p); err != nil {
		return p, classify(err)
	}
	return p, nil
}

// CCHCPublications lists every revision without its content, the latest
// year first, revisions oldest first within a year.
func (s *Store) CCHCPublications(ctx context.Context) ([]survey.CCHCPublication, error) {
	cur, err := s.cchcPublications().Find(ctx, bson.D{},
		options.Find().SetProjection(withoutContent()).SetSort(docD("year", -1, "revision", 1)))
	if err != nil {
		return nil, fmt.Errorf("list cchc publications: %w", classify(err))
	}
	var out []survey.CCHCPublication
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("list cchc publications: %w", classify(err))
	}
	return out, nil
}

// InsertCCHCPublication stores a new revision of the year: build is given
// the latest revision so far (nil for none) and returns the document, whose
// revision must follow it; on a race for that revision build is called
// again, up to a few times.
func (s *Store) InsertCCHCPublication(ctx context.Context, year int,
	build func(prev *survey.CCHCPublication) (survey.CCHCPublication, error)) (survey.CCHCPublication, error) {
	return insertRevision(ctx, s.cchcPublications(), fmt.Sprintf("cchc publication %d", year),
		func() (survey.CCHCPublication, error) { return s.LatestCCHCPublication(ctx, year) },
		build,
		func(p *survey.CCHCPublication) {
			p.Year = year
			p.ID = survey.CCHCPublicationID(year, p.Revision)
		})
}
