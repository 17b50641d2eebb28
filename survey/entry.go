package survey

import (
	"slices"
	"time"
)

// Responses entered by staff: paper questionnaires and telephone interviews
// are answered on one day and typed in later, so they carry the date of the
// interview (Submission.SubmittedAt) and count in the month of that date.

// FieldSubmittedAt names the interview date in FieldErrors.
const FieldSubmittedAt = "submittedAt"

// Problems of an interview date or of the channel that carries it.
const (
	// ProblemBeforeStart: the date is before the agency started serving.
	ProblemBeforeStart = "before_start"
	// ProblemAfterEnd: the date is on or after the day the agency stopped
	// serving (merged or dissolved).
	ProblemAfterEnd = "after_end"
	// ProblemNotBackdated: the channel answers on the spot (web, kiosk,
	// counter), so its responses cannot carry an earlier date.
	ProblemNotBackdated = "not_backdated"
)

// BackdatedChannel reports whether responses of the channel may carry an
// interview date earlier than their arrival. Paper and phone are the surveys
// staff enter; a postal questionnaire is filled in at home and arrives days
// later, so it is one too. Web and kiosk answers are stored the moment they
// are given, and counter answers are given on a device at the counter
// (a paper questionnaire handed in at the counter is channel paper): none of
// these may be backdated.
func BackdatedChannel(c Channel) bool {
	return c == ChannelPaper || c == ChannelPhone || c == ChannelPostal
}

// EntryChannels are the channels of the staff entry form, in its order.
var EntryChannels = []Channel{ChannelPaper, ChannelPhone}

// ParseEntryDate reads an interview date: a calendar day "YYYY-MM-DD", taken
// as the start of that day in Vietnamese time, or an RFC 3339 instant.
func ParseEntryDate(s string) (time.Time, bool) {
	var t time.Time
	var err error
	if len(s) == len(time.DateOnly) {
		t, err = time.ParseInLocation(time.DateOnly, s, zone)
	} else {
		t, err = time.Parse(time.RFC3339, s)
	}
	if err != nil || t.Year() < 1 || t.Year() > 9999 {
		return time.Time{}, false
	}
	return t, true
}

// CheckEntryDate checks an interview date against the clock and the life of
// the agency and returns the problem code, or "" when the date is acceptable:
// ProblemFuture after now; ProblemBeforeStart on a day (in Vietnamese time)
// before the agency's Since; ProblemAfterEnd at or after its Until when it has
// stopped serving. The start is compared by day so an agency created during a
// day can receive that day's interviews.
func CheckEntryDate(at, now time.Time, ag Agency) string {
	switch {
	case at.IsZero():
		return ProblemRequired
	case at.After(now):
		return ProblemFuture
	case !ag.Since.IsZero() && dayOf(at).Before(dayOf(ag.Since)):
		return ProblemBeforeStart
	case !ag.Until.IsZero() && !at.Before(ag.Until):
		return ProblemAfterEnd
	}
	return ""
}

// dayOf is the start, in Vietnamese time, of the day of t.
func dayOf(t time.Time) time.Time {
	t = t.In(zone)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, zone)
}

// CheckEntry applies the rules of a staff-entered response to the agency: it
// has an interview date that CheckEntryDate accepts, and a channel that may
// carry one. Check applies the rest; the two sets of problems merge.
//
// maxAge, when positive, is how far back the date may go, by day in
// Vietnamese time: with 31 days, on 10 July an interview of 9 June is
// accepted and one of 8 June is too old. Zero sets no limit (administrators
// and inspectors).
func CheckEntry(s Submission, ag Agency, now time.Time, maxAge time.Duration) FieldErrors {
	fe := FieldErrors{}
	if p := CheckEntryDate(s.SubmittedAt, now, ag); p != "" {
		fe[FieldSubmittedAt] = p
	} else if maxAge > 0 && dayOf(s.SubmittedAt).Before(dayOf(now.Add(-maxAge))) {
		fe[FieldSubmittedAt] = ProblemTooOld // as a kiosk rating's (rating.go)
	}
	if ValidChannel(s.Channel) && !BackdatedChannel(s.Channel) {
		fe[FieldChannel] = ProblemNotBackdated
	}
	return fe
}

// checkSubmittedAt is the part of the entry rules Check applies on its own,
// without the agency: a submission that carries a date may not be in the
// future, and only a channel that may be backdated carries one.
func checkSubmittedAt(s Submission, now time.Time, fe FieldErrors) {
	if s.SubmittedAt.IsZero() {
		return
	}
	if s.SubmittedAt.After(now) {
		fe[FieldSubmittedAt] = ProblemFuture
	}
	if ValidChannel(s.Channel) && !BackdatedChannel(s.Channel) {
		fe[FieldChannel] = ProblemNotBackdated
	}
}

// submittedAt is when a checked submission was answered: its date when it
// carries one, else now.
func submittedAt(s Submission, now time.Time) time.Time {
	if s.SubmittedAt.IsZero() {
		return now
	}
	return s.SubmittedAt
}

// SelfEntered reports whether a survey the user enters for the agency is
// self-entered: the user is staff of the agency or of an agency of its
// lineage, either way (the agency merged into one of theirs, or one of
// theirs merged into it), so the rated agency would be adding to its own
// sample. Administrators' and inspectors' entries are not.
func SelfEntered(u *User, cat *Catalog, agency string) bool {
	if u == nil || u.Role != RoleStaff {
		return false
	}
	for _, own := range u.Agencies {
		if own == agency || slices.Contains(Lineage(cat, own), agency) || slices.Contains(Lineage(cat, agency), own) {
			return true
		}
	}
	return false
}
