package store

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"hailong/survey"
)

// InsertResponse stores a response whose ID is its idempotency key. It reports
// created=false when a response with that key already exists for the same
// survey (a retry: nothing new is stored), and survey.ErrConflict when the key
// was already used for a different survey.
func (s *Store) InsertResponse(ctx context.Context, r survey.Response) (created bool, err error) {
	_, err = s.responses.InsertOne(ctx, r)
	if err == nil {
		return true, nil
	}
	if !mongo.IsDuplicateKeyError(err) {
		return false, fmt.Errorf("insert response: %w", classify(err))
	}
	prev, err := s.Response(ctx, r.ID)
	if err != nil {
		return false, fmt.Errorf("read existing response: %w", err)
	}
	if !prev.SameRequest(r) {
		return false, survey.ErrConflict
	}
	return false, nil
}

// Response reads one response by its id.
func (s *Store) Response(ctx context.Context, id string) (survey.Response, error) {
	var r survey.Response
	err := s.responses.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&r)
	if err != nil {
		return survey.Response{}, classify(err)
	}
	return r, nil
}

// CountResponses counts every stored response. It scans on FerretDB: for
// tests and operations, never for a page.
func (s *Store) CountResponses(ctx context.Context) (int64, error) {
	n, err := s.responses.CountDocuments(ctx, bson.D{})
	return n, classify(err)
}
