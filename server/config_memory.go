package server

import (
	"fmt"
	"strconv"
	"strings"
)

// DefaultMemoryLimit is the soft limit on the Go runtime's memory when
// neither HAILONG_MEMORY_LIMIT nor GOMEMLIMIT is set. The service's live
// heap (with the embedded database) is about 30 MB; by default Go lets the
// heap grow to twice that between collections, which took a large export's
// resident size past 100 MB. With 48 MiB an export of 1.1 million responses
// peaked at 96.7 MiB (101 MB) in the measuring test's process, whose program
// text alone is 40 MiB; 40 MiB leaves a margin under 100 MB, at the cost of
// more frequent collections (measured in the README). The limit is soft: a
// heap that really needs more gets it, and the collector never takes more
// than about half the CPU.
const DefaultMemoryLimit = 40 << 20

// loadMemoryLimit reads HAILONG_MEMORY_LIMIT: a size in bytes with an
// optional unit (B, KiB, MiB, GiB, as GOMEMLIMIT writes it) or "off".
// GOMEMLIMIT, when set, wins: the runtime has already applied it.
func loadMemoryLimit(getenv func(string) string, cfg *Config, bad func(string, ...any)) {
	v := getenv("HAILONG_MEMORY_LIMIT")
	if getenv("GOMEMLIMIT") != "" {
		if v != "" {
			bad("set HAILONG_MEMORY_LIMIT or GOMEMLIMIT, not both")
		}
		return
	}
	cfg.MemoryLimit = DefaultMemoryLimit
	if v == "" {
		return
	}
	if strings.EqualFold(v, "off") {
		cfg.MemoryLimit = 0
		return
	}
	n, ok := parseSize(v)
	if !ok || n < 16<<20 {
		bad("HAILONG_MEMORY_LIMIT=%q must be a size of at least 16MiB, such as 40MiB or 1GiB, or off", v)
		return
	}
	cfg.MemoryLimit = n
}

// parseSize reads a whole number of bytes with an optional binary unit.
func parseSize(s string) (int64, bool) {
	units := []struct {
		suffix string
		shift  uint
	}{{"GiB", 30}, {"MiB", 20}, {"KiB", 10}, {"B", 0}}
	shift := uint(0)
	for _, u := range units {
		if strings.HasSuffix(s, u.suffix) {
			s, shift = strings.TrimSuffix(s, u.suffix), u.shift
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > (1<<62)>>shift {
		return 0, false
	}
	return n << shift, true
}

// MemoryLimitString names the limit for the start-up line.
func (c Config) MemoryLimitString() string {
	if c.MemoryLimit <= 0 {
		return "none (GOMEMLIMIT or off)"
	}
	return fmt.Sprintf("%d MiB", c.MemoryLimit>>20)
}
