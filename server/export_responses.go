package server

import (
	"context"

	"github.com/gin-gonic/gin"

	"hailong/survey"
	"hailong/survey/store"
)

// exportResponses answers GET /api/v1/exports/responses: one row per
// response, streamed from a cursor batch by batch (constant memory), the
// demographics blanked as the k-anonymity rule says for each agency and
// month, never the idempotency key, a token, an address or a hash.
//
// With verified=1 only the responses given through a verified link are
// exported, and the k-anonymity rule counts the verified respondents alone
// (a combination five respondents share may be shared by fewer verified
// ones). Rollups rebuilt before the verified counts existed have none, and
// an agency-month without counts shows no demographics.
func (s *Server) exportResponses(c *gin.Context) error {
	ctx := c.Request.Context()
	cat, err := s.store.Catalog(ctx)
	if err != nil {
		return err
	}
	q, fe := parseExportQuery(c.Query, []string{"csv", "xlsx", "jsonl"}, false, cat)
	if fe != nil {
		return s.apiProblems(c, fe)
	}
	u := userOf(c)
	filter := store.ResponseFilter{Period: q.Period, Area: q.Area, Comments: q.Comments, VerifiedOnly: q.Verified}
	switch {
	case q.Agency != "":
		if !allowed(u, cat, q.Agency) {
			return survey.ErrForbidden
		}
		filter.Agencies = []string{q.Agency}
	case !seesAll(u):
		ags, _ := exportAgencies(u, cat, q)
		filter.Agencies = []string{}
		for _, a := range ags {
			filter.Agencies = append(filter.Agencies, a.Code)
		}
	}
	layout := survey.NewResponseLayout(exportForms(cat), q.Comments)
	lang := langOf(c)
	run := &exportRun{s: s, c: c, kind: "responses", q: q, format: exportFormats[q.Format], meta: &exportMeta{
		Kind: "responses", Rule: s.rule(), Period: q.Period, GeneratedAt: exportNow(), Lang: lang,
		Filters: withVerified([]metaItem{{"agency", q.Agency}, {"area", q.Area}, {"comments", map[bool]string{true: "1", false: "0"}[q.Comments]}}, q),
		Columns: layout.Columns,
	}}
	run.release = s.memory.enter() // from the query on: its first batch counts too
	sheet := s.locales[lang].T("export.sheet.responses")
	ks := newDisclosures(s.store, q.Verified)
	var row []survey.Value
	_, err = s.store.ExportResponses(ctx, filter, func(r survey.Response) error {
		if run.w == nil {
			if err := run.table(sheet, layout.Columns); err != nil {
				return err
			}
		}
		d, err := ks.of(ctx, r.Agency, survey.MonthOf(r.SubmittedAt))
		if err != nil {
			return err
		}
		row = layout.Row(row, r, d.Show(r.Respondent))
		return run.row(row)
	})
	if err == nil && run.w == nil {
		err = run.table(sheet, layout.Columns)
	}
	return run.finish(err)
}

// exportForms lists the published forms whose items are columns: the
// default one first, then the others in the catalog's order.
func exportForms(cat *survey.Catalog) []survey.Form {
	var out []survey.Form
	if f, err := cat.DefaultForm(); err == nil {
		out = append(out, f)
	}
	for _, f := range cat.Forms {
		if f.Published {
			out = append(out, f)
		}
	}
	return out
}

// disclosures keeps the k-anonymity disclosure of each agency-month an
// export meets, computed from the rollups of the month (one query for all
// its agencies) the first time the month comes up. Responses need not come
// in order (demo data does not), so every one is kept: three bytes per
// combination of demographics, some kilobytes per agency-month.
type disclosures struct {
	st       *store.Store
	verified bool // counts of the verified responses only
	codes    *survey.DemographicCodes
	byKey    map[string]survey.Disclosure
	months   map[survey.Month]bool
}

func newDisclosures(st *store.Store, verified bool) *disclosures {
	return &disclosures{st: st, verified: verified, codes: survey.NewDemographicCodes(),
		byKey: map[string]survey.Disclosure{}, months: map[survey.Month]bool{}}
}

// of returns the disclosure of the agency in the month; an agency without
// counts shows no demographics.
func (d *disclosures) of(ctx context.Context, agency string, m survey.Month) (survey.Disclosure, error) {
	if !d.months[m] {
		counts, err := d.st.MonthDemographics(ctx, m, d.verified)
		if err != nil {
			return survey.Disclosure{}, err
		}
		for ag, c := range counts {
			d.byKey[ag+"|"+m.String()] = survey.NewDisclosure(c, survey.KAnonymity, d.codes)
		}
		d.months[m] = true
	}
	return d.byKey[agency+"|"+m.String()], nil
}
