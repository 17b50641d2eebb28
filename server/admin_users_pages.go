package server

import (
	"errors"
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"

	"hailong/survey"
	"hailong/survey/store"
)

// UsersPage lists accounts and offers the form to add one.
type UsersPage struct {
	BasePage
	Users []UserRow
	Form  UserForm
}

// UserRow is one account in the list.
type UserRow struct {
	Username, Name, Role string
	Agencies             []string
	Disabled             bool
}

// UserForm is the create or edit form of an account, with its choices.
type UserForm struct {
	In       UserInput
	Roles    []Choice
	Agencies []CheckChoice
}

func (s *Server) userForm(b BasePage, cat *survey.Catalog, in UserInput) UserForm {
	f := UserForm{In: in}
	for _, r := range survey.Roles {
		f.Roles = append(f.Roles, Choice{string(r), b.L.T("role." + string(r))})
	}
	for _, a := range cat.Agencies {
		f.Agencies = append(f.Agencies, CheckChoice{a.Code, a.Name.In(b.Lang), slices.Contains(in.Agencies, a.Code)})
	}
	return f
}

func (s *Server) usersPage(c *gin.Context, status int, in UserInput, fe survey.FieldErrors) error {
	ctx := c.Request.Context()
	cat, err := s.store.Catalog(ctx)
	if err != nil {
		return err
	}
	users, err := s.store.Users(ctx)
	if err != nil {
		return err
	}
	b := s.staffBase(c)
	b.setFieldErrors(problemMessages(b.L, "", fe), userFields, userLabels)
	in.Password = "" // never sent back
	p := UsersPage{BasePage: b, Form: s.userForm(b, cat, in)}
	for _, u := range users {
		p.Users = append(p.Users, UserRow{u.Username, u.Name, b.L.T("role." + string(u.Role)), u.Agencies, u.Disabled})
	}
	s.render(c, status, "admin_users", p)
	return nil
}

func (s *Server) adminUsers(c *gin.Context) error {
	return s.usersPage(c, http.StatusOK, UserInput{Role: string(survey.RoleStaff)}, nil)
}

func (s *Server) adminUserCreate(c *gin.Context) error {
	var in UserInput
	if err := c.ShouldBind(&in); err != nil {
		return s.badForm(c)
	}
	u, err := s.createUser(c, in)
	var fe survey.FieldErrors
	if errors.As(err, &fe) {
		return s.usersPage(c, http.StatusBadRequest, in, fe)
	}
	if err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, "/admin/users/"+u.Username)
	return nil
}

// UserPage shows one account: edit form, password reset and API tokens.
type UserPage struct {
	BasePage
	Form     UserForm
	Tokens   []store.APIToken
	NewToken string
}

func (s *Server) userPage(c *gin.Context, status int, in *UserInput, fe survey.FieldErrors, newToken string) error {
	ctx := c.Request.Context()
	cat, err := s.store.Catalog(ctx)
	if err != nil {
		return err
	}
	u, err := s.store.User(ctx, c.Param("username"))
	if err != nil {
		return err
	}
	tokens, err := s.store.Tokens(ctx)
	if err != nil {
		return err
	}
	b := s.staffBase(c)
	b.setFieldErrors(problemMessages(b.L, "", fe), userFields, userLabels)
	if in == nil {
		in = &UserInput{Username: u.Username, Name: u.Name, Role: string(u.Role), Agencies: u.Agencies, Disabled: u.Disabled}
	}
	in.Username, in.Password = u.Username, ""
	p := UserPage{BasePage: b, Form: s.userForm(b, cat, *in), NewToken: newToken}
	for _, t := range tokens {
		if t.Username == u.Username {
			p.Tokens = append(p.Tokens, t)
		}
	}
	c.Header("Cache-Control", "no-store")
	s.render(c, status, "admin_user", p)
	return nil
}

func (s *Server) adminUser(c *gin.Context) error { return s.userPage(c, http.StatusOK, nil, nil, "") }

func (s *Server) adminUserUpdate(c *gin.Context) error {
	var in UserInput
	if err := c.ShouldBind(&in); err != nil {
		return s.badForm(c)
	}
	in.Disabled = c.PostForm("disabled") == "on"
	_, err := s.updateUser(c, c.Param("username"), in)
	var fe survey.FieldErrors
	if errors.As(err, &fe) {
		return s.userPage(c, http.StatusBadRequest, &in, fe, "")
	}
	if err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, "/admin/users/"+c.Param("username"))
	return nil
}

func (s *Server) adminUserPassword(c *gin.Context) error {
	err := s.resetPassword(c, c.Param("username"), c.PostForm("password"))
	var fe survey.FieldErrors
	if errors.As(err, &fe) {
		return s.userPage(c, http.StatusBadRequest, nil, fe, "")
	}
	if err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, "/admin/users/"+c.Param("username"))
	return nil
}

// adminTokenCreate makes a token and shows it once, on this response only.
func (s *Server) adminTokenCreate(c *gin.Context) error {
	username := c.Param("username")
	u, err := s.store.User(c.Request.Context(), username)
	if err != nil {
		return err
	}
	raw, _, err := s.issueToken(c, u, c.PostForm("label"), store.TokenIssued)
	if err != nil {
		return err
	}
	s.audit(c, actor(c), "token_create", username, nil, nil)
	return s.userPage(c, http.StatusOK, nil, nil, raw)
}

func (s *Server) adminTokenRevoke(c *gin.Context) error {
	ctx := c.Request.Context()
	t, err := s.store.Token(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	if err := s.store.RevokeToken(ctx, t.ID); err != nil {
		return err
	}
	s.audit(c, actor(c), "token_revoke", t.Username, nil, t.Prefix)
	c.Redirect(http.StatusSeeOther, "/admin/users/"+t.Username)
	return nil
}

// AuditPage lists audit entries, newest first.
type AuditPage struct {
	BasePage
	Entries []AuditRow
	Older   string
}

// AuditRow is one audit entry as shown.
type AuditRow struct {
	At, Actor, Action, Target, Change string
}

const auditPageSize = 50

func (s *Server) adminAudit(c *gin.Context) error {
	entries, err := s.store.Audit(c.Request.Context(), c.Query("before"), auditPageSize)
	if err != nil {
		return err
	}
	p := AuditPage{BasePage: s.staffBase(c)}
	for _, e := range entries {
		p.Entries = append(p.Entries, AuditRow{e.At.In(hcm).Format("2006-01-02 15:04:05"), e.Actor, e.Action, e.Target, describeChange(e)})
	}
	if len(entries) == auditPageSize {
		p.Older = entries[len(entries)-1].ID
	}
	s.render(c, http.StatusOK, "admin_audit", p)
	return nil
}

// describeChange shows an entry's before and after, shortened.
func describeChange(e survey.AuditEntry) string {
	short := func(s string) string {
		if r := []rune(s); len(r) > 300 {
			return string(r[:300]) + "…"
		}
		return s
	}
	switch {
	case e.Before != "" && e.After != "":
		return short(e.Before) + " → " + short(e.After)
	case e.After != "":
		return short(e.After)
	}
	return short(e.Before)
}
