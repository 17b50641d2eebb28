package survey

import (
	"encoding/json"
	"errors"
	"testing"
	"time"
)

func TestParseMonthStrict(t *testing.T) {
	for _, s := range []string{"2025-01", "2025-12", "0001-01", "9999-12"} {
		m, err := ParseMonth(s)
		if err != nil || m.String() != s {
			t.Errorf("ParseMonth(%q) = %v, %v", s, m, err)
		}
	}
	for _, s := range []string{"", "2025", "2025-1", "2025-13", "2025-00", "0000-01", "25-01-01",
		"2025/01", "2025-01 ", " 2025-01", "+025-01", "2025-0a", "２０２５-01", "2025-01-01"} {
		if _, err := ParseMonth(s); !errors.Is(err, ErrInvalidPeriod) {
			t.Errorf("ParseMonth(%q) err = %v, want ErrInvalidPeriod", s, err)
		}
	}
}

func TestMonthOfUsesVietnameseTime(t *testing.T) {
	// 17:00 UTC on 28 February is midnight on 1 March in Hanoi.
	if got := MonthOf(time.Date(2025, 2, 28, 17, 0, 0, 0, time.UTC)).String(); got != "2025-03" {
		t.Errorf("17:00 UTC 28 Feb = %s, want 2025-03", got)
	}
	if got := MonthOf(time.Date(2025, 2, 28, 16, 59, 59, 999e6, time.UTC)).String(); got != "2025-02" {
		t.Errorf("16:59:59.999 UTC 28 Feb = %s, want 2025-02", got)
	}
	m, _ := ParseMonth("2025-03")
	if got := m.Start().UTC(); !got.Equal(time.Date(2025, 2, 28, 17, 0, 0, 0, time.UTC)) {
		t.Errorf("start of 2025-03 = %v", got)
	}
	if _, off := time.Date(2025, 6, 1, 0, 0, 0, 0, loadZone()).Zone(); off != 7*3600 {
		t.Errorf("zone offset = %d s, want UTC+7", off)
	}
}

func TestPeriods(t *testing.T) {
	for _, c := range []struct {
		in, from, to string
		n            int
	}{
		{"2025-03", "2025-03", "2025-03", 1},
		{"2025-Q1", "2025-01", "2025-03", 3},
		{"2025-Q4", "2025-10", "2025-12", 3},
		{"2024", "2024-01", "2024-12", 12},
		{"2024-11..2025-02", "2024-11", "2025-02", 4},
	} {
		p, err := ParsePeriod(c.in)
		if err != nil {
			t.Errorf("ParsePeriod(%q): %v", c.in, err)
			continue
		}
		ms := p.Months()
		if p.From.String() != c.from || p.To.String() != c.to || len(ms) != c.n || p.String() != c.in {
			t.Errorf("ParsePeriod(%q) = %v..%v (%d months, %q)", c.in, p.From, p.To, len(ms), p.String())
		}
		if ms[0] != p.From || ms[len(ms)-1] != p.To || !p.Contains(p.To) || p.Contains(p.To.Add(1)) {
			t.Errorf("months of %q = %v", c.in, ms)
		}
	}
	for _, s := range []string{"2025-Q0", "2025-Q5", "2025-03..2025-01", "2000-01..2010-01", "20x5", "2025-03..", "abc"} {
		if _, err := ParsePeriod(s); !errors.Is(err, ErrInvalidPeriod) {
			t.Errorf("ParsePeriod(%q) err = %v, want ErrInvalidPeriod", s, err)
		}
	}
}

func TestMonthJSON(t *testing.T) {
	m, _ := ParseMonth("2025-07")
	b, err := json.Marshal(struct{ M Month }{m})
	if err != nil || string(b) != `{"M":"2025-07"}` {
		t.Fatalf("marshal = %s, %v", b, err)
	}
	var back struct{ M Month }
	if err := json.Unmarshal(b, &back); err != nil || back.M != m {
		t.Errorf("unmarshal = %v, %v", back.M, err)
	}
	if err := json.Unmarshal([]byte(`{"M":"2025-7"}`), &back); err == nil {
		t.Error("unmarshal of 2025-7 succeeded")
	}
}

func FuzzParsePeriod(f *testing.F) {
	for _, s := range []string{"2025", "2025-Q3", "2025-03", "2024-11..2025-02", "9999-12", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePeriod(s)
		if err != nil {
			return
		}
		if p.Len() < 1 || p.Len() > MaxPeriodMonths {
			t.Fatalf("ParsePeriod(%q) has %d months", s, p.Len())
		}
		back, err := ParsePeriod(p.String())
		if err != nil || back != p {
			t.Fatalf("round trip of %q via %q = %v, %v", s, p.String(), back, err)
		}
	})
}
