package server

import (
	"context"
	"time"

	"hailong/survey"
)

// Rankings are public in practice (provinces publish them), but the design
// scopes every report to the caller's role: inspectors and administrators
// see every agency; agency staff may open the page to see where their own
// agencies stand (rank of how many, index, change), as the dashboard already
// tells them, but never another agency's name or figures, so the sentence
// naming the leader and the last is left out for them (routes.go: staffPage
// and staffAPI).

// rankingQuery is what a ranking asks for: a period and optionally an area.
type rankingQuery struct {
	Period survey.Period
	Area   string
	// Basis is the responses ranked: all, verified (given through verified
	// invitations) or independent (less those the agency's own staff
	// entered); never empty once parsed.
	Basis survey.Basis
	// Rule is the scoring rule named by rule= ("" for the default).
	Rule string
	// Compare is what the changes compare with: "" the period just
	// before, compareYear the same period a year earlier (compare=year).
	Compare string
}

// parseRankingQuery reads from and to (YYYY-MM, as the dashboard does; the
// last twelve months by default), or period (2025, 2025-Q3, 2025-07 or
// 2025-01..2025-05) instead of them, area, which must be in the catalog,
// and basis (def when not given; verified=1 is basis=verified).
func parseRankingQuery(get func(string) string, cat *survey.Catalog, def survey.Basis) (rankingQuery, survey.FieldErrors) {
	rq, fe := parseReportQuery(get, "")
	q := rankingQuery{Period: rq.Period, Area: get("area"), Basis: rq.Basis, Rule: rq.Rule, Compare: rq.Compare}
	if q.Basis == "" {
		q.Basis = def
	}
	if fe == nil {
		fe = survey.FieldErrors{}
	}
	if v := get("period"); v != "" {
		p, err := survey.ParsePeriod(v)
		switch {
		case get("from") != "" || get("to") != "":
			fe["period"] = survey.ProblemInvalid // one or the other, not both
		case err != nil:
			fe["period"] = survey.ProblemInvalid
		default:
			q.Period = p
		}
	}
	if q.Area != "" {
		if _, err := cat.Area(q.Area); err != nil {
			fe["area"] = survey.ProblemInvalid
		}
	}
	if len(fe) > 0 {
		return q, fe
	}
	return q, nil
}

// previousPeriod is the period of the same length just before p; ok is false
// when it would start before year 1.
func previousPeriod(p survey.Period) (survey.Period, bool) {
	from := p.From.Add(-p.Len())
	if from.Year() < 1 {
		return survey.Period{}, false
	}
	prev, err := survey.RangePeriod(from, p.From.Add(-1))
	return prev, err == nil
}

// RankingResult is a ranking as both the page and the API show it.
type RankingResult struct {
	Query       rankingQuery
	Previous    survey.Period
	HasPrevious bool
	Rule        survey.Rule
	Form        survey.Form
	// Versions are the questionnaire versions the period's responses were
	// given on, every agency's (each unit is scored with its own).
	Versions []survey.VersionUse
	// Scoped is set for agency staff: only their agencies' rows are kept.
	Scoped bool
	Levels []RankingLevel
	cat    *survey.Catalog
	// Province is the overall score of every unit pooled (the area's when
	// narrowed): the mean the funnel plots' limits are drawn around.
	Province survey.Score
}

// RankingLevel is one level's ranking as the caller may see it.
type RankingLevel struct {
	survey.LevelRanking
	// RankedUnits counts every ranked unit of the level, seen or not.
	RankedUnits int
	// Summary names the leader and the last, in each language; empty for
	// staff, or when nobody is ranked.
	Summary survey.Text
}

// ranking computes the ranking from the rollups (never from the responses):
// every agency's tally over the period and over the previous one, scored by
// the rule in force, then scoped to what the user may see.
func (s *Server) ranking(ctx context.Context, u *survey.User, cat *survey.Catalog, q rankingQuery) (*RankingResult, error) {
	form, err := cat.FormFor(q.Area, time.Now())
	if err != nil {
		return nil, err
	}
	out := &RankingResult{Query: q, Rule: s.ruleNamed(q.Rule), Form: form, cat: cat}
	out.Previous, out.HasPrevious = comparedPeriod(q.Period, q.Compare)
	ts, err := s.rankingTallies(ctx, cat, q, out.Previous, out.HasPrevious)
	if err != nil {
		return nil, err
	}
	cur, prev := ts.cur, ts.prev
	fs := survey.NewFormSet(cat.Forms, form)
	out.Province = out.Rule.ScoreVersions(fs, survey.Pool(cur, nil)).Overall
	out.Scoped = u == nil || (u.Role != survey.RoleAdmin && u.Role != survey.RoleInspector)
	out.Versions = survey.VersionsOf(survey.Pool(cur, nil))
	for _, lr := range out.Rule.Rankings(cat, fs, q.Area, cur, prev) {
		level := RankingLevel{LevelRanking: lr, RankedUnits: len(lr.Ranked)}
		if out.Scoped {
			level.Ranked = ownRows(u, cat, lr.Ranked)
			level.Unranked = ownRows(u, cat, lr.Unranked)
			if len(level.Ranked)+len(level.Unranked) == 0 {
				continue
			}
		} else {
			level.Summary = survey.Text{
				Vi: leaderSentence(s.locales[survey.Vi], lr),
				En: leaderSentence(s.locales[survey.En], lr),
			}
		}
		out.Levels = append(out.Levels, level)
	}
	return out, nil
}

// rankingTallies are every agency's tallies over a period and the previous one.
type rankingTallies struct{ cur, prev map[string]survey.Tally }

// rankingTallies reads the tallies of the period and the previous one from
// the rollups, or from memory while the rollups are unchanged.
func (s *Server) rankingTallies(ctx context.Context, cat *survey.Catalog, q rankingQuery, previous survey.Period, hasPrevious bool) (rankingTallies, error) {
	pairs := s.ruleNamed(q.Rule).RespondentLevel()
	key := rankingKey{q.Period.From, q.Period.To, q.Area, q.Basis, hasPrevious, q.Compare, pairs}
	version, cacheable := s.store.RollupsVersion() // read before the rollups are
	if cacheable {
		if ts, ok := s.rankings.get(key, version, cat); ok {
			return ts, nil
		}
	}
	var ts rankingTallies
	var err error
	if ts.cur, err = s.store.ProvinceTalliesPairs(ctx, q.Period.Months(), q.Area, q.Basis, pairs); err != nil {
		return ts, err
	}
	if hasPrevious {
		if ts.prev, err = s.store.ProvinceTalliesPairs(ctx, previous.Months(), q.Area, q.Basis, pairs); err != nil {
			return ts, err
		}
	}
	if cacheable {
		s.rankings.put(key, version, cat, ts)
	}
	return ts, nil
}

// ownRows keeps the rows of the agencies the user may read.
func ownRows(u *survey.User, cat *survey.Catalog, rows []survey.RankingRow) []survey.RankingRow {
	var out []survey.RankingRow
	for _, r := range rows {
		if allowed(u, cat, r.Unit.Agency.Code) {
			out = append(out, r)
		}
	}
	return out
}

// name is an agency's name in the language, or its code when unknown.
func (r *RankingResult) name(code string, lang survey.Lang) string {
	if a, err := r.cat.Agency(code); err == nil {
		return a.Name.In(lang)
	}
	return code
}
