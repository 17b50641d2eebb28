package survey

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestDemographicKey(t *testing.T) {
	k, ok := DemographicKey(Respondent{AgeBand: "25to34", Gender: "female", Education: "university"})
	if !ok || k != "female|25to34|university|" {
		t.Errorf("key = %q, %v; want female|25to34|university|", k, ok)
	}
	if k, ok := DemographicKey(Respondent{}); !ok || k != "|||" {
		t.Errorf("empty respondent: %q, %v; want |||", k, ok)
	}
	for _, bad := range []string{"a|b", "a.b", "$x", "=1", strings.Repeat("a", 33)} {
		if _, ok := DemographicKey(Respondent{Gender: bad}); ok {
			t.Errorf("gender %q accepted", bad)
		}
	}
}

func TestPatternKey(t *testing.T) {
	r := Response{Area: "dat-dai", Channel: ChannelPaper, Verified: true, FormID: "sipas-2017", FormVersion: 2,
		Respondent: Respondent{Gender: "female", Occupation: "farmer"}}
	p, ok := PatternOf(&r)
	key, kok := p.Key()
	if !ok || !kok || key != "dat-dai|paper|v|sipas-2017|2|female|||farmer" {
		t.Fatalf("key = %q, %v %v", key, ok, kok)
	}
	if back, ok := ParsePattern(key); !ok || back != p {
		t.Errorf("ParsePattern(%q) = %+v, %v; want %+v", key, back, ok, p)
	}
	for _, bad := range []string{"", "?", "a|b|v|f|1|||", "a|b|x|f|1||||", "a|b|v|f|01||||", "a|b|v|f|one||||",
		"|b|v|f|1||||", "a|b|v||1||||", "a|b|v|f.1|1||||", "a|b|v|f|1|$x|||", "a|b|v|f|-1||||"} {
		if p, ok := ParsePattern(bad); ok {
			t.Errorf("ParsePattern(%q) = %+v, accepted", bad, p)
		}
	}
	for name, edit := range map[string]func(*Response){
		"empty area": func(r *Response) { r.Area = "" }, "dotted form": func(r *Response) { r.FormID = "a.b" },
		"odd gender": func(r *Response) { r.Respondent.Gender = "a|b" },
	} {
		r2 := r
		edit(&r2)
		if p, ok := PatternOf(&r2); ok {
			t.Errorf("%s: pattern %+v accepted", name, p)
		} else if _, ok := p.Key(); ok {
			t.Errorf("%s: key written", name)
		}
	}
}

// pat builds a pattern: area, channel, "v" or "u", then up to four
// demographic answers; the questionnaire is sipas-2017 version 1.
func pat(area, channel, verified string, demo ...string) Pattern {
	p := Pattern{Area: area, Channel: channel, Verified: verified == "v", FormID: "sipas-2017", FormVersion: 1}
	copy(p.Demo[:], demo)
	return p
}

func TestReleases(t *testing.T) {
	d := []string{"female", "35to49", "secondary", "farmer"}
	cases := []struct {
		name   string
		counts map[Pattern]int64
		forced int64
		want   map[Pattern]Release
	}{
		{"five share everything", map[Pattern]int64{pat("land", "web", "u", d...): 5},
			0, map[Pattern]Release{pat("land", "web", "u", d...): ReleaseDemo4}},
		{"four alone show nothing", map[Pattern]int64{pat("land", "web", "u", d...): 4},
			0, map[Pattern]Release{pat("land", "web", "u", d...): ReleaseNone}},
		// The first example: six share the demographics, one is the
		// only paper response in land. It cannot show its channel, nor hide
		// alone: the five others are suppressed with it.
		{"the lone paper response", map[Pattern]int64{pat("land", "web", "u", d...): 5, pat("land", "paper", "u", d...): 1},
			0, map[Pattern]Release{pat("land", "web", "u", d...): ReleaseNone, pat("land", "paper", "u", d...): ReleaseNone}},
		{"the lone paper response among more", map[Pattern]int64{
			pat("land", "web", "u", d...): 5, pat("land", "paper", "u", d...): 1, pat("land", "web", "u", "male"): 9,
			pat("env", "kiosk", "u"): 4},
			0, map[Pattern]Release{pat("land", "web", "u", d...): ReleaseDemo4, pat("land", "web", "u", "male"): ReleaseDemo4,
				// paper and kiosk: 5 rows of one questionnaire, neither area
				// nor channel shown
				pat("land", "paper", "u", d...): ReleaseForm, pat("env", "kiosk", "u"): ReleaseForm}},
		{"rare occupations share their education", map[Pattern]int64{
			pat("land", "web", "u", "f", "a", "p", "farmer"): 6, pat("land", "web", "u", "f", "a", "s", "farmer"): 3,
			pat("land", "web", "u", "f", "a", "s", "worker"): 2},
			0, map[Pattern]Release{pat("land", "web", "u", "f", "a", "p", "farmer"): ReleaseDemo4,
				pat("land", "web", "u", "f", "a", "s", "farmer"): ReleaseDemo3, pat("land", "web", "u", "f", "a", "s", "worker"): ReleaseDemo3}},
		{"verified apart", map[Pattern]int64{pat("land", "web", "u", d...): 3, pat("land", "web", "v", d...): 3, pat("land", "web", "u"): 10},
			0, map[Pattern]Release{pat("land", "web", "u"): ReleaseDemo4, pat("land", "web", "u", d...): ReleaseNone, pat("land", "web", "v", d...): ReleaseNone}},
		// The second example: the one row left over would be the
		// only blank one; the smallest group shown joins it.
		{"the lone leftover", map[Pattern]int64{pat("land", "web", "u", d...): 7, pat("land", "web", "u", "male"): 5,
			pat("env", "kiosk", "v", "other"): 1},
			0, map[Pattern]Release{pat("land", "web", "u", d...): ReleaseDemo4, pat("land", "web", "u", "male"): ReleaseNone,
				pat("env", "kiosk", "v", "other"): ReleaseNone}},
		{"forced rows are suppressed too", map[Pattern]int64{pat("land", "web", "u", d...): 7, pat("land", "web", "u", "male"): 5},
			2, map[Pattern]Release{pat("land", "web", "u", d...): ReleaseDemo4, pat("land", "web", "u", "male"): ReleaseNone}},
		{"a small agency-month shows nothing", map[Pattern]int64{pat("land", "web", "u", d...): 2, pat("land", "web", "u"): 2},
			0, map[Pattern]Release{pat("land", "web", "u", d...): ReleaseNone, pat("land", "web", "u"): ReleaseNone}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Releases(c.counts, c.forced, KAnonymity)
			for p, want := range c.want {
				if got[p] != want {
					t.Errorf("%+v: %d, want %d", p, got[p], want)
				}
			}
			checkReleased(t, c.counts, c.forced, got)
		})
	}
}

// checkReleased fails unless every pattern the releases print is shared by
// k rows, and the suppressed ones are none, k or more, or all.
func checkReleased(t *testing.T, counts map[Pattern]int64, forced int64, rel map[Pattern]Release) {
	t.Helper()
	printed := map[Pattern]int64{}
	total, suppressed := forced, forced
	for p, n := range counts {
		total += n
		l := rel[p]
		if l == ReleaseNone {
			suppressed += n
			continue
		}
		printed[p.Masked(l)] += n
	}
	for p, n := range printed {
		if n < KAnonymity {
			t.Errorf("pattern %+v printed for %d rows", p, n)
		}
	}
	if suppressed > 0 && suppressed < KAnonymity && suppressed != total {
		t.Errorf("%d rows suppressed of %d", suppressed, total)
	}
}

// Demographics go first, then the channel, the area, the questionnaire.
func TestReleaseChain(t *testing.T) {
	p := pat("land", "paper", "v", "f", "a", "e", "o")
	want := []Pattern{
		{Area: Hidden, Channel: Hidden, FormID: Hidden},
		{Area: Hidden, Channel: Hidden, Verified: true, FormID: "sipas-2017", FormVersion: 1},
		pat("land", Hidden, "v"), pat("land", "paper", "v"), pat("land", "paper", "v", "f"),
		pat("land", "paper", "v", "f", "a"), pat("land", "paper", "v", "f", "a", "e"), p,
	}
	for l := ReleaseNone; l <= ReleaseDemo4; l++ {
		if got := p.Masked(l); got != want[l] {
			t.Errorf("level %d prints %+v, want %+v", l, got, want[l])
		}
	}
	r := Respondent{Gender: "f", AgeBand: "a", Education: "e", Occupation: "o"}
	if got := ReleaseDemo2.Respondent(r); got != (Respondent{Gender: "f", AgeBand: "a"}) {
		t.Errorf("ReleaseDemo2 shows %+v", got)
	}
}

// population is rows of random agency-months for the property test.
type population struct {
	rows []Response
}

func randomPopulation(rng *rand.Rand) population {
	areas := []string{"land", "env", "build"}
	channels := []string{"web", "kiosk", "paper"}
	opts := [4][]string{{"", "male", "female"}, {"", "a1", "a2", "a3"}, {"", "e1", "e2"}, {"", "o1", "o2", "o3"}}
	var pop population
	for _, ag := range []string{"ag-a", "ag-b"}[:1+rng.IntN(2)] {
		for month := 1; month <= 1+rng.IntN(3); month++ {
			n := rng.IntN(40)
			// Skewed choices, so that some patterns are common.
			pick := func(s []string) string { return s[min(rng.IntN(len(s)), rng.IntN(len(s)))] }
			for range n {
				r := Response{Agency: ag, Area: pick(areas), Channel: Channel(pick(channels)), Verified: rng.IntN(3) == 0,
					FormID: "sipas-2017", FormVersion: 1 + rng.IntN(4)/3,
					SubmittedAt: time.Date(2025, time.Month(month), 10, 0, 0, 0, 0, Zone())}
				r.Respondent = Respondent{Gender: pick(opts[0]), AgeBand: pick(opts[1]), Education: pick(opts[2]), Occupation: pick(opts[3])}
				if rng.IntN(50) == 0 {
					r.Respondent.Occupation = "odd.code" // never counted: suppressed
				}
				pop.rows = append(pop.rows, r)
			}
		}
	}
	return pop
}

type agencyMonth struct {
	agency string
	month  Month
}

// disclosures counts the population's patterns the way the rollups do
// (every row, and the verified ones apart) and computes each
// agency-month's disclosure.
func (pop population) disclosures(codes *PatternCodes) map[agencyMonth]Disclosure {
	all := map[agencyMonth]map[Pattern]int64{}
	verified := map[agencyMonth]map[Pattern]int64{}
	for i := range pop.rows {
		r := &pop.rows[i]
		am := agencyMonth{r.Agency, MonthOf(r.SubmittedAt)}
		p, _ := PatternOf(r)
		if all[am] == nil {
			all[am], verified[am] = map[Pattern]int64{}, map[Pattern]int64{}
		}
		all[am][p]++
		if r.Verified {
			verified[am][p]++
		}
	}
	out := map[agencyMonth]Disclosure{}
	for am, c := range all {
		out[am] = NewDisclosure(c, verified[am], KAnonymity, codes)
	}
	return out
}

// An export's filters, as the responses export takes them.
type exportFilter struct {
	verified bool
	area     string
	from, to int // months
}

// The disclosure rule over many random small populations: in every export
// (all rows or verified only, every area or one, any range of months), no
// pattern printed (agency, month and the quasi-identifiers as printed, "*"
// and blanks included) is shared by fewer than k rows, except the
// suppressed rows of an agency-month whose rows in that export are fewer
// than k in all; and a row never shows more in a filtered export than in
// the unfiltered one and in the verified-only one.
func TestDisclosureProperty(t *testing.T) {
	exports, rows := 0, 0
	for seed := range uint64(400) {
		rng := rand.New(rand.NewPCG(seed, 15))
		pop := randomPopulation(rng)
		ds := pop.disclosures(NewPatternCodes())
		var filters []exportFilter
		for _, v := range []bool{false, true} {
			for _, area := range []string{"", "land", "env", "build"} {
				for from := 1; from <= 3; from++ {
					for to := from; to <= 3; to++ {
						filters = append(filters, exportFilter{v, area, from, to})
					}
				}
			}
		}
		// What each row prints in the unfiltered export, and in the
		// verified-only one.
		full, onlyVer := map[int]Pattern{}, map[int]Pattern{}
		for i := range pop.rows {
			r := &pop.rows[i]
			l, _ := ds[agencyMonth{r.Agency, MonthOf(r.SubmittedAt)}].Shown(r, false)
			p, _ := PatternOf(r)
			full[i] = p.Masked(l)
			if r.Verified {
				onlyVer[i] = p.Masked(l)
			}
		}
		for _, f := range filters {
			type printedKey struct {
				am agencyMonth
				p  Pattern
			}
			printed := map[printedKey]int64{}
			suppressed := map[agencyMonth]int64{}
			population := map[agencyMonth]int64{}
			for i := range pop.rows {
				r := &pop.rows[i]
				m := MonthOf(r.SubmittedAt)
				if f.verified && !r.Verified || f.area != "" && r.Area != f.area || int(m.n%12)+1 < f.from || int(m.n%12)+1 > f.to {
					continue
				}
				am := agencyMonth{r.Agency, m}
				population[am]++
				l, listed := ds[am].Shown(r, f.area != "")
				if !listed {
					continue
				}
				p, _ := PatternOf(r)
				shown := p.Masked(l)
				rows++
				if !moreGeneral(full[i], shown) {
					t.Fatalf("seed %d, %+v: row %d shows %+v, the full export %+v", seed, f, i, shown, full[i])
				}
				if r.Verified && !moreGeneral(onlyVer[i], shown) {
					t.Fatalf("seed %d, %+v: row %d shows %+v, the verified export %+v", seed, f, i, shown, onlyVer[i])
				}
				if l == ReleaseNone {
					suppressed[am]++
				}
				printed[printedKey{am, shown}]++
			}
			exports++
			for key, n := range printed {
				am := key.am
				if n >= KAnonymity || key.p.FormID == Hidden && suppressed[am] == population[am] && population[am] < KAnonymity {
					continue // enough rows, or a small agency-month wholly suppressed
				}
				t.Fatalf("seed %d, export %+v: %v prints %+v for %d rows", seed, f, am, key.p, n)
			}
		}
	}
	t.Logf("%d exports, %d rows checked", exports, rows)
}

// moreGeneral reports whether a row printed as b shows nothing that a
// printed shows not: every part of b is a's or hidden.
func moreGeneral(a, b Pattern) bool {
	same := func(x, y string) bool { return y == x || y == Hidden || y == "" }
	if b.FormID != Hidden && (a.FormID != b.FormID || a.FormVersion != b.FormVersion || a.Verified != b.Verified) {
		return false
	}
	if !same(a.Area, b.Area) || !same(a.Channel, b.Channel) {
		return false
	}
	for i := range a.Demo {
		if !same(a.Demo[i], b.Demo[i]) {
			return false
		}
	}
	return true
}

// The third example: verified respondents whose demographics five
// rows share only with unverified ones show them in no export.
func TestDisclosureVerified(t *testing.T) {
	d := []string{"female", "35to49", "secondary", "farmer"}
	all := map[Pattern]int64{pat("land", "web", "v", d...): 3, pat("land", "web", "u", d...): 9, pat("land", "web", "v"): 6}
	verified := map[Pattern]int64{pat("land", "web", "v", d...): 3, pat("land", "web", "v"): 6}
	ds := NewDisclosure(all, verified, KAnonymity, nil)
	row := Response{Area: "land", Channel: "web", Verified: true, FormID: "sipas-2017", FormVersion: 1,
		Respondent: Respondent{Gender: "female", AgeBand: "35to49", Education: "secondary", Occupation: "farmer"}}
	if l := ds.Release(&row); l.Demographics() > 0 {
		t.Errorf("a verified row shows %d demographics", l.Demographics())
	}
	// A verified group the full population would show but the verified
	// one must suppress (its leftover is a lone row) is suppressed in both.
	v2 := pat("build", "phone", "u")
	v2.FormVersion = 2
	all = map[Pattern]int64{pat("land", "web", "v", d...): 5, pat("env", "paper", "v"): 1, pat("env", "kiosk", "u", "male"): 4, v2: 3}
	verified = map[Pattern]int64{pat("land", "web", "v", d...): 5, pat("env", "paper", "v"): 1}
	if got := Releases(all, 0, KAnonymity)[pat("land", "web", "v", d...)]; got != ReleaseDemo4 {
		t.Fatalf("the full population alone releases %d", got)
	}
	ds = NewDisclosure(all, verified, KAnonymity, nil)
	if l := ds.Release(&row); l != ReleaseNone {
		t.Errorf("released at %d, want suppressed", l)
	}
	// Counts not known: nothing shows.
	ds = NewDisclosure(all, nil, KAnonymity, nil)
	if l := ds.Release(&row); l != ReleaseNone {
		t.Errorf("without verified counts: released at %d", l)
	}
	row.Verified = false
	row.Area, row.Channel, row.Respondent = "env", "kiosk", Respondent{Gender: "male"}
	if l := NewDisclosure(nil, nil, KAnonymity, nil).Release(&row); l != ReleaseNone {
		t.Errorf("without counts: released at %d", l)
	}
}

// More than 255 answers to one question cannot be numbered: those beyond
// are suppressed and counted as such.
func TestDisclosureTooManyAnswers(t *testing.T) {
	counts := map[Pattern]int64{pat("land", "web", "u", "male"): 5}
	for i := range 300 {
		counts[pat("land", "web", "u", "male", fmt.Sprintf("a%03d", i))] = 5
	}
	codes := NewPatternCodes()
	d := NewDisclosure(counts, nil, KAnonymity, codes)
	shown, hidden := 0, 0
	for p := range counts {
		r := Response{Area: p.Area, Channel: Channel(p.Channel), FormID: p.FormID, FormVersion: p.FormVersion,
			Respondent: Respondent{Gender: p.Demo[0], AgeBand: p.Demo[1]}}
		if d.Release(&r) == ReleaseNone {
			hidden++
		} else {
			shown++
		}
	}
	if shown != 256 || hidden != 45 {
		t.Errorf("%d patterns shown, %d hidden; want 256 and 45", shown, hidden)
	}
}

// The per-row look-up allocates nothing.
func TestDisclosureReleaseAllocs(t *testing.T) {
	p := pat("land", "web", "u", "male", "a1")
	d := NewDisclosure(map[Pattern]int64{p: 6}, nil, KAnonymity, nil)
	r := Response{Area: "land", Channel: "web", FormID: "sipas-2017", FormVersion: 1, Respondent: Respondent{Gender: "male", AgeBand: "a1"}}
	if d.Release(&r) != ReleaseDemo4 {
		t.Fatalf("release %d", d.Release(&r))
	}
	if n := testing.AllocsPerRun(100, func() { d.Release(&r) }); n != 0 {
		t.Errorf("%v allocations per row", n)
	}
}

// Mask hides the columns NewResponseLayout puts where it expects them.
func TestDisclosureMask(t *testing.T) {
	l := NewResponseLayout(NewFormSet(nil, Form{}), nil, nil, false)
	for at, name := range map[int]string{colArea: "area", colChannel: "channel", colVerified: "verified", colFormID: "form_id", colFormVersion: "form_version"} {
		if l.Columns[at].Name != name {
			t.Errorf("column %d is %s, want %s", at, l.Columns[at].Name, name)
		}
	}
	r := Response{Agency: "ag", Area: "land", Channel: "paper", Verified: true, FormID: "f", FormVersion: 3,
		Respondent: Respondent{Gender: "male", AgeBand: "a1"}}
	row := l.Row(nil, r, ReleaseArea.Respondent(r.Respondent))
	ReleaseArea.Mask(row)
	var got []string
	for _, v := range row {
		got = append(got, v.Text())
	}
	if s := strings.Join(got, ","); !strings.HasPrefix(s, "ag,land,") || !strings.Contains(s, ",*,true,f,3,,,,") {
		t.Errorf("ReleaseArea row %s", s)
	}
	row = l.Row(row, r, ReleaseNone.Respondent(r.Respondent))
	ReleaseNone.Mask(row)
	got = got[:0]
	for _, v := range row {
		got = append(got, v.Text())
	}
	if s := strings.Join(got, ","); !strings.HasPrefix(s, "ag,*,") || !strings.HasSuffix(s, ",*,,*,,,,,") {
		t.Errorf("ReleaseNone row %s", s)
	}
}

func TestWithheldAreas(t *testing.T) {
	for _, c := range []struct {
		sizes map[string]int64
		want  []string
	}{
		{map[string]int64{"a": 10, "b": 6}, nil},
		{map[string]int64{"a": 10, "b": 0}, nil},
		{map[string]int64{"a": 10, "b": 2, "c": 4}, []string{"b", "c"}},     // 6 withheld: enough
		{map[string]int64{"a": 10, "b": 2, "c": 7}, []string{"b", "c"}},     // 2 alone would be worked out
		{map[string]int64{"a": 6, "b": 2, "c": 6}, []string{"a", "b"}},      // equals: by name
		{map[string]int64{"a": 3}, []string{"a"}},                           // the row of all areas is under k too
		{map[string]int64{"a": 1, "b": 1, "c": 9}, []string{"a", "b", "c"}}, // all of them
	} {
		got := WithheldAreas(c.sizes, KAnonymity)
		var areas []string
		for a, w := range got {
			if w {
				areas = append(areas, a)
			}
		}
		slices.Sort(areas)
		if !slices.Equal(areas, c.want) {
			t.Errorf("%v: withheld %v, want %v", c.sizes, areas, c.want)
		}
	}
}
