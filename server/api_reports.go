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
	// Previous is the period the change compares with (compare=) and the
	// unit's ranked overall score then; Change the change of its ranked
	// index since, as /rankings gives it (null unless both are ranked).
	Previous *ReportPreviousJSON `json:"previous"`
	Change   *survey.Change      `json:"change"`
}

// ReportPreviousJSON is the period compared with and the unit's score then
// (null when it was not ranked).
type ReportPreviousJSON struct {
	From    string        `json:"from"`
	To      string        `json:"to"`
	Overall *survey.Score `json:"overall"`
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

func (s *Server) apiAgencyReport(c *gin.Context) error {
	get := func(k string) string {
		if k == "agency" {
			return c.Param("agency")
		}
		return c.Query(k)
	}
	q, fe := parseReportQuery(get, "")
	if fe != nil {
		msgs := problemMessages(s.locales[langOf(c)], fe)
		if _, ok := fe["basis"]; ok {
			msgs["basis"] = s.locales[langOf(c)].T("basis.err")
		}
		if err := ruleProblem(fe, msgs); err != nil {
			return err
		}
		return &apiFieldError{code: "validation_failed", fields: msgs}
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
	if r.HasCompared {
		out.Previous = &ReportPreviousJSON{From: r.Compared.From.String(), To: r.Compared.To.String()}
		if r.HasChange {
			prev, ch := r.PreviousOverall, r.Change
			out.Previous.Overall, out.Change = &prev, &ch
		}
	}
	for _, m := range r.Trend {
		out.Trend = append(out.Trend, MonthJSON{m.Month.String(), m.Responses, m.Overall})
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
