package store

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"hailong/survey"
)

// insertRevision stores the next revision of something published (a
// period's rankings, a year's CCHC index), written once under an _id that
// names its revision: latest reads the revision so far (survey.ErrNotFound
// for none), build makes the next from it, and seal sets the document's
// keys. Two publishers racing for one revision meet on the _id; the loser
// reads the latest again and builds the one after, up to a few times, so
// no transaction is needed. what names the thing in errors.
func insertRevision[T any](ctx context.Context, coll *mongo.Collection, what string,
	latest func() (T, error), build func(prev *T) (T, error), seal func(*T)) (T, error) {
	var zero T
	for range 5 {
		var prev *T
		switch p, err := latest(); {
		case err == nil:
			prev = &p
		case !errors.Is(err, survey.ErrNotFound):
			return zero, fmt.Errorf("latest %s: %w", what, err)
		}
		p, err := build(prev)
		if err != nil {
			return zero, err
		}
		seal(&p)
		_, err = coll.InsertOne(ctx, p)
		if err == nil {
			return p, nil
		}
		if !mongo.IsDuplicateKeyError(err) {
			return zero, fmt.Errorf("insert %s: %w", what, classify(err))
		}
	}
	return zero, fmt.Errorf("insert %s: %w", what, survey.ErrConflict)
}
