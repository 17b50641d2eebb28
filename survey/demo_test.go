package survey

import (
	"slices"
	"testing"
	"time"
)

// TestDemoBatches: DemoBatches hands over the responses DemoResponses makes, in order, in
// full batches and a smaller last one.
func TestDemoBatches(t *testing.T) {
	cat := &Catalog{Areas: SeedAreas(), Agencies: SeedAgencies(), Forms: SeedForms()}
	now := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	var want []string
	if err := DemoResponses(cat, now, 25, 3, func(r Response) error { want = append(want, demoKey(r)); return nil }); err != nil {
		t.Fatal(err)
	}
	var got []string
	var sizes []int
	err := DemoBatches(cat, now, 25, 3, 10, func(b []Response) error {
		sizes = append(sizes, len(b))
		for _, r := range b {
			got = append(got, demoKey(r))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sizes, []int{10, 10, 5}) || !slices.Equal(got, want) {
		t.Errorf("batches of %v holding %v, want [10 10 5] holding %v", sizes, got, want)
	}
}

// demoKey names a demo response by what the seed decides (its ID is random).
func demoKey(r Response) string { return r.Agency + " " + r.SubmittedAt.Format(time.RFC3339Nano) }
