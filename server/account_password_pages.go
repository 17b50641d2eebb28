package server

import (
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"

	"hailong/survey"
	"hailong/survey/store"
)

// A password that someone else chose (the first administrator's generated
// password, or one an administrator set with a reset) must be replaced at
// the first login: survey.User.MustChangePassword. Until the user chooses a
// new one on /account/password, every page of their session redirects there
// and every API call with it is 403 password_change_required. Any staff user
// may change their own password there at any time.

// passwordPath is the change-password page.
const passwordPath = "/account/password"

var errPasswordChangeRequired = &apiCodeError{status: http.StatusForbidden, code: "password_change_required"}

// passwordChangeOpen are the routes a user who must change their password
// may still use: the page itself, logging out, logging in (as someone
// else), static files and the probes.
var passwordChangeOpen = map[string]bool{
	passwordPath: true, "/logout": true, "/login": true,
	"/static/*file": true, "/healthz": true, "/readyz": true,
}

// requirePasswordChange holds a session whose user must change their
// password to the change-password page. A bearer token is left to the
// token rules: such a user cannot mint one (apiToken), and a reset ends the
// tokens made before it.
func (s *Server) requirePasswordChange(c *gin.Context) {
	u := userOf(c)
	_, session := c.Get(sessionKey)
	if u == nil || !u.MustChangePassword || !session || passwordChangeOpen[c.FullPath()] {
		c.Next()
		return
	}
	if isAPI(c) {
		s.serveAPIError(c, errPasswordChangeRequired)
		c.Abort()
		return
	}
	to := passwordPath
	if c.Request.Method == http.MethodGet && c.FullPath() != "" {
		to += "?next=" + url.QueryEscape(selfURI(c)) // the routed path, never the raw one
	}
	c.Redirect(http.StatusSeeOther, to)
	c.Abort()
}

// PasswordPage is the form to change one's own password.
type PasswordPage struct {
	BasePage
	// Forced says the current password was chosen by someone else, so
	// nothing else opens until it is changed.
	Forced  bool
	Next    string
	Message string // a failure that is not about one field (too many tries)
	MinLen  int    // survey.MinPasswordLen
}

var passwordFields = []string{survey.FieldCurrentPassword, survey.FieldNewPassword, survey.FieldConfirmPassword}

var passwordLabels = map[string]string{
	survey.FieldCurrentPassword: "account.password.current",
	survey.FieldNewPassword:     "account.password.new",
	survey.FieldConfirmPassword: "account.password.confirm",
}

func (s *Server) passwordPage(c *gin.Context) error {
	return s.renderPasswordPage(c, http.StatusOK, safeNext(c.Query("next")), nil, "")
}

func (s *Server) renderPasswordPage(c *gin.Context, status int, next string, fe survey.FieldErrors, msgKey string) error {
	b := s.staffBase(c)
	b.setFieldErrors(problemMessages(b.L, "account", fe), passwordFields, passwordLabels)
	p := PasswordPage{BasePage: b, Forced: userOf(c).MustChangePassword, Next: next, MinLen: survey.MinPasswordLen}
	if msgKey != "" {
		p.Message = b.L.T(msgKey)
	}
	s.render(c, status, "account_password", p)
	return nil
}

// passwordSubmit changes the user's password: the current one must be
// right (counted like a login, so the form is no way around the lockout),
// the new one follow survey.CheckNewPassword. Every other session and API
// token of the user ends (its epoch moves on); this browser gets a new
// session.
func (s *Server) passwordSubmit(c *gin.Context) error {
	ctx := c.Request.Context()
	u := userOf(c)
	current, next, confirm := c.PostForm("current"), c.PostForm("new"), c.PostForm("confirm")
	goTo := safeNext(c.PostForm("next"))
	if fe := survey.CheckNewPassword(current, next, confirm); fe != nil {
		return s.renderPasswordPage(c, http.StatusBadRequest, goTo, fe, "")
	}
	checked, err := s.login(c, u.Username, current)
	switch {
	case errors.Is(err, errLocked):
		return s.renderPasswordPage(c, http.StatusTooManyRequests, goTo, nil, "login.locked")
	case err != nil:
		return err
	case checked == nil:
		return s.renderPasswordPage(c, http.StatusBadRequest, goTo,
			survey.FieldErrors{survey.FieldCurrentPassword: survey.ProblemWrongPassword}, "")
	}
	fresh := *checked
	if fresh.PasswordHash, err = survey.HashPassword(next); err != nil {
		return err
	}
	fresh.MustChangePassword = false
	fresh.Epoch++
	if err := s.store.ReplaceUser(ctx, fresh); err != nil {
		return err
	}
	if err := s.renewSession(c, fresh); err != nil {
		return err
	}
	s.audit(c, u.Username, "password_change", u.Username, nil, nil)
	if goTo == "" || goTo == passwordPath {
		goTo = homeOf(&fresh)
	}
	c.Redirect(http.StatusSeeOther, goTo)
	return nil
}

// renewSession replaces the request's session by a new one for u (in its
// current epoch), as a login does.
func (s *Server) renewSession(c *gin.Context, u survey.User) error {
	ctx := c.Request.Context()
	if old, ok := c.Get(sessionKey); ok {
		_ = s.store.DeleteSession(ctx, old.(string))
	}
	raw := newSecret()
	now := time.Now()
	if err := s.store.InsertSession(ctx, store.Session{
		ID: hashID(raw), Username: u.Username, Epoch: u.Epoch, CreatedAt: now, ExpiresAt: now.Add(sessionTTL),
	}); err != nil {
		return err
	}
	setSessionCookie(c, raw, int(sessionTTL/time.Second))
	return nil
}
