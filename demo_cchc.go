package main

import (
	"context"
	"fmt"
	"strings"

	"hailong/survey/store"
)

// loadCCHCFixture stores the 2018 CCHC fixture (the framework and the 2017
// and 2018 points, survey/cchc_fixture.go) unless already there, so that
// GET /api/v1/cchc/2018 answers on a demo folder.
func loadCCHCFixture(ctx context.Context, st *store.Store) error {
	added, err := st.LoadCCHCFixture(ctx)
	if err != nil {
		return fmt.Errorf("load the CCHC fixture: %w", err)
	}
	if len(added) > 0 {
		fmt.Printf("CCHC fixture loaded: %s\n", strings.Join(added, ", "))
	}
	return nil
}
