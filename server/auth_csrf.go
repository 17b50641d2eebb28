package server

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"hailong/survey"
)

// preCookie binds the CSRF token of a visitor who has no session yet (the
// login form).
const preCookie = "hl_pre"

// csrfToken returns the token forms carry: an HMAC, under the server key, of
// the session (or the pre-session cookie), so it cannot be forged from
// another site and changes at login.
func (s *Server) csrfToken(c *gin.Context) string {
	binding := ""
	if id, ok := c.Get(sessionKey); ok {
		binding = "s|" + id.(string)
	} else {
		pre, err := c.Cookie(preCookie)
		if err != nil || len(pre) < 20 {
			pre = newSecret()
			http.SetCookie(c.Writer, &http.Cookie{
				Name: preCookie, Value: pre, Path: "/", HttpOnly: true,
				SameSite: http.SameSiteLaxMode, Secure: isTLS(c),
			})
			c.Request.AddCookie(&http.Cookie{Name: preCookie, Value: pre})
		}
		binding = "p|" + pre
	}
	return s.csrfFor(binding)
}

// csrfFor is the CSRF token of a binding: "s|<hashed session id>" or
// "p|<pre-session cookie>".
func (s *Server) csrfFor(binding string) string {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte("csrf|" + binding))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// csrfHeader carries the session's CSRF token on a state-changing API call
// made with the session cookie (pages expose the token in
// <meta name="csrf-token">).
const csrfHeader = "X-CSRF-Token"

// csrfFailedKey marks a request whose session cookie was not accepted for
// want of its CSRF header.
const csrfFailedKey = "csrfFailed"

var errCSRFAPI = &apiCodeError{status: http.StatusForbidden, code: "csrf_failed"}

// sessionAPIAllowed reports whether a request may use the session of the
// hashed id sessionID: always for pages (their forms carry the token and
// checkCSRF checks it) and for reads of the API; a state-changing API call
// must carry the session's token in the X-CSRF-Token header. Without it the
// cookie is no credential: another site's form (and any *.gov.vn page is
// same-site, gov.vn being a public suffix) cannot act with it. Bearer tokens
// are not cookies and need no header.
func (s *Server) sessionAPIAllowed(c *gin.Context, sessionID string) bool {
	// The routed path, not the raw one: "//api/v1/..." is routed to the API too.
	if !strings.HasPrefix(c.FullPath(), "/api/") || safeMethod(c.Request.Method) {
		return true
	}
	got := c.GetHeader(csrfHeader)
	return got != "" && hmac.Equal([]byte(got), []byte(s.csrfFor("s|"+sessionID)))
}

// safeMethod reports a method that changes nothing.
func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// checkCSRF refuses a state-changing form whose token does not match.
func (s *Server) checkCSRF(c *gin.Context) {
	if c.Request.Method == http.MethodGet || c.Request.Method == http.MethodHead {
		c.Next()
		return
	}
	got := c.PostForm("csrf")
	if _, ok := c.Get(sessionKey); !ok {
		if _, err := c.Cookie(preCookie); err != nil {
			s.servePageError(c, errCSRF)
			c.Abort()
			return
		}
	}
	if !hmac.Equal([]byte(got), []byte(s.csrfToken(c))) {
		s.servePageError(c, errCSRF)
		c.Abort()
		return
	}
	c.Next()
}

var errCSRF = survey.ErrForbidden
