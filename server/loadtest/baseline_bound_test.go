package loadtest

import (
	"fmt"
	"testing"
	"time"
)

// The export scenario's raw passes are not bounded by -timeout, which bounds
// each export request alone: here a pass over every demo response takes
// longer than -timeout, while the export (the aggregates, read from the
// rollups) takes less. The pass before the run reads the whole collection,
// and the export completes.
func TestExportBaselineNotBoundByTimeout(t *testing.T) {
	const demo = 8000
	sum, _ := runTool(t, "-self", "-demo", fmt.Sprint(demo), "-scenario", "export", "-path", "/api/v1/exports/aggregates?format=csv",
		"-clients", "1", "-requests", "1", "-baseline", "-timeout", "2s")
	r := sum.rows[0]
	if r.readsBefore == nil || r.readsBefore.docs != demo || r.readsBefore.err != nil {
		t.Fatalf("the pass before the run: %+v, want one whole pass of %d", r.readsBefore, demo)
	}
	if r.readsBefore.elapsed < 2*time.Second {
		t.Logf("the pass took %v, within -timeout: this run does not show the bound", r.readsBefore.elapsed)
	}
	if r.res.ok != 1 || len(r.res.errors) != 0 || r.res.items < 1 || r.reads == nil || r.reads.docs < r.res.items {
		t.Errorf("export: ok %d, errors %v, rows %d, read after %+v", r.res.ok, r.res.errors, r.res.items, r.reads)
	}
}
