package server

import (
	"strconv"
	"time"
)

// DefaultExportIdleTimeout is how long an export waits for a client that
// takes nothing (HAILONG_EXPORT_IDLE_TIMEOUT): after that the export ends,
// audited as "client stalled", and gives back its database cursor, its
// share of the lowered memory limit and its place among the exports.
const DefaultExportIdleTimeout = 30 * time.Second

// DefaultExportsMax is how many exports may run at once in the process
// (HAILONG_EXPORTS_MAX); each user may run one at a time besides.
const DefaultExportsMax = 2

// loadExportLimits reads HAILONG_EXPORT_IDLE_TIMEOUT (a Go duration from 1s
// to 1h) and HAILONG_EXPORTS_MAX (a whole number from 1 to 64).
func loadExportLimits(getenv func(string) string, cfg *Config, bad func(string, ...any)) {
	cfg.ExportIdleTimeout = DefaultExportIdleTimeout
	if v := getenv("HAILONG_EXPORT_IDLE_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second || d > time.Hour {
			bad("HAILONG_EXPORT_IDLE_TIMEOUT=%q must be a duration from 1s to 1h, such as 30s", v)
		}
		cfg.ExportIdleTimeout = d
	}
	cfg.ExportsMax = DefaultExportsMax
	if v := getenv("HAILONG_EXPORTS_MAX"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 64 {
			bad("HAILONG_EXPORTS_MAX=%q must be a whole number from 1 to 64", v)
		}
		cfg.ExportsMax = n
	}
}

// exportIdle is the idle limit of exports; zero (a Config made in code)
// takes the default.
func (c Config) exportIdle() time.Duration {
	if c.ExportIdleTimeout <= 0 {
		return DefaultExportIdleTimeout
	}
	return c.ExportIdleTimeout
}

// exportsMax is how many exports may run at once; zero takes the default.
func (c Config) exportsMax() int {
	if c.ExportsMax <= 0 {
		return DefaultExportsMax
	}
	return c.ExportsMax
}
