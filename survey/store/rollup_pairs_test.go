package store

import (
	"context"
	"fmt"
	"os"
	"reflect"
	"runtime"
	"sort"
	"strconv"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"hailong/survey"
)

// demoBuckets counts n demo responses (as "hailong demo" makes them) into
// rollup buckets, as a rebuild does.
func demoBuckets(t testing.TB, n int) bucketSet {
	t.Helper()
	cat := &survey.Catalog{Areas: survey.SeedAreas(), Agencies: survey.SeedAgencies(), Forms: survey.SeedForms()}
	set := bucketSet{}
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	err := survey.DemoResponses(cat, now, n, 5, func(r survey.Response) error {
		c, err := newContribution(r, "a")
		if err != nil {
			return err
		}
		set.add(c)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// Which pair sums docSize keeps: none, every pair, or the pairs of two
// criteria of the same factor only (the alternative measured against).
const (
	noPairs = iota
	allPairs
	factorPairs
)

// docSize is the BSON size of a bucket's document, with the pair sums
// kept.
func docSize(t testing.TB, b *bucket, keep int) int {
	t.Helper()
	factorOf := map[string]string{}
	for _, f := range survey.SIPAS2017().Factors {
		for _, c := range f.Criteria {
			factorOf[encodeCode(c.Code)] = f.Code
		}
	}
	d := b.fullDoc()
	kept := d[:0:0]
	for _, e := range d {
		if e.Key != fieldPairs && e.Key != fieldSelfPairs {
			kept = append(kept, e)
			continue
		}
		switch keep {
		case allPairs:
			kept = append(kept, e)
		case factorPairs:
			var areas bson.D
			for _, area := range e.Value.(bson.D) {
				var as bson.D
				for _, a := range area.Value.(bson.D) {
					sub, ok := a.Value.(bson.D)
					if !ok { // "#"
						as = append(as, a)
						continue
					}
					var bs bson.D
					for _, b := range sub {
						if factorOf[a.Key] != "" && factorOf[a.Key] == factorOf[b.Key] {
							bs = append(bs, b)
						}
					}
					if len(bs) > 0 {
						as = append(as, bson.E{Key: a.Key, Value: bs})
					}
				}
				areas = append(areas, bson.E{Key: area.Key, Value: as})
			}
			kept = append(kept, bson.E{Key: e.Key, Value: areas})
		}
	}
	raw, err := bson.Marshal(kept)
	if err != nil {
		t.Fatal(err)
	}
	return len(raw)
}

// TestRollupPairSizes measures the rollup documents of the demo data with
// and without the pair sums (docs/statistics.md quotes the figures) and
// holds the largest far below the 16 MB document limit of the embedded
// database (and MongoDB). HAILONG_MEASURE=<responses> measures more than
// the quick default.
func TestRollupPairSizes(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("HAILONG_MEASURE"))
	if n <= 0 {
		n = 4000 // a quick run; the figures in docs/statistics.md used HAILONG_MEASURE=20000
	}
	set := demoBuckets(t, n)
	type agg struct{ docs, with, without, factor, maxWith, maxWithout, maxFactor, keys int }
	byKind := map[string]*agg{}
	for _, b := range set {
		a := byKind[b.kind]
		if a == nil {
			a = &agg{}
			byKind[b.kind] = a
		}
		w, wo, wf := docSize(t, b, allPairs), docSize(t, b, noPairs), docSize(t, b, factorPairs)
		a.docs++
		a.with += w
		a.without += wo
		a.factor += wf
		a.maxWith = max(a.maxWith, w)
		a.maxWithout = max(a.maxWithout, wo)
		a.maxFactor = max(a.maxFactor, wf)
		a.keys += pairKeyCount(b)
		if (b.kind == kindProvinceMonth || b.kind == kindProvinceMonthVerified) && w != wo {
			t.Errorf("%s holds pair sums: the province-month documents must not", b.id)
		}
	}
	kinds := make([]string, 0, len(byKind))
	for k := range byKind {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		a := byKind[k]
		kb := func(x int) float64 { return float64(x) / 1024 }
		t.Logf("%d demo responses, kind %-3s: %4d documents; mean KB: %.1f with every pair, %.1f with pairs within factors, %.1f without; largest KB: %.1f, %.1f, %.1f; %d pair keys",
			n, k, a.docs, kb(a.with)/float64(a.docs), kb(a.factor)/float64(a.docs), kb(a.without)/float64(a.docs),
			kb(a.maxWith), kb(a.maxFactor), kb(a.maxWithout), a.keys)
		if a.maxWith > 2<<20 {
			t.Errorf("kind %s: a document of %d bytes: over the 2 MB budget (the limit is 16 MB)", k, a.maxWith)
		}
	}
	if byKind[kindAgencyMonth] == nil || byKind[kindAgencyMonth].keys == 0 {
		t.Fatalf("no pair sums counted in the agency-month documents")
	}

	// The memory the rollup cache holds per decoded agency-month document,
	// with and without its pair sums.
	for _, keep := range []bool{true, false} {
		var raws [][]byte
		for _, b := range set {
			if b.kind != kindAgencyMonth {
				continue
			}
			d := b.fullDoc()
			if !keep {
				kept := d[:0:0]
				for _, e := range d {
					if e.Key != fieldPairs && e.Key != fieldSelfPairs {
						kept = append(kept, e)
					}
				}
				d = kept
			}
			raw, err := bson.Marshal(d)
			if err != nil {
				t.Fatal(err)
			}
			raws = append(raws, raw)
		}
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		held := make([]*bucket, 0, len(raws))
		for _, raw := range raws {
			var d bucketDoc
			if err := bson.Unmarshal(raw, &d); err != nil {
				t.Fatal(err)
			}
			b, err := decodeBucket(d)
			if err != nil {
				t.Fatal(err)
			}
			held = append(held, b)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		t.Logf("decoded agency-month documents (pairs %v): %.1f KB of heap each over %d",
			keep, float64(after.HeapAlloc-before.HeapAlloc)/float64(len(held))/1024, len(held))
		runtime.KeepAlive(held)
	}
}

// TestRollupPairsRoundTrip: the pair sums a bucket holds are read back the
// same from its stored document, and a document without them reads as a
// tally without pairs (HasPairs false), never as pairs of zero.
func TestRollupPairsRoundTrip(t *testing.T) {
	set := demoBuckets(t, 600)
	checked := 0
	for _, b := range set {
		raw, err := bson.Marshal(b.fullDoc())
		if err != nil {
			t.Fatal(err)
		}
		var d bucketDoc
		if err := bson.Unmarshal(raw, &d); err != nil {
			t.Fatal(err)
		}
		got, err := decodeBucket(d)
		if err != nil {
			t.Fatalf("%s: %v", b.id, err)
		}
		for area, tl := range b.tallies[fieldArea] {
			g := got.tallies[fieldArea][area]
			if g == nil || g.PairResponses != tl.PairResponses || !reflect.DeepEqual(g.Pairs, tl.Pairs) {
				t.Fatalf("%s area %s: pair sums not read back", b.id, area)
			}
			checked++
		}
		d.Pr, d.Spr = nil, nil // as written before the pair sums were kept
		old, err := decodeBucket(d)
		if err != nil {
			t.Fatal(err)
		}
		for area, tl := range old.tallies[fieldArea] {
			if tl.PairResponses != 0 || len(tl.Pairs) != 0 {
				t.Errorf("%s area %s: pairs without a pr field", b.id, area)
			}
		}
	}
	if checked == 0 {
		t.Fatal("no agency-month area checked")
	}
	// A bad key is an error, not a silent zero.
	for _, doc := range []bson.D{
		{{Key: "dat-dai", Value: bson.D{{Key: "1~2", Value: bson.D{{Key: "1~1", Value: bson.D{{Key: "v", Value: int64(1)}}}}}}}}, // B before A
		{{Key: "dat-dai", Value: bson.D{{Key: "1~1", Value: bson.D{{Key: "1~2", Value: bson.D{{Key: "q", Value: int64(1)}}}}}}}}, // no such count
		{{Key: "dat-dai", Value: bson.D{{Key: "1~1", Value: int64(1)}}}},                                                         // a count for a code
		{{Key: "dat-dai", Value: bson.D{{Key: "#", Value: "x"}}}},                                                                // not a number
	} {
		raw, err := bson.Marshal(bson.D{{Key: "_id", Value: "am|x|2026-01"}, {Key: "month", Value: "2026-01"}, {Key: "pr", Value: doc}})
		if err != nil {
			t.Fatal(err)
		}
		var d bucketDoc
		if err := bson.Unmarshal(raw, &d); err != nil {
			continue // refused while decoding: fine too
		}
		if _, err := decodeBucket(d); err == nil {
			t.Errorf("pair sums %v accepted", doc)
		}
	}
}

// TestOldRollupsWithoutPairs: rollups written before the pair sums were
// kept are read as lacking them, so sipas-2017-v2 keeps v1's interval,
// flagged, rather than a variance of zero; a rebuild restores them.
func TestOldRollupsWithoutPairs(t *testing.T) {
	s := openAt(t, t.TempDir())
	ctx := context.Background()
	defer s.Close(ctx)
	rs := GenResponses(3, 60)
	for _, r := range rs {
		if _, err := s.InsertResponse(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.FlushRollups(ctx); err != nil {
		t.Fatal(err)
	}
	var months []survey.Month
	for _, m := range GenMonths {
		v, _ := survey.ParseMonth(m)
		months = append(months, v)
	}
	form := survey.SIPAS2017()
	v2, v1 := survey.DefaultRule(), survey.SIPAS2017Rule()
	check := func(label string, want bool) {
		t.Helper()
		c, err := s.Report(ctx, "lam-binh", months, "")
		if err != nil {
			t.Fatal(err)
		}
		pt, err := s.ProvinceTallies(ctx, months, "")
		if err != nil {
			t.Fatal(err)
		}
		if c.Total.Responses == 0 || c.Total.HasPairs() != want || pt["lam-binh"].HasPairs() != want {
			t.Fatalf("%s: report has pairs %v, ranking %v over %d responses; want %v",
				label, c.Total.HasPairs(), pt["lam-binh"].HasPairs(), c.Total.Responses, want)
		}
		got, old := v2.Score(form, c.Total).Overall, v1.Score(form, c.Total).Overall
		if got.ApproxInterval == want || (got.Low == old.Low) == want {
			t.Errorf("%s: v2 overall [%.3f, %.3f] approx %v; v1 [%.3f, %.3f]", label, got.Low, got.High, got.ApproxInterval, old.Low, old.High)
		}
	}
	check("counted with pairs", true)
	// As written before the pair sums existed.
	for _, m := range months {
		if _, err := s.db.Collection(rollupColl(m)).UpdateMany(ctx, docD(), docD("$unset", docD(fieldPairs, "", fieldSelfPairs, ""))); err != nil {
			t.Fatal(err)
		}
	}
	s.ForgetRollupCache()
	check("old rollups", false)
	// One month counted since: still not every response has its pairs.
	extra := GenResponses(4, 8)
	for i := range extra {
		extra[i].ID = fmt.Sprintf("late-%03d", i)
		extra[i].Agency = "lam-binh"
		extra[i].Area = "dat-dai"
		if _, err := s.InsertResponse(ctx, extra[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.FlushRollups(ctx); err != nil {
		t.Fatal(err)
	}
	check("old rollups and new responses", false)
	if err := s.RebuildRollups(ctx, nil); err != nil {
		t.Fatal(err)
	}
	check("after a rebuild", true)
}
