package server

import (
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"hailong/survey"
)

// submitRequest is the body of POST /api/v1/responses. Unknown fields are
// refused; answers map a question code to 1..5, or 0 for not applicable.
//
// SubmittedAt is the interview date of a paper, phone or postal survey
// entered by staff: "YYYY-MM-DD" (a day in Vietnamese time) or an RFC 3339
// time. Only a caller authenticated (bearer token or session) as staff of
// the agency, or as an administrator, may send it: anonymously it is refused
// as an invalid field (400, fields.submittedAt), since the endpoint itself is
// public; for an agency the caller may not enter for it is 403. The response
// then counts in the month of that date.
type submitRequest struct {
	Agency         string             `json:"agency" validate:"required,max=64"`
	Area           string             `json:"area" validate:"required,max=64"`
	FormVersion    int                `json:"formVersion,omitempty" validate:"gte=0"`
	Answers        map[string]int     `json:"answers" validate:"required,max=200"`
	Comment        string             `json:"comment,omitempty" validate:"max=20000"`
	Channel        string             `json:"channel" validate:"required"`
	IdempotencyKey string             `json:"idempotencyKey" validate:"required"`
	Respondent     *survey.Respondent `json:"respondent,omitempty"`
	SubmittedAt    string             `json:"submittedAt,omitempty" validate:"max=64"`
}

// submitResponse answers a stored (201) or already stored (200) response.
// Redacted is how many personal details were removed from the comment
// before it was stored (see survey.Redact); absent when none.
type submitResponse struct {
	ID       string `json:"id"`
	Redacted int    `json:"redacted,omitempty"`
}

// apiSubmit stores a response sent by another system, staff (an entry,
// with submittedAt) or a paired kiosk (with its credential).
func (s *Server) apiSubmit(c *gin.Context) error {
	var in submitRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if err := s.validateAPI(c, in); err != nil {
		return err
	}
	kiosk, err := s.kioskOf(c) // nil without a kiosk cookie; never anonymous for one that does not work
	if err != nil {
		return err
	}
	cat, err := s.store.Catalog(c.Request.Context())
	if err != nil {
		return err
	}
	u := userOf(c)
	src := survey.Source{Entry: in.SubmittedAt != "", User: u, MaxAge: s.entryMaxAge(u), Kiosk: kiosk}
	posted := survey.Posted{Version: in.FormVersion, Date: in.SubmittedAt, Submission: survey.Submission{
		Key: in.IdempotencyKey, Agency: in.Agency, Area: in.Area, Channel: survey.Channel(in.Channel),
		Lang: langOf(c), Answers: in.Answers, Comment: in.Comment,
	}}
	if in.Respondent != nil {
		posted.Respondent = *in.Respondent
	}
	resp, pr, err := survey.Prepare(cat, posted, src, time.Now())
	if err != nil {
		return submitError(err, pr.Form, src.MaxAge)
	}
	out := submitResponse{ID: resp.ID, Redacted: resp.Redactions}
	var created bool
	if kiosk != nil {
		out, created, err = s.storeKioskResponse(c, kiosk, resp)
	} else {
		created, err = s.storeResponse(c, resp, src.Entry)
	}
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	c.JSON(status, out)
	return nil
}

// submitError is the API's answer to a submission refused by the rules.
func submitError(err error, f survey.Form, maxAge time.Duration) error {
	var fe survey.FieldErrors
	switch {
	case errors.As(err, &fe):
		return fieldErrorsWith("api", fe, submitArgs(f, maxAge))
	case errors.Is(err, survey.ErrAreaNotServed):
		return fieldErrorsIn("api", survey.FieldErrors{survey.FieldArea: survey.ProblemAreaNotServed})
	case errors.Is(err, survey.ErrKioskScope):
		return errKioskScope
	}
	return err
}
