package server

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/gin-gonic/gin"

	"hailong/server/input"
	"hailong/survey"
)

const (
	sessionCookie = "hl_session"
	userKey       = "user"
	sessionKey    = "session"
	// sessionTTL is how long a login lasts.
	sessionTTL = 12 * time.Hour
)

// newSecret returns a random URL-safe value of 32 bytes.
func newSecret() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// hashID is how session ids and API tokens are stored: only their SHA-256.
func hashID(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// authenticate finds who is calling: a bearer token (API) or a session
// cookie (pages). Disabled users, revoked or expired tokens, ended or
// expired sessions, and tokens and sessions made before the user's password,
// role or state last changed (its epoch) count as nobody. A bearer token
// that does not work is refused at once.
func (s *Server) authenticate(c *gin.Context) {
	ctx := c.Request.Context()
	if h := c.GetHeader("Authorization"); h != "" {
		tok, ok := bearerToken(h)
		if !ok {
			s.serveAPIError(c, errUnauthorized)
			c.Abort()
			return
		}
		t, err := s.store.Token(ctx, hashID(tok))
		if err != nil || t.Revoked {
			if errors.Is(err, survey.ErrUnavailable) {
				s.serveAPIError(c, err)
			} else {
				s.serveAPIError(c, errUnauthorized)
			}
			c.Abort()
			return
		}
		u, err := s.store.User(ctx, t.Username)
		if err != nil || !t.Live(u, time.Now()) { // expired, or its user's password, role or state changed
			s.serveAPIError(c, errUnauthorized)
			c.Abort()
			return
		}
		c.Set(userKey, &u)
		c.Next()
		return
	}
	if raw, err := c.Cookie(sessionCookie); err == nil && raw != "" {
		id := hashID(raw)
		sess, err := s.store.Session(ctx, id)
		if err == nil && time.Now().Before(sess.ExpiresAt) {
			if u, err := s.store.User(ctx, sess.Username); err == nil && !u.Disabled && u.Epoch == sess.Epoch {
				if !s.sessionAPIAllowed(c, id) { // auth_csrf.go: no CSRF header, no session for an API write
					c.Set(csrfFailedKey, true)
					c.Next()
					return
				}
				c.Set(userKey, &u)
				c.Set(sessionKey, id)
			}
		}
	}
	c.Next()
}

// bearerToken reads an Authorization header "Bearer <token>" (input.Bearer).
func bearerToken(h string) (string, bool) { return input.Bearer(h) }

// userOf returns the authenticated user, or nil.
func userOf(c *gin.Context) *survey.User {
	if v, ok := c.Get(userKey); ok {
		if u, ok := v.(*survey.User); ok {
			return u
		}
	}
	return nil
}

var (
	errUnauthorized = &apiCodeError{status: http.StatusUnauthorized, code: "unauthorized"}
	errForbiddenAPI = &apiCodeError{status: http.StatusForbidden, code: "forbidden"}
)

// requirePage lets through users with one of the roles; others are sent to
// the login page (nobody) or shown 403 (wrong role).
func (s *Server) requirePage(roles ...survey.Role) gin.HandlerFunc {
	return func(c *gin.Context) {
		u := userOf(c)
		if u == nil {
			next := selfURI(c) // the routed path, never the raw one: selflink.go
			c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(next))
			c.Abort()
			return
		}
		if !slices.Contains(roles, u.Role) {
			s.servePageError(c, survey.ErrForbidden)
			c.Abort()
			return
		}
		c.Next()
	}
}

// requireAPI is requirePage for the JSON API: 401 or 403 with a JSON error;
// 403 csrf_failed for a state-changing call with a session cookie but
// without its CSRF header (auth_csrf.go).
func (s *Server) requireAPI(roles ...survey.Role) gin.HandlerFunc {
	return func(c *gin.Context) {
		u := userOf(c)
		if u == nil && c.GetBool(csrfFailedKey) {
			s.serveAPIError(c, errCSRFAPI) // a live session cookie without its CSRF header
			c.Abort()
			return
		}
		if u == nil {
			c.Header("WWW-Authenticate", `Bearer realm="hailong"`)
			s.serveAPIError(c, errUnauthorized)
			c.Abort()
			return
		}
		if !slices.Contains(roles, u.Role) {
			s.serveAPIError(c, errForbiddenAPI)
			c.Abort()
			return
		}
		c.Next()
	}
}

// setSessionCookie sends the session cookie: HttpOnly, SameSite=Lax, Secure
// when served over TLS (directly or behind a proxy that says so).
func setSessionCookie(c *gin.Context, value string, maxAge int) {
	http.SetCookie(c.Writer, &http.Cookie{
		Name: sessionCookie, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: isTLS(c),
	})
}

// isTLS reports whether the client reached us over HTTPS: directly, or
// through a trusted proxy that says so in X-Forwarded-Proto (edge.go).
func isTLS(c *gin.Context) bool {
	return c.Request.TLS != nil || c.GetBool(httpsKey)
}
