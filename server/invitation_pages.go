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

// invitationGone is the answer to a link that cannot be used: 404 for a
// link that is not ours, 410 for one that was ours and no longer works.
func (s *Server) invitationGone(c *gin.Context, reason string) error {
	status := http.StatusGone
	if reason == "invalid" {
		status = http.StatusNotFound
	}
	b := s.base(c)
	c.Header("Cache-Control", "no-store")
	return &pageError{status: status, page: "invitation_gone", data: GonePage{
		BasePage: b, Reason: reason, Title: b.L.T("inv.gone." + reason + ".title"), Body: b.L.T("inv.gone." + reason + ".body"),
	}}
}

// invTarget is what a working link leads to.
type invTarget struct {
	token string
	ag    survey.Agency
	ar    survey.Area
	inv   survey.Invitation
}

// invitationTarget checks the link of the request: first the token's
// signature and expiry (no database read), then the agency and area it
// names (resolved as any submission's, survey.Resolve), then the
// invitation. A link that cannot be used is the gone page (an error); a
// used invitation is returned (the caller decides).
func (s *Server) invitationTarget(c *gin.Context, p survey.Posted) (*invTarget, survey.Prepared, error) {
	ctx := c.Request.Context()
	token := c.Param("token")
	claims, err := s.verifyToken(ctx, token)
	switch {
	case errors.Is(err, survey.ErrTokenExpired), errors.Is(err, survey.ErrTokenRetired):
		return nil, survey.Prepared{}, s.invitationGone(c, "expired")
	case err != nil:
		return nil, survey.Prepared{}, s.invitationGone(c, "invalid")
	}
	cat, err := s.store.Catalog(ctx)
	if err != nil {
		return nil, survey.Prepared{}, err
	}
	p.Agency, p.Area = claims.Agency, claims.Area
	pr, err := survey.Resolve(cat, p, survey.Source{}, time.Now())
	if errors.Is(err, survey.ErrNotFound) || errors.Is(err, survey.ErrAreaNotServed) {
		return nil, pr, s.invitationGone(c, "agency") // the agency closed or no longer serves the area
	}
	if err != nil {
		return nil, pr, err
	}
	inv, err := s.store.Invitation(ctx, claims.Code)
	if errors.Is(err, survey.ErrNotFound) || err == nil && (inv.Agency != claims.Agency || inv.Area != claims.Area) {
		return nil, pr, s.invitationGone(c, "invalid")
	}
	if err != nil {
		return nil, pr, err
	}
	return &invTarget{token: token, ag: pr.Agency, ar: pr.Area, inv: inv}, pr, nil
}

// invitationPage is how the questionnaire of an invitation is shown.
func (s *Server) invitationPage(b BasePage, t *invTarget) pageForm {
	return pageForm{page: "form", contact: true,
		view: func(f survey.Form, key string, in formEntry, errs map[string]string) FormPage {
			p := s.formPage(b, t.ag, t.ar, f, key, in, errs)
			p.Action = "/v/" + t.token
			p.Verified = true
			return p
		},
		area: "form",
	}
}

// invitationForm shows the questionnaire of an unused invitation. The key
// of the form is a fresh idempotency key of this page: sent twice, it is
// thanked twice; any other form sent through the link once it was used is
// told so.
func (s *Server) invitationForm(c *gin.Context) error {
	t, pr, err := s.invitationTarget(c, survey.Posted{})
	if err != nil {
		return err
	}
	if t.inv.Used() {
		return s.invitationGone(c, "used")
	}
	c.Header("Cache-Control", "no-store")
	s.render(c, http.StatusOK, "form", s.invitationPage(s.base(c), t).view(pr.Form, survey.NewKey(), formEntry{}, nil))
	return nil
}

// invitationSubmit stores the response of an invitation, verified: its id
// is derived from the invitation's code, so its insert claims the
// invitation (storeInvited).
func (s *Server) invitationSubmit(c *gin.Context) error {
	get, err := s.parsePosted(c)
	if err != nil {
		return err
	}
	b := s.base(c)
	posted := postedOf(get, survey.Submission{Channel: survey.ChannelWeb, Lang: b.Lang})
	t, pr, err := s.invitationTarget(c, posted)
	if err != nil {
		return err
	}
	key := formKeyOf(get)
	if t.inv.Used() {
		return s.redirectTo(c)(s.usedLink(c, t, t.inv, key))
	}
	pf := s.invitationPage(b, t)
	posted.Key = survey.InvitationResponseID(s.inv.responseKey, t.inv.Code)
	resp, in, err := s.checkPosted(c, get, pr, posted.Submission, pf)
	if err != nil {
		return err
	}
	resp.Verified = true
	to, err := s.storeInvited(c, t, resp, key)
	if err != nil {
		return unavailablePage(err, pf, pr.Form, key, in)
	}
	c.Redirect(http.StatusSeeOther, to)
	return nil
}

// redirectTo answers a page with a redirect to the path given, or its error.
func (s *Server) redirectTo(c *gin.Context) func(string, error) error {
	return func(to string, err error) error {
		if err != nil {
			return err
		}
		c.Redirect(http.StatusSeeOther, to)
		return nil
	}
}

// shortLink sends the short link /r/<code> (or /R/<code>, as the QR code
// carries it) on to the invitation's signed link, signed now with the
// current key, so short links and printed slips outlive key rotations.
func (s *Server) shortLink(c *gin.Context) error {
	code, ok := survey.NormalizeCode(c.Param("code"))
	if !ok {
		return s.invitationGone(c, "invalid")
	}
	inv, err := s.store.Invitation(c.Request.Context(), code)
	if errors.Is(err, survey.ErrNotFound) {
		return s.invitationGone(c, "invalid")
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
