package store

import (
	"context"
	"errors"
	"fmt"
)

// The "applied" step of the count-keeping lifecycle (doc.go): every batch
// record is handed to each applier in turn, and its pending entries are
// deleted only once all of them have applied it. An applier is exactly once
// per batch tag: given the same batch again with checked set (a retry, or a
// replay after a crash, by this process or another), it applies only what
// does not yet carry the tag. A new consumer of stored responses (another
// pre-aggregate) is one more entry in appliers.

// appliedBatch is what one batch record covers: the contributions of the
// held pending entries, under the batch's tag.
type appliedBatch struct {
	tag batchTag
	cs  []contribution
	// checked: an earlier try may have applied part of the batch.
	checked bool
}

// applier is a consumer of the lifecycle.
type applier struct {
	name  string
	apply func(context.Context, appliedBatch) error
}

// appliers lists the consumers, in the order they apply a batch.
func (w *rollupWriter) appliers() []applier {
	return []applier{
		{"rollups", w.applyRollups},     // rollup_apply.go
		{"comments", w.s.applyComments}, // comment_apply.go
		{"ratings", w.s.applyRatings},   // rating_apply.go
		{"pairs", w.applyPairs},         // pairs.go
	}
}

// applyAll applies the batch with every applier.
func (w *rollupWriter) applyAll(ctx context.Context, b appliedBatch) error {
	for _, a := range w.appliers() {
		if err := a.apply(ctx, b); err != nil {
			return fmt.Errorf("%s: %w", a.name, err)
		}
		if err := w.halted(a.name); err != nil {
			return err
		}
	}
	return nil
}

// applyRollups adds the batch to the rollup documents.
func (w *rollupWriter) applyRollups(ctx context.Context, b appliedBatch) error {
	set := bucketSet{}
	for _, c := range b.cs {
		if c.rating == nil {
			set.add(c)
		}
	}
	return w.apply(ctx, set, b.tag, b.checked)
}

// errHalted stops a batch where a test asked (rollupWriter.halt), leaving
// it as a process that died there would.
var errHalted = errors.New("batch halted by a test")

// halted returns errHalted when a test asked the writer to stop after step.
func (w *rollupWriter) halted(step string) error {
	if w.halt != nil && w.halt(step) {
		return errHalted
	}
	return nil
}
