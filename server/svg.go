package server

import (
	"fmt"
	"html"
	"html/template"
	"strings"
)

// Charts are drawn on the server as SVG: no script, no CDN, and they print.
// Every label is escaped; numbers are formatted by the page's language.

// barSVG draws a horizontal bar from 0 to 100 with the interval as a whisker.
func barSVG(index, low, high float64, label string) template.HTML {
	const w, h = 200.0, 16.0
	x := func(v float64) float64 { return w * clamp(v, 0, 100) / 100 }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="bar" viewBox="0 0 %.0f %.0f" width="%.0f" height="%.0f" role="img" aria-label="%s">`, w, h, w, h, html.EscapeString(label))
	fmt.Fprintf(&b, `<rect x="0" y="3" width="%.0f" height="10" fill="#e6e6e6"/>`, w)
	fmt.Fprintf(&b, `<rect x="0" y="3" width="%.1f" height="10" fill="#1d6b35"/>`, x(index))
	fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="8" y2="8" stroke="#1b1b1b" stroke-width="1.5"/>`, x(low), x(high))
	fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="4" y2="12" stroke="#1b1b1b"/><line x1="%.1f" x2="%.1f" y1="4" y2="12" stroke="#1b1b1b"/>`, x(low), x(low), x(high), x(high))
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// distributionColors colour answers 1 (red) to 5 (green), then not applicable.
var distributionColors = [6]string{"#9e9e9e", "#b3261e", "#e07a5f", "#f2cc8f", "#81b29a", "#1d6b35"}

// distributionSVG draws the share of each answer as one stacked bar, from 1
// to 5, then not applicable.
func distributionSVG(counts [6]int64, label string) template.HTML {
	const w, h = 200.0, 16.0
	var total int64
	for _, n := range counts {
		total += n
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="bar" viewBox="0 0 %.0f %.0f" width="%.0f" height="%.0f" role="img" aria-label="%s">`, w, h, w, h, html.EscapeString(label))
	if total > 0 {
		x := 0.0
		for _, v := range []int{1, 2, 3, 4, 5, 0} {
			width := w * float64(counts[v]) / float64(total)
			fmt.Fprintf(&b, `<rect x="%.2f" y="2" width="%.2f" height="12" fill="%s"/>`, x, width, distributionColors[v])
			x += width
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// TrendPoint is one month of a trend chart.
type TrendPoint struct {
	Label string
	Index float64
	// Has is false for a month without data (a gap in the line).
	Has bool
	// TooFew marks a month under the minimum sample: drawn hollow.
	TooFew bool
}

// trendSVG draws the monthly overall index as a line over 0–100 with the
// months labelled below.
func trendSVG(points []TrendPoint, label string) template.HTML {
	const w, h, left, bottom = 640.0, 200.0, 36.0, 40.0
	plotW, plotH := w-left-8, h-bottom-8
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="trend" viewBox="0 0 %.0f %.0f" role="img" aria-label="%s">`, w, h, html.EscapeString(label))
	for _, v := range []float64{0, 50, 100} {
		y := 8 + plotH*(1-v/100)
		fmt.Fprintf(&b, `<line x1="%.0f" x2="%.0f" y1="%.1f" y2="%.1f" stroke="#c8c8c8"/><text x="%.0f" y="%.1f" font-size="11" text-anchor="end" fill="#555">%.0f</text>`, left, w-8, y, y, left-4, y+4, v)
	}
	n := len(points)
	step := plotW
	if n > 1 {
		step = plotW / float64(n-1)
	}
	var path, dots strings.Builder
	pen := false
	for i, p := range points {
		x := left + step*float64(i)
		if n == 1 {
			x = left + plotW/2
		}
		if i%max(1, n/12) == 0 || i == n-1 {
			fmt.Fprintf(&b, `<text x="%.1f" y="%.0f" font-size="10" text-anchor="middle" fill="#555">%s</text>`, x, h-bottom+16, html.EscapeString(p.Label))
		}
		if !p.Has {
			pen = false
			continue
		}
		y := 8 + plotH*(1-clamp(p.Index, 0, 100)/100)
		if pen {
			fmt.Fprintf(&path, " L%.1f %.1f", x, y)
		} else {
			fmt.Fprintf(&path, " M%.1f %.1f", x, y)
			pen = true
		}
		if p.TooFew {
			fmt.Fprintf(&dots, `<circle class="too-few" cx="%.1f" cy="%.1f" r="3.5" fill="#fff" stroke="#b3261e" stroke-width="1.5"/>`, x, y)
		} else {
			fmt.Fprintf(&dots, `<circle cx="%.1f" cy="%.1f" r="3" fill="#b3261e"/>`, x, y)
		}
	}
	if path.Len() > 0 {
		fmt.Fprintf(&b, `<path d="%s" fill="none" stroke="#b3261e" stroke-width="2"/>`, strings.TrimSpace(path.String()))
	}
	b.WriteString(dots.String()) // over the line, so that a hollow dot shows hollow
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

func clamp(v, lo, hi float64) float64 {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}
