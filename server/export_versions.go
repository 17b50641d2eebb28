package server

import (
	"context"
	"slices"

	"hailong/survey"
)

// Criterion columns of the exports are derived from the questionnaire
// versions the exported rows were given on (survey.ExportItems): the
// versions the rollups count for the period, the agencies and the area
// exported, on the basis exported. A period that reaches the current month
// also has the versions in force now, so a response stored during the
// export, not yet counted, still finds its columns. Without any version
// (no response), the columns are the forms' in force now.

// exportVersions lists the versions of the period's responses of the
// agencies (every agency when nil), in the area when given, on the basis.
func (s *Server) exportVersions(ctx context.Context, cat *survey.Catalog, q exportQuery, agencies []string, basis survey.Basis) ([]survey.VersionUse, error) {
	tallies, err := s.store.ProvinceTalliesBasis(ctx, q.Period.Months(), q.Area, basis)
	if err != nil {
		return nil, err
	}
	var all survey.Tally
	if agencies == nil {
		for _, t := range tallies {
			all.Merge(survey.Tally{Versions: t.Versions})
		}
	} else {
		for _, a := range agencies {
			all.Merge(survey.Tally{Versions: tallies[a].Versions})
		}
	}
	used := survey.VersionsOf(all)
	if !q.Period.To.Before(survey.MonthOf(exportNow())) {
		for _, f := range formsInForce(cat, q.Area) {
			if !slices.ContainsFunc(used, func(u survey.VersionUse) bool { return u.FormID == f.ID && u.Version == f.Version }) {
				used = append(used, survey.VersionUse{FormID: f.ID, Version: f.Version})
			}
		}
	}
	return used, nil
}

// formsInForce are the forms in force now: for the area, or for every area
// and the default one.
func formsInForce(cat *survey.Catalog, area string) []survey.Form {
	now := exportNow()
	var out []survey.Form
	seen := map[string]bool{}
	add := func(a string) {
		if f, err := cat.FormFor(a, now); err == nil && !seen[f.Key] {
			seen[f.Key] = true
			out = append(out, f)
		}
	}
	if area != "" {
		add(area)
		return out
	}
	add("")
	for _, a := range cat.Areas {
		add(a.Code)
	}
	return out
}
