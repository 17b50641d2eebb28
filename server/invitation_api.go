package server

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"hailong/survey"
)

// InvitationJSON is an issued invitation as the API returns it.
type InvitationJSON struct {
	URL       string    `json:"url"`
	ShortURL  string    `json:"shortUrl"`
	QRSvgURL  string    `json:"qrSvgUrl"`
	QRPngURL  string    `json:"qrPngUrl"`
	SlipURL   string    `json:"slipUrl"`
	ExpiresAt time.Time `json:"expiresAt"`
	Code      string    `json:"code"`
	Agency    string    `json:"agency"`
	Area      string    `json:"area"`
	// Created is false when the dossier already had this invitation.
	Created bool `json:"created"`
}

// invitationBatch is the body of POST /api/v1/invitations/batch.
type invitationBatch struct {
	Items []survey.InvitationRequest `json:"items"`
}

// batchBodyLimit bounds the body of a batch: 1,000 items of the longest
// fields fit.
const batchBodyLimit = 2 << 20

// largeBodies are the paths whose bodies may exceed maxBody (limitBody).
var largeBodies = map[string]int64{"/api/v1/invitations/batch": batchBodyLimit}

// apiInvitationCreate issues one invitation: 201 when new, 200 with the same
// link when the dossier already had one.
func (s *Server) apiInvitationCreate(c *gin.Context) error {
	var in survey.InvitationRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	out, err := s.issueChecked(c, []survey.InvitationRequest{in}, func(i int, field string) string { return field })
	if err != nil {
		return err
	}
	status := http.StatusOK
	if out[0].Created {
		status = http.StatusCreated
	}
	c.JSON(status, out[0])
	return nil
}

// apiInvitationBatch issues up to 1,000 invitations. The batch is checked
// whole first: one invalid item (400) or one agency the caller may not
// invite for (403) refuses the batch, naming each bad item as
// "items[i].field", and nothing is issued. Then every item is issued or
// found; a retry of a batch cut short by an outage returns the same links.
func (s *Server) apiInvitationBatch(c *gin.Context) error {
	var in invitationBatch
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if len(in.Items) == 0 || len(in.Items) > survey.MaxInvitationBatch {
		return fieldErrorsWith("inv", survey.FieldErrors{"items": survey.ProblemInvalid}, invitationArgs)
	}
	out, err := s.issueChecked(c, in.Items, func(i int, field string) string { return fmt.Sprintf("items[%d].%s", i, field) })
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"items": out})
	return nil
}

// issueChecked checks every request (400 for an invalid one, 403 for an
// agency the caller may not invite for) and issues them. name gives the JSON name of an item's field.
func (s *Server) issueChecked(c *gin.Context, reqs []survey.InvitationRequest, name func(i int, field string) string) ([]InvitationJSON, error) {
	cat, err := s.store.Catalog(c.Request.Context())
	if err != nil {
		return nil, err
	}
	ms := s.locales[langOf(c)]
	invalid, forbidden := map[string]string{}, map[string]string{}
	u := userOf(c)
	for i, r := range reqs {
		r, err := survey.CheckInvitation(r, cat)
		if fe, ok := err.(survey.FieldErrors); ok {
			for f, problem := range fe {
				invalid[name(i, f)] = ms.Problem("inv", f, problem, invitationArgs.of(f, problem)...)
			}
			continue
		}
		if !u.CanInvite(r.Agency) {
			forbidden[name(i, survey.FieldAgency)] = ms.T("inv.err.agency_not_allowed")
		}
		reqs[i] = r
	}
	if len(invalid) > 0 {
		return nil, &apiFieldError{code: "validation_failed", fields: invalid}
	}
	if len(forbidden) > 0 {
		return nil, &apiCodeError{status: http.StatusForbidden, code: "agency_not_allowed", fields: forbidden}
	}
	return s.issue(c, reqs)
}

// issue stores checked requests and returns their links, in order.
func (s *Server) issue(c *gin.Context, reqs []survey.InvitationRequest) ([]InvitationJSON, error) {
	now := time.Now().Truncate(time.Second)
	invs := make([]survey.Invitation, len(reqs))
	cands := make([][]string, len(reqs))
	by := actor(c)
	for i, r := range reqs {
		h := survey.DossierHash(s.inv.dossierKey, r.Agency, r.DossierRef)
		invs[i] = survey.Invitation{
			Dossier: h, Agency: r.Agency, Area: r.Area, Procedure: r.ProcedureCode,
			IssuedAt: now, ExpiresAt: now.Add(time.Duration(r.ExpiresInDays) * 24 * time.Hour), IssuedBy: by,
		}
		cands[i] = survey.InvitationCodes(h)
	}
	res, err := s.store.IssueInvitations(c.Request.Context(), invs, cands)
	if err != nil {
		return nil, err
	}
	ring := s.keyring()
	base := s.publicBase(c)
	out := make([]InvitationJSON, len(res))
	for i, r := range res {
		tok, err := ring.Sign(claimsOf(r.Invitation), time.Now())
		if err != nil {
			return nil, err
		}
		out[i] = invitationJSON(base, r.Invitation, tok, r.Created)
	}
	return out, nil
}

func claimsOf(inv survey.Invitation) survey.InvitationClaims {
	return survey.InvitationClaims{Code: inv.Code, Agency: inv.Agency, Area: inv.Area, Expires: inv.ExpiresAt}
}

func invitationJSON(base string, inv survey.Invitation, token string, created bool) InvitationJSON {
	short := base + shortPath(inv.Code)
	return InvitationJSON{
		URL: base + "/v/" + token, ShortURL: short,
		QRSvgURL: short + "/qr.svg", QRPngURL: short + "/qr.png", SlipURL: short + "/slip",
		ExpiresAt: inv.ExpiresAt.UTC(), Code: inv.Code, Agency: inv.Agency, Area: inv.Area, Created: created,
	}
}

// shortPath is the path of an invitation's short link.
func shortPath(code string) string { return "/r/" + code }

// publicBase is the scheme and host (and path prefix, if configured) of the
// links given out: HAILONG_PUBLIC_URL, else the address of the request.
func (s *Server) publicBase(c *gin.Context) string {
	if s.cfg.PublicURL != "" {
		return s.cfg.PublicURL
	}
	scheme := "http"
	if isTLS(c) {
		scheme = "https"
	}
	host := c.Request.Host
	if u, err := url.Parse(scheme + "://" + host); err != nil || u.Host != host || host == "" {
		host = "localhost"
	}
	return scheme + "://" + host
}

// parsePublicURL checks HAILONG_PUBLIC_URL: an http or https URL with a
// host, no query or fragment; the trailing slash is dropped.
func parsePublicURL(v string) (string, error) {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("must be an http(s) URL such as https://hailong.example.gov.vn")
	}
	return strings.TrimRight(v, "/"), nil
}
