package store

// Pair sums: the per-respondent cross sums of two items (survey.PairCounts)
// that the respondent-level variance of sipas-2017-v2 needs, kept in the
// agency-month documents (am, amv) per procedure area, beside the a field,
// nested one level per part so that no level holds more than a few dozen
// keys (FerretDB finds a field of a level by going through its keys, and
// a flat field of thousands made every $inc slow):
//
//	pr:  {"<area>": {"#": responses counted in pr,
//	                 "<code A>": {"<code B>": {n, a, b, s}}}}   // A < B
//	spr: the same over the self-entered responses (the twin of pr)
//
// Of the respondents with a valid answer to both items, n counts those
// satisfied on neither, a those satisfied on A only, b on B only, s on
// both: each respondent adds to exactly one of them, so a response costs
// one $inc path per pair (survey.PairCounts, read back as N = n+a+b+s,
// S = s, T_A|B = a+s, T_B|A = b+s, would cost up to four). A pair nobody
// answered both of has no key, and a count of zero none either. "#" counts the responses of the area
// whose pairs are counted, so that a report tells rollups written before
// the field existed (fewer, or none) from a sample with no spread:
// survey.Tally.HasPairs.
//
// The province-month documents (pm, pmv) hold none: with every agency's
// pairs they would grow with the number of agencies (docs/statistics.md).
// The rankings, and the dashboard's province comparison and rank, read the
// agencies' am documents for them (ProvinceTalliesPairs); Counts.Province,
// read from the pm documents, has none. The channel and verified
// breakdowns of an agency-month hold none either: their factor and overall
// intervals are v1's, flagged (survey.Score.ApproxInterval).

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"

	"hailong/survey"
)

const (
	fieldPairs     = "pr"
	fieldSelfPairs = "spr"
	// pairCountKey is the key suffix of the responses counted in pr.
	pairCountKey = "#"
)

// pairTwins maps the tally field whose pairs are kept to its pair field.
var pairTwins = map[string]string{fieldArea: fieldPairs, fieldSelfArea: fieldSelfPairs}

// addPairs counts a response's pair sums into m[key] (recompute.go).
func addPairs(m map[string]survey.Tally, key string, answers []survey.Answer) {
	t := m[key]
	t.AddPairs(answers)
	m[key] = t
}

// pairFields adds the bucket's pair sums to out, field → dotted path below
// the field → count (incDoc writes them as $inc paths; fullDoc nests them).
func (b *bucket) pairFields(out map[string]map[string]int64) {
	for tf, pf := range pairTwins {
		m := map[string]int64{}
		for area, t := range b.tallies[tf] {
			if t.PairResponses != 0 {
				m[area+"."+pairCountKey] += t.PairResponses
			}
			for p, c := range t.Pairs {
				prefix := area + "." + encodeCode(p.A) + "." + encodeCode(p.B) + "."
				for k, n := range pairCells(c) {
					if n != 0 {
						m[prefix+k] += n
					}
				}
			}
		}
		if len(m) > 0 {
			out[pf] = m
		}
	}
}

// pairCells are the stored cells of a pair's counts: of the respondents
// valid on both, satisfied on neither (n), on A only (a), on B only (b),
// on both (s).
func pairCells(c survey.PairCounts) map[string]int64 {
	return map[string]int64{
		"n": c.Valid - c.SatAValidB - c.SatBValidA + c.Satisfied,
		"a": c.SatAValidB - c.Satisfied,
		"b": c.SatBValidA - c.Satisfied,
		"s": c.Satisfied,
	}
}

// isPairField reports whether a field of fields() holds dotted pair paths.
func isPairField(f string) bool { return f == fieldPairs || f == fieldSelfPairs }

// nestedD writes dotted paths → counts as nested documents, keys sorted.
func nestedD(m map[string]int64) bson.D {
	tree := map[string]map[string]int64{}
	var leaves bson.D
	for k, n := range m {
		head, rest, ok := strings.Cut(k, ".")
		if !ok {
			leaves = append(leaves, bson.E{Key: k, Value: n})
			continue
		}
		if tree[head] == nil {
			tree[head] = map[string]int64{}
		}
		tree[head][rest] = n
	}
	for head, sub := range tree {
		leaves = append(leaves, bson.E{Key: head, Value: nestedD(sub)})
	}
	sort.Slice(leaves, func(i, j int) bool { return leaves[i].Key < leaves[j].Key })
	return leaves
}

// pairDoc is a stored pr or spr field: area → "#" or code A → raw value.
type pairDoc map[string]map[string]bson.RawValue

// decodePairs reads the pair fields of a stored document into b.
func decodePairs(b *bucket, d bucketDoc) error {
	bad := func(path string) error { return fmt.Errorf("rollup %q: bad pair sums at %s", d.ID, path) }
	codes := map[string]string{} // one string per code, shared by every pair
	code := func(key string) string {
		c, ok := codes[key]
		if !ok {
			c = decodeCode(key)
			codes[key] = c
		}
		return c
	}
	for tf, src := range map[string]pairDoc{fieldArea: d.Pr, fieldSelfArea: d.Spr} {
		for area, byA := range src {
			t := b.tally(tf, area)
			for a, raw := range byA {
				if a == pairCountKey {
					n, ok := raw.AsInt64OK()
					if !ok {
						return bad(area + "." + a)
					}
					t.PairResponses += n
					continue
				}
				var byB map[string]map[string]int64
				if raw.Type != bson.TypeEmbeddedDocument || bson.Unmarshal(raw.Value, &byB) != nil {
					return bad(area + "." + a)
				}
				for bc, ks := range byB {
					p, ok := survey.PairOf(code(a), code(bc))
					if !ok || p.A != code(a) {
						return bad(area + "." + a + "." + bc)
					}
					var c survey.PairCounts
					for k, n := range ks {
						switch k { // see pairCells
						case "n":
							c.Valid += n
						case "a":
							c.Valid, c.SatAValidB = c.Valid+n, c.SatAValidB+n
						case "b":
							c.Valid, c.SatBValidA = c.Valid+n, c.SatBValidA+n
						case "s":
							c.Valid, c.Satisfied, c.SatAValidB, c.SatBValidA = c.Valid+n, c.Satisfied+n, c.SatAValidB+n, c.SatBValidA+n
						default:
							return bad(area + "." + a + "." + bc + "." + k)
						}
					}
					t.AddPair(p, c)
				}
			}
		}
	}
	return nil
}

// addPairsTo counts a contribution's pair sums into its agency-month
// bucket (addTo calls it).
func addPairsTo(am *bucket, c contribution) {
	am.tally(fieldArea, c.area).AddPairs(c.answers)
	if c.self {
		am.tally(fieldSelfArea, c.area).AddPairs(c.answers)
	}
}

// pairsOnly is the pair sums of t, without its counts: merged into a
// ranking's tally read from a province-month document.
func pairsOnly(t *survey.Tally) survey.Tally {
	return survey.Tally{Pairs: t.Pairs, PairResponses: t.PairResponses}
}

// pairKeyCount is the number of pair keys a document holds, for the size
// measurements (rollup_pairs_test.go).
func pairKeyCount(b *bucket) int {
	out := map[string]map[string]int64{}
	b.pairFields(out)
	n := 0
	for _, m := range out {
		n += len(m)
	}
	return n
}

// rebuildKeys bounds the counters of one insert of a rebuild: with the pair
// sums an agency-month document holds up to some thousands of them (about
// 30 bytes each), and fifty such documents in one insert took FerretDB
// longer than the operation timeout on a busy machine.
const rebuildKeys = 20000

// rebuildBatch is how many of the documents bs a rebuild inserts at once:
// at most 50, and no more than rebuildKeys counters (at least one).
func rebuildBatch(bs []*bucket) int {
	keys := 0
	for i, b := range bs {
		if i == 50 {
			return i
		}
		for _, m := range b.fields() {
			keys += len(m)
		}
		if keys > rebuildKeys && i > 0 {
			return i
		}
	}
	return len(bs)
}

// maxIncPaths bounds the paths of one $inc: FerretDB checks every path of
// an update against every other one (types.IsConflictPath, allocating each
// time), so an update's cost grows with the square of its paths, and the
// pair sums give an agency-month some hundreds of paths per response.
const maxIncPaths = 500

// incParts cuts a bucket's $inc (incDoc, sorted) into parts of at most
// maxIncPaths paths; the cut depends only on the paths, so a retry of the
// same batch cuts the same parts.
func incParts(inc bson.D) []bson.D {
	var out []bson.D
	for len(inc) > maxIncPaths {
		out = append(out, inc[:maxIncPaths])
		inc = inc[maxIncPaths:]
	}
	return append(out, inc)
}

// partTag is the key of the w field recording that part k of a batch was
// written: the writer's id for the first part, as before parts existed,
// "<writer>~k" for the others.
func partTag(writer string, k int) string {
	if k == 0 {
		return writer
	}
	return writer + "~" + strconv.Itoa(k)
}
