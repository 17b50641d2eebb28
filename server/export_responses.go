package server

import (
	"context"

	"github.com/gin-gonic/gin"

	"hailong/survey"
	"hailong/survey/export"
	"hailong/survey/store"
)

// exportResponses answers GET /api/v1/exports/responses: one row per
// response, streamed from a cursor batch by batch (constant memory), its
// quasi-identifiers (area, channel, verified flag, questionnaire and
// demographics) shown as the disclosure rule (survey.Releases) allows for
// its agency and month, never the idempotency key, a token, an address or
// a hash.
//
// A row shows the same in every export, whatever the filters: no more than
// the rule allows over all the agency-month's responses and over its
// verified ones (survey.NewDisclosure). With verified=1 only the responses
// given through a verified link are exported; with an area, the rows whose
// area the rule hides are left out (survey.Disclosure.Shown). An
// agency-month whose rollups lack the pattern counts (written by an older
// version, until "hailong rollups rebuild") shows none of these columns.
func (s *Server) exportResponses(c *gin.Context) error {
	ctx := c.Request.Context()
	cat, err := s.store.Catalog(ctx)
	if err != nil {
		return err
	}
	q, fe := parseExportQuery(c.Query, []string{"csv", "xlsx", "jsonl"}, false, cat)
	if fe != nil {
		return fe
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
	basis := survey.BasisAll
	if q.Verified {
		basis = survey.BasisVerified
	}
	used, err := s.exportVersions(ctx, cat, q, filter.Agencies, basis)
	if err != nil {
		return err
	}
	layout := export.NewResponseLayout(survey.NewFormSet(cat.Forms, survey.Form{}), used, formsInForce(cat, ""), q.Comments)
	lang := langOf(c)
	run := &exportRun{s: s, c: c, kind: "responses", q: q, format: export.Formats[q.Format], meta: &export.Meta{
		Kind: "responses", Rule: s.rule(), Period: q.Period, GeneratedAt: exportNow(), Lang: lang,
		Filters: withVerified([]export.MetaItem{{Name: "agency", Value: q.Agency}, {Name: "area", Value: q.Area}, {Name: "comments", Value: map[bool]string{true: "1", false: "0"}[q.Comments]}}, q),
		Columns: layout.Columns,
	}}
	run.release = s.memory.enter() // from the query on: its first batch counts too
	sheet := s.locales[lang].T("export.sheet.responses")
	ks := newDisclosures(s.store)
	var row []export.Value
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
		rel, listed := d.Shown(&r, q.Area != "")
		if !listed {
			return nil
		}
		row = layout.Row(row, r, rel.Respondent(r.Respondent))
		export.Mask(rel, row)
		return run.row(row)
	})
	if err == nil && run.w == nil {
		err = run.table(sheet, layout.Columns)
	}
	return run.finish(err)
}

// disclosures keeps the disclosure of each agency-month an export meets,
// computed from the rollups of the month (store.EachAgencyPatterns, one
// agency at a time) the first time the month comes up. Responses need not come in order (demo data does not),
// so every one is kept: 9 bytes per pattern shown, some kilobytes per
// agency-month.
type disclosures struct {
	st     *store.Store
	codes  *survey.PatternCodes
	byKey  map[agencyMonth]survey.Disclosure
	months map[survey.Month]bool
}

// agencyMonth names a disclosure.
type agencyMonth struct {
	agency string
	month  survey.Month
}

func newDisclosures(st *store.Store) *disclosures {
	return &disclosures{st: st, codes: survey.NewPatternCodes(),
		byKey: map[agencyMonth]survey.Disclosure{}, months: map[survey.Month]bool{}}
}

// of returns the disclosure of the agency in the month; an agency without
// counts shows nothing of its rows' patterns.
func (d *disclosures) of(ctx context.Context, agency string, m survey.Month) (survey.Disclosure, error) {
	if !d.months[m] {
		err := d.st.EachAgencyPatterns(ctx, m, func(ag string, all, verified map[survey.Pattern]int64) error {
			d.byKey[agencyMonth{ag, m}] = survey.NewDisclosure(all, verified, survey.KAnonymity, d.codes)
			return nil
		})
		if err != nil {
			return survey.Disclosure{}, err
		}
		d.months[m] = true
	}
	return d.byKey[agencyMonth{agency, m}], nil
}
