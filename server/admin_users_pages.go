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
	t, err := s.revokeToken(c, c.Param("id"))
	if err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, "/admin/users/"+t.Username)
	return nil
}
