package server

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"hailong/survey"
)

// KeyJSON is a signing key as the admin API and page show it (never its
// material).
type KeyJSON struct {
	ID         int       `json:"id"`
	State      string    `json:"state"` // signing, verifying, pending, retired
	CreatedAt  time.Time `json:"createdAt"`
	ActiveFrom time.Time `json:"activeFrom"`
	RetiredAt  time.Time `json:"retiredAt,omitzero"`
	CreatedBy  string    `json:"createdBy,omitempty"`
}

// keysJSON describes the keys at now, newest first.
func keysJSON(keys []survey.SigningKey, now time.Time) []KeyJSON {
	ring := survey.NewKeyring(keys)
	out := []KeyJSON{}
	for _, k := range ring.Keys() {
		out = append(out, KeyJSON{ID: k.ID, State: ring.State(k, now), CreatedAt: k.CreatedAt, ActiveFrom: k.ActiveFrom, RetiredAt: k.RetiredAt, CreatedBy: k.CreatedBy})
	}
	return out
}

// rotateKey adds a signing key, active after keyActivation, and reloads.
func (s *Server) rotateKey(c *gin.Context) (survey.SigningKey, error) {
	k, err := s.store.RotateInvitationKey(c.Request.Context(), time.Now(), keyActivation, actor(c))
	if err != nil {
		return k, err
	}
	return k, s.reloadKeys(c.Request.Context())
}

// retireKey retires a key unless it is the only one that signs, and reloads.
func (s *Server) retireKey(c *gin.Context, idParam string) error {
	id, err := strconv.Atoi(idParam)
	if err != nil {
		return survey.ErrNotFound
	}
	if err := s.store.RetireInvitationKey(c.Request.Context(), id, time.Now(), actor(c)); err != nil {
		return err
	}
	return s.reloadKeys(c.Request.Context())
}

func (s *Server) apiAdminKeys(c *gin.Context) error {
	keys, err := s.store.InvitationKeys(c.Request.Context())
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"keys": keysJSON(keys, time.Now())})
	return nil
}

func (s *Server) apiAdminKeyRotate(c *gin.Context) error {
	k, err := s.rotateKey(c)
	if err != nil {
		return err
	}
	c.JSON(http.StatusCreated, keysJSON([]survey.SigningKey{k}, time.Now())[0])
	return nil
}

func (s *Server) apiAdminKeyRetire(c *gin.Context) error {
	if err := s.retireKey(c, c.Param("id")); err != nil {
		return s.apiKeyError(c, err)
	}
	return s.apiAdminKeys(c)
}

// apiKeyError turns the refusal to retire the last signing key into a 400.
func (s *Server) apiKeyError(c *gin.Context, err error) error {
	var fe survey.FieldErrors
	if errors.As(err, &fe) {
		return fieldErrorsIn("inv", survey.FieldErrors{"id": survey.ProblemLastKey})
	}
	return err
}

// InvitationsAdminPage manages signing keys, lists integration accounts and
// lets an administrator issue an invitation by hand (a counter without
// integrated software).
type InvitationsAdminPage struct {
	BasePage
	Keys         []KeyJSON
	Integrations []survey.User
	Agencies     []Choice
	Areas        []Choice
	In           survey.InvitationRequest
	Issued       *InvitationJSON
	Activation   string
}

func (s *Server) invitationsAdminPage(c *gin.Context, status int, in survey.InvitationRequest, fe map[string]string, issued *InvitationJSON) error {
	ctx := c.Request.Context()
	keys, err := s.store.InvitationKeys(ctx)
	if err != nil {
		return err
	}
	users, err := s.store.Users(ctx)
	if err != nil {
		return err
	}
	cat, err := s.store.Catalog(ctx)
	if err != nil {
		return err
	}
	b := s.staffBase(c)
	p := InvitationsAdminPage{BasePage: b, Keys: keysJSON(keys, time.Now()), In: in, Issued: issued,
		Activation: fmt.Sprint(keyActivation)}
	for _, u := range users {
		if u.Role == survey.RoleIntegration {
			p.Integrations = append(p.Integrations, u)
		}
	}
	for _, a := range cat.Agencies {
		if a.Active {
			p.Agencies = append(p.Agencies, Choice{a.Code, a.Name.In(b.Lang)})
		}
	}
	for _, a := range cat.Areas {
		p.Areas = append(p.Areas, Choice{a.Code, a.Name.In(b.Lang)})
	}
	labels := map[string]string{
		survey.FieldAgency: "form.agency", survey.FieldArea: "form.area", survey.FieldDossierRef: "inv.admin.dossier",
		survey.FieldProcedureCode: "inv.admin.procedure", survey.FieldExpiresInDays: "inv.admin.days", "id": "inv.admin.keys",
	}
	p.setFieldErrors(fe, []string{survey.FieldAgency, survey.FieldArea, survey.FieldDossierRef, survey.FieldProcedureCode, survey.FieldExpiresInDays, "id"}, labels)
	c.Header("Cache-Control", "no-store")
	s.render(c, status, "admin_invitations", p)
	return nil
}

func (s *Server) adminInvitations(c *gin.Context) error {
	return s.invitationsAdminPage(c, http.StatusOK, survey.InvitationRequest{ExpiresInDays: survey.DefaultInvitationDays}, nil, nil)
}

// adminInvitationIssue issues one invitation from the page and shows its links.
func (s *Server) adminInvitationIssue(c *gin.Context) error {
	in := survey.InvitationRequest{
		Agency: c.PostForm("agency"), Area: c.PostForm("area"), DossierRef: c.PostForm("dossierRef"),
		ProcedureCode: c.PostForm("procedureCode"),
	}
	ms := s.locales[langOf(c)]
	if v := c.PostForm("expiresInDays"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return s.invitationsAdminPage(c, http.StatusBadRequest, in, wordProblems(ms, "inv", survey.FieldErrors{survey.FieldExpiresInDays: survey.ProblemInvalid}, invitationArgs), nil)
		}
		in.ExpiresInDays = n
	}
	cat, err := s.store.Catalog(c.Request.Context())
	if err != nil {
		return err
	}
	checked, err := survey.CheckInvitation(in, cat)
	var fe survey.FieldErrors
	if errors.As(err, &fe) {
		return s.invitationsAdminPage(c, http.StatusBadRequest, in, wordProblems(ms, "inv", fe, invitationArgs), nil)
	}
	out, err := s.issue(c, []survey.InvitationRequest{checked})
	if err != nil {
		return err
	}
	s.audit(c, actor(c), "invitation_issue", out[0].Code, nil, map[string]any{"agency": checked.Agency, "area": checked.Area})
	return s.invitationsAdminPage(c, http.StatusOK, survey.InvitationRequest{ExpiresInDays: survey.DefaultInvitationDays}, nil, &out[0])
}

func (s *Server) adminKeyRotate(c *gin.Context) error {
	if _, err := s.rotateKey(c); err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, "/admin/invitations")
	return nil
}

func (s *Server) adminKeyRetire(c *gin.Context) error {
	err := s.retireKey(c, c.Param("id"))
	var fe survey.FieldErrors
	if errors.As(err, &fe) {
		return s.invitationsAdminPage(c, http.StatusBadRequest, survey.InvitationRequest{ExpiresInDays: survey.DefaultInvitationDays},
			problemMessages(s.locales[langOf(c)], "inv", survey.FieldErrors{"id": survey.ProblemLastKey}), nil)
	}
	if err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, "/admin/invitations")
	return nil
}
