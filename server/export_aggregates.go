package server

import (
	"github.com/gin-gonic/gin"

	"hailong/survey"
	"hailong/survey/export"
	"hailong/survey/store"
)

// exportAggregates answers GET /api/v1/exports/aggregates: one row per
// agency × procedure area (and all areas, "*") × period, computed from the
// rollups only and scored with the rule in force, as the report API does;
// with verified=1, from the verified-only rollups, as the report API's
// verified=1 reads them; with basis=independent, without the responses the
// agencies' own staff entered (all by default, unlike the rankings).
func (s *Server) exportAggregates(c *gin.Context) error {
	ctx := c.Request.Context()
	cat, err := s.store.Catalog(ctx)
	if err != nil {
		return err
	}
	q, fe := parseExportQuery(c.Query, []string{"csv", "xlsx", "json"}, true, cat)
	if fe != nil {
		return fe
	}
	agencies, err := exportAgencies(userOf(c), cat, q)
	if err != nil {
		return err
	}
	codes := make([]string, len(agencies))
	for i, a := range agencies {
		codes[i] = a.Code
	}
	used, err := s.exportVersions(ctx, cat, q, codes, q.Basis)
	if err != nil {
		return err
	}
	plan, err := newAggregatePlan(cat, q, used)
	if err != nil {
		return err
	}
	lang := langOf(c)
	run := &exportRun{s: s, c: c, kind: "aggregates", q: q, format: export.Formats[q.Format], meta: &export.Meta{
		Kind: "aggregates", Basis: q.Basis, Rule: s.ruleNamed(q.Rule), Period: q.Period, Granularity: q.Granularity, GeneratedAt: exportNow(), Lang: lang,
		Filters: withVerified([]export.MetaItem{{Name: "level", Value: string(q.Level)}, {Name: "agency", Value: q.Agency}, {Name: "area", Value: q.Area}}, q), Columns: plan.layout.Columns,
	}}
	run.release = s.memory.enter()
	return run.finish(s.writeAggregates(c, run, plan, agencies))
}

// withVerified names the verified filter among the filters when it is set
// (only then, so exports without it describe themselves as before).
func withVerified(filters []export.MetaItem, q exportQuery) []export.MetaItem {
	if q.Verified {
		filters = append(filters, export.MetaItem{Name: "verified", Value: "1"})
	}
	return filters
}

// aggregatePlan is what every row of an aggregates export shares.
type aggregatePlan struct {
	q     exportQuery
	areas []survey.Area // the areas with a row of their own, in catalog order
	all   *survey.Form  // the form scoring "all areas" rows; nil with an area filter
	forms map[string]survey.Form
	// set holds the published versions: each row is scored with the
	// versions its responses were given on, its form the fallback.
	set     *survey.FormSet
	layout  *export.AggregateLayout
	periods []survey.Period
}

// newAggregatePlan picks the forms (those in force now, as the report API
// scores with, for rows without responses) and lays out the columns for the
// questionnaire versions used (export_versions.go).
func newAggregatePlan(cat *survey.Catalog, q exportQuery, versions []survey.VersionUse) (*aggregatePlan, error) {
	p := &aggregatePlan{q: q, forms: map[string]survey.Form{}, periods: export.Split(q.Period, q.Granularity), set: survey.NewFormSet(cat.Forms, survey.Form{})}
	now := exportNow()
	var used []survey.Form
	if q.Area == "" {
		f, err := cat.FormFor("", now)
		if err != nil {
			return nil, err
		}
		p.all, used = &f, append(used, f)
	}
	for _, a := range cat.Areas {
		if q.Area != "" && a.Code != q.Area {
			continue
		}
		f, err := cat.FormFor(a.Code, now)
		if err != nil {
			return nil, err
		}
		p.areas, p.forms[a.Code], used = append(p.areas, a), f, append(used, f)
	}
	p.layout = export.NewAggregateLayout(p.set, versions, used)
	return p, nil
}

// writeAggregates writes a table per agency level (levels in the catalog's
// order), reading each agency's monthly rollups once. The first agency is
// read before anything is sent, so a database that is down gets a clean 503.
func (s *Server) writeAggregates(c *gin.Context, run *exportRun, plan *aggregatePlan, agencies []survey.Agency) error {
	ctx := c.Request.Context()
	ms := s.locales[run.meta.Lang]
	rule := run.meta.Rule
	months := plan.q.Period.Months()
	counts, err := s.store.InvitationCounts(ctx, plan.q.Period.From, plan.q.Period.To)
	if err != nil {
		return err
	}
	dossiers, err := s.store.DossierCounts(ctx, plan.q.Period.From, plan.q.Period.To)
	if err != nil {
		return err
	}
	var row []export.Value
	tables := 0
	for _, level := range survey.Levels {
		opened := false
		for _, ag := range agencies {
			if ag.Level != level {
				continue
			}
			data, err := s.store.AgencyMonthsBasis(ctx, ag.Code, months, plan.q.Basis)
			if err != nil {
				return err
			}
			if rule.RespondentLevel() {
				if err := s.store.AddAgencyMonthPairs(ctx, data, ag.Code, plan.q.Basis); err != nil {
					return err
				}
			}
			if !opened {
				if err := run.table(ms.T("level."+string(level)), plan.layout.Columns); err != nil {
					return err
				}
				opened, tables = true, tables+1
			}
			for _, u := range plan.units(ag, data) {
				fs := *plan.set
				fs.Fallback = u.unit.Form
				rep, f := rule.ScoreVersionsForm(&fs, u.tally)
				u.unit.Form = f
				if u.unit.Area == nil || plan.all == nil { // each response once
					run.meta.Versions.Merge(survey.Tally{Versions: u.tally.Versions})
				}
				row = plan.layout.Row(row, u.unit, rep)
				plan.layout.PutRate(row, rowTally(counts, u.unit), s.cfg.Rates.RateMin, rowCompleted(dossiers, u.unit))
				if err := run.row(row); err != nil {
					return err
				}
			}
		}
	}
	if tables == 0 {
		return run.table(ms.T("export.sheet.data"), plan.layout.Columns)
	}
	return nil
}

// table starts the export if needed, then a table.
func (e *exportRun) table(name string, cols []export.Column) error {
	if err := e.start(); err != nil {
		return err
	}
	return e.w.Table(name, cols)
}

// scoredUnit is one row to score.
type scoredUnit struct {
	unit  export.AggregateUnit
	tally survey.Tally
}

// units lists the rows of one agency, period by period: all its areas
// together, then each area it serves or that has responses. An agency that
// no longer serves and has no responses in the whole range has no rows.
// Rows of fewer than k responses show their counts only, and so do the
// areas export.WithheldAreas names, decided over every area whatever the
// area filter.
func (p *aggregatePlan) units(ag survey.Agency, data []store.AgencyMonth) []scoredUnit {
	var out []scoredUnit
	var any int64
	i := 0
	for _, period := range p.periods {
		byArea := map[string]survey.Tally{}
		var total survey.Tally
		for ; i < len(data) && period.Contains(data[i].Month); i++ {
			mergeAll(byArea, data[i].ByArea)
			for _, t := range data[i].ByArea {
				total.Merge(t)
			}
		}
		any += total.Responses
		sizes := make(map[string]int64, len(byArea))
		for area, t := range byArea {
			sizes[area] = t.Responses
		}
		withheld := export.WithheldAreas(sizes, survey.KAnonymity)
		if p.all != nil {
			out = append(out, scoredUnit{export.AggregateUnit{Agency: ag, Period: period, Form: *p.all}, total})
		}
		for _, a := range p.areas {
			t := byArea[a.Code]
			if t.Responses == 0 && !(ag.Active && ag.Serves(a.Code)) {
				continue
			}
			out = append(out, scoredUnit{export.AggregateUnit{Agency: ag, Area: &a, Period: period, Form: p.forms[a.Code], Withheld: withheld[a.Code]}, t})
		}
	}
	if any == 0 && !ag.Active {
		return nil
	}
	return out
}
