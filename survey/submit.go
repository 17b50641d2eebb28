package survey

import (
	"errors"
	"maps"
	"slices"
	"time"
)

// The submission pipeline: every way a survey comes in (the citizen form, an
// invitation, staff entry, the JSON API, a kiosk) goes through the same rules
// in two steps, because a page can only read its answers once it knows the
// questionnaire it showed:
//
//	Resolve: the target (agency and area), the interview date of an entry,
//	         and the questionnaire answered (one form-version rule);
//	Prepared.Check: the answers, the comment, the channel and the date.
//
// Prepare runs both for a caller that has its answers already (the API).
// Storing, auditing and marking an invitation used are the server's
// (server/submit.go).

// Source says who sends a submission; it decides the rules that apply.
type Source struct {
	// Entry: staff enter a survey answered earlier (paper, phone, postal),
	// dated by Posted.Date, which is then required.
	Entry bool
	// User sends the submission; nil when anonymous. An entry needs one who
	// may enter for the agency (MayEnter).
	User *User
	// MaxAge bounds how far back an entry may be dated (CheckEntry).
	MaxAge time.Duration
	// Kiosk is the paired kiosk that sends it, if any (KioskRules).
	Kiosk *Kiosk
}

// Posted is a submission as it was sent: the fields of Submission
// (SubmittedAt is ignored: it comes from Date), the questionnaire version
// named and the interview date as typed.
type Posted struct {
	Submission
	// Version is the questionnaire version answered: 0 for the one in force
	// on the day answered; VersionMissing when the sender named none where
	// one was required (a page always sends the version it showed).
	Version int
	// Date is the interview date of an entry as typed: "YYYY-MM-DD" (a day in
	// Vietnamese time) or an RFC 3339 time; "" for none.
	Date string
}

// VersionMissing is Posted.Version for a version absent or not a number.
const VersionMissing = -1

// Problems of the submission's sender rather than of its content.
const (
	// ProblemStaffOnly: only authenticated staff or administrators may date a
	// submission (Posted.Date).
	ProblemStaffOnly = "staff_only"
	// ProblemKioskUnpaired: the channel kiosk without a paired kiosk.
	ProblemKioskUnpaired = "kiosk_unpaired"
	// ProblemKioskOnly: a paired kiosk sends only the channel kiosk.
	ProblemKioskOnly = "kiosk_only"
	// ProblemKioskNoDate: a kiosk answers on the spot and sends no date.
	ProblemKioskNoDate = "kiosk_no_date"
)

// ErrKioskScope: a paired kiosk sent a survey for another agency or an area
// that is not one of its own.
var ErrKioskScope = errors.New("survey: outside the kiosk's agency and areas")

// Prepared is a resolved submission: its target, the questionnaire answered
// and the problems found so far. The form is set even with problems, so a
// page can be shown again.
type Prepared struct {
	Agency Agency
	Area   Area
	Form   Form
	// At is the interview date of an entry, zero when none or not valid.
	At       time.Time
	src      Source
	cat      *Catalog
	problems FieldErrors
}

// Prepare resolves and checks a submission whose answers are known.
// The error is a FieldErrors for invalid input, or one of the errors of
// Resolve; with FieldErrors the Prepared is still usable (its Form).
func Prepare(cat *Catalog, p Posted, src Source, now time.Time) (Response, Prepared, error) {
	pr, err := Resolve(cat, p, src, now)
	if err != nil {
		return Response{}, pr, err
	}
	resp, err := pr.Check(p.Submission, now)
	return resp, pr, err
}

// Resolve applies the rules that come before the answers:
//
//   - the sender: a paired kiosk's KioskRules, and only a user may date a
//     submission (FieldErrors, returned at once); the channel kiosk without
//     a kiosk is a problem kept for Check;
//   - the target: Target for a citizen, EntryTarget for an entry
//     (ErrNotFound, ErrForbidden, ErrAreaNotServed, ErrKioskScope);
//   - the interview date of an entry: required, and ParseEntryDate's format;
//   - the questionnaire: the one in force in the area on the day answered
//     (the interview date, else now), or the published version of it the
//     sender names (ProblemUnknownForm otherwise, the one in force kept).
//
// Problems of the date and the version are kept for Check, which adds those
// of the answers, so that every problem is told at once.
func Resolve(cat *Catalog, p Posted, src Source, now time.Time) (Prepared, error) {
	pr := Prepared{src: src, cat: cat, problems: FieldErrors{}}
	if fe := KioskRules(src.Kiosk, p.Channel, p.Date); src.Kiosk != nil && len(fe) > 0 {
		return pr, fe
	} else if len(fe) > 0 {
		maps.Copy(pr.problems, fe) // the channel kiosk without a kiosk: told with the other problems
	}
	if src.Kiosk != nil && (p.Agency != src.Kiosk.Agency || !slices.Contains(src.Kiosk.Areas, p.Area)) {
		return pr, ErrKioskScope
	}
	if src.Entry && src.User == nil {
		return pr, FieldErrors{FieldSubmittedAt: ProblemStaffOnly}
	}
	var err error
	if src.Entry {
		pr.Agency, pr.Area, err = EntryTarget(cat, src.User, p.Agency, p.Area)
	} else {
		pr.Agency, pr.Area, err = cat.Target(p.Agency, p.Area)
	}
	if err != nil {
		return pr, err
	}
	at := now
	if src.Entry {
		switch t, ok := ParseEntryDate(p.Date); {
		case p.Date == "":
			pr.problems[FieldSubmittedAt] = ProblemRequired
		case !ok:
			pr.problems[FieldSubmittedAt] = ProblemInvalid
		default:
			pr.At, at = t, t
		}
	}
	if pr.Form, err = cat.FormFor(pr.Area.Code, at); err != nil {
		return pr, err
	}
	switch {
	case p.Version == 0 || p.Version == pr.Form.Version:
	case p.Version < 0:
		pr.problems[FieldForm] = ProblemUnknownForm
	default:
		if old, err := cat.FormVersion(pr.Form.ID, p.Version); err == nil {
			pr.Form = old // answered an older published version: keep it
		} else {
			pr.problems[FieldForm] = ProblemUnknownForm
		}
	}
	return pr, nil
}

// Check applies the rules of the answers (the package's Check) and, for an
// entry, those of its date and channel (CheckEntry), to the submission of
// the resolved target, and returns the response to store or FieldErrors
// naming every problem, those found by Resolve included.
func (pr Prepared) Check(s Submission, now time.Time) (Response, error) {
	s.Agency, s.Area, s.SubmittedAt = pr.Agency.Code, pr.Area.Code, pr.At
	fe := FieldErrors{}
	resp, err := Check(s, pr.Form, now)
	if !errors.As(err, &fe) && err != nil {
		return Response{}, err
	}
	if pr.src.Entry {
		maps.Copy(fe, CheckEntry(s, pr.Agency, now, pr.src.MaxAge))
	}
	// Resolve's problems say more: a date required or malformed rather than
	// CheckEntry's reading of no date, the channel kiosk without a kiosk.
	maps.Copy(fe, pr.problems)
	if len(fe) > 0 {
		return Response{}, fe
	}
	if pr.src.Entry {
		resp.SelfEntered = SelfEntered(pr.src.User, pr.cat, pr.Agency.Code)
	}
	return resp, nil
}

// KioskRules are the rules of the sender's kiosk credential: only a paired
// kiosk may say its answers came from a kiosk; a paired kiosk sends nothing
// else, and never a date.
func KioskRules(k *Kiosk, channel Channel, date string) FieldErrors {
	fe := FieldErrors{}
	if k == nil {
		if channel == ChannelKiosk {
			fe[FieldChannel] = ProblemKioskUnpaired
		}
		return fe
	}
	if channel != ChannelKiosk {
		fe[FieldChannel] = ProblemKioskOnly
	}
	if date != "" {
		fe[FieldSubmittedAt] = ProblemKioskNoDate
	}
	return fe
}

// EntryTarget resolves the agency and area of an entry, checking that the
// user may enter for the agency. Unlike a citizen's survey, an agency that
// has stopped serving (merged, dissolved) can still receive the interviews
// it held before its end date; CheckEntry enforces that.
func EntryTarget(cat *Catalog, u *User, agency, area string) (Agency, Area, error) {
	ag, err := cat.Agency(agency)
	if err != nil {
		return Agency{}, Area{}, ErrNotFound
	}
	if !MayEnter(u, cat, ag.Code) {
		return Agency{}, Area{}, ErrForbidden
	}
	if !ag.Active && ag.Until.IsZero() {
		return Agency{}, Area{}, ErrNotFound
	}
	ar, err := cat.Area(area)
	if err != nil {
		return Agency{}, Area{}, ErrNotFound
	}
	if !ag.Serves(ar.Code) {
		return ag, ar, ErrAreaNotServed
	}
	return ag, ar, nil
}

// MayEnter reports whether the user may enter surveys for the agency: staff
// for their agencies (and those merged into them), administrators for any.
// Inspectors may read every agency but enter for none.
func MayEnter(u *User, cat *Catalog, agency string) bool {
	if u == nil || (u.Role != RoleStaff && u.Role != RoleAdmin) {
		return false
	}
	return MaySee(u, cat, agency)
}

// MaySee reports whether the user may see the agency's figures: an enabled
// user who sees it (User.CanSee), or staff of an agency it merged into.
func MaySee(u *User, cat *Catalog, agency string) bool {
	if u == nil || u.Disabled {
		return false
	}
	if u.CanSee(agency) {
		return true
	}
	for _, own := range u.Agencies {
		if slices.Contains(Lineage(cat, own), agency) {
			return true
		}
	}
	return false
}
