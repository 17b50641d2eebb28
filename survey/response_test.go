package survey

import (
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

var checkNow = time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)

// allAnswered returns a submission answering every question of the area with
// value v.
func allAnswered(f Form, area string, v int) Submission {
	answers := map[string]int{}
	for _, q := range f.Questions(area) {
		answers[q.Code] = v
	}
	return Submission{
		Key: "key-0000000001", Agency: "so-tu-phap", Area: area,
		FormID: f.ID, FormVersion: f.Version, Channel: ChannelWeb, Lang: Vi,
		Answers: answers,
	}
}

func TestCheckAllAnswered(t *testing.T) {
	f := SIPAS2017()
	for _, tc := range []struct {
		area   string
		extras int
	}{
		{"dat-dai", 3},
		{"moi-truong", 2},
		{"xay-dung", 3},
		{"tu-phap", 0},
		{"kinh-doanh", 0},
	} {
		t.Run(tc.area, func(t *testing.T) {
			s := allAnswered(f, tc.area, 4)
			// Vary the values so the order of answers is visible.
			qs := f.Questions(tc.area)
			for i, q := range qs {
				s.Answers[q.Code] = i % 6 // 0 (not applicable) .. 5
			}
			r, err := Check(s, f, checkNow)
			if err != nil {
				t.Fatalf("Check: %v", err)
			}
			if want := 22 + tc.extras; len(r.Answers) != want {
				t.Fatalf("%d answers, want %d", len(r.Answers), want)
			}
			for i, q := range qs {
				if want := (Answer{Code: q.Code, Value: i % 6}); r.Answers[i] != want {
					t.Errorf("answer %d = %+v, want %+v", i, r.Answers[i], want)
				}
			}
			if r.ID != s.Key || r.Agency != s.Agency || r.Area != tc.area || r.FormID != DefaultFormID ||
				r.FormVersion != 1 || r.Channel != ChannelWeb || r.Lang != Vi ||
				!r.SubmittedAt.Equal(checkNow) || !r.ReceivedAt.Equal(checkNow) {
				t.Errorf("response = %+v", r)
			}
		})
	}
}

func TestCheckProblems(t *testing.T) {
	f := SIPAS2017()
	for _, tc := range []struct {
		name   string
		area   string
		change func(*Submission)
		want   FieldErrors // nil: accepted
	}{
		{"missing answer", "tu-phap", func(s *Submission) { delete(s.Answers, "1.1") }, FieldErrors{"answers.1.1": ProblemRequired}},
		{"missing area item", "dat-dai", func(s *Submission) { delete(s.Answers, "DD2") }, FieldErrors{"answers.DD2": ProblemRequired}},
		{"value 6", "tu-phap", func(s *Submission) { s.Answers["2.3"] = 6 }, FieldErrors{"answers.2.3": ProblemScale}},
		{"value -1", "tu-phap", func(s *Submission) { s.Answers["5.4"] = -1 }, FieldErrors{"answers.5.4": ProblemScale}},
		{"value 0 is not applicable", "tu-phap", func(s *Submission) { s.Answers["3.1"] = 0 }, nil},
		{"values 1 and 5", "tu-phap", func(s *Submission) { s.Answers["1.1"], s.Answers["1.2"] = 1, 5 }, nil},
		{"unknown code", "tu-phap", func(s *Submission) { s.Answers["9.9"] = 3 }, FieldErrors{"answers.9.9": ProblemUnknown}},
		{"operator as code", "tu-phap", func(s *Submission) { s.Answers["$gt"] = 3 }, FieldErrors{"answers.$gt": ProblemUnknown}},
		{"another area's item", "tu-phap", func(s *Submission) { s.Answers["DD1"] = 3 }, FieldErrors{"answers.DD1": ProblemUnknown}},
		{"comment of 2000 multi-byte letters", "tu-phap", func(s *Submission) { s.Comment = strings.Repeat("ệ", 2000) }, nil},
		{"comment of 2001 letters", "tu-phap", func(s *Submission) { s.Comment = strings.Repeat("ệ", 2001) }, FieldErrors{"comment": ProblemTooLong}},
		{"comment not UTF-8", "tu-phap", func(s *Submission) { s.Comment = "tốt \xff\xfe" }, FieldErrors{"comment": ProblemInvalid}},
		{"invalid gender", "tu-phap", func(s *Submission) { s.Respondent.Gender = "robot" }, FieldErrors{"respondent.gender": ProblemInvalid}},
		{"invalid age band", "tu-phap", func(s *Submission) { s.Respondent.AgeBand = "$ne" }, FieldErrors{"respondent.ageBand": ProblemInvalid}},
		{"valid demographics", "tu-phap", func(s *Submission) {
			s.Respondent = Respondent{AgeBand: "35to49", Gender: "female", Occupation: "farmer", Education: "university"}
		}, nil},
		{"unknown channel", "tu-phap", func(s *Submission) { s.Channel = "carrier-pigeon" }, FieldErrors{"channel": ProblemInvalid}},
		{"empty channel", "tu-phap", func(s *Submission) { s.Channel = "" }, FieldErrors{"channel": ProblemInvalid}},
		{"bad key", "tu-phap", func(s *Submission) { s.Key = "a.b" }, FieldErrors{"idempotencyKey": ProblemInvalid}},
		{"several problems", "tu-phap", func(s *Submission) {
			delete(s.Answers, "4.1")
			s.Answers["4.2"] = 9
			s.Channel = "x"
		}, FieldErrors{"answers.4.1": ProblemRequired, "answers.4.2": ProblemScale, "channel": ProblemInvalid}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := allAnswered(f, tc.area, 4)
			tc.change(&s)
			r, err := Check(s, f, checkNow)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("Check: %v, want accepted", err)
				}
				if r.Comment != s.Comment || r.Respondent != s.Respondent {
					t.Errorf("comment/respondent not kept: %+v", r)
				}
				return
			}
			var fe FieldErrors
			if !errors.As(err, &fe) {
				t.Fatalf("err = %v, want FieldErrors %v", err, tc.want)
			}
			if !reflect.DeepEqual(fe, tc.want) {
				t.Errorf("FieldErrors = %v, want %v", fe, tc.want)
			}
			if !reflect.DeepEqual(r, Response{}) {
				t.Errorf("a refused submission returned a response: %+v", r)
			}
		})
	}
}

func TestCheckLang(t *testing.T) {
	f := SIPAS2017()
	for lang, want := range map[Lang]Lang{Vi: Vi, En: En, "": Vi, "fr": Vi, "$gt": Vi} {
		s := allAnswered(f, "tu-phap", 3)
		s.Lang = lang
		r, err := Check(s, f, checkNow)
		if err != nil || r.Lang != want {
			t.Errorf("lang %q: got %q, %v; want %q", lang, r.Lang, err, want)
		}
	}
}

func TestValidKey(t *testing.T) {
	for _, tc := range []struct {
		key  string
		want bool
	}{
		{"", false},
		{"abcdefg", false}, // 7: too short
		{"abcdefgh", true}, // 8
		{strings.Repeat("a", 64), true},
		{strings.Repeat("a", 65), false},
		{"key-0000000001", true},
		{"A_b-C_d-0123456789", true},
		{"Xo6vGx3t9JZs0cQx8Q2m4g", true}, // a NewKey
		{"abcd.efgh", false},
		{"abcd$efgh", false},
		{"$gtabcdef", false},
		{"abcd/efgh", false},
		{"abcd efgh", false},
		{"abcd+efgh", false}, // standard base64, not URL-safe
		{"abcdefgh=", false}, // padding
		{"abcdéfgh", false},
		{"abcd\x00efgh", false},
	} {
		if got := ValidKey(tc.key); got != tc.want {
			t.Errorf("ValidKey(%q) = %v, want %v", tc.key, got, tc.want)
		}
	}
}

func TestNewKey(t *testing.T) {
	a, b := NewKey(), NewKey()
	if !ValidKey(a) || !ValidKey(b) {
		t.Errorf("NewKey gave invalid keys %q, %q", a, b)
	}
	if len(a) != 22 {
		t.Errorf("len(NewKey()) = %d, want 22 (128 bits, base64url)", len(a))
	}
	if a == b {
		t.Errorf("two NewKey calls gave %q twice", a)
	}
}

func TestCatalogTarget(t *testing.T) {
	cat := &Catalog{Areas: SeedAreas(), Agencies: LegacySeedAgencies(), Forms: SeedForms()}
	closed := Agency{Code: "so-cu", Level: LevelDepartment, Areas: []string{"tu-phap"}, Active: false}
	cat.Agencies = append(cat.Agencies, closed)

	for _, tc := range []struct {
		agency, area string
		want         error
	}{
		{"so-tu-phap", "tu-phap", nil},
		{"tt-son-duong", "dat-dai", nil},
		{"no-such-agency", "tu-phap", ErrNotFound},
		{"so-tu-phap", "no-such-area", ErrNotFound},
		{"", "", ErrNotFound},
		{"so-cu", "tu-phap", ErrNotFound}, // inactive
		{"so-tu-phap", "dat-dai", ErrAreaNotServed},
		{"tt-son-duong", "xay-dung", ErrAreaNotServed},
	} {
		ag, ar, err := cat.Target(tc.agency, tc.area)
		if !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
			t.Errorf("Target(%q, %q) err = %v, want %v", tc.agency, tc.area, err, tc.want)
			continue
		}
		switch {
		case tc.want == nil || errors.Is(tc.want, ErrAreaNotServed):
			// Not served still names both, so the page can say who and what.
			if ag.Code != tc.agency || ar.Code != tc.area {
				t.Errorf("Target(%q, %q) = %q, %q", tc.agency, tc.area, ag.Code, ar.Code)
			}
		default:
			if ag.Code != "" || ar.Code != "" {
				t.Errorf("Target(%q, %q) = %q, %q with ErrNotFound, want zero values", tc.agency, tc.area, ag.Code, ar.Code)
			}
		}
	}
}

func TestFormQuestionsOrder(t *testing.T) {
	f := SIPAS2017()
	var want []string
	for i, n := range []int{4, 5, 6, 3, 4} {
		for j := 1; j <= n; j++ {
			want = append(want, strconv.Itoa(i+1)+"."+strconv.Itoa(j))
		}
	}
	codes := func(area string) ([]string, []string) {
		var cs, fs []string
		for _, q := range f.Questions(area) {
			cs, fs = append(cs, q.Code), append(fs, q.Factor)
		}
		return cs, fs
	}
	got, factors := codes("tu-phap")
	if !reflect.DeepEqual(got, want) {
		t.Errorf("tu-phap questions = %v, want %v", got, want)
	}
	for i, fc := range factors {
		if wantF := "YT" + want[i][:1]; fc != wantF {
			t.Errorf("question %s has factor %q, want %q", want[i], fc, wantF)
		}
	}
	got, factors = codes("dat-dai")
	if wantDD := append(append([]string{}, want...), "DD1", "DD2", "DD3"); !reflect.DeepEqual(got, wantDD) {
		t.Errorf("dat-dai questions = %v, want %v", got, wantDD)
	}
	for i := 22; i < len(factors); i++ {
		if factors[i] != "" {
			t.Errorf("area item %s has factor %q, want none", got[i], factors[i])
		}
	}
	if n := len(f.Questions("no-such-area")); n != 22 {
		t.Errorf("unknown area: %d questions, want the 22 standard ones", n)
	}
	if f.MaxValue() != 5 {
		t.Errorf("MaxValue = %d, want 5", f.MaxValue())
	}
}

// FuzzCheck feeds arbitrary answers, comments and demographics to Check: it
// must never panic, and whatever it accepts must be a well-formed response.
// answers is "code=value" pairs separated by ";"; fill answers every
// question with fillValue first.
func FuzzCheck(f *testing.F) {
	f.Add("dat-dai", true, 4, "", "ệ tốt", "female", "web", "key-0000000001")
	f.Add("tu-phap", true, 0, "1.1=6", "", "", "web", "key-0000000001")
	f.Add("tu-phap", false, 0, "1.1=3;$gt=1;9.9=2", "\xff", "robot", "fax", "a.b")
	f.Add("xay-dung", true, 5, "XD1=-1;DD1=2", strings.Repeat("a", 2001), "male", "kiosk", strings.Repeat("k", 64))
	f.Add("", true, 3, "=;==;1.1=", "", "", "", "")
	form := SIPAS2017()
	f.Fuzz(func(t *testing.T, area string, fill bool, fillValue int, answers, comment, gender, channel, key string) {
		s := Submission{
			Key: key, Agency: "so-tu-phap", Area: area, Channel: Channel(channel), Lang: Vi,
			Answers: map[string]int{}, Comment: comment, Respondent: Respondent{Gender: gender},
		}
		if fill {
			for _, q := range form.Questions(area) {
				s.Answers[q.Code] = fillValue
			}
		}
		for _, pair := range strings.Split(answers, ";") {
			code, v, ok := strings.Cut(pair, "=")
			if !ok {
				continue
			}
			n, err := strconv.Atoi(v)
			if err != nil {
				n = -1
			}
			s.Answers[code] = n
		}

		r, err := Check(s, form, checkNow)
		if err != nil {
			var fe FieldErrors
			if !errors.As(err, &fe) || len(fe) == 0 {
				t.Fatalf("err = %v, want non-empty FieldErrors", err)
			}
			return
		}
		qs := form.Questions(area)
		if len(r.Answers) != len(qs) {
			t.Fatalf("accepted %d answers for %d questions", len(r.Answers), len(qs))
		}
		for i, a := range r.Answers {
			if a.Code != qs[i].Code {
				t.Errorf("answer %d has code %q, want %q", i, a.Code, qs[i].Code)
			}
			if a.Value < 0 || a.Value > 5 {
				t.Errorf("accepted value %d for %s", a.Value, a.Code)
			}
		}
		if len(s.Answers) != len(qs) {
			t.Errorf("accepted %d answers with codes outside the form", len(s.Answers)-len(qs))
		}
		if !utf8.ValidString(r.Comment) || utf8.RuneCountInString(r.Comment) > form.CommentMax {
			t.Errorf("accepted a bad comment of %d bytes", len(r.Comment))
		}
		if !ValidKey(r.ID) || !ValidChannel(r.Channel) {
			t.Errorf("accepted key %q, channel %q", r.ID, r.Channel)
		}
		if d, _ := form.Demographic("gender"); r.Respondent.Gender != "" && !d.HasOption(r.Respondent.Gender) {
			t.Errorf("accepted gender %q", r.Respondent.Gender)
		}
	})
}
