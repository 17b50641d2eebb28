package server

import (
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"hailong/survey"
)

const langKey = "lang"

// withLang picks the request's language: a ?lang= choice (remembered in a
// cookie for a year), else the cookie, else Accept-Language for the API,
// else Vietnamese.
func withLang(c *gin.Context) {
	lang := survey.Vi
	if q, ok := survey.ParseLang(c.Query("lang")); ok {
		lang = q
		http.SetCookie(c.Writer, &http.Cookie{
			Name: langKey, Value: string(q), Path: "/", MaxAge: 365 * 24 * 3600,
			HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: isTLS(c),
		})
	} else if ck, err := c.Cookie(langKey); err == nil {
		lang, _ = survey.ParseLang(ck)
	} else if strings.HasPrefix(c.Request.URL.Path, "/api/") {
		if al := c.GetHeader("Accept-Language"); strings.HasPrefix(strings.ToLower(strings.TrimSpace(al)), "en") {
			lang = survey.En
		}
	}
	c.Set(langKey, lang)
	c.Next()
}

func langOf(c *gin.Context) survey.Lang {
	if v, ok := c.Get(langKey); ok {
		if l, ok := v.(survey.Lang); ok {
			return l
		}
	}
	return survey.Vi
}

// securityHeaders sets the headers every answer carries: a strict CSP with
// no inline script or style, no framing, no sniffing, no referrer leaking
// survey links; HSTS over HTTPS (direct, or said by a trusted proxy).
func securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	if isTLS(c) {
		h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
	}
	c.Next()
}

// maxBody is the largest request body accepted (64 KB); larger ones get 413.
const maxBody = 64 << 10

func limitBody(c *gin.Context) {
	limit := int64(maxBody)
	if n, ok := largeBodies[c.Request.URL.Path]; ok { // invitation_api.go
		limit = n
	}
	switch {
	case c.Request.ContentLength > limit:
		// Refused at once: no waiting for a body that will not be read
		// (the server closes the connection after the answer).
		c.Request.Body = tooLargeBody{}
	case c.Request.Body != nil:
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit)
	}
	c.Next()
}

// tooLargeBody is the body of a request that declared more than maxBody:
// reading it fails as http.MaxBytesReader would.
type tooLargeBody struct{}

func (tooLargeBody) Read([]byte) (int, error) { return 0, &http.MaxBytesError{Limit: maxBody} }
func (tooLargeBody) Close() error             { return nil }

// logRequests writes one structured line per request: route template (never
// the raw path, which may hold a token), status and duration. Bodies,
// comments and answers are never logged.
func (s *Server) logRequests(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	s.log.LogAttrs(c.Request.Context(), slog.LevelInfo, "request",
		slog.String("method", c.Request.Method),
		slog.String("route", route),
		slog.Int("status", c.Writer.Status()),
		slog.Duration("duration", time.Since(start)),
	)
}

// recovered turns a panic into the generic error page or JSON error.
func (s *Server) recovered(c *gin.Context, err any) {
	s.log.Error("panic", "route", c.FullPath(), "panic", err)
	if strings.HasPrefix(c.Request.URL.Path, "/api/") {
		s.serveAPIError(c, errPanic)
	} else {
		s.servePageError(c, errPanic)
	}
	c.Abort()
}

var errPanic = errors.New("panic")
