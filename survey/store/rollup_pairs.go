package store

// Pair sums: the per-respondent cross sums of two items (survey.PairCounts)
// that the respondent-level variance of sipas-2017-v2 needs, kept in the
// agency-month documents (am, amv) per procedure area, beside the a field:
//
//	pr:  {"<area>|<code A>|<code B>|<v|s|a|b>": respondents,  // A < B
//	      "<area>|#": responses counted in pr}
//	spr: the same over the self-entered responses (the twin of pr)
//
// v counts the respondents with a valid answer to both items, s those
// satisfied on both, a those satisfied on A and valid on B, b those
// satisfied on B and valid on A; a pair nobody answered both of has no key.
// "<area>|#" counts the responses of the area whose pairs are counted, so
// that a report tells rollups written before the field existed (fewer, or
// none) from a sample with no spread: survey.Tally.HasPairs.
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
	"strings"

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

// pairFields adds the bucket's pair sums to out, field → key → count.
func (b *bucket) pairFields(out map[string]map[string]int64) {
	for tf, pf := range pairTwins {
		m := map[string]int64{}
		for area, t := range b.tallies[tf] {
			if t.PairResponses != 0 {
				m[area+"|"+pairCountKey] += t.PairResponses
			}
			for p, c := range t.Pairs {
				prefix := area + "|" + encodeCode(p.A) + "|" + encodeCode(p.B) + "|"
				for k, n := range map[string]int64{"v": c.Valid, "s": c.Satisfied, "a": c.SatAValidB, "b": c.SatBValidA} {
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

// decodePairs reads the pair fields of a stored document into b.
func decodePairs(b *bucket, d bucketDoc) error {
	for tf, src := range map[string]map[string]int64{fieldArea: d.Pr, fieldSelfArea: d.Spr} {
		for k, n := range src {
			parts := strings.Split(k, "|")
			switch {
			case len(parts) == 2 && parts[1] == pairCountKey:
				b.tally(tf, parts[0]).PairResponses += n
			case len(parts) == 4 && len(parts[3]) == 1:
				p, ok := survey.PairOf(decodeCode(parts[1]), decodeCode(parts[2]))
				if !ok || p.A != decodeCode(parts[1]) {
					return fmt.Errorf("rollup %q: bad pair key %s", d.ID, k)
				}
				var c survey.PairCounts
				switch parts[3] {
				case "v":
					c.Valid = n
				case "s":
					c.Satisfied = n
				case "a":
					c.SatAValidB = n
				case "b":
					c.SatBValidA = n
				default:
					return fmt.Errorf("rollup %q: bad pair key %s", d.ID, k)
				}
				b.tally(tf, parts[0]).AddPair(p, c)
			default:
				return fmt.Errorf("rollup %q: bad pair key %s", d.ID, k)
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
