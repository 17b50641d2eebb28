package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"

	"github.com/gin-gonic/gin"
)

// decodeJSON reads a JSON request body into v: the content type must be
// application/json; unknown fields, trailing data and malformed JSON are
// refused (400); a body over the limit is 413.
func decodeJSON(c *gin.Context, v any) error {
	if mt, _, err := mime.ParseMediaType(c.GetHeader("Content-Type")); err != nil || mt != "application/json" {
		return &apiCodeError{status: http.StatusUnsupportedMediaType, code: "unsupported_media_type"}
	}
	body, err := io.ReadAll(c.Request.Body)
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
	// Exactly one value: anything after it, even a stray '}', is refused.
	if _, err := dec.Token(); err != io.EOF {
		return &apiCodeError{status: http.StatusBadRequest, code: "invalid_json"}
	}
	return nil
}

// validateAPI checks v's validate tags and answers field messages in the
// caller's language.
func (s *Server) validateAPI(c *gin.Context, v any) error {
	err := s.validate.Struct(v)
	if err == nil {
		return nil
	}
	return &apiFieldError{code: "validation_failed", fields: validationMessages(s.locales[langOf(c)], err)}
}
