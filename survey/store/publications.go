package store

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"hailong/survey"
)

// Publications live in "publications", one document per revision under
// _id "<period>|<basis>|<revision>": a revision is written once and never
// changed. Two inspectors publishing the same period at once both read the
// same latest revision; the second insert fails on the _id and is retried
// with the next number (no transaction needed). The collection is small
// (a few documents a quarter), so listings read it whole.

func (s *Store) publications() *mongo.Collection { return s.db.Collection("publications") }

// withoutContent leaves the frozen content out of a listing.
func withoutContent() bson.D { return docD("content", 0) }

// LatestPublication is the newest revision of the period and basis, with
// its content, or survey.ErrNotFound.
func (s *Store) LatestPublication(ctx context.Context, period string, basis survey.Basis) (survey.Publication, error) {
	var p survey.Publication
	err := s.publications().FindOne(ctx, docD("key", survey.PublicationKey(period, basis)),
		options.FindOne().SetSort(docD("revision", -1))).Decode(&p)
	if err != nil {
		return p, classify(err)
	}
	return p, nil
}

// Publication is one revision with its content, or survey.ErrNotFound.
func (s *Store) Publication(ctx context.Context, period string, basis survey.Basis, revision int) (survey.Publication, error) {
	var p survey.Publication
	if err := s.publications().FindOne(ctx, docD("_id", survey.PublicationID(period, basis, revision))).Decode(&p); err != nil {
		return p, classify(err)
	}
	return p, nil
}

// Publications lists every revision without its content, newest first.
func (s *Store) Publications(ctx context.Context) ([]survey.Publication, error) {
	cur, err := s.publications().Find(ctx, bson.D{},
		options.Find().SetProjection(withoutContent()).SetSort(docD("publishedAt", -1, "_id", -1)))
	if err != nil {
		return nil, fmt.Errorf("list publications: %w", classify(err))
	}
	var out []survey.Publication
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("list publications: %w", classify(err))
	}
	return out, nil
}

// InsertPublication stores a new revision: build is given the latest
// revision so far (nil for none) and returns the document to store, whose
// revision must follow it. When another publish took that revision first,
// build is called again with it, up to a few times.
func (s *Store) InsertPublication(ctx context.Context, period string, basis survey.Basis,
	build func(prev *survey.Publication) (survey.Publication, error)) (survey.Publication, error) {
	return insertRevision(ctx, s.publications(), "publication "+survey.PublicationKey(period, basis),
		func() (survey.Publication, error) { return s.LatestPublication(ctx, period, basis) },
		build,
		func(p *survey.Publication) {
			p.Key = survey.PublicationKey(period, basis)
			p.ID = survey.PublicationID(period, basis, p.Revision)
		})
}
