package server

import (
	"context"
	"strconv"
	"strings"
	"time"

	"hailong/survey"
)

// The CCHC (administrative reform) composite index: a year's appraised
// points under the framework that applies to it, with the survey component
// fed by the satisfaction index the service computes (docs/cchc.md).

// CCHCJSON is a year's CCHC index as GET /api/v1/cchc/{year} and the JSON
// export answer it.
type CCHCJSON struct {
	Year      int               `json:"year"`
	Framework CCHCFrameworkJSON `json:"framework"`
	Groups    []CCHCGroupJSON   `json:"groups"`
}

// CCHCFrameworkJSON is a framework version; a draft has no publishedAt.
type CCHCFrameworkJSON struct {
	survey.CCHCFramework
	PublishedAt *time.Time `json:"publishedAt,omitempty"`
}

func cchcFrameworkJSON(f survey.CCHCFramework) CCHCFrameworkJSON {
	j := CCHCFrameworkJSON{CCHCFramework: f}
	if f.Published {
		at := f.PublishedAt
		j.PublishedAt = &at
	}
	if j.Groups == nil {
		j.Groups = []survey.CCHCGroupFrame{}
	}
	return j
}

// CCHCGroupJSON is one group's ranking with its generated sentences.
type CCHCGroupJSON struct {
	Group   survey.Level   `json:"group"`
	Summary survey.Text    `json:"summary"`
	Units   []CCHCUnitJSON `json:"units"`
}

// CCHCUnitJSON is one unit's line. previousRank and rankChange are null
// when the previous year is not compared or the unit is new.
type CCHCUnitJSON struct {
	Agency       string              `json:"agency"`
	Name         survey.Text         `json:"name"`
	Illustrative bool                `json:"illustrative"`
	Points       float64             `json:"points"`
	Max          float64             `json:"max"`
	Index        float64             `json:"index"`
	Rank         int                 `json:"rank"`
	Of           int                 `json:"of"`
	PreviousRank *int                `json:"previousRank"`
	PreviousOf   *int                `json:"previousOf,omitempty"`
	PreviousVia  []string            `json:"previousVia,omitempty"`
	RankChange   *int                `json:"rankChange"`
	New          bool                `json:"new"`
	Components   []CCHCComponentJSON `json:"components"`
	Survey       CCHCSurveyJSON      `json:"survey"`
}

// CCHCComponentJSON is a component's points for a unit.
type CCHCComponentJSON struct {
	Code   string  `json:"code"`
	Points float64 `json:"points"`
	Max    float64 `json:"max"`
}

// CCHCSurveyJSON is the survey component: the satisfaction figure it came
// from (index null when there is none), the rule and the points.
type CCHCSurveyJSON struct {
	Component   string                 `json:"component,omitempty"`
	Source      string                 `json:"source"`
	Index       *float64               `json:"index"`
	Responses   int64                  `json:"responses"`
	ScoringRule string                 `json:"scoringRule,omitempty"`
	Rule        *survey.CCHCSurveyRule `json:"rule,omitempty"`
	Points      float64                `json:"points"`
	Max         float64                `json:"max"`
}

// CCHCResult computes a year's CCHC index, compared with the year before
// when that year has points: survey.ErrNotFound when no published framework
// applies to the year. It is what the staff page, the API and the exports
// show, and what a public page can embed.
func (s *Server) CCHCResult(ctx context.Context, year int) (*survey.CCHCResult, error) {
	if year < survey.MinCCHCYear || year > survey.MaxCCHCYear {
		return nil, survey.ErrNotFound
	}
	cat, err := s.store.Catalog(ctx)
	if err != nil {
		return nil, err
	}
	fws, err := s.store.CCHCFrameworks(ctx)
	if err != nil {
		return nil, err
	}
	fw, ok := survey.CCHCFor(fws, year)
	if !ok {
		return nil, survey.ErrNotFound
	}
	cur, err := s.cchcYear(ctx, cat, fw, year)
	if err != nil {
		return nil, err
	}
	if pfw, ok := survey.CCHCFor(fws, year-1); ok && year-1 >= survey.MinCCHCYear {
		prev, err := s.cchcYear(ctx, cat, pfw, year-1)
		if err != nil {
			return nil, err
		}
		if len(prev.Groups) > 0 {
			survey.CompareCCHC(&cur, prev, cat)
		}
	}
	return &cur, nil
}

// CCHCView is a year's CCHC index in the API's shape, with each group's
// sentences in both languages: what a public results page embeds once the
// province publishes it (survey.ErrNotFound when no framework applies).
func (s *Server) CCHCView(ctx context.Context, year int) (*CCHCJSON, error) {
	r, err := s.CCHCResult(ctx, year)
	if err != nil {
		return nil, err
	}
	j := s.cchcJSON(r)
	return &j, nil
}

// cchcYear computes one year without comparison.
func (s *Server) cchcYear(ctx context.Context, cat *survey.Catalog, fw survey.CCHCFramework, year int) (survey.CCHCResult, error) {
	rec, err := s.store.CCHCYear(ctx, year)
	if err != nil {
		return survey.CCHCResult{}, err
	}
	figures, err := s.cchcFigures(ctx, cat, year, rec)
	if err != nil {
		return survey.CCHCResult{}, err
	}
	return survey.ComputeCCHC(year, fw, rec, cat, figures), nil
}

// cchcFigures are the satisfaction indices the service computed for the
// year's catalog units (each with its lineage's responses, on the rankings'
// basis, so that an agency's own paper forms do not raise its points), from
// the rollups, by the scoring rule in force: only those that are ranked
// (enough responses, every factor answered).
func (s *Server) cchcFigures(ctx context.Context, cat *survey.Catalog, year int, rec survey.CCHCYear) (map[string]survey.CCHCSurveyFigure, error) {
	out := map[string]survey.CCHCSurveyFigure{}
	if len(rec.Units) == 0 {
		return out, nil
	}
	p, err := survey.YearPeriod(year)
	if err != nil {
		return out, nil
	}
	tallies, err := s.store.ProvinceTalliesPairs(ctx, p.Months(), "", s.rankingBasis(), s.rule().RespondentLevel())
	if err != nil || len(tallies) == 0 {
		return out, err
	}
	// The questionnaire in force at the end of the year (or now, for this year).
	at := time.Date(year+1, 1, 1, 0, 0, 0, 0, survey.Zone()).Add(-time.Second)
	if now := time.Now(); now.Before(at) {
		at = now
	}
	form, err := cat.FormFor("", at)
	if err != nil {
		return nil, err
	}
	rule := s.rule()
	fs := survey.NewFormSet(cat.Forms, form) // each response scored with its own questionnaire version
	for _, u := range rec.Units {
		if _, err := cat.Agency(u.Agency); err != nil {
			continue
		}
		rep := rule.ScoreVersions(fs, survey.Pool(tallies, survey.Lineage(cat, u.Agency)))
		if rep.TooFew || rep.Overall.NoData {
			continue
		}
		out[u.Agency] = survey.CCHCSurveyFigure{Index: rep.Overall.Index, Responses: rep.Responses, Rule: rep.Rule}
	}
	return out, nil
}

// cchcJSON shapes a result, with each group's sentences in both languages.
func (s *Server) cchcJSON(r *survey.CCHCResult) CCHCJSON {
	out := CCHCJSON{Year: r.Year, Framework: cchcFrameworkJSON(r.Framework), Groups: []CCHCGroupJSON{}}
	for _, g := range r.Groups {
		gj := CCHCGroupJSON{Group: g.Group, Units: make([]CCHCUnitJSON, 0, len(g.Units)), Summary: survey.Text{
			Vi: cchcSummary(s.locales[survey.Vi], g),
			En: cchcSummary(s.locales[survey.En], g),
		}}
		for _, u := range g.Units {
			gj.Units = append(gj.Units, cchcUnitJSON(u, r.HasPrevious))
		}
		out.Groups = append(out.Groups, gj)
	}
	return out
}

func cchcUnitJSON(u survey.CCHCUnitResult, compared bool) CCHCUnitJSON {
	j := CCHCUnitJSON{
		Agency: u.Agency, Name: u.Name, Illustrative: u.Illustrative,
		Points: u.Points, Max: u.Max, Index: u.Index, Rank: u.Rank, Of: u.Of,
		PreviousVia: u.PreviousVia, New: compared && u.New,
		Components: make([]CCHCComponentJSON, 0, len(u.Components)),
		Survey: CCHCSurveyJSON{
			Component: u.Survey.Component, Source: u.Survey.Source, Responses: u.Survey.Responses,
			ScoringRule: u.Survey.ScoringRule, Rule: u.Survey.Rule, Points: u.Survey.Points, Max: u.Survey.Max,
		},
	}
	if compared && !u.New {
		pr, po, ch := u.PreviousRank, u.PreviousOf, u.RankChange
		j.PreviousRank, j.PreviousOf, j.RankChange = &pr, &po, &ch
	}
	if u.Survey.Source != survey.CCHCNoSurvey && u.Survey.Source != "" {
		idx := u.Survey.Index
		j.Survey.Index = &idx
	}
	for _, c := range u.Components {
		j.Components = append(j.Components, CCHCComponentJSON{Code: c.Code, Points: c.Points, Max: c.Max})
	}
	return j
}

// Pct2 formats an index with two decimals, as the CCHC index is published:
// "94,30 %" in Vietnamese, "94.30%" in English.
func (ms *Messages) Pct2(v float64) string {
	if ms.lang == survey.Vi {
		return ms.Dec(v) + " %"
	}
	return ms.Dec(v) + "%"
}

// cchcSummary is a group's sentences in the language: the leader and the
// last ("Sở Tư pháp dẫn đầu với chỉ số 94,30 %; Sở Công Thương đứng cuối với
// chỉ số 66,34 %.", tied units named together), then the unit that gained the most places ("Sở Nông
// nghiệp và Phát triển nông thôn tăng 10 bậc, xếp hạng 5/19.").
func cchcSummary(ms *Messages, g survey.CCHCGroupResult) string {
	lead, last := g.Leaders(), g.Last()
	if len(lead) == 0 {
		return ""
	}
	var out string
	switch {
	case len(g.Units) == 1:
		out = ms.T("cchc.only", cchcNames(ms, lead), ms.Pct2(lead[0].Index))
	case len(lead) == len(g.Units):
		out = ms.T("cchc.all_tied", ms.Pct2(lead[0].Index))
	default:
		n := func(base string, us []survey.CCHCUnitResult) string {
			if len(us) > 1 {
				return base + ".many"
			}
			return base + ".one"
		}
		out = ms.T(n("cchc.lead", lead), cchcNames(ms, lead), ms.Pct2(lead[0].Index)) + "; " +
			ms.T(n("cchc.last", last), cchcNames(ms, last), ms.Pct2(last[0].Index)) + "."
	}
	if r, ok := g.Riser(); ok {
		key := "cchc.rise"
		if r.RankChange == 1 {
			key = "cchc.rise.one"
		}
		out += " " + ms.T(key, r.Name.In(ms.Lang()), r.RankChange, r.Rank, r.Of)
	}
	return out
}

// cchcNames joins units' names: "A", "A và B", "A, B và C".
func cchcNames(ms *Messages, us []survey.CCHCUnitResult) string {
	ns := make([]string, len(us))
	for i, u := range us {
		ns[i] = u.Name.In(ms.Lang())
	}
	if len(ns) == 1 {
		return ns[0]
	}
	return strings.Join(ns[:len(ns)-1], ", ") + ms.T("rank.and") + ns[len(ns)-1]
}

// cchcYearParam reads the {year} of a CCHC route: survey.ErrNotFound when
// it is not a year the index can have.
func cchcYearParam(v string) (int, error) {
	y, err := strconv.Atoi(v)
	if err != nil || len(v) != 4 || y < survey.MinCCHCYear || y > survey.MaxCCHCYear {
		return 0, survey.ErrNotFound
	}
	return y, nil
}
