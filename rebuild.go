package main

import (
	"context"
	"fmt"
	"time"

	"hailong/survey/store"
)

// rollupsCommand runs "hailong rollups rebuild [--baseline]".
func rollupsCommand(ctx context.Context, args []string) error {
	baseline := len(args) == 2 && args[1] == "--baseline"
	if len(args) < 1 || args[0] != "rebuild" || len(args) > 2 || len(args) == 2 && !baseline {
		return fmt.Errorf("usage: hailong rollups rebuild [--baseline]")
	}
	return withStoreFor(ctx, true, func(st *store.Store) error { return rebuild(ctx, st, baseline) })
}

// rebuild recomputes the rollups and comment pages from the responses, in
// one scan, printing progress. With baseline it first reads the same
// responses with a plain cursor and prints the ratio of the two times.
func rebuild(ctx context.Context, st *store.Store, baseline bool) error {
	var plain time.Duration
	if baseline {
		start := time.Now()
		n, err := st.ReadResponses(ctx, func(done int64) { fmt.Printf("\r%d responses read (plain cursor)", done) })
		if err != nil {
			return err
		}
		plain = time.Since(start)
		fmt.Printf("\rplain cursor read of %d responses: %v\n", n, plain.Round(time.Millisecond))
	}
	start := time.Now()
	err := st.RebuildAll(ctx, func(done int64) {
		fmt.Printf("\r%d responses read", done)
	})
	if err != nil {
		return err
	}
	took := time.Since(start)
	fmt.Printf("\nrollups and comment pages rebuilt in %v\n", took.Round(time.Millisecond))
	if baseline {
		fmt.Printf("rebuild / plain read = %.2f\n", took.Seconds()/plain.Seconds())
	}
	return nil
}
