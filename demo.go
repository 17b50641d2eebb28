package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"hailong/survey"
	"hailong/survey/store"
)

// demo fills the demo agencies with generated responses, then rebuilds the rollups.
func demo(ctx context.Context, st *store.Store, args []string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	n := fs.Int("responses", 10000, "number of responses to add")
	total := fs.Int("total", 0, "add responses until the database holds this many (instead of --responses)")
	seed := fs.Uint64("seed", uint64(time.Now().UnixNano()), "random seed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := loadCCHCFixture(ctx, st); err != nil {
		return err
	}
	if *total > 0 {
		cctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
		have, err := st.EstimateResponses(cctx)
		cancel()
		if err != nil {
			return err
		}
		*n = *total - int(have)
		fmt.Printf("%d responses stored; adding %d\n", have, max(*n, 0))
		if *n <= 0 {
			return rebuild(ctx, st, false)
		}
	}
	if *n < 1 || *n > 10_000_000 {
		return fmt.Errorf("--responses must be between 1 and 10000000")
	}
	cat, err := st.Catalog(ctx)
	if err != nil {
		return err
	}
	start := time.Now()
	added := 0
	err = survey.DemoBatches(cat, time.Now(), *n, *seed, 1000, func(batch []survey.Response) error {
		k, err := importBatch(ctx, st, batch)
		added += k
		if added%100000 < 1000 {
			fmt.Printf("\r%d responses added", added)
		}
		return err
	})
	if err != nil {
		return err
	}
	fmt.Printf("\r%d responses added in %v; rebuilding rollups\n", added, time.Since(start).Round(time.Millisecond))
	return rebuild(ctx, st, false)
}

// importBatch stores a batch of responses and returns how many it added.
// A loaded machine can time an insert out: the import skips the responses
// already stored, so the batch is simply sent again, up to five times.
func importBatch(ctx context.Context, st *store.Store, batch []survey.Response) (int, error) {
	insert := func() (int, error) {
		ictx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		return st.ImportResponses(ictx, batch)
	}
	k, err := insert()
	for try := 1; err != nil && try <= 5 && ctx.Err() == nil; try++ {
		fmt.Printf("\n%v; retrying in %ds\n", err, 2*try)
		time.Sleep(time.Duration(2*try) * time.Second)
		var more int
		more, err = insert()
		k += more
	}
	return k, err
}
