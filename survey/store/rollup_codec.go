package store

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"

	"hailong/survey"
)

// bucketDoc is a rollup document as stored.
type bucketDoc struct {
	ID     string           `bson:"_id"`
	Format int              `bson:"f"` // rollupFormat; 0 in first-format rollups
	Kind   string           `bson:"k"`
	Agency string           `bson:"agency,omitempty"`
	Month  string           `bson:"month"`
	W      map[string]int64 `bson:"w"`
	N      map[string]int64 `bson:"n"`
	A      map[string]int64 `bson:"a,omitempty"`
	Ch     map[string]int64 `bson:"ch,omitempty"`
	Vf     map[string]int64 `bson:"vf,omitempty"`
	C      map[string]int64 `bson:"c,omitempty"`
	P      map[string]int64 `bson:"p,omitempty"`
	// The self-entered twins (rollups.go); absent from older rollups.
	Sn  map[string]int64 `bson:"sn,omitempty"`
	Sa  map[string]int64 `bson:"sa,omitempty"`
	Sch map[string]int64 `bson:"sch,omitempty"`
	Svf map[string]int64 `bson:"svf,omitempty"`
	Sc  map[string]int64 `bson:"sc,omitempty"`
	// Responses per questionnaire version and their self-entered twin.
	Fv  map[string]int64 `bson:"fv,omitempty"`
	Sfv map[string]int64 `bson:"sfv,omitempty"`
}

// fields lists the bucket's counters as field → key → count, n included,
// with criterion codes encoded.
func (b *bucket) fields() map[string]map[string]int64 {
	out := map[string]map[string]int64{"n": b.n}
	if len(b.p) > 0 {
		out[fieldPatterns] = b.p
	}
	if len(b.sn) > 0 {
		out[fieldSelfN] = b.sn
	}
	if len(b.fv) > 0 {
		out[fieldVersions] = b.fv
	}
	if len(b.sfv) > 0 {
		out[fieldSelfVersions] = b.sfv
	}
	for field, subs := range b.tallies {
		m := map[string]int64{}
		for sub, t := range subs {
			prefix := ""
			if sub != "" {
				prefix = sub + "|"
			}
			for code, l := range t.Items {
				for v, n := range l {
					if n != 0 {
						m[prefix+encodeCode(code)+"|"+strconv.Itoa(v)] += n
					}
				}
			}
		}
		out[field] = m
	}
	return out
}

// incDoc is the $inc that adds the bucket's counts, field paths in order.
func (b *bucket) incDoc() bson.D {
	var d bson.D
	for field, m := range b.fields() {
		for k, n := range m {
			if n != 0 {
				d = append(d, bson.E{Key: field + "." + k, Value: n})
			}
		}
	}
	sort.Slice(d, func(i, j int) bool { return d[i].Key < d[j].Key })
	return d
}

// skeleton is the document created before the first $inc: no counts yet.
func (b *bucket) skeleton() bson.D {
	d := bson.D{{Key: "_id", Value: b.id}, {Key: "f", Value: rollupFormat}, {Key: "k", Value: b.kind}}
	if b.agency != "" {
		d = append(d, bson.E{Key: "agency", Value: b.agency})
	}
	return append(d, bson.E{Key: "month", Value: b.month.String()}, bson.E{Key: "w", Value: bson.D{}})
}

// fullDoc is the whole document holding the bucket's counts, as a rebuild
// writes it.
func (b *bucket) fullDoc() bson.D {
	d := b.skeleton()
	fs := b.fields()
	names := make([]string, 0, len(fs))
	for f := range fs {
		names = append(names, f)
	}
	sort.Strings(names)
	for _, f := range names {
		d = append(d, bson.E{Key: f, Value: sortedD(fs[f])})
	}
	return d
}

func sortedD(m map[string]int64) bson.D {
	d := make(bson.D, 0, len(m))
	for k, v := range m {
		d = append(d, bson.E{Key: k, Value: v})
	}
	sort.Slice(d, func(i, j int) bool { return d[i].Key < d[j].Key })
	return d
}

// decodeBucket parses a stored rollup document.
func decodeBucket(d bucketDoc) (*bucket, error) {
	if d.Format != rollupFormat {
		return nil, fmt.Errorf("rollup %q: %w (format %d)", d.ID, errRollupFormat, d.Format)
	}
	m, err := survey.ParseMonth(d.Month)
	if err != nil {
		return nil, fmt.Errorf("rollup %q: %w", d.ID, err)
	}
	b := newBucket(d.ID, d.Kind, d.Agency, m)
	for k, v := range d.N {
		b.n[k] = v
	}
	for k, v := range d.P {
		b.p[k] = v
	}
	for k, v := range d.Sn {
		b.sn[k] = v
	}
	for k, v := range d.Fv {
		b.fv[k] = v
	}
	for k, v := range d.Sfv {
		b.sfv[k] = v
	}
	for field, src := range map[string]map[string]int64{fieldArea: d.A, fieldChannel: d.Ch, fieldVerified: d.Vf, fieldAgency: d.C,
		fieldSelfArea: d.Sa, fieldSelfChannel: d.Sch, fieldSelfVerified: d.Svf, fieldSelfAgency: d.Sc} {
		for k, n := range src {
			parts := strings.Split(k, "|")
			sub := ""
			if field != fieldVerified && field != fieldSelfVerified {
				if len(parts) != 3 {
					return nil, fmt.Errorf("rollup %q: bad key %s.%s", d.ID, field, k)
				}
				sub, parts = parts[0], parts[1:]
			}
			v, err := strconv.Atoi(parts[len(parts)-1])
			if len(parts) != 2 || err != nil || v < 0 || v > 5 {
				return nil, fmt.Errorf("rollup %q: bad key %s.%s", d.ID, field, k)
			}
			if !strings.Contains(parts[0], "/") { // a count an older binary added by code alone
				return nil, fmt.Errorf("rollup %q: %w (key %s.%s)", d.ID, errRollupFormat, field, k)
			}
			b.tally(field, sub).Count(decodeCode(parts[0]), v, n)
		}
	}
	return b, nil
}
