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
type submitRequest struct {
	Agency         string             `json:"agency" validate:"required,max=64"`
	Area           string             `json:"area" validate:"required,max=64"`
	FormVersion    int                `json:"formVersion,omitempty" validate:"gte=0"`
	Answers        map[string]int     `json:"answers" validate:"required,max=200"`
	Comment        string             `json:"comment,omitempty" validate:"max=20000"`
	Channel        string             `json:"channel" validate:"required"`
	IdempotencyKey string             `json:"idempotencyKey" validate:"required"`
	Respondent     *survey.Respondent `json:"respondent,omitempty"`
}

// submitResponse answers a stored (201) or already stored (200) response.
type submitResponse struct {
	ID string `json:"id"`
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
	ms := s.locales[langOf(c)]
	cat, err := s.store.Catalog(ctx)
	if err != nil {
		return err
	}
	ag, ar, err := cat.Target(in.Agency, in.Area)
	if errors.Is(err, survey.ErrAreaNotServed) {
		return &apiFieldError{code: "validation_failed", fields: map[string]string{survey.FieldArea: ms.T("api.area_not_served")}}
	}
	if err != nil {
		return err
	}
	f, err := cat.FormFor(ar.Code, time.Now())
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
	resp, err := survey.Check(sub, f, time.Now())
	var fe survey.FieldErrors
	if errors.As(err, &fe) {
		return &apiFieldError{code: "validation_failed", fields: fieldMessages(ms, fe, f, false)}
	}
	if err != nil {
		return err
	}
	created, err := s.store.InsertResponse(ctx, resp)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	c.JSON(status, submitResponse{ID: resp.ID})
	return nil
}
