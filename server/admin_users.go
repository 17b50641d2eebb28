package server

import (
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"hailong/survey"
	"hailong/survey/store"
)

// UserInput is an account as an administrator enters it.
type UserInput struct {
	Username string   `json:"username" form:"username"`
	Name     string   `json:"name" form:"name"`
	Role     string   `json:"role" form:"role"`
	Agencies []string `json:"agencies" form:"agencies"`
	Disabled bool     `json:"disabled" form:"-"`
	Password string   `json:"password,omitempty" form:"password"`
}

var userFields = []string{survey.FieldUsername, survey.FieldName, survey.FieldRole, survey.FieldAgencies, survey.FieldPassword}

var userLabels = map[string]string{
	survey.FieldUsername: "admin.username", survey.FieldName: "admin.fullname", survey.FieldRole: "admin.role",
	survey.FieldAgencies: "admin.user_agencies", survey.FieldPassword: "admin.password",
}

// createUser checks and stores a new account.
func (s *Server) createUser(c *gin.Context, in UserInput) (survey.User, error) {
	ctx := c.Request.Context()
	cat, err := s.store.Catalog(ctx)
	if err != nil {
		return survey.User{}, err
	}
	u := survey.User{
		Username: survey.NormalizeUsername(in.Username), Name: strings.TrimSpace(in.Name), Role: survey.Role(in.Role),
		Agencies: cleanList(in.Agencies), Disabled: in.Disabled, CreatedAt: time.Now(),
	}
	if fe := survey.CheckUser(u, in.Password, true, cat); fe != nil {
		return u, fe
	}
	if u.Role != survey.RoleIntegration { // integration accounts have API keys only
		if u.PasswordHash, err = survey.HashPassword(in.Password); err != nil {
			return u, err
		}
	}
	if err := s.store.InsertUser(ctx, u); err != nil {
		if errors.Is(err, survey.ErrDuplicate) {
			return u, survey.FieldErrors{survey.FieldUsername: survey.ProblemDuplicate}
		}
		return u, err
	}
	s.audit(c, actor(c), "user_create", u.Username, nil, u)
	return u, nil
}

// updateUser changes an account's name, role, agencies and state. Disabling
// or a change of role ends the user's sessions and API tokens at once (its
// epoch moves on). Administrators cannot disable or demote themselves, so
// one always remains.
func (s *Server) updateUser(c *gin.Context, username string, in UserInput) (survey.User, error) {
	ctx := c.Request.Context()
	cat, err := s.store.Catalog(ctx)
	if err != nil {
		return survey.User{}, err
	}
	prev, err := s.store.User(ctx, username)
	if err != nil {
		return survey.User{}, err
	}
	u := prev
	u.Name, u.Role, u.Agencies, u.Disabled = strings.TrimSpace(in.Name), survey.Role(in.Role), cleanList(in.Agencies), in.Disabled
	fe := survey.CheckUser(u, "", false, cat)
	if username == actor(c) && (u.Disabled || u.Role != survey.RoleAdmin) {
		if fe == nil {
			fe = survey.FieldErrors{}
		}
		fe[survey.FieldRole] = survey.ProblemInvalid
	}
	if fe != nil {
		return u, fe
	}
	// A narrower account must log in again: its sessions and tokens end (the
	// epoch moves on). An integration account has no sessions, and its
	// agencies are read at each call, so a change of its agencies keeps its
	// keys: the one-stop-shop software goes on working.
	agenciesChanged := !slices.Equal(u.Agencies, prev.Agencies) && u.Role != survey.RoleIntegration
	if u.Disabled && !prev.Disabled || u.Role != prev.Role || agenciesChanged {
		u.Epoch++
	}
	if err := s.store.ReplaceUser(ctx, u); err != nil {
		return u, err
	}
	s.audit(c, actor(c), "user_update", u.Username, prev, u)
	return u, nil
}

// resetPassword sets a new password and ends the user's sessions and API
// tokens (its epoch moves on); other users' tokens are untouched.
func (s *Server) resetPassword(c *gin.Context, username, password string) error {
	ctx := c.Request.Context()
	u, err := s.store.User(ctx, username)
	if err != nil {
		return err
	}
	if u.Role == survey.RoleIntegration {
		// It signs in with its API keys only (survey.CheckPassword refuses it).
		return survey.FieldErrors{survey.FieldPassword: survey.ProblemNoPassword}
	}
	if len([]rune(password)) < survey.MinPasswordLen {
		return survey.FieldErrors{survey.FieldPassword: survey.ProblemTooShort}
	}
	if len(password) > 72 {
		return survey.FieldErrors{survey.FieldPassword: survey.ProblemTooLong}
	}
	if u.PasswordHash, err = survey.HashPassword(password); err != nil {
		return err
	}
	u.Epoch++
	// The administrator knows this password: the user must replace it at
	// the next login (account_password_pages.go), unless it is their own.
	u.MustChangePassword = u.Username != actor(c)
	if err := s.store.ReplaceUser(ctx, u); err != nil {
		return err
	}
	s.audit(c, actor(c), "user_password_reset", u.Username, nil, nil)
	return nil
}

func cleanList(xs []string) []string {
	out := []string{}
	for _, x := range xs {
		if x = strings.TrimSpace(x); x != "" && !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// revokeToken revokes an API token by its id, audited; ErrNotFound when
// there is none.
func (s *Server) revokeToken(c *gin.Context, id string) (store.APIToken, error) {
	ctx := c.Request.Context()
	t, err := s.store.Token(ctx, id)
	if err != nil {
		return t, err
	}
	if err := s.store.RevokeToken(ctx, t.ID); err != nil {
		return t, err
	}
	s.audit(c, actor(c), "token_revoke", t.Username, nil, t.Prefix)
	return t, nil
}
