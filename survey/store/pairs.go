package store

// Pair sums: the per-respondent cross sums of two criteria
// (survey.PairCounts) that the respondent-level variance of sipas-2017-v2
// needs, in a collection of their own, rollup_pairs, so that the rollup
// documents (and everything reading them, sipas-2017-v1 included) stay as
// they are.
//
// One document per kind (a: every response, v: those given through a
// verified invitation), agency, month and questionnaire version:
//
//	{_id: "a|<agency>|<YYYY-MM>|<form>@<version>", k, g, m, f,
//	 c: [criterion codes of the version, in the form's order],
//	 a: {"<area>": packed cells},   // every response of the area
//	 s: {"<area>": packed cells},   // the self-entered ones among them
//	 w: {<writer>: <last batch>}, r: <revision>}
//
// Only criteria count (an area's extra items are in no factor or overall
// index), and every pair of them: a factor's variance needs the pairs
// within the factor, the overall index's every pair, since its respondent
// terms add the factors' (docs/statistics.md). For K criteria there are
// P = K(K−1)/2 pairs (231 for the SIPAS form's 22); the packed cells are
// 1 + 4P unsigned varints: the responses counted, then per pair (i < j in
// the order of c) the respondents valid on both and satisfied on neither,
// on i only, on j only, and on both (each respondent adds to one cell, so
// N = n+a+b+s, S = s, T_i|j = a+s, T_j|i = b+s). A cell is mostly one or
// two bytes: a document is a few KB per area.
//
// Writing is a read-modify-write of the whole document, conditional on its
// revision r (atomic on MongoDB; the embedded database has one writer, the
// rollup writer's goroutine), recording the batch like the rollups do (w),
// so a retried or replayed batch is never added twice. The pair sums are
// an applier of the count-keeping lifecycle (applier.go, doc.go): every
// batch the writer counts or replays is applied to them once.
//
// The format is recorded in rollup_meta (_id "pairs"); a start without it,
// or whose latest months count fewer responses in the pairs than in the
// rollups (an older binary ran on the data folder), rebuilds them from the
// responses (RebuildPairs), as "hailong rollups rebuild" does. An older
// binary knows nothing of the collection: it never reads it, and the
// responses it counts make the pairs lack some responses, which a report
// shows as v1's interval flagged approxInterval, never as a wrong one.

import (
	"context"
	"encoding/binary"
	"errors"
	"sort"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"hailong/survey"
)

const (
	pairsColl     = "rollup_pairs"
	pairsFormatID = "pairs"
	pairsFormat   = 1
	pairKindAll   = "a"
	pairKindVer   = "v"
	// noArea is the key of responses without a procedure area.
	noArea = "_"
	// pairCacheBytes bounds the packed cells kept in memory (embedded
	// database only); past it every read goes to the database.
	pairCacheBytes = 64 << 20
)

// pairState is the store's part for pair sums.
type pairState struct {
	mu    sync.Mutex
	forms map[string][]string // form key → its criteria, in order
	// docs holds every document when complete (the embedded database, under
	// the byte bound), with byMonth indexing them.
	docs     map[string]*pairDoc
	byMonth  map[string][]*pairDoc
	bytes    int
	complete bool
	// lean counts the times the memory was emptied for an export
	// (Store.LeanCaches); a reload started before the last of them is
	// not kept.
	lean int
}

// pairDoc is one document of rollup_pairs.
type pairDoc struct {
	ID     string            `bson:"_id"`
	Kind   string            `bson:"k"`
	Agency string            `bson:"g"`
	Month  string            `bson:"m"`
	Form   string            `bson:"f"`
	Codes  []string          `bson:"c"`
	All    map[string][]byte `bson:"a"`
	Self   map[string][]byte `bson:"s"`
	W      map[string]int64  `bson:"w"`
	Rev    int64             `bson:"r"`
}

func (d *pairDoc) size() int {
	n := 64
	for _, m := range []map[string][]byte{d.All, d.Self} {
		for k, b := range m {
			n += len(k) + len(b) + 16
		}
	}
	return n
}

func pairDocID(kind, agency string, m survey.Month, form string) string {
	return kind + "|" + agency + "|" + m.String() + "|" + form
}

func (s *Store) pairsColl() *mongo.Collection { return s.db.Collection(pairsColl) }

// pairIndex is the position of pair (i, j), i < j, among the K codes.
func pairIndex(i, j, k int) int { return i*k - i*(i+1)/2 + (j - i - 1) }

// cellsLen is the number of cells of K codes.
func cellsLen(k int) int { return 1 + 4*(k*(k-1)/2) }

func packCells(c []int64) []byte {
	out := make([]byte, 0, len(c)+8)
	for _, v := range c {
		out = binary.AppendUvarint(out, uint64(max(v, 0)))
	}
	return out
}

// unpackAdd adds packed cells to c (of the right length); false when the
// packing does not match.
func unpackAdd(c []int64, b []byte, sign int64) bool {
	for i := range c {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			return false
		}
		c[i] += sign * int64(v)
		b = b[n:]
	}
	return len(b) == 0
}

// pairCodes returns the criteria of a published form version, in order.
func (s *Store) pairCodes(ctx context.Context, form string) ([]string, error) {
	s.pairs.mu.Lock()
	codes, ok := s.pairs.forms[form]
	s.pairs.mu.Unlock()
	if ok {
		return codes, nil
	}
	id, v, ok := survey.ParseFormKey(form)
	if !ok {
		return nil, survey.ErrNotFound
	}
	f, err := s.Form(ctx, id, v)
	if err != nil {
		return nil, err
	}
	codes = criteriaCodes(f)
	s.pairs.mu.Lock()
	if s.pairs.forms == nil {
		s.pairs.forms = map[string][]string{}
	}
	s.pairs.forms[form] = codes
	s.pairs.mu.Unlock()
	return codes, nil
}

func criteriaCodes(f survey.Form) []string {
	var out []string
	for _, fa := range f.Factors {
		for _, c := range fa.Criteria {
			out = append(out, c.Code)
		}
	}
	return out
}

// pairDelta is what a batch (or a rebuild) adds to one document.
type pairDelta struct {
	doc       pairDoc
	all, self map[string][]int64
}

// pairDeltas gathers contributions by document.
type pairDeltas map[string]*pairDelta

// add counts one contribution with the criteria of its form version.
func (ds pairDeltas) add(c contribution, codes []string) {
	ds.addAt(c, codes, codeIndex(codes))
}

// codeIndex maps each code to its position.
func codeIndex(codes []string) map[string]int {
	at := make(map[string]int, len(codes))
	for i, code := range codes {
		at[code] = i
	}
	return at
}

// addAt is add with the codes' positions (codeIndex) at hand.
func (ds pairDeltas) addAt(c contribution, codes []string, at map[string]int) {
	// The last answer of each criterion, as survey.Tally.AddPairs.
	val := make([]int, len(codes))
	for i := range val {
		val[i] = -1
	}
	for _, a := range c.answers {
		if i, ok := at[a.Code]; ok && a.Value >= 0 && a.Value <= 5 {
			val[i] = a.Value
		}
	}
	var valid []int
	for i, v := range val {
		if v >= 1 {
			valid = append(valid, i)
		}
	}
	area := c.area
	if area == "" {
		area = noArea
	}
	kinds := []string{pairKindAll}
	if c.verified {
		kinds = append(kinds, pairKindVer)
	}
	k := len(codes)
	for _, kind := range kinds {
		id := pairDocID(kind, c.agency, c.month, c.form)
		d := ds[id]
		if d == nil {
			d = &pairDelta{doc: pairDoc{ID: id, Kind: kind, Agency: c.agency, Month: c.month.String(), Form: c.form, Codes: codes},
				all: map[string][]int64{}, self: map[string][]int64{}}
			ds[id] = d
		}
		targets := []map[string][]int64{d.all}
		if c.self {
			targets = append(targets, d.self)
		}
		for _, m := range targets {
			cells := m[area]
			if cells == nil {
				cells = make([]int64, cellsLen(k))
				m[area] = cells
			}
			cells[0]++
			for x, i := range valid {
				si := val[i] >= 4
				for _, j := range valid[x+1:] {
					off := 1 + 4*pairIndex(i, j, k)
					if si {
						off++
					}
					if val[j] >= 4 {
						off += 2
					}
					cells[off]++
				}
			}
		}
	}
}

// mergeInto adds the delta to a document (nil: a new one) and returns it.
func (d *pairDelta) mergeInto(cur *pairDoc) (*pairDoc, bool) {
	out := d.doc
	out.All, out.Self, out.W = map[string][]byte{}, map[string][]byte{}, map[string]int64{}
	if cur != nil {
		if !sameCodes(cur.Codes, d.doc.Codes) {
			return nil, false
		}
		out.Rev = cur.Rev
		for k, v := range cur.W {
			out.W[k] = v
		}
		for k, v := range cur.All {
			out.All[k] = v
		}
		for k, v := range cur.Self {
			out.Self[k] = v
		}
	}
	n := cellsLen(len(d.doc.Codes))
	for _, p := range []struct {
		add map[string][]int64
		to  map[string][]byte
	}{{d.all, out.All}, {d.self, out.Self}} {
		for area, cells := range p.add {
			sum := make([]int64, n)
			copy(sum, cells)
			if b, ok := p.to[area]; ok && !unpackAdd(sum, b, 1) {
				return nil, false
			}
			p.to[area] = packCells(sum)
		}
	}
	return &out, true
}

func sameCodes(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// errPairsPacking: a document's cells do not match its codes.
var errPairsPacking = errors.New("rollup_pairs: cells do not match the codes")

// pairDeltasOf counts contributions into deltas; a contribution whose form
// version cannot be read is left out (its responses then lack pair sums:
// v1's interval, flagged).
func (s *Store) pairDeltasOf(ctx context.Context, cs []contribution) pairDeltas {
	ds := pairDeltas{}
	for _, c := range cs {
		codes, err := s.pairCodes(ctx, c.form)
		if err != nil {
			if !errors.Is(err, survey.ErrNotFound) {
				s.log.Warn("rollup pairs: form unreadable", "form", c.form, "err", err)
			}
			continue
		}
		ds.add(c, codes)
	}
	return ds
}

// applyPairs adds the pair sums of a batch's responses (kiosk ratings have
// none) to rollup_pairs, each document once per batch tag: the lifecycle's
// "pairs" applier (applier.go).
func (w *rollupWriter) applyPairs(ctx context.Context, b appliedBatch) error {
	var kept []contribution
	for _, c := range b.cs {
		if c.rating == nil {
			kept = append(kept, c)
		}
	}
	if len(kept) == 0 {
		return nil
	}
	return w.s.writePairs(ctx, w.s.pairDeltasOf(ctx, kept), b.tag)
}

// writePairs applies deltas, skipping documents that record batch t.
func (s *Store) writePairs(ctx context.Context, ds pairDeltas, t batchTag) error {
	ids := make([]string, 0, len(ds))
	for id := range ds {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	coll := s.pairsColl()
	for _, id := range ids {
		d := ds[id]
		for try := 0; ; try++ {
			cur, err := s.readPairDoc(ctx, id, try > 0)
			if err != nil {
				return err
			}
			if cur != nil && t.writer != "" && cur.W[t.writer] >= t.seq {
				break
			}
			next, ok := d.mergeInto(cur)
			if !ok {
				return errPairsPacking
			}
			if t.writer != "" {
				next.W[t.writer] = t.seq
			}
			next.Rev++
			if cur == nil {
				_, err = coll.InsertOne(ctx, next)
				if mongo.IsDuplicateKeyError(err) && try < 5 {
					continue
				}
			} else {
				var res *mongo.UpdateResult
				res, err = coll.ReplaceOne(ctx, docD("_id", id, "r", cur.Rev), next)
				if err == nil && res.MatchedCount == 0 {
					if try < 5 {
						continue
					}
					err = errors.New("rollup_pairs: document changed under the writer")
				}
			}
			if err != nil {
				s.dropPairDoc(id)
				return classify(err)
			}
			s.putPairDoc(next)
			break
		}
	}
	return nil
}

// readPairDoc reads a document from memory, or the database when fresh is
// set or the memory does not hold every document; nil when there is none.
func (s *Store) readPairDoc(ctx context.Context, id string, fresh bool) (*pairDoc, error) {
	if !fresh {
		s.pairs.mu.Lock()
		d, ok := s.pairs.docs[id]
		complete := s.pairs.complete
		s.pairs.mu.Unlock()
		if ok {
			return d, nil
		}
		if complete {
			return nil, nil
		}
	}
	var d pairDoc
	err := s.pairsColl().FindOne(ctx, docD("_id", id)).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, nil
	}
	if err != nil {
		return nil, classify(err)
	}
	return &d, nil
}

// putPairDoc keeps a written document in memory when the memory holds them
// all.
func (s *Store) putPairDoc(d *pairDoc) {
	p := &s.pairs
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.complete {
		return
	}
	if old, ok := p.docs[d.ID]; ok {
		p.bytes -= old.size()
		list := p.byMonth[d.Month]
		for i := range list {
			if list[i] == old {
				list[i] = d
			}
		}
	} else {
		p.byMonth[d.Month] = append(p.byMonth[d.Month], d)
	}
	p.docs[d.ID] = d
	p.bytes += d.size()
	if p.bytes > pairCacheBytes {
		p.forget()
	}
}

func (s *Store) dropPairDoc(string) {
	s.pairs.mu.Lock()
	s.pairs.forget()
	s.pairs.mu.Unlock()
}

// forget empties the memory; reads go to the database until loadPairs.
func (p *pairState) forget() {
	p.docs, p.byMonth, p.bytes, p.complete = nil, nil, 0, false
}

// reloadPairs reads the documents back into memory after an export, the
// writer paused (it holds run while it applies a batch), unless another
// export emptied the memory since gen.
func (s *Store) reloadPairs(gen int) {
	w := s.rollups.writer
	w.run.Lock()
	defer w.run.Unlock()
	if w.closing() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := s.loadPairsIf(ctx, func() bool { return s.pairs.lean == gen }); err != nil {
		s.log.Warn("rollup pairs: not read back into memory; read from the database", "err", err)
	}
}

// loadPairs reads every document into memory (embedded database only),
// within pairCacheBytes.
func (s *Store) loadPairs(ctx context.Context) error {
	return s.loadPairsIf(ctx, func() bool { return true })
}

// loadPairsIf is loadPairs, keeping what it read only if keep, called
// under the lock at the end, says so.
func (s *Store) loadPairsIf(ctx context.Context, keep func() bool) error {
	if !s.rollups.alone {
		return nil
	}
	cur, err := s.pairsColl().Find(ctx, docD(), options.Find().SetBatchSize(500))
	if err != nil {
		return classify(err)
	}
	defer cur.Close(context.WithoutCancel(ctx))
	docs, byMonth, bytes := map[string]*pairDoc{}, map[string][]*pairDoc{}, 0
	for cur.Next(ctx) {
		d := new(pairDoc)
		if err := cur.Decode(d); err != nil {
			return classify(err)
		}
		docs[d.ID] = d
		byMonth[d.Month] = append(byMonth[d.Month], d)
		if bytes += d.size(); bytes > pairCacheBytes {
			s.log.Warn("rollup pairs: too large to keep in memory; read from the database", "bytes", bytes)
			return nil
		}
	}
	if err := cur.Err(); err != nil {
		return classify(err)
	}
	s.pairs.mu.Lock()
	if keep() {
		s.pairs.docs, s.pairs.byMonth, s.pairs.bytes, s.pairs.complete = docs, byMonth, bytes, true
	}
	s.pairs.mu.Unlock()
	return nil
}

// pairDocsOf calls fn with every document of the kind and months (and
// agency, when not empty).
func (s *Store) pairDocsOf(ctx context.Context, kind string, months []survey.Month, agency string, fn func(*pairDoc)) error {
	ms := make([]string, len(months))
	for i, m := range months {
		ms[i] = m.String()
	}
	s.pairs.mu.Lock()
	if s.pairs.complete {
		var list []*pairDoc
		for _, m := range ms {
			for _, d := range s.pairs.byMonth[m] {
				if d.Kind == kind && (agency == "" || d.Agency == agency) {
					list = append(list, d)
				}
			}
		}
		s.pairs.mu.Unlock()
		for _, d := range list { // documents are replaced, never changed: safe to read unlocked
			fn(d)
		}
		return nil
	}
	s.pairs.mu.Unlock()
	filter := docD("k", kind, "m", docD("$in", ms))
	if agency != "" {
		filter = docD("k", kind, "g", agency, "m", docD("$in", ms))
	}
	cur, err := s.pairsColl().Find(ctx, filter, options.Find().SetProjection(docD("w", 0)))
	if err != nil {
		return classify(err)
	}
	defer cur.Close(context.WithoutCancel(ctx))
	for cur.Next(ctx) {
		var d pairDoc
		if err := cur.Decode(&d); err != nil {
			return classify(err)
		}
		fn(&d)
	}
	return classify(cur.Err())
}

// pairSum adds up the cells of documents of one form version.
type pairSum struct {
	codes []string
	cells []int64
}

// pairSums adds up documents per key (an agency, a month, an area…) and
// form version, then hands each key's pair sums to a tally.
type pairSums map[string]map[string]*pairSum

// add adds the cells of a document's area (every area when area is "") on
// the basis: every response (all, verified) or all less the self-entered.
func (ps pairSums) add(key string, d *pairDoc, area string, basis survey.Basis) {
	byForm := ps[key]
	if byForm == nil {
		byForm = map[string]*pairSum{}
		ps[key] = byForm
	}
	sum := byForm[d.Form]
	if sum == nil {
		sum = &pairSum{codes: d.Codes, cells: make([]int64, cellsLen(len(d.Codes)))}
		byForm[d.Form] = sum
	}
	if !sameCodes(sum.codes, d.Codes) || len(d.Codes) < 2 {
		return
	}
	one := func(m map[string][]byte, sign int64) {
		for a, b := range m {
			if area == "" || a == area {
				unpackAdd(sum.cells, b, sign)
			}
		}
	}
	one(d.All, 1)
	if basis == survey.BasisIndependent {
		one(d.Self, -1)
	}
}

// into adds the sums of the key to a tally, keyed by versioned codes.
func (ps pairSums) into(key string, t *survey.Tally) {
	forms := make([]string, 0, len(ps[key]))
	for f := range ps[key] {
		forms = append(forms, f)
	}
	sort.Strings(forms)
	for _, form := range forms {
		sum := ps[key][form]
		t.PairResponses += sum.cells[0]
		k := len(sum.codes)
		for i := 0; i < k; i++ {
			for j := i + 1; j < k; j++ {
				c := sum.cells[1+4*pairIndex(i, j, k):]
				n, a, b, s := c[0], c[1], c[2], c[3]
				if n+a+b+s == 0 {
					continue
				}
				pc := survey.PairCounts{Valid: n + a + b + s, Satisfied: s, SatAValidB: a + s, SatBValidA: b + s}
				x, y := survey.VersionedCode(form, sum.codes[i]), survey.VersionedCode(form, sum.codes[j])
				p, ok := survey.PairOf(x, y)
				if !ok {
					continue
				}
				if p.A != x {
					pc.SatAValidB, pc.SatBValidA = pc.SatBValidA, pc.SatAValidB
				}
				t.AddPair(p, pc)
			}
		}
	}
}

func pairKindOf(basis survey.Basis) string {
	if basis == survey.BasisVerified {
		return pairKindVer
	}
	return pairKindAll
}

// uvarint reads the first cell (the responses counted) of packed cells.
func uvarint(b []byte) (int64, int) {
	v, n := binary.Uvarint(b)
	return int64(v), n
}
