package server

import (
	"slices"
	"time"

	"hailong/survey"
	"hailong/survey/export"
)

// exportsPath is where the exports live; the global gzip middleware leaves
// it alone (an export compresses itself, and must reach the connection to
// lift its write deadline).
const exportsPath = "/api/v1/exports/"

// The exports (routes.go): inspectors and administrators export every
// agency, staff their own (checked here, on the server, for every row). At
// most Config.ExportsMax exports run at once, one per user (exportSlot).

// exportNow is the clock of exports (the tests fix it).
var exportNow = time.Now

// Problems of export parameters, each with its message (err.<code>).
const (
	problemExportMonth       = "export_month"
	problemExportRange       = "export_range"
	problemExportGranularity = "export_granularity"
	problemExportLevel       = "export_level"
	problemExportArea        = "export_area"
	problemExportAgency      = "export_agency"
	problemExportComments    = "export_comments"
	problemExportVerified    = "export_verified"
	problemExportBasis       = "export_basis"
)

// exportQuery is what an export asks for.
type exportQuery struct {
	Format      string
	Period      survey.Period
	Granularity export.Granularity
	Level       survey.Level
	Area        string
	Agency      string
	Comments    bool
	// Verified keeps the responses given through a verified link only.
	Verified bool
	// Basis is the responses an aggregates export counts: all unless
	// basis= names one (verified=1 is basis=verified); "" for the
	// responses export.
	Basis survey.Basis
	// Rule is the scoring rule of an aggregates export, named by rule=
	// ("" for the default).
	Rule string
}

// parseExportQuery reads and checks the parameters against the catalog.
// from and to default to the last twelve months, as on the dashboard.
func parseExportQuery(get func(string) string, formats []string, aggregates bool, cat *survey.Catalog) (exportQuery, survey.FieldErrors) {
	fe := survey.FieldErrors{}
	q := exportQuery{Format: get("format"), Area: get("area"), Agency: get("agency")}
	if !slices.Contains(formats, q.Format) {
		fe["format"] = "export_format_" + map[bool]string{true: "aggregates", false: "responses"}[aggregates]
	}
	now := survey.MonthOf(exportNow())
	from, to := now.Add(-11), now
	for name, m := range map[string]*survey.Month{"from": &from, "to": &to} {
		if v := get(name); v != "" {
			p, err := survey.ParseMonth(v)
			if err != nil {
				fe[name] = problemExportMonth
			}
			*m = p
		}
	}
	if fe["from"] == "" && fe["to"] == "" {
		p, err := survey.RangePeriod(from, to)
		if err != nil {
			fe["to"] = problemExportRange
		}
		q.Period = p
	}
	if aggregates {
		q.Granularity = export.ByMonth
		if v := get("granularity"); v != "" {
			g, err := export.ParseGranularity(v)
			if err != nil {
				fe["granularity"] = problemExportGranularity
			}
			q.Granularity = g
		}
		if v := get("level"); v != "" {
			q.Level = survey.Level(v)
			if !slices.Contains(survey.Levels, q.Level) {
				fe["level"] = problemExportLevel
			}
		}
	} else {
		switch v := get("comments"); v {
		case "", "0", "false", "off":
		case "1", "true", "on":
			q.Comments = true
		default:
			fe["comments"] = problemExportComments
		}
	}
	switch v := get("verified"); v {
	case "", "0", "false":
	case "1", "true":
		q.Verified = true
	default:
		fe["verified"] = problemExportVerified
	}
	if aggregates {
		q.Basis = survey.BasisAll
		if v := get("basis"); v != "" {
			if b, ok := survey.ParseBasis(v); ok {
				q.Basis = b
			} else {
				fe["basis"] = problemExportBasis
			}
		}
		if q.Verified {
			q.Basis = survey.BasisVerified
		}
		q.Verified = q.Basis == survey.BasisVerified
		parseRule(get, &q.Rule, fe)
	}
	if q.Area != "" {
		if _, err := cat.Area(q.Area); err != nil {
			fe["area"] = problemExportArea
		}
	}
	if q.Agency != "" {
		if _, err := cat.Agency(q.Agency); err != nil {
			fe["agency"] = problemExportAgency
		}
	}
	if len(fe) > 0 {
		return q, fe
	}
	return q, nil
}

// exportAgencies lists, in catalog order, the agencies the caller may export
// that the query selects; an agency asked for by name must be allowed.
func exportAgencies(u *survey.User, cat *survey.Catalog, q exportQuery) ([]survey.Agency, error) {
	if q.Agency != "" && !allowed(u, cat, q.Agency) {
		return nil, survey.ErrForbidden
	}
	var out []survey.Agency
	for _, a := range cat.Agencies {
		if (q.Agency == "" || a.Code == q.Agency) && (q.Level == "" || a.Level == q.Level) && allowed(u, cat, a.Code) {
			out = append(out, a)
		}
	}
	return out, nil
}

// seesAll reports whether the user may export every agency.
func seesAll(u *survey.User) bool {
	return u != nil && !u.Disabled && (u.Role == survey.RoleAdmin || u.Role == survey.RoleInspector)
}
