package store

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"hailong/survey"
)

// Seed inserts the reference data a new installation starts with: procedure
// areas, the demo agencies of Tuyên Quang and the published questionnaires.
// Documents that already exist are left as they are, so Seed is safe at every
// start and never undoes an administrator's change.
func (s *Store) Seed(ctx context.Context) error {
	if err := insertMissing(ctx, s.areas, survey.SeedAreas()); err != nil {
		return fmt.Errorf("seed areas: %w", err)
	}
	if err := insertMissing(ctx, s.agencies, survey.SeedAgencies()); err != nil {
		return fmt.Errorf("seed agencies: %w", err)
	}
	if err := insertMissing(ctx, s.forms, survey.SeedForms()); err != nil {
		return fmt.Errorf("seed forms: %w", err)
	}
	s.InvalidateCatalog()
	return nil
}

// insertMissing inserts each document, ignoring those whose _id already exists
// (claim-by-insert: correct on MongoDB and FerretDB alike).
func insertMissing[T any](ctx context.Context, coll *mongo.Collection, docs []T) error {
	for _, d := range docs {
		if _, err := coll.InsertOne(ctx, d); err != nil && !mongo.IsDuplicateKeyError(err) {
			return classify(err)
		}
	}
	return nil
}
