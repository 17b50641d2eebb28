package survey

import (
	"cmp"
	"slices"
)

// PatternCodes numbers the parts of the patterns an export meets, so that a
// pattern fits in 64 bits and a Disclosure keeps 9 bytes per pattern shown:
// up to 4,095 areas, 15 channels, 4,095 questionnaire versions and 255
// answers to each demographic question (0 is "none"). The disclosures of
// one export share one numbering.
type PatternCodes struct {
	areas    map[string]uint64
	channels map[string]uint64
	forms    map[formVersion]uint64
	demo     [4]map[string]uint64
}

// formVersion names a questionnaire version.
type formVersion struct {
	id      string
	version int
}

// Bits of each part of a pattern's code, from the lowest: the four
// demographic answers, the questionnaire, the channel, the area, verified.
const (
	demoBits    = 8
	formShift   = 4 * demoBits
	formBits    = 12
	chanShift   = formShift + formBits
	chanBits    = 4
	areaShift   = chanShift + chanBits
	areaBits    = 12
	verifyShift = areaShift + areaBits
)

// NewPatternCodes returns an empty numbering.
func NewPatternCodes() *PatternCodes {
	c := &PatternCodes{areas: map[string]uint64{}, channels: map[string]uint64{}, forms: map[formVersion]uint64{}}
	for i := range c.demo {
		c.demo[i] = map[string]uint64{}
	}
	return c
}

// number returns the number of v in m; add numbers a value not seen yet
// (from 1, up to max). ok is false for a value not numbered.
func number[K comparable](m map[K]uint64, v K, add bool, max uint64) (uint64, bool) {
	if n, found := m[v]; found || !add {
		return n, found
	}
	if uint64(len(m)) >= max {
		return 0, false
	}
	n := uint64(len(m)) + 1
	m[v] = n
	return n, true
}

// encode returns the code of a pattern given by its parts; add numbers the
// parts not seen yet. ok is false when a part is not (or cannot be)
// numbered.
func (c *PatternCodes) encode(area, channel string, verified bool, form formVersion, demo *[4]string, add bool) (code uint64, ok bool) {
	for i, v := range demo {
		if v == "" {
			continue // 0: not answered
		}
		n, ok := number(c.demo[i], v, add, 1<<demoBits-1)
		if !ok {
			return 0, false
		}
		code |= n << (demoBits * i)
	}
	n, ok := number(c.forms, form, add, 1<<formBits-1)
	if !ok {
		return 0, false
	}
	code |= n << formShift
	if n, ok = number(c.channels, channel, add, 1<<chanBits-1); !ok {
		return 0, false
	}
	code |= n << chanShift
	if n, ok = number(c.areas, area, add, 1<<areaBits-1); !ok {
		return 0, false
	}
	code |= n << areaShift
	if verified {
		code |= 1 << verifyShift
	}
	return code, true
}

// Disclosure says how much each row of one agency in one month may show in
// a responses export. It is kept small (9 bytes per pattern shown; the rest
// is suppressed), as an export of every agency over years keeps one per
// agency-month.
type Disclosure struct {
	codes *PatternCodes
	keys  []uint64 // sorted codes of the patterns shown
	level []Release
}

// NewDisclosure combines the releases of the agency-month's rows (all: the
// counts of every pattern) and of its verified rows alone (verified: the
// counts of the verified patterns): a verified row shows no more than
// either allows, so that the full export, the verified-only export and any
// export filtered by area or period show a row alike, and never more than
// both would. nil counts are counts that are not known (rollups written
// before these counts existed): every row they cover is suppressed.
// Patterns that cannot be numbered are suppressed and counted as such.
// codes may be shared by the disclosures of an export (nil: a numbering of
// its own).
func NewDisclosure(all, verified map[Pattern]int64, k int64, codes *PatternCodes) Disclosure {
	if codes == nil {
		codes = NewPatternCodes()
	}
	d := Disclosure{codes: codes}
	if all == nil {
		return d
	}
	rAll := releasable(all, k, codes)
	var rVerified map[Pattern]Release
	if verified != nil {
		rVerified = releasable(verified, k, codes)
	}
	type shown struct {
		code  uint64
		level Release
	}
	var list []shown
	for p, l := range rAll {
		if p.Verified {
			l = min(l, rVerified[p])
		}
		if l == ReleaseNone {
			continue
		}
		code, _ := codes.encode(p.Area, p.Channel, p.Verified, formVersion{p.FormID, p.FormVersion}, &p.Demo, false)
		list = append(list, shown{code, l})
	}
	slices.SortFunc(list, func(a, b shown) int { return cmp.Compare(a.code, b.code) })
	d.keys = make([]uint64, len(list))
	d.level = make([]Release, len(list))
	for i, s := range list {
		d.keys[i], d.level[i] = s.code, s.level
	}
	return d
}

// releasable numbers the patterns and applies Releases, the patterns that
// cannot be numbered (or written) counted as suppressed.
func releasable(counts map[Pattern]int64, k int64, codes *PatternCodes) map[Pattern]Release {
	known := make(map[Pattern]int64, len(counts))
	var forced int64
	for p, n := range counts {
		if n <= 0 {
			continue
		}
		if !p.valid() {
			forced += n
			continue
		}
		if _, ok := codes.encode(p.Area, p.Channel, p.Verified, formVersion{p.FormID, p.FormVersion}, &p.Demo, true); ok {
			known[p] += n
		} else {
			forced += n
		}
	}
	return Releases(known, forced, k)
}

// Release is how much the response (of the disclosure's agency and month)
// may show; a pattern never counted shows nothing. It allocates nothing.
func (d Disclosure) Release(r *Response) Release {
	if d.codes == nil {
		return ReleaseNone
	}
	demo := [4]string{r.Respondent.Gender, r.Respondent.AgeBand, r.Respondent.Education, r.Respondent.Occupation}
	code, ok := d.codes.encode(r.Area, string(r.Channel), r.Verified, formVersion{r.FormID, r.FormVersion}, &demo, false)
	if !ok {
		return ReleaseNone
	}
	if i, found := slices.BinarySearch(d.keys, code); found {
		return d.level[i]
	}
	return ReleaseNone
}

// Shown is how much the response may show in an export, and whether the
// export lists it at all. Every export shows a row alike, whatever its
// filters; but an export filtered by area tells its reader the area of
// every row, so it leaves out the rows whose area the release hides (they
// are in the export of every area, with the area as Hidden): a filter only
// ever removes rows, and never reveals what the unfiltered export hides.
// The verified and period filters need no such care: the release counts
// the verified rows apart, and a period holds whole agency-months.
func (d Disclosure) Shown(r *Response, areaFiltered bool) (Release, bool) {
	l := d.Release(r)
	return l, !areaFiltered || l.ShowsArea()
}
