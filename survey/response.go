package survey

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Channel is how a response reached the service.
type Channel string

// Channels.
const (
	ChannelWeb     Channel = "web"
	ChannelKiosk   Channel = "kiosk"
	ChannelCounter Channel = "counter"
	ChannelPostal  Channel = "postal"
	ChannelPhone   Channel = "phone"
	ChannelPaper   Channel = "paper"
)

// Channels lists every channel.
var Channels = []Channel{ChannelWeb, ChannelKiosk, ChannelCounter, ChannelPostal, ChannelPhone, ChannelPaper}

// ValidChannel reports whether c is a known channel.
func ValidChannel(c Channel) bool {
	for _, k := range Channels {
		if k == c {
			return true
		}
	}
	return false
}

// Answer is the value given to one question; 0 means not applicable.
// Answers are stored as a list, never as a map keyed by criterion code, so no
// input ever becomes a field name in the database.
type Answer struct {
	Code  string `bson:"c" json:"code"`
	Value int    `bson:"v" json:"value"`
}

// Respondent holds the optional demographics, as option codes.
type Respondent struct {
	AgeBand    string `bson:"age,omitempty" json:"ageBand,omitempty"`
	Gender     string `bson:"gender,omitempty" json:"gender,omitempty"`
	Occupation string `bson:"occupation,omitempty" json:"occupation,omitempty"`
	Education  string `bson:"education,omitempty" json:"education,omitempty"`
}

// Get returns the answer to the demographic question with the code.
func (r Respondent) Get(code string) string {
	switch code {
	case "ageBand":
		return r.AgeBand
	case "gender":
		return r.Gender
	case "occupation":
		return r.Occupation
	case "education":
		return r.Education
	}
	return ""
}

// Set sets the answer to the demographic question with the code; an unknown
// code changes nothing.
func (r *Respondent) Set(code, v string) {
	switch code {
	case "ageBand":
		r.AgeBand = v
	case "gender":
		r.Gender = v
	case "occupation":
		r.Occupation = v
	case "education":
		r.Education = v
	}
}

// Response is one citizen's stored answer to a questionnaire. Its ID is the
// idempotency key, so a retried submission is a duplicate, never a second count.
type Response struct {
	ID          string  `bson:"_id" json:"id"`
	Agency      string  `bson:"agency" json:"agency"`
	Area        string  `bson:"area" json:"area"`
	FormID      string  `bson:"formId" json:"formId"`
	FormVersion int     `bson:"formVersion" json:"formVersion"`
	Channel     Channel `bson:"channel" json:"channel"`
	Verified    bool    `bson:"verified" json:"verified"`
	// SelfEntered marks a survey entered by staff of the rated agency (or
	// of an agency of its lineage): the agency adding to its own sample.
	// The server sets it when staff enter a survey; it is never read from
	// the client. Rankings may leave such responses out (BasisIndependent).
	SelfEntered bool       `bson:"selfEntered,omitempty" json:"selfEntered,omitempty"`
	Lang        Lang       `bson:"lang" json:"lang"`
	Answers     []Answer   `bson:"answers" json:"answers"`
	Comment     string     `bson:"comment,omitempty" json:"comment,omitempty"`
	Respondent  Respondent `bson:"respondent" json:"respondent"`
	// SubmittedAt is when the respondent answered; ReceivedAt when it was stored.
	SubmittedAt time.Time `bson:"submittedAt" json:"submittedAt"`
	ReceivedAt  time.Time `bson:"receivedAt" json:"receivedAt"`
	// Redactions is how many personal details Check removed from the
	// comment (see Redact), to tell the respondent. It is never stored: the
	// comment stored is the redacted one.
	Redactions int `bson:"-" json:"-"`
	// Contact is the citizen's contact on request, sealed (ContactBox), to
	// be stored apart from the response (attention_contacts); never stored
	// with it, never exported.
	Contact []byte `bson:"-" json:"-"`
}

// Submission is a response as entered, before the domain rules are checked.
type Submission struct {
	Key         string
	Agency      string
	Area        string
	FormID      string
	FormVersion int
	Channel     Channel
	Lang        Lang
	// Answers maps a question code to its value; a missing code is unanswered.
	Answers    map[string]int
	Comment    string
	Respondent Respondent
	// SubmittedAt is the interview date of a survey entered by staff (paper,
	// phone); zero means now. See CheckEntry.
	SubmittedAt time.Time
}

// Field names used in FieldErrors besides question codes ("q:<code>").
const (
	FieldAgency  = "agency"
	FieldArea    = "area"
	FieldForm    = "formVersion"
	FieldComment = "comment"
	FieldChannel = "channel"
	FieldKey     = "idempotencyKey"
)

// QuestionField is the FieldErrors name of a question.
func QuestionField(code string) string { return "answers." + code }

// DemographicField is the FieldErrors name of a demographic question.
func DemographicField(code string) string { return "respondent." + code }

// Check applies the domain rules to a submission for the given form and area
// and returns the response to store, or FieldErrors naming each problem.
// Every question must be answered (not applicable counts as an answer), every
// value must be on the scale, unknown codes are refused. The comment is
// kept with its personal details replaced (Redact); Redactions counts them.
func Check(s Submission, f Form, now time.Time) (Response, error) {
	fe := FieldErrors{}
	s.Comment = NormalizeComment(s.Comment)
	qs := f.Questions(s.Area)
	known := make(map[string]bool, len(qs))
	answers := make([]Answer, 0, len(qs))
	max := f.MaxValue()
	for _, q := range qs {
		known[q.Code] = true
		v, ok := s.Answers[q.Code]
		switch {
		case !ok:
			fe[QuestionField(q.Code)] = ProblemRequired
		case v != NotApplicable && (v < 1 || v > max):
			fe[QuestionField(q.Code)] = ProblemScale
		default:
			answers = append(answers, Answer{Code: q.Code, Value: v})
		}
	}
	for code := range s.Answers {
		if !known[code] {
			fe[QuestionField(code)] = ProblemUnknown
		}
	}
	if utf8.RuneCountInString(s.Comment) > f.CommentMax {
		fe[FieldComment] = ProblemTooLong
	} else if !utf8.ValidString(s.Comment) {
		fe[FieldComment] = ProblemInvalid
	}
	for _, d := range f.Demographics {
		if v := s.Respondent.Get(d.Code); v != "" && !d.HasOption(v) {
			fe[DemographicField(d.Code)] = ProblemInvalid
		}
	}
	if !ValidChannel(s.Channel) {
		fe[FieldChannel] = ProblemInvalid
	}
	if !ValidKey(s.Key) {
		fe[FieldKey] = ProblemInvalid
	}
	checkSubmittedAt(s, now, fe)
	if len(fe) > 0 {
		return Response{}, fe
	}
	lang := s.Lang
	if _, ok := ParseLang(string(lang)); !ok {
		lang = Vi
	}
	// Redacted here, once, so that every way a comment comes in (the form,
	// an invitation, staff entry, the API, a kiosk) stores it redacted. The
	// length was checked on the text as typed; redacting never lengthens it.
	comment, redactions := Redact(s.Comment)
	return Response{
		ID:          s.Key,
		Agency:      s.Agency,
		Area:        s.Area,
		FormID:      f.ID,
		FormVersion: f.Version,
		Channel:     s.Channel,
		Lang:        lang,
		Answers:     answers,
		Comment:     comment,
		Respondent:  s.Respondent,
		SubmittedAt: submittedAt(s, now),
		ReceivedAt:  now,
		Redactions:  redactions,
	}, nil
}

// NormalizeComment trims a comment and turns CR LF line breaks (as browsers
// send them) into LF, so a line break counts as one character, as the form's
// maxlength counts it.
func NormalizeComment(c string) string {
	return strings.TrimSpace(strings.ReplaceAll(c, "\r\n", "\n"))
}

// SameRequest reports whether a stored response answers the same survey as r;
// a retry with the same key must, a reuse of the key for another survey must not.
func (r Response) SameRequest(other Response) bool {
	return r.Agency == other.Agency && r.Area == other.Area
}
