package store

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"hailong/survey"
)

// InsertAgency creates an agency; survey.ErrDuplicate when the code is taken.
func (s *Store) InsertAgency(ctx context.Context, a survey.Agency) error {
	defer s.InvalidateCatalog()
	return insertNew(ctx, s.agencies, a)
}

// ReplaceAgencies stores changed agencies (one after another: a merger
// touches several; each write is whole, and a retry converges).
func (s *Store) ReplaceAgencies(ctx context.Context, as ...survey.Agency) error {
	defer s.InvalidateCatalog()
	for _, a := range as {
		if err := replaceByID(ctx, s.agencies, a.Code, a); err != nil {
			return fmt.Errorf("replace agency %s: %w", a.Code, err)
		}
	}
	return nil
}

// InsertArea creates a procedure area; survey.ErrDuplicate when taken.
func (s *Store) InsertArea(ctx context.Context, a survey.Area) error {
	defer s.InvalidateCatalog()
	return insertNew(ctx, s.areas, a)
}

// ReplaceArea stores a changed area.
func (s *Store) ReplaceArea(ctx context.Context, a survey.Area) error {
	defer s.InvalidateCatalog()
	return replaceByID(ctx, s.areas, a.Code, a)
}

func insertNew(ctx context.Context, coll *mongo.Collection, doc any) error {
	if _, err := coll.InsertOne(ctx, doc); err != nil {
		if mongo.IsDuplicateKeyError(err) {
			return survey.ErrDuplicate
		}
		return fmt.Errorf("insert into %s: %w", coll.Name(), classify(err))
	}
	return nil
}

func replaceByID(ctx context.Context, coll *mongo.Collection, id string, doc any) error {
	res, err := coll.ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}}, doc)
	if err != nil {
		return classify(err)
	}
	if res.MatchedCount == 0 {
		return survey.ErrNotFound
	}
	return nil
}
