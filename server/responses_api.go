package server

import (
	"errors"
	"maps"
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

// apiSubmit stores a response sent by another system or a kiosk.
func (s *Server) apiSubmit(c *gin.Context) error {
	ctx := c.Request.Context()
	var in submitRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if err := s.validateAPI(c, in); err != nil {
		return err
	}
	kiosk, err := s.kioskSubmitScope(c, in) // a paired tablet's rules: kiosk_api.go
	if err != nil {
		return err
	}
	ms := s.locales[langOf(c)]
	cat, err := s.store.Catalog(ctx)
	if err != nil {
		return err
	}
	entry := in.SubmittedAt != ""
	var ag survey.Agency
	var ar survey.Area
	if entry {
		u := userOf(c)
		if u == nil {
			return &apiFieldError{code: "validation_failed", fields: map[string]string{survey.FieldSubmittedAt: ms.T("api.entry_staff_only")}}
		}
		ag, ar, err = entryTarget(cat, u, in.Agency, in.Area)
	} else {
		ag, ar, err = cat.Target(in.Agency, in.Area)
	}
	if errors.Is(err, survey.ErrAreaNotServed) {
		return &apiFieldError{code: "validation_failed", fields: map[string]string{survey.FieldArea: ms.T("api.area_not_served")}}
	}
	if err != nil {
		return err
	}
	now := time.Now()
	at := now
	if entry {
		t, ok := survey.ParseEntryDate(in.SubmittedAt)
		if !ok {
			return &apiFieldError{code: "validation_failed", fields: map[string]string{survey.FieldSubmittedAt: ms.T("api.entry_date_format")}}
		}
		at = t
	}
	// The questionnaire in force on the interview day, unless the caller names
	// the version it used.
	f, err := cat.FormFor(ar.Code, at)
	if err != nil {
		return err
	}
	if in.FormVersion != 0 && in.FormVersion != f.Version {
		old, err := cat.FormVersion(f.ID, in.FormVersion)
		if err != nil {
			return &apiFieldError{code: "validation_failed", fields: map[string]string{survey.FieldForm: ms.T("err.unknown_form")}}
		}
		f = old
	}
	sub := survey.Submission{
		Key: in.IdempotencyKey, Agency: ag.Code, Area: ar.Code, Channel: survey.Channel(in.Channel),
		Lang: langOf(c), Answers: in.Answers, Comment: in.Comment,
	}
	if in.Respondent != nil {
		sub.Respondent = *in.Respondent
	}
	if entry {
		sub.SubmittedAt = at
	}
	resp, err := survey.Check(sub, f, now)
	fe := survey.FieldErrors{}
	if err != nil && !errors.As(err, &fe) {
		return err
	}
	if entry {
		maps.Copy(fe, survey.CheckEntry(sub, ag, now, s.entryMaxAge(userOf(c))))
	}
	if len(fe) > 0 {
		return &apiFieldError{code: "validation_failed", fields: entryMessages(ms, fe, f, false, s.entryMaxAge(userOf(c)))}
	}
	if kiosk != nil {
		if done, err := s.kioskSubmitGate(c, kiosk, resp); done {
			return err
		}
	}
	if entry {
		resp.SelfEntered = survey.SelfEntered(userOf(c), cat, ag.Code)
	}
	created, err := s.insertResponse(ctx, resp)
	if err != nil {
		return err
	}
	if created && entry {
		s.auditEntry(c, resp)
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	c.JSON(status, submitResponse{ID: resp.ID, Redacted: resp.Redactions})
	return nil
}
