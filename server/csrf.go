package server

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"

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
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte("csrf|" + binding))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
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
