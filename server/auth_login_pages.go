package server

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"hailong/survey"
	"hailong/survey/store"
)

// LoginPage is the staff login form.
type LoginPage struct {
	BasePage
	Username string
	Next     string
	Message  string
}

func (s *Server) loginPage(c *gin.Context) error {
	if u := userOf(c); u != nil {
		c.Redirect(http.StatusSeeOther, homeOf(u))
		return nil
	}
	s.render(c, http.StatusOK, "login", LoginPage{BasePage: s.staffBase(c), Next: safeNext(c.Query("next"))})
	return nil
}

// errLocked says this client must wait before trying this user name again.
var errLocked = errors.New("too many failed logins")

// login checks a user name and password and returns the user on success.
// A client that keeps failing for a user name is made to wait; other
// clients are not (auth_login_attempts.go). One login per user name and client
// runs at a time in this process, so parallel guesses are each counted
// before the next is checked.
func (s *Server) login(c *gin.Context, username, password string) (*survey.User, error) {
	ctx := c.Request.Context()
	username = survey.NormalizeUsername(username)
	clientKey, userKey := s.attemptKeys(c, username)
	unlock := s.logins.locks.lock(clientKey)
	defer unlock()
	mine, err := s.store.LoginAttempts(ctx, clientKey)
	if err != nil {
		return nil, err
	}
	all, err := s.store.LoginAttempts(ctx, userKey)
	if err != nil {
		return nil, err
	}
	if wait := lockout(mine, all, time.Now()); wait > 0 {
		s.audit(c, username, "login_locked", username, nil, nil)
		return nil, errLocked
	}
	u, err := s.store.User(ctx, username)
	var up *survey.User
	if err == nil {
		up = &u
	} else if !errors.Is(err, survey.ErrNotFound) {
		return nil, err
	}
	if !survey.CheckPassword(up, password) {
		if err := s.countFailure(ctx, clientKey, userKey, time.Now()); err != nil {
			return nil, err
		}
		s.audit(c, username, "login_failed", username, nil, nil)
		return nil, nil
	}
	if mine.Failures > 0 {
		if err := s.store.SetLoginAttempts(ctx, store.LoginAttempts{Key: clientKey}); err != nil {
			return nil, err
		}
	}
	return up, nil
}

func (s *Server) loginSubmit(c *gin.Context) error {
	username, password := c.PostForm("username"), c.PostForm("password")
	next := safeNext(c.PostForm("next"))
	u, err := s.login(c, username, password)
	if err != nil && !errors.Is(err, errLocked) {
		return err
	}
	if u == nil {
		b := s.staffBase(c)
		msg := b.L.T("login.failed")
		status := http.StatusUnauthorized
		if errors.Is(err, errLocked) {
			msg, status = b.L.T("login.locked"), http.StatusTooManyRequests
		}
		s.render(c, status, "login", LoginPage{BasePage: b, Username: username, Next: next, Message: msg})
		return nil
	}
	// A new session id at every login; the old session, if any, ends.
	if old, ok := c.Get(sessionKey); ok {
		_ = s.store.DeleteSession(c.Request.Context(), old.(string))
	}
	raw := newSecret()
	now := time.Now()
	if err := s.store.InsertSession(c.Request.Context(), store.Session{
		ID: hashID(raw), Username: u.Username, Epoch: u.Epoch, CreatedAt: now, ExpiresAt: now.Add(sessionTTL),
	}); err != nil {
		return err
	}
	setSessionCookie(c, raw, int(sessionTTL/time.Second))
	s.audit(c, u.Username, "login", u.Username, nil, nil)
	if next == "" {
		next = homeOf(u)
	}
	c.Redirect(http.StatusSeeOther, next)
	return nil
}

func (s *Server) logout(c *gin.Context) error {
	if id, ok := c.Get(sessionKey); ok {
		if err := s.store.DeleteSession(c.Request.Context(), id.(string)); err != nil {
			return err
		}
		if u := userOf(c); u != nil {
			s.audit(c, u.Username, "logout", u.Username, nil, nil)
		}
	}
	setSessionCookie(c, "", -1)
	c.Redirect(http.StatusSeeOther, "/login")
	return nil
}

// homeOf is where a user lands after login.
func homeOf(u *survey.User) string {
	if u.Role == survey.RoleAdmin {
		return "/admin"
	}
	return "/dashboard"
}

// safeNext keeps only local paths, so the login form cannot redirect away.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsRune(next, '\\') {
		return ""
	}
	for _, r := range next {
		if r < 0x20 || r == 0x7f {
			return "" // browsers drop tabs and newlines: "/\t/evil" would be "//evil"
		}
	}
	if u, err := url.Parse(next); err != nil || u.Scheme != "" || u.Host != "" || u.Opaque != "" || u.User != nil {
		return ""
	}
	return next
}
