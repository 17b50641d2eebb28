package survey

import (
	"errors"
	"maps"
	"testing"
	"time"
)

// submitCatalog: agency "live" serves dat-dai since 2015; "ended" served it
// until 1 July 2025; "other" serves xay-dung only. In dat-dai version 2 of
// the default form is in force from 5 July 2025, version 1 before.
func submitCatalog() *Catalog {
	cat := catalogWithVersions()
	vn := Zone()
	since := time.Date(2015, 1, 1, 0, 0, 0, 0, vn)
	cat.Agencies = []Agency{
		{Code: "live", Areas: []string{"dat-dai"}, Active: true, Since: since},
		{Code: "ended", Areas: []string{"dat-dai"}, Since: since, Until: time.Date(2025, 7, 1, 0, 0, 0, 0, vn)},
		{Code: "other", Areas: []string{"xay-dung"}, Active: true, Since: since},
	}
	cat.Assignments = []Assignment{
		{Area: AllAreas, FormID: DefaultFormID, Version: 1, From: assignDay("2017-10-10")},
		{Area: "dat-dai", FormID: DefaultFormID, Version: 2, From: time.Date(2025, 7, 5, 0, 0, 0, 0, vn)},
	}
	return cat
}

// answeredIn answers every question of the version in force in dat-dai.
func answeredIn(cat *Catalog, at time.Time) map[string]int {
	f, _ := cat.FormFor("dat-dai", at)
	out := map[string]int{}
	for _, q := range f.Questions("dat-dai") {
		out[q.Code] = 4
	}
	return out
}

func TestSubmitPrepare(t *testing.T) {
	cat := submitCatalog()
	vn := Zone()
	now := time.Date(2025, 7, 10, 9, 0, 0, 0, vn)
	staff := &User{Username: "s", Role: RoleStaff, Agencies: []string{"live", "ended"}}
	admin := &User{Username: "a", Role: RoleAdmin}
	inspector := &User{Username: "i", Role: RoleInspector}
	kiosk := &Kiosk{ID: "k", Agency: "live", Areas: []string{"dat-dai"}}
	citizen := Source{}
	entry := Source{Entry: true, User: staff, MaxAge: 31 * 24 * time.Hour}
	posted := func(agency, channel, date string, version int, answeredAt time.Time) Posted {
		return Posted{Version: version, Date: date, Submission: Submission{
			Key: "submit-key-0001", Agency: agency, Area: "dat-dai", Channel: Channel(channel),
			Lang: Vi, Answers: answeredIn(cat, answeredAt),
		}}
	}
	early := time.Date(2025, 7, 2, 0, 0, 0, 0, vn) // version 1 in force
	for _, tc := range []struct {
		name    string
		p       Posted
		src     Source
		err     error       // a target error
		fe      FieldErrors // or these problems
		version int         // else the version answered
		dated   bool        // and the interview date stored
	}{
		{"citizen, version in force", posted("live", "web", "", 0, now), citizen, nil, nil, 2, false},
		{"citizen names the version in force", posted("live", "web", "", 2, now), citizen, nil, nil, 2, false},
		{"citizen names an older published version", posted("live", "web", "", 1, early), citizen, nil, nil, 1, false},
		{"a page that sent no version", posted("live", "web", "", VersionMissing, now), citizen, nil,
			FieldErrors{FieldForm: ProblemUnknownForm}, 0, false},
		{"a draft version", posted("live", "web", "", 3, now), citizen, nil, FieldErrors{FieldForm: ProblemUnknownForm}, 0, false},
		{"unknown agency", posted("nowhere", "web", "", 0, now), citizen, ErrNotFound, nil, 0, false},
		{"an ended agency takes no citizen survey", posted("ended", "web", "", 0, now), citizen, ErrNotFound, nil, 0, false},
		{"area not served", posted("other", "web", "", 0, now), citizen, ErrAreaNotServed, nil, 0, false},
		{"citizen may not date", posted("live", "paper", "2025-07-02", 0, now), Source{Entry: true}, nil,
			FieldErrors{FieldSubmittedAt: ProblemStaffOnly}, 0, false},

		{"entry: form in force on the interview day", posted("live", "paper", "2025-07-02", 0, early), entry, nil, nil, 1, true},
		{"entry: RFC 3339 date", posted("live", "phone", "2025-07-02T10:00:00+07:00", 0, early), entry, nil, nil, 1, true},
		{"entry: postal may be dated", posted("live", "postal", "2025-07-02", 0, early), entry, nil, nil, 1, true},
		{"entry: an ended agency before its end", posted("ended", "paper", "2025-06-30", 0, early), entry, nil, nil, 1, true},
		{"entry: an ended agency after its end", posted("ended", "paper", "2025-07-02", 0, early), entry, nil,
			FieldErrors{FieldSubmittedAt: ProblemAfterEnd}, 0, false},
		{"entry: date required", posted("live", "paper", "", 0, now), entry, nil, FieldErrors{FieldSubmittedAt: ProblemRequired}, 0, false},
		{"entry: date malformed, with the other problems", func() Posted {
			p := posted("live", "web", "02/07/2025", 0, now)
			delete(p.Answers, "1.1")
			return p
		}(), entry, nil, FieldErrors{FieldSubmittedAt: ProblemInvalid, FieldChannel: ProblemNotBackdated, QuestionField("1.1"): ProblemRequired}, 0, false},
		{"entry: future", posted("live", "paper", "2025-07-11", 0, now), entry, nil, FieldErrors{FieldSubmittedAt: ProblemFuture}, 0, false},
		{"entry: too old for staff", posted("live", "paper", "2025-06-08", 0, early), entry, nil, FieldErrors{FieldSubmittedAt: ProblemTooOld}, 0, false},
		{"entry: no age limit for administrators", posted("live", "paper", "2025-06-08", 0, early), Source{Entry: true, User: admin}, nil, nil, 1, true},
		{"entry: web is never dated", posted("live", "web", "2025-07-02", 0, early), entry, nil, FieldErrors{FieldChannel: ProblemNotBackdated}, 0, false},
		{"entry: no channel", posted("live", "", "2025-07-02", 0, early), entry, nil, FieldErrors{FieldChannel: ProblemInvalid}, 0, false},
		{"entry: inspectors only read", posted("live", "paper", "2025-07-02", 0, early), Source{Entry: true, User: inspector}, ErrForbidden, nil, 0, false},
		{"entry: not for another agency", posted("other", "paper", "2025-07-02", 0, early), entry, ErrForbidden, nil, 0, false},

		{"kiosk", posted("live", "kiosk", "", 0, now), Source{Kiosk: kiosk}, nil, nil, 2, false},
		{"kiosk sends only kiosk, never a date", posted("live", "web", "2025-07-02", 0, now), Source{Kiosk: kiosk}, nil,
			FieldErrors{FieldChannel: ProblemKioskOnly, FieldSubmittedAt: ProblemKioskNoDate}, 0, false},
		{"kiosk outside its agency", posted("other", "kiosk", "", 0, now), Source{Kiosk: kiosk}, ErrKioskScope, nil, 0, false},
		{"kiosk channel without a kiosk", posted("live", "kiosk", "", 0, now), citizen, nil, FieldErrors{FieldChannel: ProblemKioskUnpaired}, 0, false},
		{"kiosk channel without a kiosk, with the other problems", func() Posted {
			p := posted("live", "kiosk", "", 0, now)
			delete(p.Answers, "1.1")
			return p
		}(), citizen, nil, FieldErrors{FieldChannel: ProblemKioskUnpaired, QuestionField("1.1"): ProblemRequired}, 0, false},
		{"entry with the channel kiosk, without a kiosk", posted("live", "kiosk", "2025-07-09", 0, now), entry, nil,
			FieldErrors{FieldChannel: ProblemKioskUnpaired}, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, pr, err := Prepare(cat, tc.p, tc.src, now)
			var fe FieldErrors
			switch {
			case tc.err != nil:
				if !errors.Is(err, tc.err) {
					t.Fatalf("error %v, want %v", err, tc.err)
				}
			case tc.fe != nil:
				if !errors.As(err, &fe) || !maps.Equal(fe, tc.fe) {
					t.Fatalf("error %v, want the problems %v", err, tc.fe)
				}
			case err != nil:
				t.Fatalf("refused: %v", err)
			default:
				if resp.FormVersion != tc.version || pr.Form.Version != tc.version || resp.ID != tc.p.Key {
					t.Errorf("stored version %d (form %d), id %q; want version %d", resp.FormVersion, pr.Form.Version, resp.ID, tc.version)
				}
				want, _ := ParseEntryDate(tc.p.Date)
				if tc.dated && !resp.SubmittedAt.Equal(want) || !tc.dated && !resp.SubmittedAt.Equal(now) {
					t.Errorf("submitted at %v", resp.SubmittedAt)
				}
			}
		})
	}
}

// A page re-shows the form it resolved even with problems.
func TestSubmitResolveKeepsTheForm(t *testing.T) {
	cat := submitCatalog()
	now := time.Date(2025, 7, 10, 9, 0, 0, 0, Zone())
	p := Posted{Version: 9, Submission: Submission{Agency: "live", Area: "dat-dai"}}
	pr, err := Resolve(cat, p, Source{}, now)
	if err != nil || pr.Form.Version != 2 || pr.Agency.Code != "live" || pr.Area.Code != "dat-dai" {
		t.Fatalf("Resolve: %+v, %v", pr, err)
	}
	_, err = pr.Check(Submission{Key: "submit-key-0002", Channel: ChannelWeb, Answers: answeredIn(cat, now)}, now)
	var fe FieldErrors
	if !errors.As(err, &fe) || len(fe) != 1 || fe[FieldForm] != ProblemUnknownForm {
		t.Errorf("Check: %v, want only the unknown version", err)
	}
}

// An entry by staff of the agency is self-entered; an administrator's is not.
func TestSubmitEntrySelfEntered(t *testing.T) {
	cat := submitCatalog()
	vn := Zone()
	now := time.Date(2025, 7, 10, 9, 0, 0, 0, vn)
	at := time.Date(2025, 7, 2, 0, 0, 0, 0, vn)
	p := Posted{Date: "2025-07-02", Submission: Submission{Key: "submit-key-0003", Agency: "live", Area: "dat-dai",
		Channel: ChannelPaper, Answers: answeredIn(cat, at)}}
	for _, tc := range []struct {
		u    *User
		want bool
	}{
		{&User{Username: "s", Role: RoleStaff, Agencies: []string{"live"}}, true},
		{&User{Username: "a", Role: RoleAdmin}, false},
	} {
		resp, _, err := Prepare(cat, p, Source{Entry: true, User: tc.u}, now)
		if err != nil || resp.SelfEntered != tc.want {
			t.Errorf("%s: self-entered %v, %v; want %v", tc.u.Role, resp.SelfEntered, err, tc.want)
		}
	}
}
