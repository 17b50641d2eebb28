package store

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"hailong/survey"
)

// ImportResponses stores many responses at once (demo data, imports of
// paper surveys), skipping those whose id already exists. It bypasses the
// rollup writer: call RebuildRollups afterwards so reports include them.
func (s *Store) ImportResponses(ctx context.Context, rs []survey.Response) (inserted int, err error) {
	if len(rs) == 0 {
		return 0, nil
	}
	docs := make([]any, len(rs))
	for i, r := range rs {
		docs[i] = r
	}
	res, err := s.responses.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	if res != nil {
		inserted = len(res.InsertedIDs)
	}
	if err != nil && !mongo.IsDuplicateKeyError(err) {
		return inserted, fmt.Errorf("import responses: %w", classify(err))
	}
	return inserted, nil
}
