package survey

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestCheckKiosk(t *testing.T) {
	cat := &Catalog{Areas: SeedAreas(), Agencies: LegacySeedAgencies()}
	cat.Agencies = append(cat.Agencies, Agency{Code: "gone", Name: Text{"Cũ", "Old"}, Areas: []string{"dat-dai"}})
	ok := Kiosk{Name: "Quầy một cửa", Agency: "so-tn-mt", Areas: []string{"dat-dai", "moi-truong"},
		Counters: []string{"1", "2", "Quầy A"}, IdleSeconds: 60, MinIntervalSeconds: 5}
	if fe := CheckKiosk(ok, cat); fe != nil {
		t.Fatalf("a valid kiosk: %v", fe)
	}
	for _, c := range []struct {
		name  string
		edit  func(*Kiosk)
		field string
		want  string
	}{
		{"no name", func(k *Kiosk) { k.Name = "  " }, FieldKioskName, ProblemRequired},
		{"long name", func(k *Kiosk) { k.Name = strings.Repeat("a", 101) }, FieldKioskName, ProblemTooLong},
		{"no agency", func(k *Kiosk) { k.Agency = "" }, FieldKioskAgency, ProblemRequired},
		{"unknown agency", func(k *Kiosk) { k.Agency = "x" }, FieldKioskAgency, ProblemUnknown},
		{"inactive agency", func(k *Kiosk) { k.Agency, k.Areas = "gone", nil }, FieldKioskAgency, ProblemInactive},
		{"area not served", func(k *Kiosk) { k.Areas = []string{"xay-dung"} }, FieldKioskAreas, ProblemAreaNotServed},
		{"unknown area", func(k *Kiosk) { k.Areas = []string{"zzz"} }, FieldKioskAreas, ProblemUnknown},
		{"area twice", func(k *Kiosk) { k.Areas = []string{"dat-dai", "dat-dai"} }, FieldKioskAreas, ProblemDuplicate},
		{"counter twice", func(k *Kiosk) { k.Counters = []string{"1", "1"} }, FieldKioskCounters, ProblemDuplicate},
		{"counter with a dot", func(k *Kiosk) { k.Counters = []string{"1.2"} }, FieldKioskCounters, ProblemInvalid},
		{"counter with $", func(k *Kiosk) { k.Counters = []string{"$inc"} }, FieldKioskCounters, ProblemInvalid},
		{"idle too short", func(k *Kiosk) { k.IdleSeconds = 4 }, FieldKioskIdle, ProblemInvalid},
		{"interval zero", func(k *Kiosk) { k.MinIntervalSeconds = 0 }, FieldKioskInterval, ProblemInvalid},
	} {
		t.Run(c.name, func(t *testing.T) {
			k := ok
			k.Areas = append([]string{}, ok.Areas...)
			c.edit(&k)
			fe := CheckKiosk(k, cat)
			if fe[c.field] != c.want {
				t.Errorf("got %v, want %s: %s", fe, c.field, c.want)
			}
		})
	}
	many := ok
	for i := range MaxKioskCounters + 1 {
		many.Counters = append(many.Counters, fmt.Sprint(100+i))
	}
	if fe := CheckKiosk(many, cat); fe[FieldKioskCounters] == "" {
		t.Errorf("%d counters accepted", len(many.Counters))
	}
	// A kiosk may offer the quick rating only: no areas, no counters.
	bare := ok
	bare.Areas, bare.Counters = nil, nil
	if fe := CheckKiosk(bare, cat); fe != nil {
		t.Errorf("a kiosk without areas and counters: %v", fe)
	}
}

func TestParseCounters(t *testing.T) {
	for in, want := range map[string]string{
		"1-4":              "[1 2 3 4]",
		" 1 , 2,, Quầy A ": "[1 2 Quầy A]",
		"10-12, B":         "[10 11 12 B]",
		"A-B":              "[A-B]",
		"5-3":              "[5-3]",
		"":                 "[]",
		"1-100":            "[1-100]", // too long a range stays a label (then refused)
	} {
		if got := fmt.Sprint(ParseCounters(in)); got != want {
			t.Errorf("ParseCounters(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestPairingCode(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		c := NewPairingCode()
		if len(c) != 9 || c[4] != '-' {
			t.Fatalf("code %q is not XXXX-XXXX", c)
		}
		n, ok := NormalizePairingCode(c)
		if !ok || n != strings.ReplaceAll(c, "-", "") {
			t.Fatalf("NormalizePairingCode(%q) = %q, %v", c, n, ok)
		}
		seen[c] = true
	}
	if len(seen) < 199 {
		t.Errorf("200 codes gave %d distinct ones", len(seen))
	}
	for in, want := range map[string]string{
		"abcd-efgh": "ABCDEFGH", " AB CD EF GH ": "ABCDEFGH", "abcdefgh": "ABCDEFGH",
		"ABCD-EFG": "", "ABCD-EFGHJ": "", "ABCD-EFG0": "", "ABCD-EFGI": "", "ÀBCD-EFGH": "", "": "",
	} {
		got, ok := NormalizePairingCode(in)
		if ok != (want != "") || got != want {
			t.Errorf("NormalizePairingCode(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

func TestCheckRating(t *testing.T) {
	now := time.Date(2026, 3, 10, 9, 0, 0, 0, Zone())
	k := Kiosk{ID: "kaaaaaaaaaaaaa", Agency: "so-tu-phap", Counters: []string{"1", "2"}}
	r, err := CheckRating(RatingSubmission{Key: "key-00000001", Level: RatingSatisfied, Counter: "2", Lang: En, RatedAt: now.Add(-48 * time.Hour)}, k, now)
	if err != nil {
		t.Fatal(err)
	}
	if r.ID != "key-00000001" || r.Kiosk != k.ID || r.Agency != k.Agency || r.Counter != "2" || r.Topic != TopicStaffAttitude ||
		r.Lang != En || !r.RatedAt.Equal(now.Add(-48*time.Hour)) || !r.ReceivedAt.Equal(now) {
		t.Errorf("rating = %+v", r)
	}
	// A slightly fast tablet clock counts as now; no time is now.
	for _, at := range []time.Time{{}, now.Add(5 * time.Minute)} {
		r, err := CheckRating(RatingSubmission{Key: "key-00000002", Level: RatingDissatisfied, RatedAt: at}, k, now)
		if err != nil || !r.RatedAt.Equal(now) || r.Lang != Vi {
			t.Errorf("rated at %v: %+v, %v; want now, vi", at, r, err)
		}
	}
	for _, c := range []struct {
		s     RatingSubmission
		field string
		want  string
	}{
		{RatingSubmission{Key: "key-00000003", Level: "5"}, FieldRatingLevel, ProblemInvalid},
		{RatingSubmission{Key: "key-00000003", Level: RatingSatisfied, Counter: "9"}, FieldRatingCounter, ProblemUnknown},
		{RatingSubmission{Key: "short", Level: RatingSatisfied}, FieldKey, ProblemInvalid},
		{RatingSubmission{Key: "key-00000003", Level: RatingSatisfied, RatedAt: now.Add(time.Hour)}, FieldRatingAt, ProblemFuture},
		{RatingSubmission{Key: "key-00000003", Level: RatingSatisfied, RatedAt: now.Add(-32 * 24 * time.Hour)}, FieldRatingAt, ProblemTooOld},
	} {
		_, err := CheckRating(c.s, k, now)
		fe, _ := err.(FieldErrors)
		if fe[c.field] != c.want {
			t.Errorf("%+v: got %v, want %s: %s", c.s, err, c.field, c.want)
		}
	}
}
