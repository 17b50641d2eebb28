package server

import (
	"context"
	"sort"
	"time"

	"github.com/gin-gonic/gin"

	"hailong/survey"
)

// reportQuery is what a dashboard or report API call asks for.
type reportQuery struct {
	Agency  string
	Period  survey.Period
	Area    string
	Lineage bool
	// Verified limits every figure to responses given through a verified
	// invitation (?verified=1, or basis=verified).
	Verified bool
	// Basis is the basis the caller named (basis=), "" when none: then the
	// agency's own figures count all its responses and its rank and the
	// province comparison use the rankings' default basis
	// (HAILONG_RANKING_BASIS), so the rank is the one /rankings shows.
	Basis survey.Basis
	// Rule is the scoring rule named by rule= ("" for the default).
	Rule string
	// Compare is what the change compares with (compare=, see rankingQuery).
	Compare string
}

// figuresBasis is the basis of the agency's own figures.
func (q reportQuery) figuresBasis() survey.Basis {
	if q.Basis != "" {
		return q.Basis
	}
	return survey.BasisAll
}

// compareBasis is the basis of the agency's rank and the province figure.
func (s *Server) compareBasis(q reportQuery) survey.Basis {
	if q.Basis != "" {
		return q.Basis
	}
	return s.rankingBasis()
}

// AgencyReport is everything the dashboard shows, computed from rollups
// only: its cost does not grow with the number of responses.
type AgencyReport struct {
	Agency   survey.Agency
	Period   survey.Period
	Area     string
	Units    []string // the agency, and its predecessors when lineage is asked
	Form     survey.Form
	Report   survey.Report
	Trend    []MonthScore
	ByArea   []UnitScore
	ByChan   []UnitScore
	Province survey.Report
	Standing survey.Standing
	Ranked   bool
	Peers    int // the ranked units of the agency's level: the rank's "of N"
	// UnitOverall is the overall score of the agency's ranking unit (the
	// agency with the agencies merged into it), which Standing ranks.
	UnitOverall survey.Score
	Verified    int64
	// SelfEntered counts the responses (every area) the agency's own staff
	// entered, among the Responses of the channel mix.
	SelfEntered int64
	Responses   int64
	// Basis is the basis of the agency's figures, RankBasis that of its
	// rank and the province figure.
	Basis, RankBasis survey.Basis
	// Previous is the period of the same length just before (HasPrevious
	// false when there is none) and PreviousReport the agency's report over
	// it; Change is the overall index minus the previous one with its test
	// (survey.CompareScores), set only when
	// both have an index and the same factors and criteria (HasChange),
	// else ChangeNote says survey.ChangeNotComparable when both have one.
	Previous       survey.Period
	HasPrevious    bool
	PreviousReport survey.Report
	Change         survey.Change
	HasChange      bool
	ChangeNote     string
}

// SelfPercent is the share of self-entered responses, 0 to 100.
func (r *AgencyReport) SelfPercent() float64 {
	if r.Responses == 0 {
		return 0
	}
	return 100 * float64(r.SelfEntered) / float64(r.Responses)
}

// MonthScore is one month of the trend.
type MonthScore struct {
	Month     survey.Month
	Responses int64
	Overall   survey.Score
	// TooFew: fewer responses than the minimum sample (drawn hollow).
	TooFew bool
}

// UnitScore is the overall score of one slice (an area, a channel).
type UnitScore struct {
	Code      string
	Responses int64
	Overall   survey.Score
	TooFew    bool
}

// rule is the scoring rule in force, with the configured minimum sample.
func (s *Server) rule() survey.Rule {
	return s.ruleNamed("")
}

// allowed reports whether the user may read the agency's data; staff may also
// read the agencies merged into theirs.
func allowed(u *survey.User, cat *survey.Catalog, agency string) bool {
	return survey.MaySee(u, cat, agency)
}

// agencyReport scores an agency over a period from the rollups, checking on
// the server that the caller may see it.
func (s *Server) agencyReport(c *gin.Context, q reportQuery) (*AgencyReport, error) {
	ctx := c.Request.Context()
	cat, err := s.store.Catalog(ctx)
	if err != nil {
		return nil, err
	}
	ag, err := cat.Agency(q.Agency)
	if err != nil {
		return nil, err
	}
	if !allowed(userOf(c), cat, ag.Code) {
		return nil, survey.ErrForbidden
	}
	if q.Area != "" {
		if _, err := cat.Area(q.Area); err != nil {
			return nil, err
		}
	}
	version, cacheable := s.store.RollupsVersion() // read before the rollups are
	if cacheable {
		if r, ok := s.reports.get(keyOf(q), version, cat); ok {
			return r, nil
		}
	}
	form, err := cat.FormFor(q.Area, time.Now())
	if err != nil {
		return nil, err
	}
	units := []string{ag.Code}
	if q.Lineage {
		units = survey.Lineage(cat, ag.Code)
	}
	months := q.Period.Months()
	rule := s.ruleNamed(q.Rule)
	out := &AgencyReport{Agency: ag, Period: q.Period, Area: q.Area, Units: units, Form: form,
		Basis: q.figuresBasis(), RankBasis: s.compareBasis(q)}

	var total survey.Tally
	byMonth := make([]survey.Tally, len(months))
	byArea, byChan := map[string]survey.Tally{}, map[string]survey.Tally{}
	for _, unit := range units {
		counts, err := s.store.ReportBasis(ctx, unit, months, q.Area, out.Basis)
		if err != nil {
			return nil, err
		}
		if rule.RespondentLevel() {
			if err := s.store.AddReportPairs(ctx, counts, out.Basis); err != nil {
				return nil, err
			}
		}
		total.Merge(counts.Total)
		for i := range months {
			byMonth[i].Merge(counts.ByMonth[i])
		}
		mergeAll(byArea, counts.ByArea)
		mergeAll(byChan, counts.ByChannel)
		out.Verified += counts.Verified.Responses
		out.SelfEntered += counts.SelfEntered
	}
	for _, t := range byChan {
		out.Responses += t.Responses
	}
	// Every figure is scored with the questionnaire versions its
	// responses were given on; out.Form is the one the report was scored
	// with (today's form when there is no answer).
	fs := survey.NewFormSet(cat.Forms, form)
	out.Report, out.Form = rule.ScoreVersionsForm(fs, total)
	for i, m := range months {
		rep := rule.ScoreVersions(fs, byMonth[i])
		out.Trend = append(out.Trend, MonthScore{Month: m, Responses: byMonth[i].Responses, Overall: rep.Overall, TooFew: rep.TooFew})
	}
	out.ByArea = breakdown(rule, fs, byArea)
	out.ByChan = breakdown(rule, fs, byChan)
	if err := s.compareWithPrevious(ctx, q, fs, out); err != nil {
		return nil, err
	}
	if err := s.compareWithProvince(ctx, cat, q, fs, out); err != nil {
		return nil, err
	}
	if cacheable {
		s.reports.put(keyOf(q), version, cat, out)
	}
	return out, nil
}

// compareWithProvince fills the province average and the agency's rank like
// for like: over the same period and area as the report and the responses
// of out.RankBasis (the report's basis when the caller named one, else the
// rankings' default), and the rank exactly as /rankings gives it for them (the
// agencies merged into another counted with it, "of N" counting ranked
// units only). An agency merged into another is ranked through its
// successor, so its own report shows no rank.
func (s *Server) compareWithProvince(ctx context.Context, cat *survey.Catalog, q reportQuery, fs *survey.FormSet, out *AgencyReport) error {
	ts, err := s.rankingTallies(ctx, cat, rankingQuery{Period: q.Period, Area: q.Area, Basis: out.RankBasis, Rule: q.Rule}, survey.Period{}, false)
	if err != nil {
		return err
	}
	rule := s.ruleNamed(q.Rule)
	out.Province = rule.ScoreVersions(fs, survey.Pool(ts.cur, nil))
	for _, lr := range rule.Rankings(cat, fs, q.Area, ts.cur, nil) {
		if lr.Level != out.Agency.Level {
			continue
		}
		out.Peers = len(lr.Ranked)
		for _, rows := range [][]survey.RankingRow{lr.Ranked, lr.Unranked} {
			for _, row := range rows {
				if row.Unit.Agency.Code == out.Agency.Code {
					out.Standing, out.Ranked, out.UnitOverall = row.Standing, row.Standing.Rank > 0, row.Overall
				}
			}
		}
	}
	return nil
}

func mergeAll(dst, src map[string]survey.Tally) {
	for k, t := range src {
		d := dst[k]
		d.Merge(t)
		dst[k] = d
	}
}

// breakdown scores each slice of a breakdown, largest first.
func breakdown(rule survey.Rule, fs *survey.FormSet, ts map[string]survey.Tally) []UnitScore {
	out := make([]UnitScore, 0, len(ts))
	for code, t := range ts {
		if t.Responses == 0 {
			continue
		}
		r := rule.ScoreVersions(fs, t)
		out = append(out, UnitScore{Code: code, Responses: t.Responses, Overall: r.Overall, TooFew: r.TooFew})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Responses != out[j].Responses {
			return out[i].Responses > out[j].Responses
		}
		return out[i].Code < out[j].Code
	})
	return out
}
