package store

import (
	"context"
	"crypto/rand"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// Secret returns the installation's server key (32 random bytes), creating
// it on first use. Every instance sharing the database gets the same key, so
// CSRF tokens and signed links verify on any of them. Claim-by-insert keeps
// two instances starting at once from making two keys.
func (s *Store) Secret(ctx context.Context) ([]byte, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	doc := bson.D{{Key: "_id", Value: "server-key"}, {Key: "key", Value: key}}
	if _, err := s.settings.InsertOne(ctx, doc); err != nil && !mongo.IsDuplicateKeyError(err) {
		return nil, fmt.Errorf("store key: %w", classify(err))
	}
	var got struct {
		Key []byte `bson:"key"`
	}
	if err := s.settings.FindOne(ctx, bson.D{{Key: "_id", Value: "server-key"}}).Decode(&got); err != nil {
		return nil, fmt.Errorf("read key: %w", classify(err))
	}
	if len(got.Key) < 32 {
		return nil, fmt.Errorf("server key is too short")
	}
	return got.Key, nil
}
