package server

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"hailong/survey"
)

// ReportJSON is an agency's report as the API returns it: the same figures
// as the dashboard.
type ReportJSON struct {
	Agency    string          `json:"agency"`
	From      string          `json:"from"`
	To        string          `json:"to"`
	Area      string          `json:"area,omitempty"`
	Units     []string        `json:"units"`
	FormID    string          `json:"formId"`
	Version   int             `json:"formVersion"`
	Report    survey.Report   `json:"report"`
	Trend     []MonthJSON     `json:"trend"`
	ByArea    []SliceJSON     `json:"byArea"`
	ByChannel []SliceJSON     `json:"byChannel"`
	Province  ProvinceJSON    `json:"province"`
	Standing  survey.Standing `json:"standing"`
	Peers     int             `json:"peers"`
	Verified  int64           `json:"verifiedResponses"`
	// VerifiedOnly says every figure counts verified responses only.
	VerifiedOnly bool `json:"verifiedOnly"`
	// Basis is the responses the agency's figures count (all unless the
	// caller named a basis); RankBasis those its rank (standing, peers)
	// and the province figure count (the rankings' default unless named).
	Basis     survey.Basis `json:"basis"`
	RankBasis survey.Basis `json:"rankBasis"`
	// SelfEntered is the share of the responses of the channel mix that
	// the agency's own staff entered.
	SelfEntered SelfEnteredJSON `json:"selfEntered"`
	// Versions are the questionnaire versions the report was scored with
	// (formId and formVersion name the newest of them).
	Versions []survey.VersionUse `json:"versions"`
	// Previous is the period of the same length just before (null when
	// none); Change the overall index minus its own, in percentage points,
	// null when either has no index or, with ChangeNote "not_comparable",
	// when the two do not share the same factors and criteria.
	Previous   *PreviousReportJSON `json:"previous"`
	Change     *survey.Change      `json:"change"`
	ChangeNote string              `json:"changeNote,omitempty"`
}

// PreviousReportJSON is the agency's overall score over the previous period.
type PreviousReportJSON struct {
	From      string              `json:"from"`
	To        string              `json:"to"`
	Responses int64               `json:"responses"`
	Overall   survey.Score        `json:"overall"`
	Versions  []survey.VersionUse `json:"versions"`
}

// SelfEnteredJSON counts the self-entered responses among the responses
// of every area: Percent is 100 × Responses / Of (0 when Of is 0).
type SelfEnteredJSON struct {
	Responses int64   `json:"responses"`
	Of        int64   `json:"of"`
	Percent   float64 `json:"percent"`
}

// MonthJSON is one month of the trend.
type MonthJSON struct {
	Month     string       `json:"month"`
	Responses int64        `json:"responses"`
	Overall   survey.Score `json:"overall"`
	// TooFew: fewer responses than the minimum sample; the dashboard draws
	// the point hollow.
	TooFew bool `json:"tooFew"`
}

// SliceJSON is one slice of a breakdown.
type SliceJSON struct {
	Code      string       `json:"code"`
	Responses int64        `json:"responses"`
	Overall   survey.Score `json:"overall"`
	TooFew    bool         `json:"tooFew"`
}

// ProvinceJSON is the province average over the same period.
type ProvinceJSON struct {
	Responses int64        `json:"responses"`
	Overall   survey.Score `json:"overall"`
}

// agencyReportQuery reads the query of a report on the agency in the path.
func agencyReportQuery(c *gin.Context) (reportQuery, survey.FieldErrors) {
	return parseReportQuery(func(k string) string {
		if k == "agency" {
			return c.Param("agency")
		}
		return c.Query(k)
	}, "")
}

func (s *Server) apiAgencyReport(c *gin.Context) error {
	q, fe := agencyReportQuery(c)
	if fe != nil {
		return fieldErrorsIn("dash", fe)
	}
	r, err := s.agencyReport(c, q)
	if err != nil {
		return err
	}
	out := ReportJSON{
		Agency: r.Agency.Code, From: q.Period.From.String(), To: q.Period.To.String(), Area: q.Area, Units: r.Units,
		FormID: r.Form.ID, Version: r.Form.Version, Report: r.Report, Standing: r.Standing, Peers: r.Peers, Verified: r.Verified, VerifiedOnly: q.Verified,
		Basis: r.Basis, RankBasis: r.RankBasis, SelfEntered: SelfEnteredJSON{r.SelfEntered, r.Responses, r.SelfPercent()},
		Province: ProvinceJSON{Responses: r.Province.Responses, Overall: r.Province.Overall},
		Trend:    []MonthJSON{}, ByArea: []SliceJSON{}, ByChannel: []SliceJSON{},
	}
	out.Versions = versionsOrEmpty(r.Report.Versions)
	if r.HasPrevious {
		out.Previous = &PreviousReportJSON{From: r.Previous.From.String(), To: r.Previous.To.String(),
			Responses: r.PreviousReport.Responses, Overall: r.PreviousReport.Overall, Versions: versionsOrEmpty(r.PreviousReport.Versions)}
	}
	if r.HasChange {
		ch := r.Change
		out.Change = &ch
	}
	out.ChangeNote = r.ChangeNote
	for _, m := range r.Trend {
		out.Trend = append(out.Trend, MonthJSON{m.Month.String(), m.Responses, m.Overall, m.TooFew})
	}
	for _, a := range r.ByArea {
		out.ByArea = append(out.ByArea, SliceJSON(a))
	}
	for _, ch := range r.ByChan {
		out.ByChannel = append(out.ByChannel, SliceJSON(ch))
	}
	c.JSON(http.StatusOK, out)
	return nil
}
