package server

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"hailong/server/input"
)

// decodeJSON reads a JSON request body into v (input.JSON): the content type
// must be application/json (else 415); unknown fields, trailing data and
// malformed JSON are refused (400); a body over the limit is 413.
func decodeJSON(c *gin.Context, v any) error {
	switch err := input.JSON(c.Request, v); {
	case err == nil:
		return nil
	case errors.Is(err, input.ErrMediaType):
		return &apiCodeError{status: http.StatusUnsupportedMediaType, code: "unsupported_media_type"}
	case errors.Is(err, input.ErrSyntax):
		return &apiCodeError{status: http.StatusBadRequest, code: "invalid_json"}
	default:
		return err // *http.MaxBytesError: 413
	}
}

// validateAPI checks v's validate tags and answers field messages in the
// caller's language.
func (s *Server) validateAPI(c *gin.Context, v any) error {
	err := s.validate.Struct(v)
	if err == nil {
		return nil
	}
	fe, args := validationProblems(err)
	return fieldErrorsWith("", fe, args)
}
