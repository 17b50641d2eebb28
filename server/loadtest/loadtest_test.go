package loadtest

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// runTool parses args as the command line does and runs the tool.
func runTool(t *testing.T, args ...string) (*summary, string) {
	t.Helper()
	o, err := parseOptions(args, &bytes.Buffer{})
	if err != nil {
		t.Fatalf("parse %v: %v", args, err)
	}
	var out bytes.Buffer
	sum, err := run(context.Background(), o, &out)
	if err != nil {
		t.Fatalf("run %v: %v\n%s", args, err, out.String())
	}
	t.Logf("%s", out.String())
	return sum, out.String()
}

// The API scenario runs end to end on the in-process service: every request
// is a 201, every 201 is stored exactly once, and the baseline runs.
func TestSelfAPISubmit(t *testing.T) {
	sum, out := runTool(t, "-self", "-scenario", "api-submit", "-clients", "4", "-requests", "200", "-baseline")
	if len(sum.rows) != 1 {
		t.Fatalf("rows = %d, want 1", len(sum.rows))
	}
	r := sum.rows[0]
	if r.res.ops != 200 || r.res.ok != 200 || len(r.res.errors) != 0 {
		t.Errorf("ops %d, ok %d, errors %v; want 200 created, no error", r.res.ops, r.res.ok, r.res.errors)
	}
	if r.created != 200 {
		t.Errorf("stored %d responses, want 200", r.created)
	}
	if r.res.hist.n != 200 || r.res.hist.quantile(.99) <= 0 {
		t.Errorf("latencies recorded %d, p99 %v", r.res.hist.n, r.res.hist.quantile(.99))
	}
	if r.inserts == nil || r.inserts.ok != 200 || len(r.inserts.errors) != 0 {
		t.Errorf("baseline inserts: %+v", r.inserts)
	}
	if r.reads == nil || r.reads.err != nil || r.reads.docs == 0 {
		t.Errorf("baseline reads: %+v", r.reads)
	}
	for _, want := range []string{"p99", "ratio api-submit / raw insertOne", "MEDIAN of 1 run(s)"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
}

// The browser path (GET the form, POST it back) and the form page run with
// no error, two client counts and two runs each.
func TestSelfFormAndSubmit(t *testing.T) {
	sum, _ := runTool(t, "-self", "-scenario", "submit", "-clients", "2", "-requests", "40")
	if r := sum.rows[0]; r.res.ok != 40 || len(r.res.errors) != 0 || r.created != 40 {
		t.Errorf("submit: ok %d, errors %v, stored %d; want 40, none, 40", r.res.ok, r.res.errors, r.created)
	}
	sum, out := runTool(t, "-self", "-scenario", "form", "-clients", "1,3", "-runs", "2", "-requests", "30")
	if len(sum.rows) != 4 {
		t.Fatalf("rows = %d, want 4", len(sum.rows))
	}
	for _, r := range sum.rows {
		if r.res.ok != 30 || len(r.res.errors) != 0 {
			t.Errorf("form clients=%d run %d: ok %d, errors %v", r.clients, r.run, r.res.ok, r.res.errors)
		}
	}
	if strings.Count(out, "MEDIAN of 2 run(s)") != 2 {
		t.Errorf("want a median line per client count:\n%s", out)
	}
}

// The dashboard is read logged in (as a fresh administrator with -self);
// the export scenario downloads every demo response as CSV, counts the rows
// and reads as many documents raw for the ratio.
func TestStaffScenarios(t *testing.T) {
	sum, _ := runTool(t, "-self", "-scenario", "dashboard", "-clients", "2", "-requests", "20")
	if r := sum.rows[0]; r.res.ok != 20 || len(r.res.errors) != 0 {
		t.Errorf("dashboard: ok %d, errors %v; want 20, none", r.res.ok, r.res.errors)
	}
	sum, out := runTool(t, "-self", "-demo", "300", "-scenario", "export", "-clients", "1", "-requests", "2", "-baseline", "-timeout", "5m")
	if r := sum.rows[0]; r.res.ok != 2 || len(r.res.errors) != 0 || r.res.items != 2*300 || r.reads == nil || r.reads.docs < 600 {
		t.Errorf("export: ok %d, errors %v, rows %d, baseline %+v; want 2, none, 600, 600 read", r.res.ok, r.res.errors, r.res.items, r.reads)
	}
	if r := sum.rows[0]; r.readsBefore == nil || r.readsBefore.docs != 300 {
		t.Errorf("export: the read before the run: %+v, want one pass of 300", r.readsBefore)
	}
	if !strings.Contains(out, "ratio export rows/s / raw cursor read (mean of before and after)") {
		t.Errorf("export: no ratio in\n%s", out)
	}
}

func TestOptions(t *testing.T) {
	o, err := parseOptions([]string{"-target", "http://127.0.0.1:8080/", "-clients", "16, 64,256"}, &bytes.Buffer{})
	if err != nil || o.target != "http://127.0.0.1:8080" || len(o.clients) != 3 || o.clients[2] != 256 || o.duration != defaultDur {
		t.Errorf("got %+v, %v", o, err)
	}
	for _, bad := range [][]string{
		{}, {"-self", "-target", "http://x"}, {"-self", "-clients", "0"}, {"-self", "-clients", "a"},
		{"-self", "-scenario", "nope"}, {"-target", "ftp://x"}, {"-target", "http://x", "-baseline"},
		{"-self", "-runs", "0"}, {"-self", "-duration", "2h"}, {"-self", "extra"}, {"-self", "-comments", "2"},
	} {
		if _, err := parseOptions(bad, &bytes.Buffer{}); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
}

func TestHistogram(t *testing.T) {
	var h histogram
	for i := 1; i <= 1000; i++ {
		h.record(time.Duration(i) * time.Microsecond)
	}
	for _, c := range []struct {
		q    float64
		want time.Duration
	}{{.5, 500 * time.Microsecond}, {.99, 990 * time.Microsecond}, {1, time.Millisecond}} {
		got := h.quantile(c.q)
		if d := float64(got-c.want) / float64(c.want); d < 0 || d > 1.0/subBuckets {
			t.Errorf("q%.2f = %v, want %v (+1/%d)", c.q, got, c.want, subBuckets)
		}
	}
	for v := int64(0); v < 1<<20; v = v*3/2 + 1 {
		if i := bucketOf(v); upperOf(i) < v || (i > 0 && upperOf(i-1) >= v) {
			t.Fatalf("value %d in bucket %d [.., %d]", v, i, upperOf(i))
		}
	}
}
