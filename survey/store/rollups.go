package store

// Rollups are tallies of responses, pre-aggregated per month, read by _id.
//
// FerretDB (SQLite) finds a document by _id by scanning its whole table (its
// query does not match the _id index expression; pinned in
// rollups_ferretdb_test.go), so the cost of every read and update grows with
// the bytes of the collection. The store adds an index FerretDB's query does
// use (id_index.go), but a new collection lacks it until the next sweep, and
// MongoDB reads a month's documents as one range either way. Rollups
// therefore live in one small collection per month, "rollups_YYYY_MM",
// holding:
//
//	{_id: "am|<agency>|<YYYY-MM>", k: "am", agency, month,
//	 w:  {<writer>: <last batch applied>},
//	 n:  {"<area>|<v|u>|<channel>": responses},
//	 a:  {"<area>|<code>|<level>": answers},     // per procedure area
//	 ch: {"<channel>|<code>|<level>": answers},  // per channel
//	 vf: {"<code>|<level>": answers},            // verified responses only
//	 p:  {"<area>|<channel>|<v|u>|<form id>|<version>|<gender>|<age>|<education>|<occupation>": responses}}
//	{_id: "pm|<YYYY-MM>", k: "pm", month, w,
//	 n:  {"<agency>": responses},
//	 c:  {"<agency>|<code>|<level>": answers}}   // every agency, for ranks
//	{_id: "amv|<agency>|<YYYY-MM>", k: "amv", ...}  // as am (p too), verified only
//	{_id: "pmv|<YYYY-MM>", k: "pmv", ...}           // as pm, verified only
//
// The am and pm documents also hold the twins of their tallies over the
// self-entered responses alone (survey.Response.SelfEntered: surveys the
// rated agency's own staff entered), so that the independent responses are
// read as all − self-entered, exactly, with no write for other responses:
//
//	am: sn: {"<area>|<v|u>|<channel>": responses}, sa, sch, svf  // as n, a, ch, vf
//	pm: sn: {"<agency>": responses}, sc                          // as n, c
//
// Rollups written before these fields existed have none: they read as
// holding no self-entered response (every response then counts as
// independent) until "hailong rollups rebuild" recounts them. The amv and
// pmv documents hold the same twins, for the share of self-entered
// responses among the verified ones (staff entries are never verified, so
// they stay empty).
//
// The p field counts the respondents of each pattern of quasi-identifiers
// (survey.Pattern.Key: the area, channel, verified flag, questionnaire and
// demographics, option codes, "" when not answered), which the anonymised
// export needs for its disclosure rule (survey.Releases). A response whose
// pattern cannot be a key, or whose pending entry was written before the
// field existed and does not carry it, is counted under unknownPattern;
// an agency-month with such a count shows no quasi-identifiers at all.
//
// Rollups written before the p field existed hold a d field instead (the
// demographics alone), which is no longer read nor written: their p counts,
// if any, cover only the responses counted since, so MonthPatterns treats
// an agency-month whose p counts do not add up to its responses (n) as one
// without counts, until "hailong rollups rebuild" recounts it.
//
// Answers are counted per questionnaire version (format 2, the f field of
// every document): a criterion is keyed by survey.VersionedCode, the form
// key and the code ("sipas-2017@1/1~1"), and the fv field counts the
// responses given on each version:
//
//	am: fv: {"<area>|<v|u>|<channel>|<form id>@<version>": responses}, sfv
//	pm: fv: {"<agency>|<form id>@<version>": responses}, sfv
//
// Rollups of the first format (no f field, criteria by code alone) cannot
// be scored per version: they are never read (errRollupFormat), and the
// first start of this binary rebuilds them from the responses
// (migrateRollups in rollup_format.go), as "hailong rollups rebuild" does.
//
// A criterion code is written with "~" for "." ("1.1" → "1~1"; codes may
// hold "_" but never "~"), so no field name contains a dot; codes and the
// agency, area and channel names are checked before they become field names
// (none can start with "$").

import (
	"fmt"
	"strings"

	"hailong/survey"
)

// Rollup document kinds and the fields holding tallies.
const (
	kindAgencyMonth   = "am"
	kindProvinceMonth = "pm"
	// The same documents over verified responses only (kinds amv and pmv),
	// so a report filtered to verified responses is read like any other.
	kindAgencyMonthVerified   = "amv"
	kindProvinceMonthVerified = "pmv"
	fieldArea                 = "a"
	fieldChannel              = "ch"
	fieldVerified             = "vf"
	fieldAgency               = "c"
	fieldPatterns             = "p"
	// The self-entered twins: fieldSelfN of n, the others of a, ch, vf, c.
	fieldSelfN        = "sn"
	fieldSelfArea     = "sa"
	fieldSelfChannel  = "sch"
	fieldSelfVerified = "svf"
	fieldSelfAgency   = "sc"
	// fieldVersions counts responses per questionnaire version: in am
	// documents by "<area>|<v|u>|<channel>|<form key>", in pm documents by
	// "<agency>|<form key>"; fieldSelfVersions is its self-entered twin.
	fieldVersions     = "fv"
	fieldSelfVersions = "sfv"
	// rollupFormat is the format of the rollups this binary writes and
	// reads (the f field of every document, and the rollup_meta "format"
	// record): 2 counts answers per questionnaire version. Documents of
	// another format are never read as this one (errRollupFormat).
	rollupFormat = 2
	// fieldDemographics is the field that older rollups held instead of p;
	// it is left out of every read.
	fieldDemographics = "d"
	// unknownDemographics is the demographics of a pending entry written
	// before they were counted; unknownPattern counts responses whose
	// pattern is unknown.
	unknownDemographics = "?"
	unknownPattern      = "?"
)

// rollupColl names the collection of the month's rollups.
func rollupColl(m survey.Month) string { return rollupPrefix + monthSuffix(m) }

func agencyMonthID(agency string, m survey.Month) string {
	return monthDocID(kindAgencyMonth, agency, m)
}

// monthDocID is the _id of a rollup document of the kind: agency-month
// kinds name the agency, province-month kinds do not.
func monthDocID(kind, agency string, m survey.Month) string {
	if agency == "" {
		return kind + "|" + m.String()
	}
	return kind + "|" + agency + "|" + m.String()
}

// safeName reports whether s may be a part of a field name: an agency, area
// or channel code of 1 to 64 characters from a–z, 0–9 and "-".
func safeName(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// safeCode reports whether a question code can be stored in a field name:
// 1 to 32 characters from A–Z, a–z, 0–9, "-", "_" and "." (written as "~"),
// which is every code survey.ValidItemCode accepts.
func safeCode(s string) bool {
	if len(s) == 0 || len(s) > 32 || s[0] == '$' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// contributionForm is the survey.FormKey of the version a response
// answered; a response stored without one (none should be) counts as
// version 1 of the default questionnaire.
func contributionForm(r survey.Response) string {
	id, v := r.FormID, r.FormVersion
	if id == "" {
		id = survey.DefaultFormID
	}
	if v <= 0 {
		v = 1
	}
	return survey.FormKey(id, v)
}

// safeFormKey reports whether a form key may be part of a field name
// (written with encodeCode, like criterion codes).
func safeFormKey(k string) bool {
	id, _, ok := survey.ParseFormKey(k)
	return ok && safeCode(id) && !strings.ContainsAny(id, "~@/")
}

func encodeCode(code string) string { return strings.ReplaceAll(code, ".", "~") }
func decodeCode(key string) string  { return strings.ReplaceAll(key, "~", ".") }

// contribution is what one stored response adds to the rollups.
type contribution struct {
	attempt  string // id of the pending log entry written before the response
	response string
	agency   string
	area     string
	channel  string
	verified bool
	// self is set for a response entered by the rated agency's own staff.
	self    bool
	month   survey.Month
	answers []survey.Answer
	// demographics is the survey.DemographicKey of the respondent, or
	// unknownDemographics.
	demographics string
	// pattern is the survey.Pattern key of the response, or unknownPattern.
	pattern string
	// attn is the response's attention item, when it needs one: the
	// writer inserts it before it deletes the pending entry (attention.go).
	attn *survey.AttentionItem
	// form is the survey.FormKey of the questionnaire version answered.
	form string
}

// newContribution checks that every name of the response can become part of
// a field name and every answer is on the 0–5 scale.
func newContribution(r survey.Response, attempt string) (contribution, error) {
	c := contribution{
		attempt: attempt, response: r.ID, agency: r.Agency, area: r.Area,
		channel: string(r.Channel), verified: r.Verified, self: r.SelfEntered, month: survey.MonthOf(r.SubmittedAt),
		answers: r.Answers, demographics: unknownDemographics, pattern: unknownPattern,
		form: contributionForm(r),
	}
	if key, ok := survey.DemographicKey(r.Respondent); ok {
		c.demographics = key
	}
	if p, ok := survey.PatternOf(&r); ok {
		c.pattern, _ = p.Key()
	}
	if !safeFormKey(c.form) {
		return contribution{}, fmt.Errorf("rollups: form %q cannot be counted", c.form)
	}
	for _, n := range []string{c.agency, c.area, c.channel} {
		if !safeName(n) {
			return contribution{}, fmt.Errorf("rollups: name %q is not [a-z0-9-]", n)
		}
	}
	for _, a := range r.Answers {
		if !safeCode(a.Code) || a.Value < 0 || a.Value > 5 {
			return contribution{}, fmt.Errorf("rollups: answer %q = %d cannot be counted", a.Code, a.Value)
		}
	}
	return c, nil
}

// verifiedKey is how the n field writes whether responses were verified.
func verifiedKey(v bool) string {
	if v {
		return "v"
	}
	return "u"
}

// bucket is the content of one rollup document, or an increment to it.
type bucket struct {
	id     string
	month  survey.Month
	kind   string
	agency string
	n      map[string]int64
	// sn counts the self-entered responses among n (fieldSelfN).
	sn map[string]int64
	// p counts the respondents of each pattern of quasi-identifiers.
	p map[string]int64
	// fv counts the responses per questionnaire version (fieldVersions),
	// sfv the self-entered ones among them.
	fv, sfv map[string]int64
	// tallies maps a field (a, ch, vf, c) and a sub-key (area, channel, "" or
	// agency) to the answer counts; Responses are derived from n when read.
	tallies map[string]map[string]*survey.Tally
}

func newBucket(id, kind, agency string, m survey.Month) *bucket {
	return &bucket{id: id, kind: kind, agency: agency, month: m,
		n: map[string]int64{}, sn: map[string]int64{}, p: map[string]int64{}, tallies: map[string]map[string]*survey.Tally{},
		fv: map[string]int64{}, sfv: map[string]int64{}}
}

// tally returns the counts of one field and sub-key, creating them.
func (b *bucket) tally(field, sub string) *survey.Tally {
	m := b.tallies[field]
	if m == nil {
		m = map[string]*survey.Tally{}
		b.tallies[field] = m
	}
	t := m[sub]
	if t == nil {
		t = &survey.Tally{}
		m[sub] = t
	}
	return t
}

// mergeTallies adds the counts of d to b, except the patterns.
func (b *bucket) mergeTallies(d *bucket) {
	for k, v := range d.n {
		b.n[k] += v
	}
	for k, v := range d.sn {
		b.sn[k] += v
	}
	for k, v := range d.fv {
		b.fv[k] += v
	}
	for k, v := range d.sfv {
		b.sfv[k] += v
	}
	for field, subs := range d.tallies {
		for sub, t := range subs {
			b.tally(field, sub).Merge(*t)
		}
	}
}

// bucketSet gathers buckets by id.
type bucketSet map[string]*bucket

// add counts one contribution into its agency-month and province-month
// buckets and, when verified, into the verified ones too.
func (s bucketSet) add(c contribution) {
	s.addTo(c, false)
	if c.verified {
		s.addTo(c, true)
	}
}

// addTo counts a contribution into the all-responses buckets, or the
// verified-only ones.
func (s bucketSet) addTo(c contribution, verifiedOnly bool) {
	amKind, pmKind := kindAgencyMonth, kindProvinceMonth
	if verifiedOnly {
		amKind, pmKind = kindAgencyMonthVerified, kindProvinceMonthVerified
	}
	am := s.get(monthDocID(amKind, c.agency, c.month), amKind, c.agency, c.month)
	nKey := c.area + "|" + verifiedKey(c.verified) + "|" + c.channel
	am.n[nKey]++
	am.p[c.pattern]++ // for the disclosure rule of exports, all or verified only
	pm := s.get(monthDocID(pmKind, "", c.month), pmKind, "", c.month)
	pm.n[c.agency]++
	form := encodeCode(c.form)
	amV, pmV := nKey+"|"+form, c.agency+"|"+form
	am.fv[amV]++
	pm.fv[pmV]++
	self := c.self
	if self {
		am.sn[nKey]++
		pm.sn[c.agency]++
		am.sfv[amV]++
		pm.sfv[pmV]++
	}
	for _, a := range c.answers {
		code := survey.VersionedCode(c.form, a.Code) // answers are counted per version
		am.tally(fieldArea, c.area).Count(code, a.Value, 1)
		am.tally(fieldChannel, c.channel).Count(code, a.Value, 1)
		if c.verified {
			am.tally(fieldVerified, "").Count(code, a.Value, 1)
		}
		pm.tally(fieldAgency, c.agency).Count(code, a.Value, 1)
		if self {
			am.tally(fieldSelfArea, c.area).Count(code, a.Value, 1)
			am.tally(fieldSelfChannel, c.channel).Count(code, a.Value, 1)
			if c.verified {
				am.tally(fieldSelfVerified, "").Count(code, a.Value, 1)
			}
			pm.tally(fieldSelfAgency, c.agency).Count(code, a.Value, 1)
		}
	}
}

// selfTwins maps each tally field to its twin over self-entered responses.
var selfTwins = map[string]string{
	fieldArea: fieldSelfArea, fieldChannel: fieldSelfChannel,
	fieldVerified: fieldSelfVerified, fieldAgency: fieldSelfAgency,
}

// independent is the content of an am or pm document over its independent
// responses: n less sn and each tally less its self-entered twin, exactly;
// keys left with nothing are dropped, as a recomputation has none. A
// document without self-entered counts (or written before they were kept)
// is returned as it is. The result may share maps with b: read it only.
func (b *bucket) independent() *bucket {
	if len(b.sn) == 0 {
		return b
	}
	out := newBucket(b.id, b.kind, b.agency, b.month)
	for k, v := range b.n {
		if d := v - b.sn[k]; d != 0 {
			out.n[k] = d
		}
	}
	for k, v := range b.fv {
		if d := v - b.sfv[k]; d != 0 {
			out.fv[k] = d
		}
	}
	for field, twin := range selfTwins {
		for sub, t := range b.tallies[field] {
			self := b.tallies[twin][sub]
			if self == nil {
				out.tallies[field] = withSub(out.tallies[field], sub, t)
				continue
			}
			var rest survey.Tally
			for code, l := range t.Items {
				sl := self.Items[code]
				for v := range l {
					rest.Count(code, v, l[v]-sl[v])
				}
			}
			if len(rest.Items) > 0 {
				out.tallies[field] = withSub(out.tallies[field], sub, &rest)
			}
		}
	}
	return out
}

func withSub(m map[string]*survey.Tally, sub string, t *survey.Tally) map[string]*survey.Tally {
	if m == nil {
		m = map[string]*survey.Tally{}
	}
	m[sub] = t
	return m
}

// basis is the document as a read over the basis sees it: the independent
// responses of an am or pm document for BasisIndependent, else as it is
// (the verified basis reads the amv and pmv documents instead).
func (b *bucket) basis(basis survey.Basis) *bucket {
	if basis == survey.BasisIndependent {
		return b.independent()
	}
	return b
}

// basisKinds are the agency-month and province-month kinds a basis reads.
func basisKinds(basis survey.Basis) (am, pm string) {
	if basis == survey.BasisVerified {
		return kindAgencyMonthVerified, kindProvinceMonthVerified
	}
	return kindAgencyMonth, kindProvinceMonth
}

func (s bucketSet) get(id, kind, agency string, m survey.Month) *bucket {
	b := s[id]
	if b == nil {
		b = newBucket(id, kind, agency, m)
		s[id] = b
	}
	return b
}
