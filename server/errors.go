package server

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"hailong/survey"
)

// ErrorPage is the data of the error page.
type ErrorPage struct {
	BasePage
	Title string
	Body  string
}

// statusOf maps an error to its HTTP status and message key suffix.
func statusOf(err error) (int, string) {
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return http.StatusRequestEntityTooLarge, "toolarge"
	case errors.Is(err, survey.ErrNotFound):
		return http.StatusNotFound, "notfound"
	case errors.Is(err, survey.ErrUnavailable):
		return http.StatusServiceUnavailable, "unavailable"
	case errors.Is(err, survey.ErrConflict):
		return http.StatusConflict, "conflict"
	case errors.Is(err, survey.ErrForbidden):
		return http.StatusForbidden, "forbidden"
	}
	return http.StatusInternalServerError, "internal"
}

// page adapts a handler that returns an error: one place turns errors into
// pages. Only unexpected errors (500) are logged, with their cause; users
// never see internal detail.
func (s *Server) page(h func(*gin.Context) error) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := h(c); err != nil {
			s.servePageError(c, err)
		}
	}
}

// pageError is a page answered instead of the one asked for: a form shown
// again with its messages (400), or with its answers kept when the database
// is unavailable (503), the gone page of an invitation, the start page of an
// area not served. A handler returns it like any error; page renders it.
type pageError struct {
	status int
	page   string
	data   any
	cause  error // why, for the log of a 503
}

func (e *pageError) Error() string { return e.page + ": " + http.StatusText(e.status) }

func (s *Server) servePageError(c *gin.Context, err error) {
	var pe *pageError
	if errors.As(err, &pe) {
		s.logFailure(c, pe.status, "", pe.cause)
		s.render(c, pe.status, pe.page, pe.data)
		return
	}
	if _, ok := fieldMessagesOf(s.locales[langOf(c)], err); ok {
		// Field errors a page did not show next to its fields: the page for
		// input that cannot be taken, never a 500.
		b := s.base(c)
		s.render(c, http.StatusBadRequest, "error", ErrorPage{BasePage: b, Title: b.L.T("error.conflict.title"), Body: b.L.T("err.invalid")})
		return
	}
	status, key := statusOf(err)
	s.logFailure(c, status, "request failed", err)
	b := s.base(c)
	s.render(c, status, "error", ErrorPage{
		BasePage: b,
		Title:    b.L.T("error." + key + ".title"),
		Body:     b.L.T("error." + key + ".body"),
	})
}

// logFailure logs an unexpected error (500) with its cause, and a database
// outage (503), which also tells the caller when to try again.
func (s *Server) logFailure(c *gin.Context, status int, msg string, err error) {
	switch status {
	case http.StatusInternalServerError:
		s.log.Error(msg, "route", c.FullPath(), "err", err)
	case http.StatusServiceUnavailable:
		s.log.Warn("database unavailable", "route", c.FullPath(), "err", err)
		c.Header("Retry-After", retryAfter)
	}
}

// retryAfter is the Retry-After value (seconds) sent with 503 answers.
const retryAfter = "5"

// APIError is the body of every JSON error.
type APIError struct {
	Error APIErrorBody `json:"error"`
}

// APIErrorBody says what went wrong: a stable code, a message in the caller's
// language and, for invalid input, a message per field.
type APIErrorBody struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

// api adapts a JSON handler that returns an error.
func (s *Server) api(h func(*gin.Context) error) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := h(c); err != nil {
			s.serveAPIError(c, err)
		}
	}
}

// apiFieldError is an input error with a message per field.
type apiFieldError struct {
	code   string
	fields map[string]string
}

func (e *apiFieldError) Error() string { return e.code }

// apiCodeError is a client error with a status and a code, and a message
// per field when the fields are the reason (403 agency_not_allowed).
type apiCodeError struct {
	status int
	code   string
	fields map[string]string
}

func (e *apiCodeError) Error() string { return e.code }

func (s *Server) serveAPIError(c *gin.Context, err error) {
	ms := s.locales[langOf(c)]
	var fe *apiFieldError
	var ce *apiCodeError
	if errors.As(err, &fe) {
		c.JSON(http.StatusBadRequest, APIError{APIErrorBody{Code: fe.code, Message: ms.T("api." + fe.code), Fields: fe.fields}})
		return
	}
	if errors.As(err, &ce) {
		c.JSON(ce.status, APIError{APIErrorBody{Code: ce.code, Message: ms.T("api." + ce.code), Fields: ce.fields}})
		return
	}
	if fields, ok := fieldMessagesOf(ms, err); ok {
		code := fieldErrorsCode(err)
		c.JSON(http.StatusBadRequest, APIError{APIErrorBody{Code: code, Message: ms.T("api." + code), Fields: fields}})
		return
	}
	status, _ := statusOf(err)
	code := map[int]string{
		http.StatusRequestEntityTooLarge: "body_too_large",
		http.StatusNotFound:              "not_found",
		http.StatusServiceUnavailable:    "unavailable",
		http.StatusConflict:              "conflict",
		http.StatusForbidden:             "forbidden",
		http.StatusInternalServerError:   "internal",
	}[status]
	s.logFailure(c, status, "api request failed", err)
	c.JSON(status, APIError{APIErrorBody{Code: code, Message: ms.T("api." + code)}})
}

// notFound answers an unknown path: JSON under /api/, the error page elsewhere.
func (s *Server) notFound(c *gin.Context) {
	if isAPI(c) {
		s.serveAPIError(c, survey.ErrNotFound)
		return
	}
	s.servePageError(c, survey.ErrNotFound)
}

// methodNotAllowed answers a known path asked with the wrong method.
func (s *Server) methodNotAllowed(c *gin.Context) {
	if isAPI(c) {
		s.serveAPIError(c, &apiCodeError{status: http.StatusMethodNotAllowed, code: "method_not_allowed"})
		return
	}
	b := s.base(c)
	s.render(c, http.StatusMethodNotAllowed, "error", ErrorPage{BasePage: b, Title: b.L.T("error.method.title"), Body: b.L.T("error.method.body")})
}

func isAPI(c *gin.Context) bool { return strings.HasPrefix(c.Request.URL.Path, "/api/") }
