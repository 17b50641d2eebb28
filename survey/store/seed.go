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

// Seed inserts the reference data a new installation starts with: procedure
// areas, the agencies of Tuyên Quang with their 2025 reorganisation
// (survey.SeedAgencies) and the published questionnaires. Documents that
// already exist are left as they are, so Seed is safe at every start and
// never undoes an administrator's change.
//
// When it seeds the agencies, the audit log gets one entry per change of
// their history (actor "seed"), as the administration writes for the same
// change (twice if two processes seed one empty database at once).
func (s *Store) Seed(ctx context.Context) error {
	return s.seed(ctx, survey.SeedAgencies(), survey.SeedAudit)
}

// SeedWith seeds as Seed does, with the given agencies and no audit
// entries for them. The agencies are a
// whole, dated catalog (mergers name their survivors, which list their
// predecessors), so they go only into a database that has none: a folder
// seeded by an earlier version keeps its agencies exactly as they are, and
// the reorganisation is recorded there through the administration pages.
func (s *Store) SeedWith(ctx context.Context, agencies []survey.Agency) error {
	return s.seed(ctx, agencies, nil)
}

func (s *Store) seed(ctx context.Context, agencies []survey.Agency, audit func(time.Time) []survey.AuditEntry) error {
	if err := insertMissing(ctx, s.areas, survey.SeedAreas()); err != nil {
		return fmt.Errorf("seed areas: %w", err)
	}
	n, err := s.agencies.CountDocuments(ctx, bson.D{}, options.Count().SetLimit(1))
	if err != nil {
		return fmt.Errorf("seed agencies: %w", classify(err))
	}
	if n == 0 {
		// Two processes seeding an empty database at once insert the same
		// documents: the second's are duplicates, ignored.
		if err := insertMissing(ctx, s.agencies, agencies); err != nil {
			return fmt.Errorf("seed agencies: %w", err)
		}
		if audit != nil {
			for _, e := range audit(time.Now()) {
				if err := s.AppendAudit(ctx, e); err != nil {
					return fmt.Errorf("seed agencies: %w", err)
				}
			}
		}
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
