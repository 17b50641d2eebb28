package export

import (
	"fmt"

	"hailong/survey"
)

// Granularity is the length of the periods an aggregates export is cut into.
type Granularity string

// Granularities.
const (
	ByMonth   Granularity = "month"
	ByQuarter Granularity = "quarter"
	ByYear    Granularity = "year"
)

// ParseGranularity reads "month", "quarter" or "year".
func ParseGranularity(s string) (Granularity, error) {
	switch g := Granularity(s); g {
	case ByMonth, ByQuarter, ByYear:
		return g, nil
	}
	return "", fmt.Errorf("%w: granularity %q is not month, quarter or year", survey.ErrInvalidPeriod, s)
}

// Split cuts the period into calendar months, quarters or years, in order.
// The first and last are clipped to the period, so a range that does not
// start on a quarter gives a first "quarter" of one or two months; each
// part's String says exactly which months it covers.
func Split(p survey.Period, g Granularity) []survey.Period {
	var out []survey.Period
	for _, m := range p.Months() {
		if len(out) > 0 && sameSpan(out[len(out)-1].From, m, g) {
			out[len(out)-1].To = m
			continue
		}
		out = append(out, survey.Period{From: m, To: m})
	}
	return out
}

// Whole is the granularity that keeps the period in one piece when it is a
// calendar year or quarter, and months otherwise: the rankings page offers
// its aggregates this way, so a year's ranking downloads as one row per
// agency and area, with the same figures as the page.
func Whole(p survey.Period) Granularity {
	switch {
	case p.Len() == 12 && p.From.Month() == 1:
		return ByYear
	case p.Len() == 3 && (p.From.Month()-1)%3 == 0:
		return ByQuarter
	}
	return ByMonth
}

// sameSpan reports whether two months fall in the same month, quarter or year.
func sameSpan(a, b survey.Month, g Granularity) bool {
	switch g {
	case ByYear:
		return a.Year() == b.Year()
	case ByQuarter:
		return a.Year() == b.Year() && a.Quarter() == b.Quarter()
	}
	return a == b
}
