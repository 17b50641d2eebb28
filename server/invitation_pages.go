package server

import (
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"hailong/survey"
)

// GonePage explains why an invitation link shows no form.
type GonePage struct {
	BasePage
	Reason string // invalid, expired, used, agency
	Title  string
	Body   string
}

// invitationGone answers a link that cannot be used: 404 for a link that is
// not ours, 410 for one that was ours and no longer works.
func (s *Server) invitationGone(c *gin.Context, reason string) {
	status := http.StatusGone
	if reason == "invalid" {
		status = http.StatusNotFound
	}
	b := s.base(c)
	c.Header("Cache-Control", "no-store")
	s.render(c, status, "invitation_gone", GonePage{
		BasePage: b, Reason: reason, Title: b.L.T("inv.gone." + reason + ".title"), Body: b.L.T("inv.gone." + reason + ".body"),
	})
}

// invTarget is what a working link leads to.
type invTarget struct {
	token  string
	claims survey.InvitationClaims
	ag     survey.Agency
	ar     survey.Area
	form   survey.Form
	inv    survey.Invitation
}

// invitationTarget checks the link of the request: first the token's
// signature and expiry (no database read), then the agency and area it
// names, then the invitation. It answers the gone page itself and returns
// nil when the link cannot be used; a used invitation is returned (the
// caller decides).
func (s *Server) invitationTarget(c *gin.Context) (*invTarget, error) {
	ctx := c.Request.Context()
	token := c.Param("token")
	claims, err := s.verifyToken(ctx, token)
	switch {
	case errors.Is(err, survey.ErrTokenExpired), errors.Is(err, survey.ErrTokenRetired):
		s.invitationGone(c, "expired")
		return nil, nil
	case err != nil:
		s.invitationGone(c, "invalid")
		return nil, nil
	}
	cat, err := s.store.Catalog(ctx)
	if err != nil {
		return nil, err
	}
	ag, ar, err := cat.Target(claims.Agency, claims.Area)
	if err != nil {
		s.invitationGone(c, "agency") // the agency closed or no longer serves the area
		return nil, nil
	}
	form, err := cat.FormFor(ar.Code, time.Now())
	if err != nil {
		return nil, err
	}
	inv, err := s.store.Invitation(ctx, claims.Code)
	if errors.Is(err, survey.ErrNotFound) || err == nil && (inv.Agency != claims.Agency || inv.Area != claims.Area) {
		s.invitationGone(c, "invalid")
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &invTarget{token: token, claims: claims, ag: ag, ar: ar, form: form, inv: inv}, nil
}

// verifiedFormPage is the questionnaire of an invitation.
func (s *Server) verifiedFormPage(b BasePage, t *invTarget, f survey.Form, key string, in formEntry, errs map[string]string) FormPage {
	p := s.formPage(b, t.ag, t.ar, f, key, in, errs)
	p.Action = "/v/" + t.token
	p.Verified = true
	return p
}

// invitationForm shows the questionnaire of an unused invitation. The key
// of the form is a fresh idempotency key of this page: sent twice, it is
// thanked twice; any other form sent through the link once it was used is
// told so.
func (s *Server) invitationForm(c *gin.Context) error {
	t, err := s.invitationTarget(c)
	if t == nil {
		return err
	}
	if t.inv.Used() {
		s.invitationGone(c, "used")
		return nil
	}
	c.Header("Cache-Control", "no-store")
	s.render(c, http.StatusOK, "form", s.verifiedFormPage(s.base(c), t, t.form, survey.NewKey(), formEntry{}, nil))
	return nil
}

// invitationSubmit stores the response of an invitation, verified. The
// response's id is derived from the invitation's code, so its insert claims
// the invitation: of concurrent submissions exactly one is stored (and
// counted once, through the pending log like every response); the others
// find the invitation used. The page's key, recorded on the invitation once
// the response is stored, tells a repeat of the same page (thanked again)
// from another one; when that record is missing (a crash between the two
// writes) the stored answers are compared instead, and the record healed.
func (s *Server) invitationSubmit(c *gin.Context) error {
	ctx := c.Request.Context()
	get, err := s.parsePosted(c)
	if get == nil {
		return err
	}
	t, err := s.invitationTarget(c)
	if t == nil {
		return err
	}
	key, _ := get("key")
	if !survey.ValidKey(key) {
		key = survey.NewKey()
	}
	thanks := surveyPath(t.ag.Code, t.ar.Code) + "/thanks"
	if t.inv.Used() {
		if t.inv.UseKey == key {
			c.Redirect(http.StatusSeeOther, thanks)
		} else {
			s.invitationGone(c, "used")
		}
		return nil
	}
	b := s.base(c)
	resp, f, in, problems, err := s.postedResponse(c, get, t.ar, t.form, survey.Submission{
		Key: survey.InvitationResponseID(s.inv.responseKey, t.inv.Code), Agency: t.ag.Code, Area: t.ar.Code,
		Channel: survey.ChannelWeb, Lang: b.Lang,
	})
	if err != nil {
		return err
	}
	if len(problems) > 0 {
		s.render(c, http.StatusBadRequest, "form", s.verifiedFormPage(b, t, f, key, in, fieldMessages(b.L, problems, f, true)))
		return nil
	}
	resp.Verified = true
	created, err := s.insertResponse(ctx, resp)
	switch {
	case errors.Is(err, survey.ErrUnavailable):
		s.log.Warn("database unavailable", "route", c.FullPath(), "err", err)
		c.Header("Retry-After", retryAfter)
		p := s.verifiedFormPage(b, t, f, key, in, nil)
		p.Unavailable = true
		s.render(c, http.StatusServiceUnavailable, "form", p)
		return nil
	case errors.Is(err, survey.ErrConflict):
		s.invitationGone(c, "used")
		return nil
	case err != nil:
		return err
	case created:
		s.markUsed(c, t.inv.Code, key)
		c.Redirect(http.StatusSeeOther, thanksPath(t.ag.Code, t.ar.Code, resp.Redactions))
		return nil
	}
	// Another submission stored the invitation's response first, or this
	// is a repeat of ours.
	inv, err := s.store.Invitation(ctx, t.inv.Code)
	if err != nil {
		return err
	}
	if inv.Used() {
		if inv.UseKey == key {
			c.Redirect(http.StatusSeeOther, thanks)
		} else {
			s.invitationGone(c, "used")
		}
		return nil
	}
	stored, err := s.store.Response(ctx, resp.ID)
	if err != nil {
		return err
	}
	if !stored.SameAnswers(resp) {
		s.invitationGone(c, "used")
		return nil
	}
	s.markUsed(c, t.inv.Code, key)
	c.Redirect(http.StatusSeeOther, thanks)
	return nil
}

// markUsed records the key of the page whose response was stored; a
// failure is logged only (the stored response already claims the link).
func (s *Server) markUsed(c *gin.Context, code, key string) {
	if err := s.store.MarkInvitationUsed(c.Request.Context(), code, key, time.Now()); err != nil {
		s.log.Warn("invitation: marking used failed", "err", err)
	}
}

// shortLink sends the short link /r/<code> (or /R/<code>, as the QR code
// carries it) on to the invitation's signed link, signed now with the
// current key, so short links and printed slips outlive key rotations.
func (s *Server) shortLink(c *gin.Context) error {
	code, ok := survey.NormalizeCode(c.Param("code"))
	if !ok {
		s.invitationGone(c, "invalid")
		return nil
	}
	inv, err := s.store.Invitation(c.Request.Context(), code)
	if errors.Is(err, survey.ErrNotFound) {
		s.invitationGone(c, "invalid")
		return nil
	}
	if err != nil {
		return err
	}
	tok, err := s.keyring().Sign(claimsOf(inv), time.Now())
	if err != nil {
		return err
	}
	c.Header("Cache-Control", "no-store")
	c.Redirect(http.StatusFound, "/v/"+tok)
	return nil
}
