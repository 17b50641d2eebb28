package survey

import (
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Questionnaire versions in the scores.
//
// Answers are counted per questionnaire version: a Tally's items are keyed
// by VersionedCode ("<form id>@<version>/<criterion code>") and its Versions
// count the responses given on each version. A period is scored with the
// versions its responses were given on (ScoreVersions), never with the
// questionnaire in force today.
//
// Criteria of different versions are pooled only when they are the same
// criterion: a published version's crosswalk maps each of its criteria to a
// criterion of an earlier version (the reporting criterion) or marks it not
// comparable. A version published without a crosswalk pools a criterion
// with the one of the version before only when it has the same code, the
// same wording and the same factor there: a code reused with new wording,
// or moved to another factor, is a new criterion.

// VersionedCode is the key of a criterion of a form version in a Tally.
func VersionedCode(formKey, code string) string { return formKey + "/" + code }

// SplitVersionedCode splits a Tally item key into the form version's key
// ("<id>@<version>") and the criterion code; ok is false for a plain code.
func SplitVersionedCode(key string) (formKey, code string, ok bool) {
	i := strings.LastIndexByte(key, '/')
	if i <= 0 {
		return "", key, false
	}
	return key[:i], key[i+1:], true
}

// ParseFormKey splits "<id>@<version>".
func ParseFormKey(key string) (id string, version int, ok bool) {
	i := strings.LastIndexByte(key, '@')
	if i <= 0 {
		return "", 0, false
	}
	v, err := strconv.Atoi(key[i+1:])
	if err != nil || v <= 0 {
		return "", 0, false
	}
	return key[:i], v, true
}

// Crosswalk says how the criteria of a version relate to those of an
// earlier published version of the same form (From): each criterion maps to
// a criterion of From (To), or is not comparable (To empty).
type Crosswalk struct {
	From  int              `bson:"from" json:"from"`
	Items []CrosswalkEntry `bson:"items" json:"items"`
}

// CrosswalkEntry maps one criterion; an empty To marks it not comparable.
type CrosswalkEntry struct {
	Code string `bson:"code" json:"code"`
	To   string `bson:"to,omitempty" json:"to,omitempty"`
}

// VersionUse is one questionnaire version a figure counts, with the
// responses given on it.
type VersionUse struct {
	FormID    string `json:"formId"`
	Version   int    `json:"version"`
	Responses int64  `json:"responses"`
}

// ChangeNotComparable is the note of a change that is not computed because
// its two periods do not share the same factors and criteria.
const ChangeNotComparable = "not_comparable"

// FormSet holds the published questionnaire versions and the reporting
// criterion of each of their criteria, for scoring tallies counted per
// version. Fallback is the form a tally without any answer is shown with.
type FormSet struct {
	forms    map[string]Form
	root     map[string]string // versioned code → versioned code it pools into
	factor   map[string]string // versioned code → factor code ("" for an area item)
	Fallback Form
}

// NewFormSet indexes the published versions among forms.
func NewFormSet(forms []Form, fallback Form) *FormSet {
	fs := &FormSet{forms: map[string]Form{}, root: map[string]string{}, factor: map[string]string{}, Fallback: fallback}
	for _, f := range forms {
		if f.Published {
			fs.forms[FormKey(f.ID, f.Version)] = f
		}
	}
	for key, f := range fs.forms {
		for _, fa := range f.Factors {
			for _, c := range fa.Criteria {
				fs.factor[VersionedCode(key, c.Code)] = fa.Code
			}
		}
		for _, s := range f.AreaItems {
			for _, c := range s.Items {
				fs.factor[VersionedCode(key, c.Code)] = ""
			}
		}
	}
	for vc := range fs.factor {
		fs.Root(vc)
	}
	return fs
}

// Form returns a published version.
func (fs *FormSet) Form(formKey string) (Form, bool) {
	f, ok := fs.forms[formKey]
	return f, ok
}

// Root returns the reporting criterion a versioned criterion pools into:
// itself, or the root of the earlier criterion its version maps it to.
func (fs *FormSet) Root(vc string) string {
	if r, ok := fs.root[vc]; ok {
		return r
	}
	if _, known := fs.factor[vc]; !known {
		return vc // not a criterion of a published version; nothing cached, so a built set is read only
	}
	fs.root[vc] = vc // a cycle (impossible with earlier versions) stops here
	r := vc
	if prev, ok := fs.earlier(vc); ok {
		r = fs.Root(prev)
	}
	fs.root[vc] = r
	return r
}

// earlier is the criterion of an earlier version that vc maps to, if any.
func (fs *FormSet) earlier(vc string) (string, bool) {
	key, code, ok := SplitVersionedCode(vc)
	if !ok {
		return "", false
	}
	f, ok := fs.forms[key]
	if !ok {
		return "", false
	}
	factor, known := fs.factor[vc]
	if !known {
		return "", false
	}
	if cw := f.Crosswalk; cw != nil {
		for _, e := range cw.Items {
			if e.Code != code {
				continue
			}
			to := VersionedCode(FormKey(f.ID, cw.From), e.To)
			if pf, ok := fs.factor[to]; e.To != "" && cw.From < f.Version && ok && pf == factor {
				return to, true
			}
			return "", false
		}
		return "", false
	}
	// No crosswalk: the same criterion, word for word, of the version before.
	prev, ok := fs.previous(f)
	if !ok {
		return "", false
	}
	pc := VersionedCode(FormKey(prev.ID, prev.Version), code)
	if pf, ok := fs.factor[pc]; !ok || pf != factor || itemText(prev, code) != itemText(f, code) {
		return "", false
	}
	return pc, true
}

// previous is the latest published version of the form before f.
func (fs *FormSet) previous(f Form) (Form, bool) {
	var best Form
	found := false
	for _, o := range fs.forms {
		if o.ID == f.ID && o.Version < f.Version && (!found || o.Version > best.Version) {
			best, found = o, true
		}
	}
	return best, found
}

// itemText is the wording of a criterion or area item of the form.
func itemText(f Form, code string) Text {
	for _, fa := range f.Factors {
		for _, c := range fa.Criteria {
			if c.Code == code {
				return c.Text
			}
		}
	}
	for _, s := range f.AreaItems {
		for _, c := range s.Items {
			if c.Code == code {
				return c.Text
			}
		}
	}
	return Text{}
}

// VersionsOf lists the versions a tally counts: those of its responses
// (Versions) and of its answers, sorted by form id and version.
func VersionsOf(t Tally) []VersionUse {
	seen := map[string]int64{}
	for k, n := range t.Versions {
		seen[k] += n
	}
	for k := range t.Items {
		if fk, _, ok := SplitVersionedCode(k); ok {
			seen[fk] += 0
		}
	}
	out := make([]VersionUse, 0, len(seen))
	for k, n := range seen {
		if id, v, ok := ParseFormKey(k); ok {
			out = append(out, VersionUse{FormID: id, Version: v, Responses: n})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].FormID != out[j].FormID {
			return out[i].FormID < out[j].FormID
		}
		return out[i].Version < out[j].Version
	})
	return out
}

// ScoringForm is the questionnaire a tally is scored with: the factors and
// criteria of the versions it counts, criteria pooled by reporting
// criterion, with the tally's answers regrouped to match. A criterion is
// shown with its code and wording in the newest version having it; when two
// reporting criteria would show the same code, the older one is suffixed
// "@<version>". Its ID and Version are those of the newest version counted.
// Signature names its factors and reporting criteria, for comparing periods.
func (fs *FormSet) ScoringForm(t Tally) (Form, Tally, []string) {
	f, pooled, sig, _ := fs.scoringForm(t)
	return f, pooled, sig
}

// scoringForm is ScoringForm that also returns the code shown for each
// reporting criterion (by root; nil for the fallback form).
func (fs *FormSet) scoringForm(t Tally) (Form, Tally, []string, map[string]string) {
	used := VersionsOf(t)
	if len(used) == 0 {
		sig := []string{}
		for _, fa := range fs.Fallback.Factors {
			sig = append(sig, fa.Code)
			for _, c := range fa.Criteria {
				sig = append(sig, fa.Code+"|"+fs.Root(VersionedCode(FormKey(fs.Fallback.ID, fs.Fallback.Version), c.Code)))
			}
		}
		sort.Strings(sig)
		// No answer counted per version: a tally by plain code (as tests
		// and recomputations by hand build) is scored with the fallback.
		return fs.Fallback, t, sig, nil
	}
	out, display, sig := fs.scoringLayout(used)
	pooled := Tally{Responses: t.Responses, Versions: t.Versions}
	for k, l := range t.Items {
		if d, ok := display[fs.Root(k)]; ok {
			pooled.Items = addCounts(pooled.Items, d, l)
		}
	}
	poolPairs(&pooled, t, func(k string) (string, bool) {
		d, ok := display[fs.Root(k)]
		return d, ok
	})
	return out, pooled, sig, display
}

// scoringLayout is the questionnaire of ScoringForm for the versions used:
// the form, the code shown for each reporting criterion (display, by root)
// and the sorted signature.
func (fs *FormSet) scoringLayout(used []VersionUse) (Form, map[string]string, []string) {
	used = slices.Clone(used)
	// Newest first, so the current wording and order lead.
	sort.SliceStable(used, func(i, j int) bool { return used[i].Version > used[j].Version })
	var out Form
	display := map[string]string{} // root → code shown
	shown := map[string]bool{}     // codes shown
	factorAt := map[string]int{}
	areaAt := map[string]int{}
	var sig []string
	name := func(root, code string, version int) string {
		if d, ok := display[root]; ok {
			return d
		}
		d := code
		if shown[d] {
			d = code + "@" + strconv.Itoa(version)
		}
		display[root], shown[d] = d, true
		return d
	}
	for _, u := range used {
		key := FormKey(u.FormID, u.Version)
		f, ok := fs.forms[key]
		if !ok {
			continue
		}
		if out.ID == "" {
			out = f
			out.Factors, out.AreaItems, out.Crosswalk = nil, nil, nil
		}
		for _, fa := range f.Factors {
			i, ok := factorAt[fa.Code]
			if !ok {
				i = len(out.Factors)
				factorAt[fa.Code] = i
				out.Factors = append(out.Factors, Factor{Code: fa.Code, Name: fa.Name})
				sig = append(sig, fa.Code)
			}
			for _, c := range fa.Criteria {
				root := fs.Root(VersionedCode(key, c.Code))
				if _, seen := display[root]; seen {
					continue
				}
				out.Factors[i].Criteria = append(out.Factors[i].Criteria, Criterion{Code: name(root, c.Code, u.Version), Text: c.Text})
				sig = append(sig, fa.Code+"|"+root)
			}
		}
		for _, s := range f.AreaItems {
			i, ok := areaAt[s.Area]
			if !ok {
				i = len(out.AreaItems)
				areaAt[s.Area] = i
				out.AreaItems = append(out.AreaItems, AreaSet{Area: s.Area})
			}
			for _, c := range s.Items {
				root := fs.Root(VersionedCode(key, c.Code))
				if _, seen := display[root]; seen {
					continue
				}
				out.AreaItems[i].Items = append(out.AreaItems[i].Items, Criterion{Code: name(root, c.Code, u.Version), Text: c.Text})
			}
		}
	}
	sort.Strings(sig)
	return out, display, sig
}

func addCounts(m map[string]Counts, code string, l Counts) map[string]Counts {
	if m == nil {
		m = map[string]Counts{}
	}
	d := m[code]
	for v := range l {
		d[v] += l[v]
	}
	m[code] = d
	return m
}

// ScoreVersions scores a tally counted per version with the versions it
// counts (ScoringForm); the report lists them and carries the signature
// Comparable compares.
func (r Rule) ScoreVersions(fs *FormSet, t Tally) Report {
	rep, _ := r.ScoreVersionsForm(fs, t)
	return rep
}

// ScoreVersionsForm is ScoreVersions that also returns the scoring form (its
// factor names and criteria texts, for pages).
func (r Rule) ScoreVersionsForm(fs *FormSet, t Tally) (Report, Form) {
	f, pooled, sig, display := fs.scoringForm(t)
	rep := r.Score(f, pooled)
	rep.Versions = VersionsOf(t)
	rep.Signature = sig
	rep.display = display
	return rep, f
}

// Comparable reports whether two reports have the same factors and
// reporting criteria, so that their difference is a change and not an
// artefact of a questionnaire change. Reports scored without versions
// (Signature nil) compare as before.
func Comparable(a, b Report) bool {
	if a.Signature == nil || b.Signature == nil {
		return true
	}
	if len(a.Signature) != len(b.Signature) {
		return false
	}
	for i := range a.Signature {
		if a.Signature[i] != b.Signature[i] {
			return false
		}
	}
	return true
}
