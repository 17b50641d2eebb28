package server

import (
	"context"
	"errors"

	"github.com/gin-gonic/gin"

	"hailong/survey"
	"hailong/survey/store"
)

// exportResponses answers GET /api/v1/exports/responses: one row per
// response, streamed from a cursor batch by batch (constant memory), the
// demographics blanked as the k-anonymity rule says for each agency and
// month, never the idempotency key, a token, an address or a hash.
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
	filter := store.ResponseFilter{Period: q.Period, Area: q.Area, Comments: q.Comments}
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
		Filters: []metaItem{{"agency", q.Agency}, {"area", q.Area}, {"comments", map[bool]string{true: "1", false: "0"}[q.Comments]}},
		Columns: layout.Columns,
	}}
	sheet := s.locales[lang].T("export.sheet.responses")
	ks := &disclosures{st: s.store, codes: survey.NewDemographicCodes(), byKey: map[string]survey.Disclosure{}}
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
// export meets, read from the rollups (one document each) the first time.
// Responses need not come in order (demo data does not), so every one is
// kept: a few kilobytes each, bounded all the same.
type disclosures struct {
	st    *store.Store
	codes *survey.DemographicCodes
	byKey map[string]survey.Disclosure
}

// maxDisclosures bounds the disclosures kept (a disclosure is three bytes
// per combination, at most some 4 KB): ten years of 400 agencies.
const maxDisclosures = 48000

func (d *disclosures) of(ctx context.Context, agency string, m survey.Month) (survey.Disclosure, error) {
	key := agency + "|" + m.String()
	if v, ok := d.byKey[key]; ok {
		return v, nil
	}
	var v survey.Disclosure
	counts, err := d.st.Demographics(ctx, agency, m)
	switch {
	case errors.Is(err, survey.ErrNotFound): // not a name rollups count: show nothing
	case err != nil:
		return v, err
	default:
		v = survey.NewDisclosure(counts, survey.KAnonymity, d.codes)
	}
	if len(d.byKey) >= maxDisclosures {
		for k := range d.byKey { // forget one, at random
			delete(d.byKey, k)
			break
		}
	}
	d.byKey[key] = v
	return v, nil
}
