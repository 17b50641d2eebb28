package survey

import (
	"encoding/base64"
	"encoding/hex"
	"testing"
	"time"
)

func TestAddWorkingDays(t *testing.T) {
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 15, 0, 0, 0, Zone()) }
	cases := []struct {
		from time.Time
		n    int
		want string
	}{
		{day(2026, 12, 4), 10, "2026-12-18"}, // Friday: two whole weeks
		{day(2026, 12, 5), 1, "2026-12-07"},  // Saturday: next Monday
		{day(2026, 12, 6), 5, "2026-12-11"},  // Sunday: Friday
		{day(2026, 12, 7), 0, "2026-12-07"},
		{day(2026, 12, 31), 1, "2027-01-01"}, // public holidays are not known
	}
	for _, c := range cases {
		if got := AddWorkingDays(c.from, c.n).Format(time.DateOnly); got != c.want {
			t.Errorf("%s + %d working days = %s, want %s", c.from.Format(time.DateOnly), c.n, got, c.want)
		}
	}
}

func TestNeedsAttentionThresholds(t *testing.T) {
	f := SIPAS2017()
	rule := DefaultAttentionRule()
	mk := func(v int, comment string) Response {
		var as []Answer
		for _, q := range f.Questions("") {
			as = append(as, Answer{Code: q.Code, Value: v})
		}
		return Response{ID: "x", Answers: as, Comment: comment, ReceivedAt: time.Now()}
	}
	// All 3 with a comment: overall 3 ≤ 3 enters; all 3 without does not.
	if _, ok := NeedsAttention(mk(3, "x"), &f, rule, false); !ok {
		t.Error("mean 3 with a comment: want an item")
	}
	if it, ok := NeedsAttention(mk(3, ""), &f, rule, false); ok {
		t.Errorf("mean 3 without a comment: got %v", it.Reasons)
	}
	if it, ok := NeedsAttention(mk(2, ""), &f, rule, false); !ok || len(it.Reasons) != 2 {
		t.Errorf("all 2: reasons %v, want factor_low and overall_low", it.Reasons)
	}
	// Not applicable answers are left out of the means.
	r := mk(0, "")
	r.Answers[0].Value = 5
	if it, ok := NeedsAttention(r, &f, rule, false); ok || it.Overall != 5 {
		t.Errorf("one 5 and the rest n/a: overall %v reasons %v", it.Overall, it.Reasons)
	}
	if it, ok := NeedsAttention(mk(5, ""), nil, rule, true); !ok || it.Reasons[0] != ReasonContactRequested {
		t.Errorf("contact: reasons %v", it.Reasons)
	}
}

func TestContactKeyAndCheck(t *testing.T) {
	raw := make([]byte, 32)
	for i := range raw {
		raw[i] = byte(i)
	}
	for _, s := range []string{hex.EncodeToString(raw), base64.StdEncoding.EncodeToString(raw), base64.RawURLEncoding.EncodeToString(raw)} {
		k, err := ParseContactKey(s)
		if err != nil || string(k) != string(raw) {
			t.Errorf("ParseContactKey(%q) = %x, %v", s, k, err)
		}
	}
	if _, err := ParseContactKey(base64.StdEncoding.EncodeToString(raw[:16])); err == nil {
		t.Error("a 16-byte key was accepted")
	}
	if _, ok, fe := CheckContact("", "", false); ok || fe != nil {
		t.Error("an empty block must ask for nothing")
	}
	if c, ok, fe := CheckContact(" +84 912 345 678 ", "", true); !ok || fe != nil || c.Phone != "+84 912 345 678" {
		t.Errorf("phone: %+v %v", c, fe)
	}
	_, _, fe := CheckContact("12ab", "not-an-address", false)
	if fe[FieldContactPhone] != ProblemInvalid || fe[FieldContactEmail] != ProblemInvalid || fe[FieldContactConsent] != ProblemRequired {
		t.Errorf("bad contact: %v", fe)
	}
}
