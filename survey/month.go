package survey

import (
	"fmt"
	"time"
)

// zone is Asia/Ho_Chi_Minh, in which every period is counted.
var zone = loadZone()

// loadZone loads Asia/Ho_Chi_Minh, or falls back to a fixed UTC+7 when the
// system has no time zone data: Vietnam has kept UTC+7 without daylight
// saving since 1975, so the two agree for every date the service handles.
func loadZone() *time.Location {
	if loc, err := time.LoadLocation("Asia/Ho_Chi_Minh"); err == nil {
		return loc
	}
	return time.FixedZone("ICT", 7*60*60)
}

// Zone returns the time zone months are counted in.
func Zone() *time.Location { return zone }

// Month is a calendar month in Vietnamese time, the unit of every report.
// The zero Month is invalid; months compare with == and order with Before.
type Month struct {
	n int // year*12 + month-1
}

// NewMonth returns the month of the year; ok is false when either is out of range.
func NewMonth(year int, month time.Month) (m Month, ok bool) {
	if year < 1 || year > 9999 || month < time.January || month > time.December {
		return Month{}, false
	}
	return Month{n: year*12 + int(month) - 1}, true
}

// MonthOf returns the month, in Vietnamese time, of the instant t.
func MonthOf(t time.Time) Month {
	t = t.In(zone)
	return Month{n: t.Year()*12 + int(t.Month()) - 1}
}

// ParseMonth reads "YYYY-MM" strictly: four digits, a hyphen, two digits for
// a month from 01 to 12, nothing else.
func ParseMonth(s string) (Month, error) {
	bad := fmt.Errorf("%w: month %q is not YYYY-MM", ErrInvalidPeriod, s)
	if len(s) != 7 || s[4] != '-' {
		return Month{}, bad
	}
	y, ok1 := digits(s[:4])
	mo, ok2 := digits(s[5:])
	if !ok1 || !ok2 {
		return Month{}, bad
	}
	m, ok := NewMonth(y, time.Month(mo))
	if !ok {
		return Month{}, bad
	}
	return m, nil
}

// digits parses a string of ASCII digits only.
func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, len(s) > 0
}

// IsZero reports whether m is the zero (invalid) Month.
func (m Month) IsZero() bool { return m.n == 0 }

// Year is the month's year.
func (m Month) Year() int { return m.n / 12 }

// Month is the month of the year.
func (m Month) Month() time.Month { return time.Month(m.n%12 + 1) }

// Quarter is the quarter of the year the month falls in, 1 to 4.
func (m Month) Quarter() int { return (m.n%12)/3 + 1 }

// Add returns the month k months later (earlier when k is negative).
func (m Month) Add(k int) Month { return Month{n: m.n + k} }

// Before reports whether m comes before o.
func (m Month) Before(o Month) bool { return m.n < o.n }

// Start is the first instant of the month in Vietnamese time.
func (m Month) Start() time.Time {
	return time.Date(m.Year(), m.Month(), 1, 0, 0, 0, 0, zone)
}

// End is the first instant of the next month: the month is [Start, End).
func (m Month) End() time.Time { return m.Add(1).Start() }

// String formats the month as "YYYY-MM".
func (m Month) String() string { return fmt.Sprintf("%04d-%02d", m.Year(), int(m.Month())) }

// MarshalText encodes the month as "YYYY-MM" (in JSON, a string).
func (m Month) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText decodes "YYYY-MM" strictly.
func (m *Month) UnmarshalText(b []byte) error {
	v, err := ParseMonth(string(b))
	if err != nil {
		return err
	}
	*m = v
	return nil
}
