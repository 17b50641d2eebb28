package server

import (
	"strings"
	"testing"
)

func TestMemoryLimitConfig(t *testing.T) {
	env := envOf
	for _, c := range []struct {
		env  []string
		want int64
	}{
		{nil, DefaultMemoryLimit},
		{[]string{"HAILONG_MEMORY_LIMIT", "64MiB"}, 64 << 20},
		{[]string{"HAILONG_MEMORY_LIMIT", "1GiB"}, 1 << 30},
		{[]string{"HAILONG_MEMORY_LIMIT", "20000000"}, 20000000},
		{[]string{"HAILONG_MEMORY_LIMIT", "OFF"}, 0},
		{[]string{"GOMEMLIMIT", "40MiB"}, 0}, // the runtime applied it already
	} {
		cfg, err := LoadConfig(env(c.env...))
		if err != nil {
			t.Fatalf("%v: %v", c.env, err)
		}
		if cfg.MemoryLimit != c.want {
			t.Errorf("%v: memory limit %d, want %d", c.env, cfg.MemoryLimit, c.want)
		}
	}
	for _, bad := range [][]string{
		{"HAILONG_MEMORY_LIMIT", "48MB"}, {"HAILONG_MEMORY_LIMIT", "-1MiB"}, {"HAILONG_MEMORY_LIMIT", "1MiB"},
		{"HAILONG_MEMORY_LIMIT", "lots"}, {"HAILONG_MEMORY_LIMIT", "99999999999GiB"},
		{"HAILONG_MEMORY_LIMIT", "64MiB", "GOMEMLIMIT", "64MiB"},
	} {
		if _, err := LoadConfig(env(bad...)); err == nil || !strings.Contains(err.Error(), "HAILONG_MEMORY_LIMIT") {
			t.Errorf("%v: error %v, want one naming HAILONG_MEMORY_LIMIT", bad, err)
		}
	}
}

// envOf is a getenv over the pairs of names and values.
func envOf(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}
