package survey

import (
	"errors"
	"testing"
	"time"
)

func TestParseEntryDate(t *testing.T) {
	vn := Zone()
	for _, tc := range []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2025-03-04", time.Date(2025, 3, 4, 0, 0, 0, 0, vn), true},
		{"2025-03-04T10:20:30Z", time.Date(2025, 3, 4, 10, 20, 30, 0, time.UTC), true},
		{"2025-03-04T10:20:30+07:00", time.Date(2025, 3, 4, 3, 20, 30, 0, time.UTC), true},
		{"2025-03-04T10:20:30.5Z", time.Date(2025, 3, 4, 10, 20, 30, 5e8, time.UTC), true},
		{"", time.Time{}, false},
		{"2025-3-4", time.Time{}, false},
		{"2025-02-30", time.Time{}, false},
		{"2025-13-01", time.Time{}, false},
		{"04/03/2025", time.Time{}, false},
		{"0000-01-01", time.Time{}, false},
		{"2025-03-04T10:20:30", time.Time{}, false}, // no zone: ambiguous
		{"2025-03-04 10:20:30Z", time.Time{}, false},
		{"yesterday", time.Time{}, false},
	} {
		got, ok := ParseEntryDate(tc.in)
		if ok != tc.ok || (ok && !got.Equal(tc.want)) {
			t.Errorf("ParseEntryDate(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
	// A day is read in Vietnamese time: its month is that month even though
	// it starts on the previous day in UTC.
	d, _ := ParseEntryDate("2025-03-01")
	if m := MonthOf(d); m.String() != "2025-03" || d.UTC().Day() != 28 {
		t.Errorf("2025-03-01 is %v (UTC %v), month %v", d, d.UTC(), m)
	}
}

func TestCheckEntryDate(t *testing.T) {
	vn := Zone()
	now := time.Date(2025, 7, 10, 9, 0, 0, 0, vn)
	since := time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC) // 07:00 in Vietnam, as seeded
	live := Agency{Code: "a", Active: true, Since: since}
	ended := Agency{Code: "b", Since: since, Until: time.Date(2025, 7, 1, 0, 0, 0, 0, vn)}
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, vn) }
	for _, tc := range []struct {
		name string
		at   time.Time
		ag   Agency
		want string
	}{
		{"missing", time.Time{}, live, ProblemRequired},
		{"today", day(2025, 7, 10), live, ""},
		{"now", now, live, ""},
		{"a second later", now.Add(time.Second), live, ProblemFuture},
		{"tomorrow", day(2025, 7, 11), live, ProblemFuture},
		{"first day, before the hour it started", day(2015, 1, 1), live, ""},
		{"day before it started", day(2014, 12, 31), live, ProblemBeforeStart},
		{"ended: last day", day(2025, 6, 30), ended, ""},
		{"ended: its end day", day(2025, 7, 1), ended, ProblemAfterEnd},
		{"ended: after", day(2025, 7, 5), ended, ProblemAfterEnd},
		{"ended: future beats after end", day(2025, 8, 1), ended, ProblemFuture},
		{"no start date", day(1990, 1, 1), Agency{Active: true}, ""},
	} {
		if got := CheckEntryDate(tc.at, now, tc.ag); got != tc.want {
			t.Errorf("%s: CheckEntryDate(%v) = %q, want %q", tc.name, tc.at, got, tc.want)
		}
	}
}

func TestCheckUsesInterviewDate(t *testing.T) {
	f := SIPAS2017()
	past := time.Date(2024, 11, 20, 0, 0, 0, 0, Zone())

	s := allAnswered(f, "tu-phap", 4)
	s.Channel, s.SubmittedAt = ChannelPaper, past
	r, err := Check(s, f, checkNow)
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	if !r.SubmittedAt.Equal(past) || !r.ReceivedAt.Equal(checkNow) || r.Channel != ChannelPaper {
		t.Errorf("response times %v / %v, channel %s; want %v / %v, paper", r.SubmittedAt, r.ReceivedAt, r.Channel, past, checkNow)
	}
	if MonthOf(r.SubmittedAt).String() != "2024-11" {
		t.Errorf("counted in %v, want 2024-11", MonthOf(r.SubmittedAt))
	}

	for _, tc := range []struct {
		name string
		ch   Channel
		at   time.Time
		want FieldErrors
	}{
		{"phone", ChannelPhone, past, nil},
		{"postal", ChannelPostal, past, nil},
		{"web never backdated", ChannelWeb, past, FieldErrors{FieldChannel: ProblemNotBackdated}},
		{"kiosk never backdated", ChannelKiosk, past, FieldErrors{FieldChannel: ProblemNotBackdated}},
		{"counter never backdated", ChannelCounter, past, FieldErrors{FieldChannel: ProblemNotBackdated}},
		{"future", ChannelPaper, checkNow.Add(time.Hour), FieldErrors{FieldSubmittedAt: ProblemFuture}},
		{"unknown channel stays invalid", "fax", past, FieldErrors{FieldChannel: ProblemInvalid}},
	} {
		s := allAnswered(f, "tu-phap", 4)
		s.Channel, s.SubmittedAt = tc.ch, tc.at
		_, err := Check(s, f, checkNow)
		var fe FieldErrors
		errors.As(err, &fe)
		if len(fe) != len(tc.want) {
			t.Errorf("%s: Check = %v, want %v", tc.name, err, tc.want)
			continue
		}
		for k, v := range tc.want {
			if fe[k] != v {
				t.Errorf("%s: %s = %q, want %q", tc.name, k, fe[k], v)
			}
		}
	}
}

func TestCheckEntry(t *testing.T) {
	now := time.Date(2025, 7, 10, 9, 0, 0, 0, Zone())
	ag := Agency{Active: true, Since: time.Date(2020, 1, 1, 0, 0, 0, 0, Zone())}
	s := Submission{Channel: ChannelPhone, SubmittedAt: time.Date(2025, 1, 5, 0, 0, 0, 0, Zone())}
	if fe := CheckEntry(s, ag, now, 0); len(fe) != 0 {
		t.Errorf("valid entry: %v", fe)
	}
	s.Channel, s.SubmittedAt = ChannelKiosk, time.Date(2019, 1, 5, 0, 0, 0, 0, Zone())
	fe := CheckEntry(s, ag, now, 0)
	if fe[FieldChannel] != ProblemNotBackdated || fe[FieldSubmittedAt] != ProblemBeforeStart || len(fe) != 2 {
		t.Errorf("kiosk before start: %v", fe)
	}
	s.SubmittedAt = time.Time{}
	if fe := CheckEntry(s, ag, now, 0); fe[FieldSubmittedAt] != ProblemRequired {
		t.Errorf("no date: %v", fe)
	}
}

// TestCheckEntryMaxAge: staff may date an entry at most maxAge back, by day;
// without a limit (administrators, inspectors) any day since the agency began.
func TestCheckEntryMaxAge(t *testing.T) {
	now := time.Date(2025, 7, 10, 9, 0, 0, 0, Zone())
	ag := Agency{Active: true, Since: time.Date(2020, 1, 1, 0, 0, 0, 0, Zone())}
	month := 31 * 24 * time.Hour
	for _, tc := range []struct {
		day    time.Time
		maxAge time.Duration
		want   string
	}{
		{time.Date(2025, 7, 10, 0, 0, 0, 0, Zone()), month, ""},
		{time.Date(2025, 6, 9, 0, 0, 0, 0, Zone()), month, ""},
		{time.Date(2025, 6, 8, 23, 59, 0, 0, Zone()), month, ProblemTooOld},
		{time.Date(2024, 1, 1, 0, 0, 0, 0, Zone()), month, ProblemTooOld},
		{time.Date(2024, 1, 1, 0, 0, 0, 0, Zone()), 0, ""},
		{time.Date(2019, 1, 1, 0, 0, 0, 0, Zone()), month, ProblemBeforeStart},
	} {
		s := Submission{Channel: ChannelPaper, SubmittedAt: tc.day}
		if got := CheckEntry(s, ag, now, tc.maxAge)[FieldSubmittedAt]; got != tc.want {
			t.Errorf("%s with max age %v: %q, want %q", tc.day.Format(time.DateOnly), tc.maxAge, got, tc.want)
		}
	}
}
