package server

import (
	"runtime/debug"
	"slices"
	"strings"
	"testing"
)

func TestExportMemoryLimitConfig(t *testing.T) {
	env := envOf
	for _, c := range []struct {
		env  []string
		want int64
	}{
		{nil, DefaultExportMemoryLimit},
		{[]string{"HAILONG_EXPORT_MEMORY_LIMIT", "64MiB"}, 64 << 20},
		{[]string{"HAILONG_EXPORT_MEMORY_LIMIT", "1GiB"}, 1 << 30},
		{[]string{"HAILONG_EXPORT_MEMORY_LIMIT", "20000000"}, 20000000},
		{[]string{"HAILONG_EXPORT_MEMORY_LIMIT", "OFF"}, 0},
	} {
		cfg, err := LoadConfig(env(c.env...))
		if err != nil {
			t.Fatalf("%v: %v", c.env, err)
		}
		if cfg.ExportMemoryLimit != c.want {
			t.Errorf("%v: limit %d, want %d", c.env, cfg.ExportMemoryLimit, c.want)
		}
	}
	for _, bad := range []string{"48MB", "-1MiB", "1MiB", "lots", "99999999999GiB"} {
		if _, err := LoadConfig(env("HAILONG_EXPORT_MEMORY_LIMIT", bad)); err == nil || !strings.Contains(err.Error(), "HAILONG_EXPORT_MEMORY_LIMIT") {
			t.Errorf("%q: error %v, want one naming HAILONG_EXPORT_MEMORY_LIMIT", bad, err)
		}
	}
}

// The guard lowers the runtime's limit while exports run, also when two
// overlap, and puts the old one back when the last ends; a lower standing
// limit is left alone.
func TestMemoryGuard(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	defer debug.SetMemoryLimit(before)
	debug.SetMemoryLimit(1 << 40)
	var lean []bool
	g := &memoryGuard{limit: 40 << 20, lean: func(on bool) { lean = append(lean, on) }}
	first := g.enter()
	second := g.enter()
	if !slices.Equal(lean, []bool{true}) {
		t.Errorf("caches told %v when two exports started, want [true] (once, at the first)", lean)
	}
	if got := debug.SetMemoryLimit(-1); got != 40<<20 {
		t.Fatalf("limit during exports %d, want 40 MiB", got)
	}
	first()
	first() // twice: no effect
	if got := debug.SetMemoryLimit(-1); got != 40<<20 {
		t.Errorf("limit while one export still runs %d, want 40 MiB", got)
	}
	second()
	if got := debug.SetMemoryLimit(-1); got != 1<<40 {
		t.Errorf("limit after the exports %d, want the old one back", got)
	}
	if !slices.Equal(lean, []bool{true, false}) {
		t.Errorf("caches told %v by the end of both exports, want [true false]", lean)
	}
	debug.SetMemoryLimit(20 << 20) // a lower limit set by the operator
	g.enter()()
	if got := debug.SetMemoryLimit(-1); got != 20<<20 {
		t.Errorf("limit %d, want the operator's 20 MiB kept", got)
	}
	(&memoryGuard{}).enter()() // off: nothing happens
}

// envOf is a getenv over the pairs of names and values.
func envOf(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}
