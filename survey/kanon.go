package survey

import (
	"slices"
	"strings"
)

// KAnonymity is the k of the anonymised response export: a row may show a
// combination of demographics only if at least this many respondents of the
// same agency and month share it.
const KAnonymity = 5

// DemographicOrder lists the demographic questions in the order an export
// keeps them: when a combination is too rare, the last one still shown is
// blanked first (occupation, then education, then age band, then gender),
// so the coarsest answers survive longest.
var DemographicOrder = []string{"gender", "ageBand", "education", "occupation"}

// DemographicKey is a respondent's combination of demographics as the
// rollups count it: the answers in DemographicOrder joined by "|", "" for a
// question not answered. ok is false when an answer is not a plain option
// code (letters, digits, "_", "-"); such a combination is never shown.
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

// Disclosure says, for the respondents of one agency in one month, how many
// demographic answers (a prefix of DemographicOrder) each combination may
// show so that every pattern an export shows is shared by at least k rows.
//
// It is computed from the counts of every full combination (the rollups
// keep them) level by level: a combination keeps all four answers when at
// least k respondents share it; the others are grouped by their first three
// answers, and a group of at least k keeps those three; what is left is
// grouped by two, then by one; the rest shows no demographics. Each pattern
// "first j answers, the others blank" is thus released for k or more
// respondents, counting only those released at that level, so a reader who
// knows someone's demographics cannot narrow them to fewer than k rows by
// one pattern. What is left at level 0 shows nothing (its answers and
// channel are still shown, as the issue asks). A blank cell does not say
// whether the respondent skipped the question or the export hid it.
//
// It is kept small (three bytes a combination), as an export of every
// agency over years keeps one per agency-month.
type Disclosure struct {
	codes *DemographicCodes
	keys  []uint16 // sorted combinations, as codes
	keep  []uint8
}

// DemographicCodes numbers the answers to each demographic question (1 to
// 15, 0 for none), so that a combination fits in 16 bits; the disclosures
// of one export share them.
type DemographicCodes struct {
	values [4]map[string]uint16
}

// NewDemographicCodes returns an empty numbering.
func NewDemographicCodes() *DemographicCodes {
	c := &DemographicCodes{}
	for i := range c.values {
		c.values[i] = map[string]uint16{"": 0}
	}
	return c
}

// encode numbers a combination given as its answers in DemographicOrder;
// add numbers answers not seen yet. ok is false for an answer not numbered
// (or beyond the 15th of its question).
func (c *DemographicCodes) encode(parts []string, add bool) (code uint16, ok bool) {
	for i, v := range parts {
		n, found := c.values[i][v]
		if !found {
			if !add || len(c.values[i]) > 15 {
				return 0, false
			}
			n = uint16(len(c.values[i]))
			c.values[i][v] = n
		}
		code |= n << (4 * i)
	}
	return code, true
}

// NewDisclosure computes the disclosure of the combinations counted (by
// DemographicKey; keys that are not such a key are left out, so rows with
// them show nothing). codes may be shared by the disclosures of an export
// (nil: a numbering of its own).
func NewDisclosure(counts map[string]int64, k int64, codes *DemographicCodes) Disclosure {
	if codes == nil {
		codes = NewDemographicCodes()
	}
	d := Disclosure{codes: codes}
	n := len(DemographicOrder)
	var ok bool
	left := make(map[string][]string, len(counts)) // full key → its answers
	code := make(map[string]uint16, len(counts))
	for key, c := range counts {
		parts := strings.Split(key, "|")
		if len(parts) != n || c <= 0 {
			continue
		}
		// A combination that cannot be numbered never shows, so it must
		// not count towards anyone's k either.
		if code[key], ok = codes.encode(parts, true); ok {
			left[key] = parts
		}
	}
	keep := make(map[uint16]uint8, len(left))
	for level := n; level >= 1; level-- {
		groups := map[string]int64{}
		for key, parts := range left {
			groups[strings.Join(parts[:level], "|")] += counts[key]
		}
		for key, parts := range left {
			if groups[strings.Join(parts[:level], "|")] >= k {
				keep[code[key]] = uint8(level)
				delete(left, key)
			}
		}
	}
	d.keys = make([]uint16, 0, len(keep))
	for code := range keep {
		d.keys = append(d.keys, code)
	}
	slices.Sort(d.keys)
	d.keep = make([]uint8, len(d.keys))
	for i, code := range d.keys {
		d.keep[i] = keep[code]
	}
	return d
}

// Keep is how many answers, in DemographicOrder, the combination (a
// DemographicKey) may show.
func (d Disclosure) Keep(key string) int {
	parts := strings.Split(key, "|")
	if d.codes == nil || len(parts) != len(DemographicOrder) {
		return 0
	}
	code, ok := d.codes.encode(parts, false)
	if !ok {
		return 0
	}
	if i, found := slices.BinarySearch(d.keys, code); found {
		return int(d.keep[i])
	}
	return 0
}

// Show returns the respondent's demographics as an export may show them:
// the answers beyond what the combination may show are blanked.
func (d Disclosure) Show(r Respondent) Respondent {
	key, ok := DemographicKey(r)
	if !ok {
		return Respondent{}
	}
	var out Respondent
	for _, code := range DemographicOrder[:d.Keep(key)] {
		out.Set(code, r.Get(code))
	}
	return out
}
