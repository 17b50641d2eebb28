package survey

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalidPeriod: a month or period is malformed, reversed or too long.
var ErrInvalidPeriod = errors.New("invalid period")

// MaxPeriodMonths is the longest period a report covers: ten years.
const MaxPeriodMonths = 120

// Period is a run of whole months, From to To inclusive. Quarters, years and
// ranges of months are all periods, so reports only ever deal in months.
type Period struct {
	From, To Month
}

// MonthPeriod is the period of one month.
func MonthPeriod(m Month) Period { return Period{From: m, To: m} }

// QuarterPeriod is quarter q (1 to 4) of the year.
func QuarterPeriod(year, q int) (Period, error) {
	if q < 1 || q > 4 {
		return Period{}, fmt.Errorf("%w: quarter %d", ErrInvalidPeriod, q)
	}
	from, ok := NewMonth(year, 1)
	if !ok {
		return Period{}, fmt.Errorf("%w: year %d", ErrInvalidPeriod, year)
	}
	from = from.Add(3 * (q - 1))
	return Period{From: from, To: from.Add(2)}, nil
}

// YearPeriod is the calendar year.
func YearPeriod(year int) (Period, error) {
	from, ok := NewMonth(year, 1)
	if !ok {
		return Period{}, fmt.Errorf("%w: year %d", ErrInvalidPeriod, year)
	}
	return Period{From: from, To: from.Add(11)}, nil
}

// RangePeriod is the months from..to inclusive; from must not come after to,
// and the range may not exceed MaxPeriodMonths.
func RangePeriod(from, to Month) (Period, error) {
	switch {
	case from.IsZero() || to.IsZero():
		return Period{}, fmt.Errorf("%w: missing month", ErrInvalidPeriod)
	case to.Before(from):
		return Period{}, fmt.Errorf("%w: %s is after %s", ErrInvalidPeriod, from, to)
	case to.n-from.n+1 > MaxPeriodMonths:
		return Period{}, fmt.Errorf("%w: longer than %d months", ErrInvalidPeriod, MaxPeriodMonths)
	}
	return Period{From: from, To: to}, nil
}

// ParsePeriod reads a period as the dashboard names it: "2025" (a year),
// "2025-Q2" (a quarter), "2025-03" (a month) or "2025-01..2025-06" (a range).
func ParsePeriod(s string) (Period, error) {
	if from, to, ok := strings.Cut(s, ".."); ok {
		f, err := ParseMonth(from)
		if err != nil {
			return Period{}, err
		}
		t, err := ParseMonth(to)
		if err != nil {
			return Period{}, err
		}
		return RangePeriod(f, t)
	}
	switch {
	case len(s) == 4:
		if y, ok := digits(s); ok {
			return YearPeriod(y)
		}
	case len(s) == 7 && s[4:6] == "-Q":
		y, ok1 := digits(s[:4])
		q, ok2 := digits(s[6:])
		if ok1 && ok2 {
			return QuarterPeriod(y, q)
		}
	case len(s) == 7:
		m, err := ParseMonth(s)
		if err != nil {
			return Period{}, err
		}
		return MonthPeriod(m), nil
	}
	return Period{}, fmt.Errorf("%w: %q is not YYYY, YYYY-Qn, YYYY-MM or YYYY-MM..YYYY-MM", ErrInvalidPeriod, s)
}

// Len is the number of months in the period.
func (p Period) Len() int { return p.To.n - p.From.n + 1 }

// Months lists the months of the period in order.
func (p Period) Months() []Month {
	if p.From.IsZero() || p.To.Before(p.From) {
		return nil
	}
	ms := make([]Month, 0, p.Len())
	for m := p.From; !p.To.Before(m); m = m.Add(1) {
		ms = append(ms, m)
	}
	return ms
}

// Contains reports whether the month falls in the period.
func (p Period) Contains(m Month) bool { return !m.Before(p.From) && !p.To.Before(m) }

// String names the period the way ParsePeriod reads it.
func (p Period) String() string {
	switch {
	case p.From == p.To:
		return p.From.String()
	case p.Len() == 12 && p.From.Month() == 1:
		return fmt.Sprintf("%04d", p.From.Year())
	case p.Len() == 3 && (p.From.Month()-1)%3 == 0:
		return fmt.Sprintf("%04d-Q%d", p.From.Year(), p.From.Quarter())
	}
	return p.From.String() + ".." + p.To.String()
}
