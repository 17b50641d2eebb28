package server

import (
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"hailong/survey"
)

// parseReportQuery reads agency, from, to (YYYY-MM), area and lineage. An
// empty period is the last twelve months; fe names each bad field.
func parseReportQuery(get func(string) string, defaultAgency string) (reportQuery, survey.FieldErrors) {
	q := reportQuery{Agency: get("agency"), Area: get("area"), Lineage: get("lineage") == "1" || get("lineage") == "on" || get("lineage") == "true",
		Verified: get("verified") == "1" || get("verified") == "on" || get("verified") == "true"}
	if q.Agency == "" {
		q.Agency = defaultAgency
	}
	fe := survey.FieldErrors{}
	// basis=all|verified|independent; verified=1, the older spelling of
	// basis=verified (the pages' checkbox), wins over it.
	if v := get("basis"); v != "" {
		if b, ok := survey.ParseBasis(v); ok {
			q.Basis = b
		} else {
			fe["basis"] = survey.ProblemInvalid
		}
	}
	if q.Verified {
		q.Basis = survey.BasisVerified
	}
	q.Verified = q.Basis == survey.BasisVerified
	parseRule(get, &q.Rule, fe)
	parseCompare(get, &q.Compare, fe)
	now := survey.MonthOf(time.Now())
	from, to := now.Add(-11), now
	if v := get("from"); v != "" {
		m, err := survey.ParseMonth(v)
		if err != nil {
			fe["from"] = survey.ProblemInvalid
		}
		from = m
	}
	if v := get("to"); v != "" {
		m, err := survey.ParseMonth(v)
		if err != nil {
			fe["to"] = survey.ProblemInvalid
		}
		to = m
	}
	if len(fe) == 0 {
		p, err := survey.RangePeriod(from, to)
		if err != nil {
			fe["to"] = survey.ProblemInvalid
		}
		q.Period = p
	}
	if len(fe) > 0 {
		return q, fe
	}
	return q, nil
}

// DashboardPage is an agency's satisfaction report for a period.
type DashboardPage struct {
	BasePage
	Agencies []Choice
	Areas    []Choice
	Query    reportQuery
	From, To string
	R        *AgencyReport
	// Attention is the agency's attention queue now (attention.go); nil
	// when it could not be counted.
	Attention *survey.AttentionCounts
	// Rate is the agency's response rate from invitations over the period
	// (response_rates.go); nil when it could not be counted.
	Rate       *survey.ResponseRateJSON
	RateMinPct float64
	Factors    []FactorRow
	Weakest    []CriterionRow
	Extras     []CriterionRow
	Trend      template.HTML
	ByArea     []SliceRow
	ByChan     []SliceRow
	Scale      []survey.Level5
	APIURL     string
	Ratings    *RatingsView // the kiosks' quick ratings: reports_ratings_api.go
	// MissingFactors names the factors without a valid answer when the
	// overall index is incomplete; RankReason says why the agency is not
	// ranked, in the page's language.
	MissingFactors string
	RankReason     string
	// VersionsText lists the questionnaire versions scored, PreviousPeriod
	// names the period the change compares with (versions.go).
	VersionsText   string
	PreviousPeriod string
}

// FactorRow is one factor row.
type FactorRow struct {
	Code, Name string
	Score      survey.Score
	Bar        template.HTML
	// Missing names the criteria without a valid answer of a partial factor.
	Missing string
}

// CriterionRow is one criterion row with its distribution.
type CriterionRow struct {
	Code, Text, Factor string
	Score              survey.Score
	Counts             survey.Counts
	Bar, Dist          template.HTML
	// TooFew: under the minimum sample of valid answers, so listed after
	// the weakest-first order, in the form's order; FirstTooFew starts them.
	TooFew, FirstTooFew bool
}

// SliceRow is one row of a breakdown.
type SliceRow struct {
	Name      string
	Responses int64
	Score     survey.Score
	TooFew    bool
}

func (s *Server) dashboard(c *gin.Context) error {
	ctx := c.Request.Context()
	cat, err := s.store.Catalog(ctx)
	if err != nil {
		return err
	}
	u := userOf(c)
	b := s.base(c)
	p := DashboardPage{BasePage: b, Scale: survey.FiveLevels}
	for _, a := range cat.Agencies {
		if allowed(u, cat, a.Code) {
			p.Agencies = append(p.Agencies, Choice{a.Code, a.Name.In(b.Lang)})
		}
	}
	if len(p.Agencies) == 0 {
		return survey.ErrForbidden
	}
	for _, a := range cat.Areas {
		p.Areas = append(p.Areas, Choice{a.Code, a.Name.In(b.Lang)})
	}
	q, fe := parseReportQuery(c.Query, p.Agencies[0].Code)
	p.Query, p.From, p.To = q, c.Query("from"), c.Query("to")
	if fe != nil {
		p.setFieldErrors(problemMessages(b.L, "dash", fe), []string{"from", "to", "basis", "rule", "compare"}, map[string]string{"from": "dash.from", "to": "dash.to", "basis": "basis.label", "rule": "dash.rule", "compare": "stat.compare"})
		s.render(c, http.StatusBadRequest, "dashboard", p)
		return nil
	}
	p.From, p.To = q.Period.From.String(), q.Period.To.String()
	r, err := s.agencyReport(c, q)
	if err != nil {
		return err
	}
	p.R = r
	s.fillDashboard(&p, cat)
	p.Attention = s.dashboardAttention(ctx, r.Units)
	p.Rate, p.RateMinPct = s.dashboardRate(ctx, q, r.Units), s.cfg.Rates.RateMin*100
	if p.Ratings, err = s.dashboardRatings(c, b.L, q); err != nil {
		return err
	}
	s.render(c, http.StatusOK, "dashboard", p)
	return nil
}

func (s *Server) fillDashboard(p *DashboardPage, cat *survey.Catalog) {
	lang, r := p.Lang, p.R
	p.APIURL = "/api/v1/reports/agencies/" + r.Agency.Code + "?from=" + p.From + "&to=" + p.To
	if p.Query.Area != "" {
		p.APIURL += "&area=" + p.Query.Area
	}
	if p.Query.Lineage {
		p.APIURL += "&lineage=1"
	}
	switch {
	case p.Query.Verified:
		p.APIURL += "&verified=1"
	case p.Query.Basis != "":
		p.APIURL += "&basis=" + string(p.Query.Basis)
	}
	for i, f := range r.Report.Factors {
		name := f.Code
		if i < len(r.Form.Factors) {
			name = r.Form.Factors[i].Name.In(lang)
		}
		p.Factors = append(p.Factors, FactorRow{f.Code, name, f.Score, barSVG(f.Index, f.Low, f.High, name), strings.Join(f.MissingCriteria, ", ")})
	}
	p.MissingFactors = strings.Join(r.Report.Overall.MissingFactors, ", ")
	p.VersionsText = p.L.VersionsText(r.Report.Versions)
	if r.HasPrevious {
		p.PreviousPeriod = r.Previous.String()
	}
	if r.Standing.Reason != "" {
		p.RankReason = unrankedReason(p.L, r.Standing, r.UnitOverall)
	}
	texts := map[string]string{}
	for _, q := range r.Form.Questions(p.Query.Area) {
		texts[q.Code] = q.Text.In(lang)
	}
	for _, set := range r.Form.AreaItems {
		for _, it := range set.Items {
			texts[it.Code] = it.Text.In(lang)
		}
	}
	view := func(is survey.ItemScore) CriterionRow {
		t := texts[is.Code]
		return CriterionRow{Code: is.Code, Text: t, Factor: is.Factor, Score: is.Score, Counts: is.Counts, Bar: barSVG(is.Index, is.Low, is.High, is.Code+" "+t), Dist: distributionSVG(is.Counts, is.Code)}
	}
	for _, is := range r.Report.Weakest() {
		p.Weakest = append(p.Weakest, view(is))
	}
	for i, is := range r.Report.TooFewToOrder() {
		row := view(is)
		row.TooFew, row.FirstTooFew = true, i == 0
		p.Weakest = append(p.Weakest, row)
	}
	for _, is := range r.Report.Extras {
		p.Extras = append(p.Extras, view(is))
	}
	var pts []TrendPoint
	for _, m := range r.Trend {
		pts = append(pts, TrendPoint{Label: m.Month.String(), Index: m.Overall.Index, Has: m.Responses > 0 && !m.Overall.NoData, TooFew: m.TooFew})
	}
	p.Trend = trendSVG(pts, p.L.T("dash.trend"))
	for _, a := range r.ByArea {
		name := a.Code
		if ar, err := cat.Area(a.Code); err == nil {
			name = ar.Name.In(lang)
		}
		p.ByArea = append(p.ByArea, SliceRow{name, a.Responses, a.Overall, a.TooFew})
	}
	for _, ch := range r.ByChan {
		p.ByChan = append(p.ByChan, SliceRow{p.L.T("channel." + ch.Code), ch.Responses, ch.Overall, ch.TooFew})
	}
}
