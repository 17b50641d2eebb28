package server

import (
	"sync"
	"time"

	"hailong/survey"
)

// rollupCache keeps results computed from the rollups (agency reports,
// rankings) while the rollups they came from stay unchanged (the store's
// rollups version) and the catalog is the same. Dashboards are read far more
// often than the rollup writer applies a batch (at most every 2 s under
// load), so most requests only render. Results are never modified once
// computed; access is checked before every lookup.
type rollupCache[K comparable, V any] struct {
	mu      sync.Mutex
	entries map[K]rollupCacheEntry[V]
}

// rollupCacheSize bounds the results kept: a few per agency and period.
const rollupCacheSize = 512

// rollupCacheTTL bounds how long a result is kept even when nothing changed:
// the form in force depends on the date.
const rollupCacheTTL = time.Minute

type rollupCacheEntry[V any] struct {
	value   V
	version uint64
	catalog *survey.Catalog
	at      time.Time
}

// get returns the result computed for the key from the same rollups and catalog.
func (rc *rollupCache[K, V]) get(k K, version uint64, cat *survey.Catalog) (V, bool) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	e, ok := rc.entries[k]
	if !ok || e.version != version || e.catalog != cat || time.Since(e.at) > rollupCacheTTL {
		var zero V
		return zero, false
	}
	return e.value, true
}

// put keeps a result computed from the rollups at the version read before.
func (rc *rollupCache[K, V]) put(k K, version uint64, cat *survey.Catalog, v V) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.entries == nil {
		rc.entries = map[K]rollupCacheEntry[V]{}
	}
	if len(rc.entries) >= rollupCacheSize {
		for old := range rc.entries { // evict one, at random
			delete(rc.entries, old)
			break
		}
	}
	rc.entries[k] = rollupCacheEntry[V]{v, version, cat, time.Now()}
}

// reportKey names an agency report.
type reportKey struct {
	agency   string
	from, to survey.Month
	area     string
	lineage  bool
	basis    survey.Basis
	rule     string
	compare  string
}

func keyOf(q reportQuery) reportKey {
	return reportKey{q.Agency, q.Period.From, q.Period.To, q.Area, q.Lineage, q.Basis, q.Rule, q.Compare}
}

// rankingKey names the rankings of a period, before they are scoped to a user.
type rankingKey struct {
	from, to survey.Month
	area     string
	basis    survey.Basis
	previous bool // the previous period's tallies are read too
	compare  string
	pairs    bool // with the pair sums (rule sipas-2017-v2)
}
