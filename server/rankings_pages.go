package server

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"hailong/survey"
	"hailong/survey/export"
)

// RankingsPage ranks the agencies of each level over a period.
type RankingsPage struct {
	BasePage
	Areas    []Choice
	From, To string
	Area     string
	Verified bool
	// Basis is the basis ranked, Bases the choices of its select, and
	// BasisText the basis in words.
	Basis     survey.Basis
	Bases     []Choice
	BasisText string
	R         *RankingResult
	// Period and PreviousPeriod name the periods compared ("2025-Q3").
	Period, PreviousPeriod string
	// VersionsText lists the questionnaire versions of the period.
	VersionsText string
	Levels       []LevelView
	Quick        []Link
	APIURL       string
	Downloads    []Link
}

// Link is a labelled URL.
type Link struct{ Label, URL string }

// LevelView is one level's tables as the page shows them.
type LevelView struct {
	Level       survey.Level
	Title       string
	RankedUnits int
	Summary     string
	Ranked      []RankRowView
	Unranked    []RankRowView
	// Funnel is the level's funnel plot; nil when nobody is ranked.
	Funnel *FunnelView
}

// RankRowView is one row of a ranking table.
type RankRowView struct {
	Code, Name string
	Rank       int
	Overall    survey.Score
	Responses  int64
	TooFew     bool
	// Reason says, in the page's language, why an unranked unit is not
	// ranked.
	Reason string
	// Pooled names the merged agencies included; Dissolved the day the
	// agency stopped serving, when it was dissolved.
	Pooled    string
	Dissolved string
	// Change is the change since the previous period, "—" when there is none.
	Change string
	// RankRange is the 90 % range of the rank ("3 (1–6)").
	RankRange survey.RankRange
	// ChangeNote says, in the page's language, why there is no change
	// (versions.go): the periods are not comparable.
	ChangeNote string
}

func (s *Server) rankingsPage(c *gin.Context) error {
	ctx := c.Request.Context()
	cat, err := s.store.Catalog(ctx)
	if err != nil {
		return err
	}
	b := s.base(c)
	p := RankingsPage{BasePage: b, Area: c.Query("area"), From: c.Query("from"), To: c.Query("to")}
	for _, a := range cat.Areas {
		p.Areas = append(p.Areas, Choice{a.Code, a.Name.In(b.Lang)})
	}
	p.Quick = quickPeriods(b.L, time.Now())
	q, fe := parseRankingQuery(c.Query, cat, s.rankingBasis())
	p.Verified, p.Basis = q.Basis == survey.BasisVerified, q.Basis
	p.Bases = basisChoices(b.L)
	p.BasisText = b.L.T("basis.desc." + string(q.Basis))
	if fe != nil {
		p.setFieldErrors(problemMessages(b.L, "rank", fe), []string{"period", "from", "to", "area", "basis", "rule", "compare"},
			map[string]string{"period": "rank.period", "from": "dash.from", "to": "dash.to", "area": "form.area", "basis": "basis.label", "rule": "dash.rule", "compare": "stat.compare"})
		s.render(c, http.StatusBadRequest, "rankings", p)
		return nil
	}
	r, err := s.ranking(ctx, userOf(c), cat, q)
	if err != nil {
		return err
	}
	p.R, p.From, p.To, p.Period = r, q.Period.From.String(), q.Period.To.String(), q.Period.String()
	if r.HasPrevious {
		p.PreviousPeriod = r.Previous.String()
	}
	p.VersionsText = b.L.VersionsText(r.Versions)
	for _, lr := range r.Levels {
		p.Levels = append(p.Levels, levelView(b.L, r, lr))
	}
	v := url.Values{"from": {p.From}, "to": {p.To}}
	if q.Area != "" {
		v.Set("area", q.Area)
	}
	v.Set("basis", string(q.Basis)) // the downloads too: the exports' default is all
	p.APIURL = "/api/v1/rankings?" + v.Encode()
	v.Set("granularity", string(export.Whole(q.Period)))
	for _, f := range []string{"csv", "xlsx", "json"} {
		v.Set("format", f)
		p.Downloads = append(p.Downloads, Link{strings.ToUpper(f), "/api/v1/exports/aggregates?" + v.Encode()})
	}
	s.render(c, http.StatusOK, "rankings", p)
	return nil
}

// basisChoices are the options of a basis select, in the page's language.
func basisChoices(ms *Messages) []Choice {
	out := make([]Choice, len(survey.Bases))
	for i, b := range survey.Bases {
		out[i] = Choice{string(b), ms.T("basis." + string(b))}
	}
	return out
}

// levelView turns a level's ranking into table rows in the page's language.
func levelView(ms *Messages, r *RankingResult, lr RankingLevel) LevelView {
	lang := ms.Lang()
	lv := LevelView{Level: lr.Level, Title: ms.T("level." + string(lr.Level)), RankedUnits: lr.RankedUnits}
	if lang == survey.En {
		lv.Summary = lr.Summary.En
	} else {
		lv.Summary = lr.Summary.Vi
	}
	row := func(x survey.RankingRow) RankRowView {
		v := RankRowView{
			Code: x.Unit.Agency.Code, Name: x.Unit.Agency.Name.In(lang), Rank: x.Standing.Rank, RankRange: x.Standing.RankRange,
			Overall: x.Overall, Responses: x.Standing.Responses, TooFew: x.Standing.TooFew, Change: "—",
		}
		var pooled []string
		for _, code := range x.Pooled {
			pooled = append(pooled, r.name(code, lang))
		}
		v.Pooled = strings.Join(pooled, ", ")
		if x.Dissolved() && !x.Unit.Agency.Until.IsZero() {
			v.Dissolved = ms.Day(x.Unit.Agency.Until)
		} else if x.Dissolved() {
			v.Dissolved = "—"
		}
		if x.HasChange {
			v.Change = ms.ChangeText(x.Delta)
		}
		if x.ChangeNote != "" {
			v.ChangeNote = ms.T("versions." + x.ChangeNote)
		}
		if x.Standing.Reason != "" {
			v.Reason = unrankedReason(ms, x.Standing, x.Overall)
		}
		return v
	}
	for _, x := range lr.Ranked {
		lv.Ranked = append(lv.Ranked, row(x))
	}
	for _, x := range lr.Unranked {
		lv.Unranked = append(lv.Unranked, row(x))
	}
	lv.Funnel = levelFunnel(ms, r, lr, lv.Title)
	return lv
}

// quickPeriods offers the periods inspectors publish most: the last full
// quarter, the quarter so far, the last full year and the year so far.
func quickPeriods(ms *Messages, now time.Time) []Link {
	m := survey.MonthOf(now)
	q := m.Add(-(int(m.Month()) - 1) % 3) // first month of this quarter
	y := m.Add(-(int(m.Month()) - 1))     // January of this year
	link := func(key string, from, to survey.Month) Link {
		p := survey.Period{From: from, To: to}
		return Link{ms.T(key, p.String()), "/rankings?period=" + url.QueryEscape(p.String())}
	}
	return []Link{
		link("rank.quick.last_quarter", q.Add(-3), q.Add(-1)),
		link("rank.quick.this_quarter", q, q.Add(2)),
		link("rank.quick.last_year", y.Add(-12), y.Add(-1)),
		link("rank.quick.this_year", y, y.Add(11)),
	}
}

// unrankedReason words why a unit is not ranked: too few responses (with
// the minimum), the factors without a valid answer, or other questionnaire
// criteria than the units ranked.
func unrankedReason(ms *Messages, st survey.Standing, overall survey.Score) string {
	switch st.Reason {
	case survey.ReasonIncomplete:
		return ms.T("rank.reason.incomplete", strings.Join(overall.MissingFactors, ", "))
	case survey.ReasonNoData:
		return ms.T("rank.reason.no_data")
	case survey.ReasonNotComparable:
		return ms.T("rank.reason.not_comparable")
	}
	return ms.T("rank.reason.too_few")
}
