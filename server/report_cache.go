package server

import (
	"sync"
	"time"

	"hailong/survey"
)

// reportCache keeps computed agency reports while the rollups they came from
// stay unchanged (the store's rollups version) and the catalog is the same.
// Dashboards are read far more often than the rollup writer applies a batch
// (at most every 2 s under load), so most requests only render. Reports are
// never modified once computed; access is checked before every lookup.
type reportCache struct {
	mu      sync.Mutex
	entries map[reportKey]reportEntry
}

// reportCacheSize bounds the reports kept: a few per agency and period.
const reportCacheSize = 512

// reportCacheTTL bounds how long a report is kept even when nothing changed:
// the form in force depends on the date.
const reportCacheTTL = time.Minute

type reportKey struct {
	agency   string
	from, to survey.Month
	area     string
	lineage  bool
}

type reportEntry struct {
	report  *AgencyReport
	version uint64
	catalog *survey.Catalog
	at      time.Time
}

func keyOf(q reportQuery) reportKey {
	return reportKey{q.Agency, q.Period.From, q.Period.To, q.Area, q.Lineage}
}

// get returns the report computed for the query from the same rollups and catalog.
func (rc *reportCache) get(q reportQuery, version uint64, cat *survey.Catalog) (*AgencyReport, bool) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	e, ok := rc.entries[keyOf(q)]
	if !ok || e.version != version || e.catalog != cat || time.Since(e.at) > reportCacheTTL {
		return nil, false
	}
	return e.report, true
}

// put keeps a report computed from the rollups at the version read before.
func (rc *reportCache) put(q reportQuery, version uint64, cat *survey.Catalog, r *AgencyReport) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.entries == nil {
		rc.entries = map[reportKey]reportEntry{}
	}
	if len(rc.entries) >= reportCacheSize {
		for k := range rc.entries { // evict one, at random
			delete(rc.entries, k)
			break
		}
	}
	rc.entries[keyOf(q)] = reportEntry{r, version, cat, time.Now()}
}
