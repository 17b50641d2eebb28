package server

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"hailong/survey"
)

// The CCHC pages: the results (every logged-in role), the entry of points
// (inspectors and administrators) and the framework versions (administrators).

func init() {
	pageFiles["cchc"] = []string{"layout.html", "errors.html", "cchc.html"}
	pageFiles["cchc_points"] = []string{"layout.html", "errors.html", "cchc_points.html"}
	pageFiles["admin_cchc"] = []string{"layout.html", "errors.html", "admin_cchc.html"}
}

// CCHCPage is the results page of a year.
type CCHCPage struct {
	BasePage
	Year        int
	Years       []int
	NoFramework bool
	Framework   string
	Compared    bool
	Groups      []CCHCGroupView
	CanEnter    bool
	Downloads   []DownloadLink
	// Publish is the publish form and the year's revisions
	// (cchc_public_pages.go), for inspectors and administrators.
	Publish *CCHCPublishView
}

// DownloadLink is an export of the page.
type DownloadLink struct{ URL, Label string }

// CCHCGroupView is a group's table.
type CCHCGroupView struct {
	Group   survey.Level
	Title   string
	Summary string
	Units   []CCHCUnitView
}

// CCHCUnitView is a unit's row, formatted.
type CCHCUnitView struct {
	Agency, Name        string
	Illustrative        bool
	Points, Max, Index  string
	Rank, Of            int
	Previous, Change    string
	ChangeDir           string // up, down, same, new
	Survey, SurveyPoint string
}

// cchcDefaultYear is the latest year with points, else last year.
func cchcDefaultYear(years []int) int {
	if len(years) > 0 {
		return years[len(years)-1]
	}
	return time.Now().In(survey.Zone()).Year() - 1
}

func (s *Server) cchcPage(c *gin.Context) error {
	ctx := c.Request.Context()
	years, err := s.store.CCHCYears(ctx)
	if err != nil {
		return err
	}
	b := s.staffBase(c)
	year := cchcDefaultYear(years)
	if v := c.Query("year"); v != "" {
		if year, err = cchcYearParam(v); err != nil {
			return err
		}
	}
	u := userOf(c)
	p := CCHCPage{BasePage: b, Year: year, Years: years,
		CanEnter: u != nil && (u.Role == survey.RoleInspector || u.Role == survey.RoleAdmin)}
	r, err := s.CCHCResult(ctx, year)
	switch {
	case errors.Is(err, survey.ErrNotFound):
		p.NoFramework = true
	case err != nil:
		return err
	default:
		p.fill(s, r)
	}
	if p.Publish, err = s.cchcPublishView(c, p.L, year, p.CanEnter); err != nil {
		return err
	}
	s.render(c, http.StatusOK, "cchc", p)
	return nil
}

func (p *CCHCPage) fill(s *Server, r *survey.CCHCResult) {
	ms := p.L
	j := s.cchcJSON(r)
	p.Compared = r.HasPrevious
	p.Framework = ms.T("cchc.framework", r.Framework.Title.In(p.Lang), r.Framework.Version)
	for i, g := range j.Groups {
		gv := CCHCGroupView{Group: g.Group, Title: ms.T("level." + string(g.Group)), Summary: cchcSummary(ms, r.Groups[i])}
		for _, u := range g.Units {
			gv.Units = append(gv.Units, cchcUnitViewOf(ms, p.Lang, u))
		}
		p.Groups = append(p.Groups, gv)
	}
	base := "/api/v1/cchc/" + strconv.Itoa(r.Year) + "/export?format="
	for _, f := range []string{"csv", "xlsx", "json"} {
		p.Downloads = append(p.Downloads, DownloadLink{URL: base + f, Label: ms.T("cchc.download." + f)})
	}
}

// CCHCPointsPage is the entry of a year's points.
type CCHCPointsPage struct {
	BasePage
	Year        int
	NoFramework bool
	Framework   string
	Units       []CCHCEntryUnit // entered so far, with their totals
	Agencies    []CCHCAgencyOption
	Agency      string // the unit being edited
	UnitName    string
	Components  []CCHCEntryComponent
	SurveyIndex string
	Notice      string
	RowErrors   []string
}

// CCHCEntryUnit is a unit already entered.
type CCHCEntryUnit struct {
	Agency, Name, Group, Points, Max string
	Illustrative                     bool
}

// CCHCAgencyOption is a unit that can be chosen.
type CCHCAgencyOption struct{ Code, Name string }

// CCHCEntryComponent is a component's inputs.
type CCHCEntryComponent struct {
	Code, Name string
	Survey     string // the rule, for the survey component
	Criteria   []CCHCEntryCriterion
}

// CCHCEntryCriterion is a sub-criterion's input.
type CCHCEntryCriterion struct {
	Code, Name, Max, Value, Error string
	NotApplicable                 bool
}

func (s *Server) cchcPointsPage(c *gin.Context) error {
	year, err := cchcYearParam(c.Param("year"))
	if err != nil {
		return err
	}
	p, err := s.cchcPointsView(c, year, c.Query("agency"), nil)
	if err != nil {
		return err
	}
	switch c.Query("done") {
	case "saved":
		p.Notice = p.L.T("cchc.saved")
	case "uploaded":
		p.Notice = p.L.T("cchc.uploaded", c.Query("n"))
	}
	s.render(c, http.StatusOK, "cchc_points", p)
	return nil
}

// cchcPointsView builds the entry page; posted, when set, holds the values
// a refused form sent back, with its problems in fe.
func (s *Server) cchcPointsView(c *gin.Context, year int, agency string, posted *survey.CCHCUnitPoints) (CCHCPointsPage, error) {
	ctx := c.Request.Context()
	b := s.staffBase(c)
	p := CCHCPointsPage{BasePage: b, Year: year, Agency: agency}
	cc, err := s.cchcEntryContext(ctx, year)
	if errors.Is(err, errNoCCHCFramework) {
		p.NoFramework = true
		return p, nil
	}
	if err != nil {
		return p, err
	}
	p.Framework = b.L.T("cchc.framework", cc.fw.Title.In(b.Lang), cc.fw.Version)
	have, err := s.store.CCHCYear(ctx, year)
	if err != nil {
		return p, err
	}
	res := survey.ComputeCCHC(year, cc.fw, have, cc.cat, nil)
	for _, g := range res.Groups {
		for _, u := range g.Units {
			rec, _ := have.Unit(u.Agency)
			p.Units = append(p.Units, CCHCEntryUnit{Agency: u.Agency, Name: u.Name.In(b.Lang), Group: b.L.T("level." + string(g.Group)),
				Points: b.L.Num(u.Points), Max: b.L.Num(u.Max), Illustrative: rec.Illustrative})
		}
	}
	slices.SortFunc(p.Units, func(a, b CCHCEntryUnit) int { return strings.Compare(a.Group+a.Name, b.Group+b.Name) })
	for _, a := range cc.cat.Agencies {
		if _, ok := cc.fw.Group(a.Level); ok {
			p.Agencies = append(p.Agencies, CCHCAgencyOption{Code: a.Code, Name: a.Name.In(b.Lang)})
		}
	}
	for _, u := range have.Units {
		if _, err := cc.cat.Agency(u.Agency); err != nil {
			p.Agencies = append(p.Agencies, CCHCAgencyOption{Code: u.Agency, Name: u.UnitName(cc.cat).In(b.Lang)})
		}
	}
	if agency == "" {
		return p, nil
	}
	rec, ok := have.Unit(agency)
	if !ok {
		if _, err := cc.cat.Agency(agency); err != nil {
			return p, survey.ErrNotFound
		}
		rec = survey.CCHCUnitPoints{Agency: agency}
	}
	if posted != nil {
		rec = *posted
	}
	p.UnitName = rec.UnitName(cc.cat).In(b.Lang)
	gf, ok := cc.fw.Group(rec.UnitGroup(cc.cat))
	if !ok {
		return p, survey.ErrNotFound
	}
	if rec.SurveyIndex != nil {
		p.SurveyIndex = inputNumber(b.Lang, *rec.SurveyIndex)
	}
	for _, comp := range gf.Components {
		ec := CCHCEntryComponent{Code: comp.Code, Name: comp.Name.In(b.Lang)}
		if comp.Survey != nil {
			ec.Survey = cchcRuleText(b.L, *comp.Survey)
		}
		for _, k := range comp.Criteria {
			ek := CCHCEntryCriterion{Code: k.Code, Name: k.Name.In(b.Lang), Max: b.L.Num(k.Max),
				NotApplicable: slices.Contains(rec.NotApplicable, k.Code), Error: b.Errors["points."+k.Code]}
			if v, ok := rec.Point(k.Code); ok {
				ek.Value = inputNumber(b.Lang, v)
			}
			ec.Criteria = append(ec.Criteria, ek)
		}
		p.Components = append(p.Components, ec)
	}
	return p, nil
}

// inputNumber writes a number for an input, exactly, with a decimal comma
// in Vietnamese (parseDecimal reads both).
func inputNumber(lang survey.Lang, v float64) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if lang == survey.Vi {
		return replaceDot(s)
	}
	return s
}

// cchcRuleText describes a survey rule in words.
func cchcRuleText(ms *Messages, r survey.CCHCSurveyRule) string {
	if r.Kind == survey.CCHCLinear {
		full := r.FullFrom
		if full <= 0 {
			full = 100
		}
		return ms.T("cchc.rule.linear", ms.Num(r.Max), ms.Num(full))
	}
	steps := make([]string, len(r.Steps))
	for i, st := range r.Steps {
		steps[i] = ms.T("cchc.rule.step", ms.Num(st.Min), ms.Num(st.Points))
	}
	return ms.T("cchc.rule.thresholds", strings.Join(steps, "; "))
}

// cchcPointsSubmit saves one unit's points from the entry form: "p.<code>"
// (empty: none), "na.<code>" (checked: does not apply), "surveyIndex".
func (s *Server) cchcPointsSubmit(c *gin.Context) error {
	year, err := cchcYearParam(c.Param("year"))
	if err != nil {
		return err
	}
	if err := c.Request.ParseForm(); err != nil {
		return parseFormErr(c, s, err)
	}
	form := c.Request.PostForm
	agency := strings.TrimSpace(form.Get("agency"))
	var posted survey.CCHCUnitPoints
	_, err = s.saveCCHCUnits(c, year, func(cc cchcContext, have survey.CCHCYear) ([]survey.CCHCUnitPoints, error) {
		fe := survey.FieldErrors{}
		u, ok := have.Unit(agency)
		if !ok {
			u = survey.CCHCUnitPoints{Agency: agency}
		}
		u.Points, u.NotApplicable, u.SurveyIndex = nil, nil, nil
		gf, ok := cc.fw.Group(u.UnitGroup(cc.cat))
		if !ok {
			return nil, survey.FieldErrors{"agency": survey.ProblemUnknown}
		}
		for _, comp := range gf.Components {
			for _, k := range comp.Criteria {
				if form.Get("na."+k.Code) != "" {
					u.NotApplicable = append(u.NotApplicable, k.Code)
				}
				v := strings.TrimSpace(form.Get("p." + k.Code))
				if v == "" {
					continue
				}
				n, ok := parseDecimal(v)
				if !ok {
					fe["points."+k.Code] = survey.ProblemInvalid
					continue
				}
				u.Points = append(u.Points, survey.CCHCPoint{Code: k.Code, Points: n})
			}
		}
		if v := strings.TrimSpace(form.Get("surveyIndex")); v != "" {
			if n, ok := parseDecimal(v); ok {
				u.SurveyIndex = &n
			} else {
				fe["surveyIndex"] = survey.ProblemInvalid
			}
		}
		posted = u
		if len(fe) > 0 {
			return nil, fe
		}
		if more := survey.CheckCCHCUnit(u, cc.fw, cc.cat); more != nil {
			return nil, more
		}
		return []survey.CCHCUnitPoints{u}, nil
	})
	var probs survey.FieldErrors
	if errors.As(err, &probs) {
		return s.renderPointsErrors(c, year, agency, &posted, probs)
	}
	if errors.Is(err, errNoCCHCFramework) {
		return s.renderNoFramework(c, year)
	}
	if err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, "/cchc/"+strconv.Itoa(year)+"/points?done=saved&agency="+url.QueryEscape(agency))
	return nil
}

func (s *Server) renderPointsErrors(c *gin.Context, year int, agency string, posted *survey.CCHCUnitPoints, fe survey.FieldErrors) error {
	msgs := problemMessages(s.locales[langOf(c)], "cchc", fe)
	p, err := s.cchcPointsView(c, year, agency, posted)
	if errors.Is(err, survey.ErrNotFound) {
		p, err = s.cchcPointsView(c, year, "", nil)
	}
	if err != nil {
		return err
	}
	p.Errors = msgs
	for i := range p.Components {
		for j := range p.Components[i].Criteria {
			k := &p.Components[i].Criteria[j]
			k.Error = msgs["points."+k.Code]
			if m := msgs["notApplicable."+k.Code]; m != "" {
				k.Error = m
			}
		}
	}
	keys := make([]string, 0, len(msgs))
	for f := range msgs {
		keys = append(keys, f)
	}
	slices.Sort(keys)
	for _, f := range keys {
		anchor := "main"
		if code, ok := strings.CutPrefix(f, "points."); ok {
			anchor = "p-" + code
		} else if f == "surveyIndex" {
			anchor = "surveyIndex"
		}
		p.ErrorList = append(p.ErrorList, ErrorItem{Anchor: anchor, Label: f, Message: msgs[f]})
	}
	s.render(c, http.StatusBadRequest, "cchc_points", p)
	return nil
}

// cchcPointsUpload stores a points file sent from the entry page (field
// "file"): every bad row is listed with its line, and nothing is stored.
func (s *Server) cchcPointsUpload(c *gin.Context) error {
	year, err := cchcYearParam(c.Param("year"))
	if err != nil {
		return err
	}
	fh, err := c.FormFile("file")
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return err
		}
		return s.renderUploadErrors(c, year, []string{s.locales[langOf(c)].T("cchc.csv.nofile")})
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxBody+1))
	if err != nil {
		return err
	}
	saved, err := s.saveCCHCFile(c, year, data)
	var rows *cchcRowsError
	var fe survey.FieldErrors
	switch {
	case errors.As(err, &rows):
		return s.renderUploadErrors(c, year, cchcRowMessages(s.locales[langOf(c)], rows.problems))
	case errors.Is(err, errNoCCHCFramework):
		return s.renderNoFramework(c, year)
	case errors.As(err, &fe):
		var msgs []string
		for f, m := range problemMessages(s.locales[langOf(c)], "cchc", fe) {
			msgs = append(msgs, f+": "+m)
		}
		slices.Sort(msgs)
		return s.renderUploadErrors(c, year, msgs)
	case err != nil:
		return err
	}
	c.Redirect(http.StatusSeeOther, "/cchc/"+strconv.Itoa(year)+"/points?done=uploaded&n="+strconv.Itoa(len(saved)))
	return nil
}

// renderNoFramework answers an entry for a year no published framework
// applies to: the entry page, which says so, with 409.
func (s *Server) renderNoFramework(c *gin.Context, year int) error {
	p, err := s.cchcPointsView(c, year, "", nil)
	if err != nil {
		return err
	}
	s.render(c, http.StatusConflict, "cchc_points", p)
	return nil
}

func (s *Server) renderUploadErrors(c *gin.Context, year int, msgs []string) error {
	p, err := s.cchcPointsView(c, year, "", nil)
	if err != nil {
		return err
	}
	p.RowErrors = msgs
	s.render(c, http.StatusBadRequest, "cchc_points", p)
	return nil
}

// parseDecimal reads a number with a decimal point or comma.
func parseDecimal(s string) (float64, bool) {
	s = strings.Replace(s, ",", ".", 1)
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v != v {
		return 0, false
	}
	return v, true
}

// AdminCCHCPage lists the framework versions and shows one.
type AdminCCHCPage struct {
	BasePage
	Versions []CCHCVersionRow
	Current  *CCHCVersionRow
	Content  string // the JSON of title, fromYear and groups
	Notice   string
}

// CCHCVersionRow is a version in the list.
type CCHCVersionRow struct {
	Version     int
	Title       string
	FromYear    int
	Published   bool
	PublishedAt string
	Path        string
}

func cchcRow(f survey.CCHCFramework, lang survey.Lang) CCHCVersionRow {
	return CCHCVersionRow{Version: f.Version, Title: f.Title.In(lang), FromYear: f.FromYear, Published: f.Published,
		PublishedAt: day(f.PublishedAt), Path: "/admin/cchc/" + strconv.Itoa(f.Version)}
}

// cchcContent is the editable JSON of a version.
func cchcContent(f survey.CCHCFramework) string {
	b, _ := json.MarshalIndent(cchcFrameworkRequest{Title: f.Title, FromYear: f.FromYear, Groups: f.Groups}, "", "  ")
	return string(b)
}

func (s *Server) adminCCHCPage(c *gin.Context) error {
	return s.renderAdminCCHC(c, http.StatusOK, 0, "", nil)
}

func (s *Server) adminCCHCVersionPage(c *gin.Context) error {
	v, err := cchcVersionParam(c)
	if err != nil {
		return err
	}
	return s.renderAdminCCHC(c, http.StatusOK, v, "", nil)
}

// renderAdminCCHC shows the list and, when v > 0, that version (with the
// content given instead of the stored one when set, and problems).
func (s *Server) renderAdminCCHC(c *gin.Context, status, v int, content string, fe map[string]string) error {
	ctx := c.Request.Context()
	fs, err := s.store.CCHCFrameworks(ctx)
	if err != nil {
		return err
	}
	b := s.staffBase(c)
	p := AdminCCHCPage{BasePage: b}
	for _, f := range sortedCCHC(fs) {
		p.Versions = append(p.Versions, cchcRow(f, b.Lang))
		if f.Version == v {
			row := cchcRow(f, b.Lang)
			p.Current, p.Content = &row, cchcContent(f)
		}
	}
	if v > 0 && p.Current == nil {
		return survey.ErrNotFound
	}
	if content != "" {
		p.Content = content
	}
	if key, ok := map[string]string{"saved": "cchc.admin.saved", "published": "cchc.admin.published_done", "created": "cchc.admin.created"}[c.Query("done")]; ok {
		p.Notice = b.L.T(key)
	}
	if fe != nil {
		p.Errors = fe
		keys := make([]string, 0, len(fe))
		for f := range fe {
			keys = append(keys, f)
		}
		slices.Sort(keys)
		for _, f := range keys {
			p.ErrorList = append(p.ErrorList, ErrorItem{Anchor: "content", Label: f, Message: fe[f]})
		}
	}
	s.render(c, status, "admin_cchc", p)
	return nil
}

// adminCCHCCreate makes a new draft: a copy of the newest version, or the
// fixture's structure when there is none, as a starting point.
func (s *Server) adminCCHCCreate(c *gin.Context) error {
	fs, err := s.store.CCHCFrameworks(c.Request.Context())
	if err != nil {
		return err
	}
	from := survey.CCHCFixtureFramework()
	from.FromYear = time.Now().In(survey.Zone()).Year()
	if sorted := sortedCCHC(fs); len(sorted) > 0 {
		from = sorted[0]
	}
	d, err := s.newCCHCDraft(c, from)
	if err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, "/admin/cchc/"+strconv.Itoa(d.Version)+"?done=created")
	return nil
}

func (s *Server) adminCCHCSave(c *gin.Context) error {
	v, err := cchcVersionParam(c)
	if err != nil {
		return err
	}
	if err := c.Request.ParseForm(); err != nil {
		return parseFormErr(c, s, err)
	}
	content := c.Request.PostForm.Get("content")
	ms := s.locales[langOf(c)]
	var in cchcFrameworkRequest
	dec := json.NewDecoder(strings.NewReader(content))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return s.renderAdminCCHC(c, http.StatusBadRequest, v, content, map[string]string{"content": ms.T("cchc.err.json")})
	}
	_, err = s.saveCCHCDraft(c, v, in)
	var fe survey.FieldErrors
	switch {
	case errors.Is(err, survey.ErrPublished):
		return s.renderAdminCCHC(c, http.StatusBadRequest, v, "", problemMessages(ms, "cchc", survey.FieldErrors{"version": survey.ProblemPublished}))
	case errors.As(err, &fe):
		return s.renderAdminCCHC(c, http.StatusBadRequest, v, content, problemMessages(ms, "cchc", fe))
	case err != nil:
		return err
	}
	c.Redirect(http.StatusSeeOther, "/admin/cchc/"+strconv.Itoa(v)+"?done=saved")
	return nil
}

func (s *Server) adminCCHCPublish(c *gin.Context) error {
	v, err := cchcVersionParam(c)
	if err != nil {
		return err
	}
	ms := s.locales[langOf(c)]
	_, err = s.publishCCHC(c, v)
	var fe survey.FieldErrors
	switch {
	case errors.Is(err, survey.ErrPublished):
		return s.renderAdminCCHC(c, http.StatusBadRequest, v, "", problemMessages(ms, "cchc", survey.FieldErrors{"version": survey.ProblemPublished}))
	case errors.As(err, &fe):
		return s.renderAdminCCHC(c, http.StatusBadRequest, v, "", problemMessages(ms, "cchc", fe))
	case err != nil:
		return err
	}
	c.Redirect(http.StatusSeeOther, "/admin/cchc/"+strconv.Itoa(v)+"?done=published")
	return nil
}

func (s *Server) adminCCHCDraft(c *gin.Context) error {
	d, err := s.cchcDraftOfParam(c)
	if err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, "/admin/cchc/"+strconv.Itoa(d.Version)+"?done=created")
	return nil
}
