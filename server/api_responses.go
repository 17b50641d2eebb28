package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
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
	if mt, _, err := mime.ParseMediaType(c.GetHeader("Content-Type")); err != nil || mt != "application/json" {
		return &apiCodeError{status: http.StatusUnsupportedMediaType, code: "unsupported_media_type"}
	}
	var in submitRequest
	if err := decodeStrict(c.Request.Body, &in); err != nil {
		return err
	}
	ms := s.locales[langOf(c)]
	if err := s.validate.Struct(in); err != nil {
		fields := map[string]string{}
		for f, p := range validationProblems(err) {
			fields[f] = ms.T("err." + p)
		}
		return &apiFieldError{code: "validation_failed", fields: fields}
	}
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
	f, err := cat.FormFor(ar.Code)
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
		return &apiFieldError{code: "validation_failed", fields: fieldMessages(ms, fe, f)}
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

// decodeStrict decodes one JSON value, refusing unknown fields, trailing data
// and bodies over the limit (413).
func decodeStrict(r io.Reader, v any) error {
	body, err := io.ReadAll(r)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return err
		}
		return &apiCodeError{status: http.StatusBadRequest, code: "invalid_json"}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return &apiCodeError{status: http.StatusBadRequest, code: "invalid_json"}
	}
	if dec.More() {
		return &apiCodeError{status: http.StatusBadRequest, code: "invalid_json"}
	}
	return nil
}
