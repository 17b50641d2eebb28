package survey

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
)

// KAnonymity is the k of the anonymised response export: every pattern of
// quasi-identifiers a row shows is shared by at least this many rows of the
// same agency and month.
const KAnonymity = 5

// DemographicOrder lists the demographic questions in the order an export
// keeps them: when a pattern is too rare, the last one still shown is
// blanked first (occupation, then education, then age band, then gender),
// so the coarsest answers survive longest.
var DemographicOrder = []string{"gender", "ageBand", "education", "occupation"}

// DemographicKey is a respondent's combination of demographics: the
// answers in DemographicOrder joined by "|", "" for a question not
// answered. ok is false when an answer is not a plain option code (letters,
// digits, "_", "-"); such a combination is never shown.
func DemographicKey(r Respondent) (key string, ok bool) {
	var b strings.Builder
	for i, code := range DemographicOrder {
		if i > 0 {
			b.WriteByte('|')
		}
		v := r.Get(code)
		if !plainCode(v) {
			return "", false
		}
		b.WriteString(v)
	}
	return b.String(), true
}

// plainCode reports whether v is empty or an option code of at most 32
// letters, digits, "_" and "-".
func plainCode(v string) bool {
	if len(v) > 32 {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// Pattern is what a row of the responses export shows about who answered,
// besides its agency and month: the quasi-identifiers that, with outside
// knowledge, could single a respondent out. The answers and the comment
// are what the export is for and are not part of it.
type Pattern struct {
	Area        string
	Channel     string
	Verified    bool
	FormID      string
	FormVersion int
	// Demo holds the demographic answers in DemographicOrder ("" when not
	// answered).
	Demo [4]string
}

// Hidden is how a coarsened text quasi-identifier (area, channel,
// questionnaire) is printed.
const Hidden = "*"

// PatternOf returns the pattern of a response; ok is false when a part of
// it cannot be written in a pattern key (a name that is empty or not a
// plain code), which then never shows.
func PatternOf(r *Response) (p Pattern, ok bool) {
	p = Pattern{Area: r.Area, Channel: string(r.Channel), Verified: r.Verified, FormID: r.FormID, FormVersion: r.FormVersion}
	for i, code := range DemographicOrder {
		p.Demo[i] = r.Respondent.Get(code)
	}
	return p, p.valid()
}

// valid reports whether every part of the pattern can be written in a key.
func (p Pattern) valid() bool {
	if p.Area == "" || p.Channel == "" || p.FormID == "" || p.FormVersion < 0 ||
		!plainCode(p.Area) || !plainCode(p.Channel) || !plainCode(p.FormID) {
		return false
	}
	for _, v := range p.Demo {
		if !plainCode(v) {
			return false
		}
	}
	return true
}

// Key writes the pattern as the rollups keep its count, a field name of
// plain codes separated by "|" (never a "." or a leading "$"):
// "<area>|<channel>|<v|u>|<form id>|<version>|<gender>|<age>|<education>|<occupation>".
// ok is false when a part cannot be written.
func (p Pattern) Key() (key string, ok bool) {
	if !p.valid() {
		return "", false
	}
	v := "u"
	if p.Verified {
		v = "v"
	}
	return p.Area + "|" + p.Channel + "|" + v + "|" + p.FormID + "|" + strconv.Itoa(p.FormVersion) + "|" +
		strings.Join(p.Demo[:], "|"), true
}

// ParsePattern reads a key written by Key.
func ParsePattern(key string) (Pattern, bool) {
	parts := strings.Split(key, "|")
	if len(parts) != 5+len(DemographicOrder) || parts[2] != "u" && parts[2] != "v" {
		return Pattern{}, false
	}
	version, err := strconv.Atoi(parts[4])
	if err != nil || strconv.Itoa(version) != parts[4] {
		return Pattern{}, false
	}
	p := Pattern{Area: parts[0], Channel: parts[1], Verified: parts[2] == "v", FormID: parts[3], FormVersion: version}
	copy(p.Demo[:], parts[5:])
	return p, p.valid()
}

// Release is how much of its pattern a row shows, from nothing beyond
// agency and month (ReleaseNone) to all of it (ReleaseDemo4). The levels
// form a chain: each shows everything the one below it shows, and more.
// Demographics go first, then the channel, then the area, then whether the
// response was verified and its questionnaire; area, channel and
// questionnaire hidden are printed as Hidden, demographics and the
// verified flag as empty cells.
type Release uint8

// The levels of release, from least to most shown.
const (
	// ReleaseNone: the row is suppressed, its area, channel, verified flag,
	// questionnaire and demographics hidden. The suppressed rows of an
	// agency-month are one pattern.
	ReleaseNone Release = iota
	// ReleaseForm: the verified flag and the questionnaire.
	ReleaseForm
	// ReleaseArea: and the procedure area.
	ReleaseArea
	// ReleaseChannel: and the channel; no demographics.
	ReleaseChannel
	// ReleaseDemo1 to ReleaseDemo4: and the first one to four demographic
	// answers in DemographicOrder.
	ReleaseDemo1
	ReleaseDemo2
	ReleaseDemo3
	ReleaseDemo4
)

// ShowsForm, ShowsArea and ShowsChannel say whether the level shows the
// verified flag and questionnaire, the area, the channel.
func (l Release) ShowsForm() bool    { return l >= ReleaseForm }
func (l Release) ShowsArea() bool    { return l >= ReleaseArea }
func (l Release) ShowsChannel() bool { return l >= ReleaseChannel }

// Demographics is how many demographic answers, in DemographicOrder, the
// level shows.
func (l Release) Demographics() int {
	if l <= ReleaseChannel {
		return 0
	}
	return int(l - ReleaseChannel)
}

// Respondent returns the demographics of r as the level shows them.
func (l Release) Respondent(r Respondent) Respondent {
	var out Respondent
	for _, code := range DemographicOrder[:l.Demographics()] {
		out.Set(code, r.Get(code))
	}
	return out
}

// Masked is the pattern as a row released at level l prints it: hidden
// texts are Hidden, hidden demographics "", and without the questionnaire
// the verified flag is false and the version 0 (FormID Hidden tells them
// apart from a shown false).
func (p Pattern) Masked(l Release) Pattern {
	for i := l.Demographics(); i < len(p.Demo); i++ {
		p.Demo[i] = ""
	}
	if !l.ShowsChannel() {
		p.Channel = Hidden
	}
	if !l.ShowsArea() {
		p.Area = Hidden
	}
	if !l.ShowsForm() {
		p.Verified, p.FormID, p.FormVersion = false, Hidden, 0
	}
	return p
}

// Releases decides how much each pattern of one agency-month's rows shows
// (the counts: how many rows have each pattern), so that every pattern
// printed is shared by at least k rows. It is the disclosure rule of the
// responses export:
//
//   - Level by level, from ReleaseDemo4 down to ReleaseForm, the rows not
//     yet released are grouped by what the level prints; a group of k rows
//     or more is released at that level. Only rows left over from the
//     levels above count at a level, so each printed group stands alone.
//   - What is left after ReleaseForm, and the forced rows (rows that can
//     show nothing, counted here so the suppressed group is sized right),
//     are suppressed: one pattern per agency-month. When that group has
//     fewer than k rows, the smallest released groups are suppressed as
//     well (the least shown first among equals) until it has k or more, or
//     the whole agency-month is suppressed.
//
// A printed pattern can be shared by groups of several levels (a
// respondent who skipped a question prints like one whose answer is
// hidden), which only makes it more common. An agency-month of fewer than
// k rows shows nothing but its agency and month. Patterns missing from the
// result are suppressed. The result depends on the counts alone, never on
// the order of anything.
func Releases(counts map[Pattern]int64, forced int64, k int64) map[Pattern]Release {
	type entry struct {
		p   Pattern
		key string
		n   int64
	}
	rest := make([]entry, 0, len(counts))
	for p, n := range counts {
		if n > 0 {
			key, _ := p.Masked(ReleaseDemo4).Key()
			rest = append(rest, entry{p, key, n})
		}
	}
	slices.SortFunc(rest, func(a, b entry) int { return strings.Compare(a.key, b.key) })
	type group struct {
		level   Release
		key     string
		n       int64
		members []Pattern
	}
	var released []*group
	out := make(map[Pattern]Release, len(rest))
	for l := ReleaseDemo4; l >= ReleaseForm; l-- {
		groups := map[Pattern]*group{}
		var order []*group
		for _, e := range rest {
			m := e.p.Masked(l)
			g := groups[m]
			if g == nil {
				g = &group{level: l, key: maskedKey(m)}
				groups[m] = g
				order = append(order, g)
			}
			g.n += e.n
			g.members = append(g.members, e.p)
		}
		left := rest[:0]
		for _, e := range rest {
			if groups[e.p.Masked(l)].n >= k {
				out[e.p] = l
			} else {
				left = append(left, e)
			}
		}
		for _, g := range order {
			if g.n >= k {
				released = append(released, g)
			}
		}
		rest = left
	}
	suppressed := forced
	for _, e := range rest {
		suppressed += e.n
	}
	if suppressed > 0 && suppressed < k {
		slices.SortStableFunc(released, func(a, b *group) int {
			return cmp.Or(cmp.Compare(a.n, b.n), cmp.Compare(a.level, b.level), strings.Compare(a.key, b.key))
		})
		for _, g := range released {
			if suppressed >= k {
				break
			}
			for _, p := range g.members {
				delete(out, p)
			}
			suppressed += g.n
		}
	}
	return out
}

// maskedKey writes a masked pattern for ordering ("*" parts included).
func maskedKey(p Pattern) string {
	v := "u"
	if p.Verified {
		v = "v"
	}
	return p.Area + "|" + p.Channel + "|" + v + "|" + p.FormID + "|" + strconv.Itoa(p.FormVersion) + "|" + strings.Join(p.Demo[:], "|")
}
