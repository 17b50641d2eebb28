package main

import (
	"context"
	"testing"

	"hailong/survey/store/storetest"
)

// hailong demo loads the 2018 CCHC fixture, once.
func TestDemoLoadsCCHCFixture(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	for range 2 {
		if err := loadCCHCFixture(ctx, st); err != nil {
			t.Fatal(err)
		}
	}
	y, err := st.CCHCYear(ctx, 2018)
	if err != nil || len(y.Units) != 26 || y.Rev != 1 {
		t.Fatalf("2018 after two loads: %d units, rev %d, %v", len(y.Units), y.Rev, err)
	}
}
