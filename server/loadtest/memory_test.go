package loadtest

import (
	"strings"
	"testing"
	"time"
)

// The form scenario runs for two seconds with the service's memory sampled
// from its /metrics every 200 ms (as the fresh administrator of -self).
func TestSelfMemorySamples(t *testing.T) {
	sum, out := runTool(t, "-self", "-scenario", "form", "-clients", "2", "-duration", "2s", "-memory", "200ms")
	m := sum.rows[0].memory
	if m == nil || m.err != nil || len(m.samples) < 5 {
		t.Fatalf("memory report %+v, want at least 5 samples and no error", m)
	}
	for _, s := range m.samples {
		if s.rss < 10<<20 || s.heap < 1<<20 || s.heap > s.rss*4 {
			t.Errorf("sample %+v: implausible resident or heap size", s)
		}
	}
	if m.warm <= 0 || m.peak < m.warm || !strings.Contains(out, "resident after warm-up") {
		t.Errorf("report %+v\n%s", m, out)
	}
}

func TestMemorySummary(t *testing.T) {
	var ss []memSample
	for i := range 20 {
		rss := 100.0 // MB, flat after a warm-up from 60
		if i < 4 {
			rss = 60 + 10*float64(i)
		}
		if i >= 16 {
			rss = 112 // the last fifth grew by 12 %
		}
		ss = append(ss, memSample{at: time.Duration(i) * time.Second, rss: rss * (1 << 20), heap: 30 << 20})
	}
	r := summarizeMemory(ss, nil)
	if r.warm != 100<<20 || r.last != 112<<20 || r.peak != 112<<20 || r.growth < 0.119 || r.growth > 0.121 {
		t.Errorf("summary %+v, want warm 100 MiB, last and peak 112 MiB, growth 12 %%", r)
	}
	if r := summarizeMemory(ss[:2], nil); r.err == nil {
		t.Error("two samples summarised without a complaint")
	}
	s, err := parseMemory(strings.NewReader("# HELP x\nprocess_resident_memory_bytes 7.5e+07\ngo_memstats_heap_inuse_bytes 3.2e+07\nother 1\n"))
	if err != nil || s.rss != 7.5e7 || s.heap != 3.2e7 {
		t.Errorf("parse: %+v %v", s, err)
	}
	if _, err := parseMemory(strings.NewReader("process_resident_memory_bytes 1\n")); err == nil {
		t.Error("a page without the heap gauge was accepted")
	}
}
