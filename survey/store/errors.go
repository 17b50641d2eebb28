package store

import (
	"context"
	"errors"
	"net"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/topology"

	"hailong/survey"
)

// classify turns driver errors meaning "the database cannot be reached" into
// survey.ErrUnavailable (wrapping the cause), so the server answers 503 and
// asks the client to retry. Other errors pass through unchanged.
func classify(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, mongo.ErrNoDocuments) {
		return survey.ErrNotFound
	}
	if already := (*unavailable)(nil); errors.As(err, &already) {
		return err // classified before (and counted then)
	}
	countDBError(err) // for the metrics (stats.go)
	var netErr net.Error
	switch {
	case mongo.IsNetworkError(err),
		mongo.IsTimeout(err),
		errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, mongo.ErrClientDisconnected),
		errors.As(err, &netErr):
		return &unavailable{err}
	}
	var sel topology.ServerSelectionError
	var wait topology.WaitQueueTimeoutError
	if errors.As(err, &sel) || errors.As(err, &wait) ||
		errors.Is(err, topology.ErrServerClosed) || errors.Is(err, topology.ErrTopologyClosed) {
		return &unavailable{err}
	}
	// The driver's retryable connection errors, such as a connection pool
	// cleared after the database went away (its type is unexported): seen as
	// a rare 500 instead of 503 in the outage test.
	var retryable interface{ Retryable() bool }
	if errors.As(err, &retryable) && retryable.Retryable() {
		return &unavailable{err}
	}
	return err
}

type unavailable struct{ cause error }

func (u *unavailable) Error() string        { return "database unavailable: " + u.cause.Error() }
func (u *unavailable) Unwrap() []error      { return []error{survey.ErrUnavailable, u.cause} }
func (u *unavailable) Is(target error) bool { return target == survey.ErrUnavailable }

// docD builds an ordered document from alternating keys and values.
func docD(kv ...any) bson.D {
	d := make(bson.D, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		d = append(d, bson.E{Key: kv[i].(string), Value: kv[i+1]})
	}
	return d
}
