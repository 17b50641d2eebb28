package survey

// Counts counts the answers given to one item, by value: Counts[0] is "not
// applicable", Counts[1] to Counts[5] are the points of the scale.
type Counts [6]int64

// Valid is the number of answers on the scale (1 to 5): the denominator.
func (l Counts) Valid() int64 { return l[1] + l[2] + l[3] + l[4] + l[5] }

// Satisfied is the number of answers 4 or 5.
func (l Counts) Satisfied() int64 { return l[4] + l[5] }

// Sum is the total of the valid answers' values, for the mean score.
func (l Counts) Sum() int64 { return l[1] + 2*l[2] + 3*l[3] + 4*l[4] + 5*l[5] }

// Answers is every answer given, not applicable included.
func (l Counts) Answers() int64 { return l[0] + l.Valid() }

// Tally is what every report is computed from: the number of responses and,
// per question code, the count of each answer value. Rollups store tallies;
// a recomputation from raw responses produces the same tallies.
//
// Tallies read from the rollups count answers per questionnaire version:
// their items are keyed by VersionedCode and Versions counts the responses
// given on each version (by FormKey); see versions.go.
type Tally struct {
	Responses int64             `json:"responses"`
	Items     map[string]Counts `json:"items,omitempty"`
	// Pairs and PairResponses are the per-respondent cross sums of items
	// (pairs.go) that the respondent-level variance of sipas-2017-v2 needs.
	Pairs         map[Pair]PairCounts `json:"-"`
	PairResponses int64               `json:"-"`
	Versions      map[string]int64    `json:"versions,omitempty"`
}

// Count adds n answers of value v to the item with the code. Values outside
// 0 to 5 are not answers on the SIPAS scale and are ignored.
func (t *Tally) Count(code string, v int, n int64) {
	if v < 0 || v > 5 || n == 0 {
		return
	}
	if t.Items == nil {
		t.Items = map[string]Counts{}
	}
	l := t.Items[code]
	l[v] += n
	t.Items[code] = l
}

// AddResponse counts one response with its answers.
func (t *Tally) AddResponse(answers []Answer) {
	t.Responses++
	for _, a := range answers {
		t.Count(a.Code, a.Value, 1)
	}
}

// AddResponseOn counts one response given on the form version (FormKey),
// its answers by VersionedCode: what the rollups count.
func (t *Tally) AddResponseOn(formKey string, answers []Answer) {
	t.Responses++
	t.AddVersion(formKey, 1)
	for _, a := range answers {
		t.Count(VersionedCode(formKey, a.Code), a.Value, 1)
	}
}

// AddVersion counts n responses given on the form version.
func (t *Tally) AddVersion(formKey string, n int64) {
	if n == 0 {
		return
	}
	if t.Versions == nil {
		t.Versions = map[string]int64{}
	}
	t.Versions[formKey] += n
}

// Merge adds the counts of o, a whole item at a time: reports merge many
// tallies, so this is their hottest loop. Items without answers are skipped,
// as Count skips them, so merging equals counting.
func (t *Tally) Merge(o Tally) {
	t.Responses += o.Responses
	t.mergePairs(o)
	for k, n := range o.Versions {
		t.AddVersion(k, n)
	}
	if len(o.Items) == 0 {
		return
	}
	if t.Items == nil {
		t.Items = make(map[string]Counts, len(o.Items))
	}
	for code, l := range o.Items {
		if l == (Counts{}) {
			continue
		}
		d := t.Items[code]
		for v := range l {
			d[v] += l[v]
		}
		t.Items[code] = d
	}
}

// Pool merges the tallies of the units named (all of them when units is nil):
// the province as one unit, for the province average.
func Pool(tallies map[string]Tally, units []string) Tally {
	var t Tally
	if units == nil {
		for _, u := range tallies {
			t.Merge(u)
		}
		return t
	}
	for _, u := range units {
		t.Merge(tallies[u])
	}
	return t
}
