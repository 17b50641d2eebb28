package server

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"hailong/survey"
)

// dossierCountsBody is the body of PUT /api/v1/dossier-counts: the
// completed dossiers per agency × area × month, as the one-stop-shop
// software reports them (docs/invitations.md).
type dossierCountsBody struct {
	Counts []survey.DossierCount `json:"counts"`
}

// apiDossierCounts sets completed dossier counts: the integration account
// of the agencies (as for invitations) or an administrator. The request is
// checked whole first: one invalid count (400, "counts[i].field") or one
// agency the caller may not report for (403 agency_not_allowed) refuses
// it, and nothing is written. A count sent again replaces the earlier one.
func (s *Server) apiDossierCounts(c *gin.Context) error {
	var in dossierCountsBody
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	ms := s.locales[langOf(c)]
	if len(in.Counts) == 0 || len(in.Counts) > survey.MaxDossierCounts {
		return fieldErrorsWith("inv", survey.FieldErrors{"counts": survey.ProblemInvalid}, invitationArgs)
	}
	cat, err := s.store.Catalog(c.Request.Context())
	if err != nil {
		return err
	}
	current := survey.MonthOf(time.Now())
	invalid, forbidden := map[string]string{}, map[string]string{}
	seen := map[string]int{}
	u := userOf(c)
	for i := range in.Counts {
		d := &in.Counts[i]
		d.Agency, d.Area, d.Month = strings.TrimSpace(d.Agency), strings.TrimSpace(d.Area), strings.TrimSpace(d.Month)
		name := func(f string) string { return fmt.Sprintf("counts[%d].%s", i, f) }
		if fe, ok := survey.CheckDossierCount(*d, cat, current).(survey.FieldErrors); ok {
			for f, problem := range fe {
				invalid[name(f)] = ms.Problem("inv", f, problem, invitationArgs.of(f, problem)...) // the invitations' messages
			}
			continue
		}
		if j, dup := seen[d.Key()]; dup {
			invalid[name(survey.FieldMonth)] = ms.T("rates.err.duplicate", j)
			continue
		}
		seen[d.Key()] = i
		if !u.CanInvite(d.Agency) {
			forbidden[name(survey.FieldAgency)] = ms.T("inv.err.agency_not_allowed")
		}
	}
	if len(invalid) > 0 {
		return &apiFieldError{code: "validation_failed", fields: invalid}
	}
	if len(forbidden) > 0 {
		c.JSON(http.StatusForbidden, APIError{APIErrorBody{Code: "agency_not_allowed", Message: ms.T("api.agency_not_allowed"), Fields: forbidden}})
		return nil
	}
	if err := s.store.PutDossierCounts(c.Request.Context(), in.Counts, actor(c), time.Now()); err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"updated": len(in.Counts)})
	return nil
}
