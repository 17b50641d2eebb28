package export

import (
	"strings"
	"testing"

	"hailong/survey"
)

func TestPeriodSplit(t *testing.T) {
	mustRange := func(from, to string) survey.Period {
		f, _ := survey.ParseMonth(from)
		tt, _ := survey.ParseMonth(to)
		p, err := survey.RangePeriod(f, tt)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	names := func(ps []survey.Period) string {
		var s []string
		for _, p := range ps {
			s = append(s, p.String())
		}
		return strings.Join(s, " ")
	}
	for _, c := range []struct {
		from, to string
		g        Granularity
		want     string
	}{
		{"2025-01", "2025-03", ByMonth, "2025-01 2025-02 2025-03"},
		{"2025-01", "2025-12", ByQuarter, "2025-Q1 2025-Q2 2025-Q3 2025-Q4"},
		{"2025-02", "2025-07", ByQuarter, "2025-02..2025-03 2025-Q2 2025-07"},
		{"2024-01", "2025-12", ByYear, "2024 2025"},
		{"2024-11", "2025-02", ByYear, "2024-11..2024-12 2025-01..2025-02"},
	} {
		if got := names(Split(mustRange(c.from, c.to), c.g)); got != c.want {
			t.Errorf("%s..%s by %s = %q, want %q", c.from, c.to, c.g, got, c.want)
		}
	}
	for _, s := range []string{"", "week", "Month", "months"} {
		if _, err := ParseGranularity(s); err == nil {
			t.Errorf("granularity %q accepted", s)
		}
	}
}

func TestPeriodWhole(t *testing.T) {
	for _, c := range []struct {
		period string
		want   Granularity
	}{
		{"2025", ByYear},
		{"2025-Q3", ByQuarter},
		{"2025-04", ByMonth},
		{"2025-02..2025-04", ByMonth}, // three months, not a quarter
		{"2025-02..2026-01", ByMonth}, // twelve months, not a year
		{"2025-01..2025-06", ByMonth},
	} {
		p, err := survey.ParsePeriod(c.period)
		if err != nil {
			t.Fatal(err)
		}
		g := Whole(p)
		if g != c.want {
			t.Errorf("%s: %s, want %s", c.period, g, c.want)
		}
		if parts := Split(p, g); g != ByMonth && (len(parts) != 1 || parts[0] != p) {
			t.Errorf("%s split by %s gives %v, want the period whole", c.period, g, parts)
		}
	}
}
