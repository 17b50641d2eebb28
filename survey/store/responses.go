package store

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"

	"hailong/survey"
)

// storedResponse is a response as stored: with the attempt id of the pending
// log entry written by the insert that stored it (see pending.go), so a
// replay can tell the attempt that stored it from one that only tried.
type storedResponse struct {
	survey.Response `bson:",inline"`
	Attempt         string `bson:"attempt,omitempty"`
}

// InsertResponse stores a response whose ID is its idempotency key. It reports
// created=false when a response with that key already exists for the same
// survey (a retry: nothing new is stored), and survey.ErrConflict when the key
// was already used for a different survey.
//
// A new response is counted in the rollups by the writer, without waiting
// for it: a pending log entry is written first, under a fresh attempt id that
// the response records too, so a crash at any point is healed at the next
// start, and a retry (a duplicate) is never counted.
func (s *Store) InsertResponse(ctx context.Context, r survey.Response) (created bool, err error) {
	c, err := newContribution(r, "") // the attempt is numbered by commit
	if err != nil {
		return false, fmt.Errorf("insert response: %w", err)
	}
	if len(r.Contact) > 0 {
		// Stored first, so that a stored response never lacks its
		// contact (attention.go).
		if err := s.storeContact(ctx, r); err != nil {
			return false, err
		}
	}
	attempt, err := s.commit(ctx, c, storedResponse{Response: r})
	if err == nil {
		return true, nil
	}
	if !errors.Is(err, errDuplicateResponse) {
		// Stored or not: the pending entry lets the writer find out later.
		return false, err
	}
	s.stats.duplicates.Add(1)
	s.forgetPending(ctx, attempt)
	prev, err := s.Response(ctx, r.ID)
	if err != nil {
		return false, fmt.Errorf("read existing response: %w", err)
	}
	if !prev.SameRequest(r) {
		return false, survey.ErrConflict
	}
	// A retry: make sure the response's attention item exists (it is
	// written once; this heals an item whose first write failed).
	if err := s.ensureAttention(ctx, prev); err != nil {
		s.log.Warn("attention: item not written on retry", "err", err)
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

// storedResponse reads a response with the attempt that stored it.
func (s *Store) storedResponse(ctx context.Context, id string) (survey.Response, string, error) {
	var r storedResponse
	err := s.responses.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&r)
	if err != nil {
		return survey.Response{}, "", classify(err)
	}
	return r.Response, r.Attempt, nil
}

// CountResponses counts every stored response. It scans on FerretDB: for
// tests and operations, never for a page.
func (s *Store) CountResponses(ctx context.Context) (int64, error) {
	n, err := s.responses.CountDocuments(ctx, bson.D{})
	return n, classify(err)
}

// EstimateResponses returns the collection's document count from its
// metadata, without a scan: for commands on large databases.
func (s *Store) EstimateResponses(ctx context.Context) (int64, error) {
	n, err := s.responses.EstimatedDocumentCount(ctx)
	return n, classify(err)
}
