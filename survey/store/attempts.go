package store

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// LoginAttempts counts the recent failed logins of one key: a user name
// tried from one client, or a user name from every client (the server
// builds the keys; no raw address is ever part of one).
type LoginAttempts struct {
	Key         string    `bson:"_id"`
	Failures    int       `bson:"failures"`
	LastFailure time.Time `bson:"lastFailure"`
}

// attemptLocks serialise the failure counts of a key within this process.
// A failure is one $inc by _id, atomic on MongoDB even across service
// copies, but on FerretDB concurrent $inc updates of one document lose
// increments (DESIGN.md §2); serialised, they lose nothing, and FerretDB
// serves one process only. Striped: a count holds its lock for one update.
var attemptLocks [64]sync.Mutex

func attemptLock(key string) *sync.Mutex {
	h := fnv.New32a()
	h.Write([]byte(key))
	return &attemptLocks[h.Sum32()%uint32(len(attemptLocks))]
}

// LoginAttempts reads the failure record of a key (zero failures if none).
func (s *Store) LoginAttempts(ctx context.Context, key string) (LoginAttempts, error) {
	var a LoginAttempts
	err := s.attempts.FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Decode(&a)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return LoginAttempts{Key: key}, nil
	}
	if err != nil {
		return LoginAttempts{}, classify(err)
	}
	return a, nil
}

// AddLoginFailure counts one failure of the key at the time at and returns
// the record as it now is. A record whose last failure is older than
// forgetBefore starts over at one. Concurrent calls are all counted.
func (s *Store) AddLoginFailure(ctx context.Context, key string, at, forgetBefore time.Time) (LoginAttempts, error) {
	mu := attemptLock(key)
	mu.Lock()
	defer mu.Unlock()
	filter := bson.D{{Key: "_id", Value: key}}
	update := bson.D{
		{Key: "$inc", Value: bson.D{{Key: "failures", Value: 1}}},
		{Key: "$set", Value: bson.D{{Key: "lastFailure", Value: at}}},
	}
	opts := options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.Before)
	var prev LoginAttempts
	err := s.attempts.FindOneAndUpdate(ctx, filter, update, opts).Decode(&prev)
	if err != nil && upsertDuplicate(err) {
		// Another service copy created the record at the same moment
		// (MongoDB): it exists now, so this update cannot race again.
		err = s.attempts.FindOneAndUpdate(ctx, filter, update, opts).Decode(&prev)
	}
	switch {
	case errors.Is(err, mongo.ErrNoDocuments): // created by this update
		return LoginAttempts{Key: key, Failures: 1, LastFailure: at}, nil
	case err != nil:
		return LoginAttempts{}, fmt.Errorf("count login failure: %w", classify(err))
	case prev.LastFailure.Before(forgetBefore):
		a := LoginAttempts{Key: key, Failures: 1, LastFailure: at}
		if _, err := s.attempts.UpdateOne(ctx, filter, bson.D{{Key: "$set", Value: bson.D{{Key: "failures", Value: 1}}}}); err != nil {
			return LoginAttempts{}, fmt.Errorf("restart login failures: %w", classify(err))
		}
		return a, nil
	}
	return LoginAttempts{Key: key, Failures: prev.Failures + 1, LastFailure: at}, nil
}

// upsertDuplicate reports a duplicate key, which an upsert on FerretDB may
// also report as InternalError (code 1).
func upsertDuplicate(err error) bool {
	var se mongo.ServerError
	return mongo.IsDuplicateKeyError(err) || errors.As(err, &se) && se.HasErrorCode(1)
}

// SetLoginAttempts stores a failure record as it is (zero failures removes
// it). Logins count with AddLoginFailure; this is for resets and tests.
func (s *Store) SetLoginAttempts(ctx context.Context, a LoginAttempts) error {
	mu := attemptLock(a.Key)
	mu.Lock()
	defer mu.Unlock()
	filter := bson.D{{Key: "_id", Value: a.Key}}
	if a.Failures == 0 {
		_, err := s.attempts.DeleteOne(ctx, filter)
		return classify(err)
	}
	_, err := s.attempts.ReplaceOne(ctx, filter, a, options.Replace().SetUpsert(true))
	return classify(err)
}

// PruneLoginAttempts removes the records whose last failure is older than
// before (FerretDB has no TTL index). It scans the collection: call it rarely.
func (s *Store) PruneLoginAttempts(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.attempts.DeleteMany(ctx, bson.D{{Key: "lastFailure", Value: bson.D{{Key: "$lt", Value: before}}}})
	if err != nil {
		return 0, fmt.Errorf("prune login attempts: %w", classify(err))
	}
	return res.DeletedCount, nil
}
