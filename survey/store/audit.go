package store

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"hailong/survey"
)

// AppendAudit writes an audit entry. Its id is a new ObjectID in hex, so ids
// sort by time and listing needs only the _id index.
func (s *Store) AppendAudit(ctx context.Context, e survey.AuditEntry) error {
	if e.ID == "" {
		e.ID = bson.NewObjectID().Hex()
	}
	if _, err := s.audit.InsertOne(ctx, e); err != nil {
		return fmt.Errorf("append audit: %w", classify(err))
	}
	return nil
}

// Audit lists entries newest first, before the id given (all when empty).
func (s *Store) Audit(ctx context.Context, before string, limit int) ([]survey.AuditEntry, error) {
	filter := bson.D{}
	if before != "" {
		filter = bson.D{{Key: "_id", Value: bson.D{{Key: "$lt", Value: before}}}}
	}
	cur, err := s.audit.Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "_id", Value: -1}}).SetLimit(int64(limit)))
	if err != nil {
		return nil, fmt.Errorf("list audit: %w", classify(err))
	}
	var out []survey.AuditEntry
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("list audit: %w", classify(err))
	}
	return out, nil
}
