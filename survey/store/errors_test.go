package store

import (
	"errors"
	"fmt"
	"testing"

	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/topology"

	"hailong/survey"
)

// retryableErr stands for the driver's unexported retryable connection
// errors (a cleared connection pool).
type retryableErr struct{}

func (retryableErr) Error() string   { return "connection pool cleared" }
func (retryableErr) Retryable() bool { return true }

// Errors of a database that went away are "unavailable" (503), whatever form
// the driver gives them; others stay as they are (500).
func TestClassifyConnectionErrors(t *testing.T) {
	for _, err := range []error{
		fmt.Errorf("insert: %w", retryableErr{}),
		topology.ErrServerClosed,
		fmt.Errorf("x: %w", topology.ErrTopologyClosed),
		topology.WaitQueueTimeoutError{},
	} {
		if got := classify(err); !errors.Is(got, survey.ErrUnavailable) {
			t.Errorf("classify(%v) = %v, want unavailable", err, got)
		}
	}
	if got := classify(errors.New("some bug")); errors.Is(got, survey.ErrUnavailable) {
		t.Errorf("a plain error was classified unavailable")
	}
}
