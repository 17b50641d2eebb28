package server

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"sort"
	"strings"

	"hailong/survey"
)

// A funnel plot shows each unit's index against its effective sample size,
// with the limits within which an index would fall by chance alone around
// the province mean: p0 ± z·sqrt(p0(1−p0)/n), z = 1.96 (95 %) and 3.09
// (99.8 %). A unit outside them differs from the province by more than its
// sample explains, and is named. It is drawn from plain data (FunnelUnit),
// so that a live ranking and a frozen published snapshot draw it alike:
// buildFunnel, then {{template "funnel" .}} (templates/funnel.html).

// FunnelUnit is one unit on a funnel plot.
type FunnelUnit struct {
	Code string `json:"code"`
	Name string `json:"name"`
	// Index is the unit's index, 0–100; EffectiveN its effective sample
	// size (survey.EffectiveN of its overall score).
	Index      float64 `json:"index"`
	EffectiveN float64 `json:"effectiveN"`
}

// The two-sided normal quantiles of the funnel's limits.
const (
	funnelZ95  = 1.959963984540054
	funnelZ998 = 3.090232306167813
)

// Where a unit stands against the limits.
const (
	FunnelAbove998 = "above998"
	FunnelAbove95  = "above95"
	FunnelWithin   = "within"
	FunnelBelow95  = "below95"
	FunnelBelow998 = "below998"
)

// FunnelLimits are the limits at one sample size, as percentages.
type FunnelLimits struct{ Low95, High95, Low998, High998 float64 }

// funnelLimits are the binomial (normal) limits around mean (0–100) at n.
func funnelLimits(mean, n float64) FunnelLimits {
	p := mean / 100
	sd := 0.0
	if n > 0 {
		sd = 100 * math.Sqrt(p*(1-p)/n)
	}
	return FunnelLimits{
		Low95: clamp(mean-funnelZ95*sd, 0, 100), High95: clamp(mean+funnelZ95*sd, 0, 100),
		Low998: clamp(mean-funnelZ998*sd, 0, 100), High998: clamp(mean+funnelZ998*sd, 0, 100),
	}
}

// position says where an index stands against the limits.
func (l FunnelLimits) position(index float64) string {
	switch {
	case index > l.High998:
		return FunnelAbove998
	case index > l.High95:
		return FunnelAbove95
	case index < l.Low998:
		return FunnelBelow998
	case index < l.Low95:
		return FunnelBelow95
	}
	return FunnelWithin
}

// FunnelRow is one unit of the funnel's table.
type FunnelRow struct {
	FunnelUnit
	FunnelLimits
	// Position is one of the Funnel* constants; Where says it in words.
	Position, Where string
}

// N is the effective sample size rounded, as the table shows it.
func (r FunnelRow) N() int64 { return int64(math.Round(r.EffectiveN)) }

// Outside reports whether the unit is outside the 95 % limits.
func (r FunnelRow) Outside() bool { return r.Position != FunnelWithin }

// FunnelView is a funnel plot ready for the "funnel" template.
type FunnelView struct {
	L *Messages
	// ID tells the funnels of one page apart (a level code).
	ID, Title string
	// Mean is the province mean the limits are drawn around, 0–100.
	Mean float64
	SVG  template.HTML
	// TableRef, when set, is the id of a table on the page that already
	// lists every unit's index and effective sample size: the plot's text
	// alternative is then a link to it rather than a table of its own (the
	// public results page, which must stay small).
	TableRef string
	// Rows are every unit by index, best first; Outliers those outside
	// the 95 % limits.
	Rows, Outliers []FunnelRow
}

// buildFunnel draws the funnel of units around mean (0–100) in the
// language of ms.
func buildFunnel(ms *Messages, id, title string, mean float64, units []FunnelUnit) FunnelView {
	v := FunnelView{L: ms, ID: id, Title: title, Mean: mean}
	for _, u := range units {
		if u.EffectiveN <= 0 {
			continue
		}
		lim := funnelLimits(mean, u.EffectiveN)
		r := FunnelRow{FunnelUnit: u, FunnelLimits: lim, Position: lim.position(u.Index)}
		r.Where = ms.T("funnel.pos." + r.Position)
		v.Rows = append(v.Rows, r)
	}
	sort.SliceStable(v.Rows, func(i, j int) bool { return v.Rows[i].Index > v.Rows[j].Index })
	for _, r := range v.Rows {
		if r.Outside() {
			v.Outliers = append(v.Outliers, r)
		}
	}
	v.SVG = funnelSVG(ms, id, title, mean, v.Rows)
	return v
}

// funnelUnits are the ranked rows of a ranking as funnel units.
func funnelUnits(rows []survey.RankingRow, lang survey.Lang) []FunnelUnit {
	out := make([]FunnelUnit, 0, len(rows))
	for _, r := range rows {
		if r.Overall.NoData {
			continue
		}
		out = append(out, FunnelUnit{Code: r.Unit.Agency.Code, Name: r.Unit.Agency.Name.In(lang),
			Index: r.Overall.Index, EffectiveN: survey.EffectiveN(r.Overall)})
	}
	return out
}

// FunnelUnitsJSON are the ranked rows of a ranking as the API (or a
// published snapshot of it) gives them, as funnel units.
func FunnelUnitsJSON(rows []RankingRowJSON, lang survey.Lang) []FunnelUnit {
	out := make([]FunnelUnit, 0, len(rows))
	for _, r := range rows {
		if r.Overall.NoData {
			continue
		}
		out = append(out, FunnelUnit{Code: r.Agency, Name: r.Name.In(lang), Index: r.Overall.Index, EffectiveN: survey.EffectiveN(r.Overall)})
	}
	return out
}

// funnelSVG draws the plot: effective sample size on a log scale across,
// index up, the mean as a solid line, the 95 % limits dashed and the
// 99.8 % limits dotted; units as dots, those outside the 95 % limits as
// triangles (up above, down below) with their names.
func funnelSVG(ms *Messages, id, title string, mean float64, rows []FunnelRow) template.HTML {
	const w, h, left, right, top, bottom = 640.0, 320.0, 48.0, 12.0, 10.0, 44.0
	plotW, plotH := w-left-right, h-top-bottom
	// Across: from a little under the smallest sample to a little over the largest.
	nMin, nMax := math.Inf(1), 0.0
	for _, r := range rows {
		nMin, nMax = math.Min(nMin, r.EffectiveN), math.Max(nMax, r.EffectiveN)
	}
	if len(rows) == 0 {
		nMin, nMax = 10, 1000
	}
	nMin, nMax = math.Max(1, nMin/1.5), nMax*1.5
	if nMax/nMin < 10 {
		mid := math.Sqrt(nMin * nMax)
		nMin, nMax = math.Max(1, mid/math.Sqrt(10)), mid*math.Sqrt(10)
	}
	lx0, lx1 := math.Log10(nMin), math.Log10(nMax)
	x := func(n float64) float64 { return left + plotW*(math.Log10(n)-lx0)/(lx1-lx0) }
	// Up: the indices, the mean and the 99.8 % limits at the smallest sample.
	lo, hi := mean, mean
	for _, r := range rows {
		lo, hi = math.Min(lo, r.Index), math.Max(hi, r.Index)
	}
	if len(rows) > 0 {
		l := funnelLimits(mean, nMin*1.5)
		lo, hi = math.Min(lo, l.Low998), math.Max(hi, l.High998)
	}
	lo, hi = math.Max(0, math.Floor((lo-2)/10)*10), math.Min(100, math.Ceil((hi+2)/10)*10)
	if hi-lo < 10 {
		lo, hi = math.Max(0, hi-10), math.Max(10, hi)
	}
	y := func(v float64) float64 { return top + plotH*(1-(clamp(v, lo, hi)-lo)/(hi-lo)) }

	var b strings.Builder
	clip := "funnel-clip-" + id
	fmt.Fprintf(&b, `<svg class="funnel" id="funnel-svg-%s" viewBox="0 0 %.0f %.0f" role="img" aria-labelledby="funnel-title-%s">`, html.EscapeString(id), w, h, html.EscapeString(id))
	fmt.Fprintf(&b, `<title id="funnel-title-%s">%s</title>`, html.EscapeString(id), html.EscapeString(title))
	fmt.Fprintf(&b, `<clipPath id="%s"><rect x="%.0f" y="%.0f" width="%.0f" height="%.0f"/></clipPath>`, html.EscapeString(clip), left, top, plotW, plotH)
	// Grid and axes.
	step := 10.0
	if hi-lo > 50 {
		step = 20
	}
	for v := lo; v <= hi+1e-9; v += step {
		fmt.Fprintf(&b, `<line x1="%.0f" x2="%.0f" y1="%.1f" y2="%.1f" stroke="#dcdcdc"/><text x="%.0f" y="%.1f" font-size="11" text-anchor="end" fill="#555">%.0f</text>`,
			left, w-right, y(v), y(v), left-4, y(v)+4, v)
	}
	for k := math.Floor(lx0); k <= math.Ceil(lx1); k++ {
		for _, m := range []float64{1, 2, 5} {
			n := m * math.Pow(10, k)
			if n < nMin || n > nMax {
				continue
			}
			fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%.0f" y2="%.0f" stroke="#dcdcdc"/><text x="%.1f" y="%.0f" font-size="11" text-anchor="middle" fill="#555">%s</text>`,
				x(n), x(n), top, top+plotH, x(n), top+plotH+14, ms.Int(int64(n)))
		}
	}
	fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" font-size="11" text-anchor="middle" fill="#333">%s</text>`, left+plotW/2, h-6, html.EscapeString(ms.T("funnel.axis_n")))
	fmt.Fprintf(&b, `<text x="12" y="%.0f" font-size="11" text-anchor="middle" fill="#333" transform="rotate(-90 12 %.0f)">%s</text>`, top+plotH/2, top+plotH/2, html.EscapeString(ms.T("funnel.axis_index")))
	// The mean and the limits, sampled along the log scale.
	curve := func(f func(FunnelLimits) float64) string {
		var p strings.Builder
		for i := 0; i <= 80; i++ {
			n := math.Pow(10, lx0+(lx1-lx0)*float64(i)/80)
			cmd := "L"
			if i == 0 {
				cmd = "M"
			}
			fmt.Fprintf(&p, "%s%.1f %.1f ", cmd, x(n), top+plotH*(1-(f(funnelLimits(mean, n))-lo)/(hi-lo)))
		}
		return strings.TrimSpace(p.String())
	}
	fmt.Fprintf(&b, `<g clip-path="url(#%s)" fill="none">`, html.EscapeString(clip))
	fmt.Fprintf(&b, `<line class="funnel-mean" x1="%.0f" x2="%.0f" y1="%.1f" y2="%.1f" stroke="#1b1b1b" stroke-width="1.5"/>`, left, w-right, y(mean), y(mean))
	for _, c := range []struct {
		f    func(FunnelLimits) float64
		cls  string
		dash string
	}{
		{func(l FunnelLimits) float64 { return l.High95 }, "funnel-95", "6 4"},
		{func(l FunnelLimits) float64 { return l.Low95 }, "funnel-95", "6 4"},
		{func(l FunnelLimits) float64 { return l.High998 }, "funnel-998", "2 3"},
		{func(l FunnelLimits) float64 { return l.Low998 }, "funnel-998", "2 3"},
	} {
		fmt.Fprintf(&b, `<path class="%s" d="%s" stroke="#4a4a4a" stroke-width="1.2" stroke-dasharray="%s"/>`, c.cls, curve(c.f), c.dash)
	}
	b.WriteString(`</g>`)
	// The units; the named ones last, so their labels are on top.
	// The units inside the limits share their style in one group, and
	// sit on whole pixels: a page of hundreds of units stays small.
	for _, named := range []bool{false, true} {
		if !named {
			b.WriteString(`<g fill="#1d4f91" fill-opacity="0.75">`)
		}
		for _, r := range rows {
			if r.Outside() != named {
				continue
			}
			px, py := x(r.EffectiveN), y(r.Index)
			switch {
			case !named:
				fmt.Fprintf(&b, `<circle class="funnel-unit" data-code="%s" cx="%.0f" cy="%.0f" r="4"/>`, html.EscapeString(r.Code), px, py)
				continue
			case r.Position == FunnelAbove95 || r.Position == FunnelAbove998:
				fmt.Fprintf(&b, `<path class="funnel-unit funnel-outlier" data-code="%s" d="M%.1f %.1f l6 10 h-12 z" fill="#1d6b35"/>`, html.EscapeString(r.Code), px, py-6)
			default:
				fmt.Fprintf(&b, `<path class="funnel-unit funnel-outlier" data-code="%s" d="M%.1f %.1f l6 -10 h-12 z" fill="#b3261e"/>`, html.EscapeString(r.Code), px, py+6)
			}
			anchor, dx := "start", 8.0
			if px > left+plotW*0.7 {
				anchor, dx = "end", -8
			}
			fmt.Fprintf(&b, `<text class="funnel-label" x="%.1f" y="%.1f" font-size="11" text-anchor="%s" fill="#1b1b1b">%s</text>`, px+dx, py+4, anchor, html.EscapeString(r.Name))
		}
		if !named {
			b.WriteString(`</g>`)
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// levelFunnel is the funnel plot of a level's ranked rows (those the caller
// may see) around the province's overall index; when the province has none
// (a factor without any answer), around the units' mean weighted by their
// effective sample sizes. Nil when nobody is ranked.
func levelFunnel(ms *Messages, r *RankingResult, lr RankingLevel, title string) *FunnelView {
	units := funnelUnits(lr.Ranked, ms.Lang())
	if len(units) == 0 {
		return nil
	}
	mean := r.Province.Index
	if r.Province.NoData {
		var sum, n float64
		for _, u := range units {
			sum, n = sum+u.Index*u.EffectiveN, n+u.EffectiveN
		}
		mean = sum / n
	}
	f := buildFunnel(ms, string(lr.Level), ms.T("funnel.title", title), mean, units)
	return &f
}
