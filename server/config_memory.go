package server

import (
	"fmt"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
)

// DefaultExportMemoryLimit is the soft limit on the Go runtime's memory
// while an export streams (HAILONG_EXPORT_MEMORY_LIMIT). The service's live
// heap (with the embedded database) is about 30 MB; by default Go lets the
// heap grow to twice that between collections, which took a large export's
// resident size past 100 MB. With a limit of 48 MiB an export of 1.1
// million responses peaked at 96.7 MiB (101 MB) in the measuring test's
// process, whose program text alone is 40 MiB; 40 MiB leaves a margin.
//
// Under the limit the collector runs whenever the heap nears it, so its
// cost follows the live heap: the export reads small batches
// (store.ExportBatch) and decodes without the driver's reflection, which
// took the live heap during an export from about 32 to 19 MB. On 100,000
// demo responses the hailong binary then exported 1,710 rows/s with a peak
// resident of 89 MiB, against 1,065 rows/s and 105 MiB before.
//
// The limit is lowered only while exports run: as a standing limit it made
// the collector run some fifty times a second under a submission load (the
// rollup writer allocates about 0.7 MB per response on the embedded
// database), and submissions fell from about 570 to 180 a second. The limit
// is soft: a heap that really needs more gets it, and the collector never
// takes more than about half the CPU.
const DefaultExportMemoryLimit = 40 << 20

// loadMemoryLimit reads HAILONG_EXPORT_MEMORY_LIMIT: a size in bytes with
// an optional unit (B, KiB, MiB, GiB, as GOMEMLIMIT writes it) or "off".
func loadMemoryLimit(getenv func(string) string, cfg *Config, bad func(string, ...any)) {
	cfg.ExportMemoryLimit = DefaultExportMemoryLimit
	v := getenv("HAILONG_EXPORT_MEMORY_LIMIT")
	if v == "" {
		return
	}
	if strings.EqualFold(v, "off") {
		cfg.ExportMemoryLimit = 0
		return
	}
	n, ok := parseSize(v)
	if !ok || n < 16<<20 {
		bad("HAILONG_EXPORT_MEMORY_LIMIT=%q must be a size of at least 16MiB, such as 40MiB or 1GiB, or off", v)
		return
	}
	cfg.ExportMemoryLimit = n
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

// memoryGuard lowers the runtime's soft memory limit while at least one
// export streams, and puts back what it was when the last one ends. A
// lower limit set by GOMEMLIMIT is left alone.
type memoryGuard struct {
	mu    sync.Mutex
	limit int64 // 0: never lowered
	n     int   // exports running
	saved int64 // the limit before the first of them
	// lean, when set, is told when the first export starts (true) and the
	// last one ends (false): the store shrinks its caches meanwhile.
	lean func(on bool)
}

// enter lowers the limit and returns the function that ends the export's
// share of it (safe to call more than once).
func (g *memoryGuard) enter() func() {
	if g.limit <= 0 {
		return func() {}
	}
	g.mu.Lock()
	if g.n == 0 {
		if g.lean != nil {
			g.lean(true)
		}
		g.saved = debug.SetMemoryLimit(-1)
		if g.limit < g.saved {
			debug.SetMemoryLimit(g.limit)
			// Start lean: collect now and give back what the heap grew
			// to before, instead of waiting for the scavenger.
			debug.FreeOSMemory()
		}
	}
	g.n++
	g.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			g.mu.Lock()
			defer g.mu.Unlock()
			if g.n--; g.n == 0 {
				debug.SetMemoryLimit(g.saved)
				if g.lean != nil {
					g.lean(false)
				}
			}
		})
	}
}

// ExportMemoryString names the limit for the start-up line.
func (c Config) ExportMemoryString() string {
	if c.ExportMemoryLimit <= 0 {
		return "off"
	}
	return fmt.Sprintf("%d MiB", c.ExportMemoryLimit>>20)
}
