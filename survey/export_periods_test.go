package survey

import (
	"strings"
	"testing"
)

func TestPeriodSplit(t *testing.T) {
	mustRange := func(from, to string) Period {
		f, _ := ParseMonth(from)
		tt, _ := ParseMonth(to)
		p, err := RangePeriod(f, tt)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	names := func(ps []Period) string {
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
		if got := names(mustRange(c.from, c.to).Split(c.g)); got != c.want {
			t.Errorf("%s..%s by %s = %q, want %q", c.from, c.to, c.g, got, c.want)
		}
	}
	for _, s := range []string{"", "week", "Month", "months"} {
		if _, err := ParseGranularity(s); err == nil {
			t.Errorf("granularity %q accepted", s)
		}
	}
}
