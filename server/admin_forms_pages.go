package server

import (
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"hailong/survey"
)

// ---- the list of versions ----

// AdminFormsPage lists every questionnaire version, grouped by form.
type AdminFormsPage struct {
	BasePage
	Groups []FormGroup
	Notice string
}

// FormGroup is one questionnaire's versions, newest first.
type FormGroup struct {
	ID, Title string
	Versions  []FormVersionRow
}

// FormVersionRow is one version in the list.
type FormVersionRow struct {
	Version     int
	Path        string
	Title       string
	Published   bool
	PublishedAt string
	Criteria    int
	InForce     []string
}

func (s *Server) adminFormsPage(c *gin.Context) error {
	cat, err := s.adminCatalog(c.Request.Context())
	if err != nil {
		return err
	}
	b := s.staffBase(c)
	names := areaNames(b, cat)
	inForce := inForceByVersion(cat, time.Now())
	// An area that uses the default version is not named again.
	if def, err := cat.FormFor(survey.AllAreas, time.Now()); err == nil {
		inForce[def.Key] = inForce[def.Key][:1]
	}
	p := AdminFormsPage{BasePage: b}
	for _, f := range sortedForms(cat.Forms) {
		if len(p.Groups) == 0 || p.Groups[len(p.Groups)-1].ID != f.ID {
			p.Groups = append(p.Groups, FormGroup{ID: f.ID, Title: f.Title.In(b.Lang)})
		}
		g := &p.Groups[len(p.Groups)-1]
		row := FormVersionRow{
			Version: f.Version, Path: formPath(f.ID, f.Version), Title: f.Title.In(b.Lang),
			Published: f.Published, PublishedAt: day(f.PublishedAt), Criteria: f.QuestionCount(""),
		}
		for _, a := range inForce[f.Key] {
			row.InForce = append(row.InForce, names[a])
		}
		g.Versions = append(g.Versions, row)
	}
	s.render(c, http.StatusOK, "admin_forms", p)
	return nil
}

// areaNames maps area codes, and AllAreas, to their names.
func areaNames(b BasePage, cat *survey.Catalog) map[string]string {
	m := map[string]string{survey.AllAreas: b.L.T("forms.assign.default")}
	for _, a := range cat.Areas {
		m[a.Code] = a.Name.In(b.Lang)
	}
	return m
}

// day shows a date as YYYY-MM-DD in Vietnam; "" for none.
func day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(hcm).Format("2006-01-02")
}

// ---- one version: view, edit, publish, new draft ----

// AdminFormPage shows one questionnaire version. A draft comes with its edit
// form; a published version is shown read-only.
type AdminFormPage struct {
	BasePage
	FormID      string
	Version     int
	Path        string
	Published   bool
	PublishedAt string
	Notice      string
	Title       TextPair
	Intro       TextPair
	Factors     []FactorView
	Sets        []SetView
	NewSet      SetView
	Crosswalk   CrosswalkView // admin_forms_crosswalk.go
}

// TextPair is a text's Vietnamese and English fields.
type TextPair struct {
	Legend string
	Vi, En TextField
}

// TextField is one labelled input (or textarea) with its message.
type TextField struct {
	ID, Label, Value, Error, Lang string
	Multiline                     bool
	Max                           int
}

// FactorView is a factor with its criteria, and an empty row to add one.
type FactorView struct {
	ID, Code, Legend, Error string
	Name                    TextPair
	Items                   []ItemView
	New                     ItemView
}

// ItemView is a criterion or an area's extra item.
type ItemView struct {
	ID, Legend     string
	Code           TextField
	TextVi, TextEn TextField
	// Remove is the name (and id) of the checkbox that removes the item.
	Remove, RemoveLabel string
}

// SetView is an area's extra items.
type SetView struct {
	ID, Legend, Error string
	Area              SelectField
	Items             []ItemView
	New               ItemView
}

// SelectField is one labelled select.
type SelectField struct {
	ID, Label, Error string
	Options          []SelectOption
}

// SelectOption is one option of a select.
type SelectOption struct {
	Value, Label string
	Selected     bool
}

func (s *Server) adminFormPage(c *gin.Context) error {
	id, v, err := formParams(c)
	if err != nil {
		return err
	}
	f, err := s.store.Form(c.Request.Context(), id, v)
	if err != nil {
		return err
	}
	notice := ""
	switch c.Query("done") {
	case "saved":
		notice = "forms.notice.saved"
	case "published":
		notice = "forms.notice.published"
	case "draft":
		notice = "forms.notice.draft"
	}
	return s.renderFormPage(c, http.StatusOK, f, nil, notice)
}

// renderFormPage shows a version with what was entered and the problems.
func (s *Server) renderFormPage(c *gin.Context, status int, f survey.Form, fe survey.FieldErrors, notice string) error {
	cat, err := s.store.Catalog(c.Request.Context())
	if err != nil {
		return err
	}
	b := s.staffBase(c)
	p := buildFormPage(b, cat, f, formsProblems(b.L, fe))
	if notice != "" {
		p.Notice = b.L.T(notice)
	}
	s.render(c, status, "admin_form", p)
	return nil
}

func (s *Server) adminFormSave(c *gin.Context) error {
	id, v, err := formParams(c)
	if err != nil {
		return err
	}
	if err := c.Request.ParseForm(); err != nil {
		return parseFormErr(c, s, err)
	}
	cur, err := s.store.Form(c.Request.Context(), id, v)
	if err != nil {
		return err
	}
	if cur.Published {
		return s.renderFormPage(c, http.StatusBadRequest, cur, publishedProblem, "")
	}
	f, err := s.saveDraft(c, id, v, readFormPost(c.Request.PostForm, cur))
	var fe survey.FieldErrors
	if errors.As(err, &fe) {
		return s.renderFormPage(c, http.StatusBadRequest, f, fe, "")
	}
	if err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, formPath(id, v)+"?done=saved")
	return nil
}

func (s *Server) adminFormPublish(c *gin.Context) error {
	id, v, err := formParams(c)
	if err != nil {
		return err
	}
	f, err := s.publishDraft(c, id, v)
	var fe survey.FieldErrors
	if errors.As(err, &fe) {
		return s.renderFormPage(c, http.StatusBadRequest, f, fe, "")
	}
	if err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, formPath(id, v)+"?done=published")
	return nil
}

func (s *Server) adminFormDraft(c *gin.Context) error {
	id, v, err := formParams(c)
	if err != nil {
		return err
	}
	d, err := s.createDraft(c, id, v)
	if err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, formPath(d.ID, d.Version)+"?done=draft")
	return nil
}

// parseFormErr answers a form body that cannot be read: 413 when too large.
func parseFormErr(c *gin.Context, s *Server, err error) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return err
	}
	return s.badForm(c)
}

// The edit form's fields are named by the same paths as the domain's
// problems ("title.vi", "factors.0.criteria.2.code", ...), so a message
// lands on its field. The row to add an item is named "factors.<i>.new.*"
// or "areaItems.<k>.new.*"; the row to add items for another area
// "areaItems.new.*". A checked "<item>.remove" drops the item.

// maxRows bounds the rows read from one list of a posted form.
const maxRows = 500

// readFormPost reads the edit form. The factors (their codes and order) are
// those of the stored draft; their names and criteria come from the form.
func readFormPost(form url.Values, draft survey.Form) survey.FormEdit {
	get := func(k string) string { return form.Get(k) }
	has := func(k string) bool { _, ok := form[k]; return ok }
	text := func(prefix string) survey.Text {
		return survey.Text{Vi: get(prefix + ".vi"), En: get(prefix + ".en")}
	}
	item := func(prefix string) (survey.Criterion, bool) {
		c := survey.Criterion{Code: get(prefix + ".code"), Text: text(prefix + ".text")}
		blank := strings.TrimSpace(c.Code+c.Text.Vi+c.Text.En) == ""
		return c, !blank
	}
	items := func(prefix, listName string) []survey.Criterion {
		var out []survey.Criterion
		for j := 0; j < maxRows; j++ {
			p := prefix + "." + listName + "." + strconv.Itoa(j)
			if !has(p + ".code") {
				break
			}
			if get(p+".remove") != "" {
				continue
			}
			c, _ := item(p)
			out = append(out, c)
		}
		if c, ok := item(prefix + ".new"); ok {
			out = append(out, c)
		}
		return out
	}
	e := survey.FormEdit{Title: text("title"), Intro: text("intro")}
	for i, fa := range draft.Factors {
		p := "factors." + strconv.Itoa(i)
		e.Factors = append(e.Factors, survey.Factor{Code: fa.Code, Name: text(p + ".name"), Criteria: items(p, "criteria")})
	}
	for k := 0; k < maxRows; k++ {
		p := "areaItems." + strconv.Itoa(k)
		if !has(p + ".area") {
			break
		}
		set := survey.AreaSet{Area: get(p + ".area"), Items: items(p, "items")}
		if len(set.Items) > 0 { // every item removed: the area has no extra items
			e.AreaItems = append(e.AreaItems, set)
		}
	}
	if c, ok := item("areaItems.new"); ok {
		area := strings.TrimSpace(get("areaItems.new.area"))
		added := false
		for k := range e.AreaItems {
			if area != "" && strings.TrimSpace(e.AreaItems[k].Area) == area {
				e.AreaItems[k].Items = append(e.AreaItems[k].Items, c)
				added = true
				break
			}
		}
		if !added {
			e.AreaItems = append(e.AreaItems, survey.AreaSet{Area: area, Items: []survey.Criterion{c}})
		}
	}
	e.Crosswalk = readCrosswalkPost(get, e)
	return e
}

// buildFormPage lays out a version's fields with their messages (already
// translated, by field path), and the error summary in the page's order.
func buildFormPage(b BasePage, cat *survey.Catalog, f survey.Form, errs map[string]string) AdminFormPage {
	L := b.L
	p := AdminFormPage{
		BasePage: b, FormID: f.ID, Version: f.Version, Path: formPath(f.ID, f.Version),
		Published: f.Published, PublishedAt: day(f.PublishedAt),
	}
	summary := func(anchor, label, field string) string {
		msg, ok := errs[field]
		if ok {
			p.ErrorList = append(p.ErrorList, ErrorItem{Anchor: anchor, Label: label, Message: msg})
			p.Errors[field] = msg
		}
		return msg
	}
	// Problems of the whole version first.
	summary("main", L.T("forms.version", f.Version), survey.FieldVersion)
	summary("main", L.T("forms.form"), survey.FieldFormID)
	field := func(id, label, context, value, lang string, multiline bool, max int) TextField {
		tf := TextField{ID: id, Label: label, Value: value, Lang: lang, Multiline: multiline, Max: max}
		full := label
		if context != "" {
			full = context + " – " + label
		}
		tf.Error = summary(id, full, id)
		return tf
	}
	pair := func(prefix, legend, context, labelVi, labelEn string, t survey.Text, multiline bool, max int) TextPair {
		ctx := legend
		if context != "" {
			ctx = context + " – " + legend
		}
		return TextPair{
			Legend: legend,
			Vi:     field(prefix+".vi", L.T(labelVi), ctx, t.Vi, "vi", multiline, max),
			En:     field(prefix+".en", L.T(labelEn), ctx, t.En, "en", multiline, max),
		}
	}
	p.Title = pair("title", L.T("forms.title"), "", "forms.lang.vi", "forms.lang.en", f.Title, false, survey.MaxTitleLen)
	p.Intro = pair("intro", L.T("forms.intro"), "", "forms.lang.vi", "forms.lang.en", f.Intro, true, survey.MaxIntroLen)
	item := func(prefix, legend, context string, c survey.Criterion, removable bool) ItemView {
		ctx := context + " – " + legend
		iv := ItemView{
			ID: prefix, Legend: legend,
			Code:   field(prefix+".code", L.T("forms.item.code"), ctx, c.Code, "", false, 16),
			TextVi: field(prefix+".text.vi", L.T("forms.item.text.vi"), ctx, c.Text.Vi, "vi", true, survey.MaxItemLen),
			TextEn: field(prefix+".text.en", L.T("forms.item.text.en"), ctx, c.Text.En, "en", true, survey.MaxItemLen),
		}
		if removable {
			iv.Remove, iv.RemoveLabel = prefix+".remove", L.T("forms.item.remove")
		}
		return iv
	}
	summary("factors", L.T("forms.factors"), survey.FieldFactors)
	for i, fa := range f.Factors {
		prefix := "factors." + strconv.Itoa(i)
		legend := L.T("forms.factor", fa.Code)
		fv := FactorView{ID: prefix, Code: fa.Code, Legend: legend}
		fv.Error = summary(prefix, legend, prefix+".code")
		fv.Name = pair(prefix+".name", L.T("forms.factor.name"), legend, "forms.lang.vi", "forms.lang.en", fa.Name, false, survey.MaxNameLen)
		if msg := summary(prefix, legend+" – "+L.T("forms.criteria"), prefix+".criteria"); msg != "" {
			fv.Error = msg
		}
		for j, c := range fa.Criteria {
			fv.Items = append(fv.Items, item(prefix+".criteria."+strconv.Itoa(j), L.T("forms.criterion", j+1), legend, c, true))
		}
		fv.New = item(prefix+".new", L.T("forms.criterion.new"), legend, survey.Criterion{}, false)
		p.Factors = append(p.Factors, fv)
	}
	areaSelect := func(id, label, context, chosen string) SelectField {
		sf := SelectField{ID: id, Label: label, Options: []SelectOption{{Value: "", Label: L.T("forms.choose"), Selected: chosen == ""}}}
		known := chosen == ""
		for _, a := range cat.Areas {
			sf.Options = append(sf.Options, SelectOption{Value: a.Code, Label: a.Name.In(b.Lang), Selected: a.Code == chosen})
			known = known || a.Code == chosen
		}
		if !known {
			sf.Options = append(sf.Options, SelectOption{Value: chosen, Label: chosen, Selected: true})
		}
		sf.Error = summary(id, context+" – "+label, id)
		return sf
	}
	names := areaNames(b, cat)
	for k, set := range f.AreaItems {
		prefix := "areaItems." + strconv.Itoa(k)
		name := names[set.Area]
		if name == "" {
			name = set.Area
		}
		legend := L.T("forms.extras.area", name)
		sv := SetView{ID: prefix, Legend: legend}
		sv.Area = areaSelect(prefix+".area", L.T("forms.extras.areafield"), legend, set.Area)
		sv.Error = summary(prefix, legend, prefix+".items")
		for j, c := range set.Items {
			sv.Items = append(sv.Items, item(prefix+".items."+strconv.Itoa(j), L.T("forms.extra", j+1), legend, c, true))
		}
		sv.New = item(prefix+".new", L.T("forms.extra.new"), legend, survey.Criterion{}, false)
		p.Sets = append(p.Sets, sv)
	}
	newLegend := L.T("forms.extras.new")
	p.NewSet = SetView{ID: "areaItems.new", Legend: newLegend}
	p.NewSet.Area = areaSelect("areaItems.new.area", L.T("forms.extras.areafield"), newLegend, "")
	p.NewSet.New = item("areaItems.new", L.T("forms.extra.new"), newLegend, survey.Criterion{}, false)
	// Any problem not placed above still appears in the summary.
	rest := make([]string, 0, len(errs))
	for field := range errs {
		if _, shown := p.Errors[field]; !shown {
			rest = append(rest, field)
		}
	}
	sort.Strings(rest)
	for _, field := range rest {
		p.ErrorList = append(p.ErrorList, ErrorItem{Anchor: "main", Label: field, Message: errs[field]})
		p.Errors[field] = errs[field]
	}
	p.Crosswalk = crosswalkView(&p, cat, f, errs)
	return p
}

// ---- assignments ----

// AdminAssignmentsPage shows, for each area, the version in force and the
// timeline of assignments, and the form to add one.
type AdminAssignmentsPage struct {
	BasePage
	Rows   []AssignmentRow
	Area   SelectField
	Form   SelectField
	From   TextField
	Notice string
}

// AssignmentRow is one area (or the default) with its timeline.
type AssignmentRow struct {
	Area, Name, InForce string
	Timeline            []string
}

func (s *Server) adminAssignmentsPage(c *gin.Context) error {
	notice := ""
	if c.Query("done") == "saved" {
		notice = "forms.notice.assigned"
	}
	return s.renderAssignments(c, http.StatusOK, "", "", "", nil, notice)
}

func (s *Server) adminAssignmentsSave(c *gin.Context) error {
	if err := c.Request.ParseForm(); err != nil {
		return parseFormErr(c, s, err)
	}
	area, form, from := c.PostForm("area"), c.PostForm("form"), c.PostForm("from")
	formID, version := splitFormKey(form)
	a, fe := readAssignment(area, formID, version, from)
	if fe == nil && area == "" {
		fe = survey.FieldErrors{survey.FieldArea: survey.ProblemRequired}
	}
	if fe == nil && form == "" {
		fe = survey.FieldErrors{survey.FieldVersion: survey.ProblemRequired}
	}
	if fe == nil {
		_, err := s.assign(c, a)
		if !errors.As(err, &fe) && err != nil {
			return err
		}
	}
	if fe != nil {
		return s.renderAssignments(c, http.StatusBadRequest, area, form, from, fe, "")
	}
	c.Redirect(http.StatusSeeOther, "/admin/assignments?done=saved")
	return nil
}

// splitFormKey reads "<id>@<version>"; version 0 when malformed.
func splitFormKey(k string) (string, int) {
	i := strings.LastIndexByte(k, '@')
	if i < 0 {
		return k, 0
	}
	v, err := strconv.Atoi(k[i+1:])
	if err != nil {
		return k[:i], 0
	}
	return k[:i], v
}

func (s *Server) renderAssignments(c *gin.Context, status int, area, form, from string, fe survey.FieldErrors, notice string) error {
	cat, err := s.adminCatalog(c.Request.Context())
	if err != nil {
		return err
	}
	b := s.staffBase(c)
	L := b.L
	errs := formsProblems(L, fe)
	p := AdminAssignmentsPage{BasePage: b}
	if notice != "" {
		p.Notice = L.T(notice)
	}
	names := areaNames(b, cat)
	now := time.Now()
	label := func(id string, v int) string { return L.T("forms.formversion", id, v) }
	for _, code := range append([]string{survey.AllAreas}, areaCodes(cat)...) {
		row := AssignmentRow{Area: code, Name: names[code]}
		if f, err := cat.FormFor(code, now); err == nil {
			row.InForce = label(f.ID, f.Version)
		}
		for _, a := range survey.AreaAssignments(cat.Assignments, code) {
			when := day(a.From)
			if when == "" {
				when = "—"
			}
			row.Timeline = append(row.Timeline, L.T("forms.assign.from", when, label(a.FormID, a.Version)))
		}
		p.Rows = append(p.Rows, row)
	}
	msg := func(id, labelKey, field string) string {
		m, ok := errs[field]
		if ok {
			p.addError(id, L.T(labelKey), m)
		}
		return m
	}
	p.Area = SelectField{ID: "area", Label: L.T("forms.assign.area")}
	p.Area.Options = append(p.Area.Options, SelectOption{Value: "", Label: L.T("forms.choose"), Selected: area == ""})
	for _, code := range append([]string{survey.AllAreas}, areaCodes(cat)...) {
		p.Area.Options = append(p.Area.Options, SelectOption{Value: code, Label: names[code], Selected: code == area})
	}
	p.Area.Error = msg("area", "forms.assign.area", survey.FieldArea)
	p.Form = SelectField{ID: "form", Label: L.T("forms.assign.version")}
	p.Form.Options = append(p.Form.Options, SelectOption{Value: "", Label: L.T("forms.choose"), Selected: form == ""})
	for _, f := range sortedForms(cat.Forms) {
		if f.Published {
			p.Form.Options = append(p.Form.Options, SelectOption{
				Value: f.Key, Label: label(f.ID, f.Version) + " — " + f.Title.In(b.Lang), Selected: f.Key == form,
			})
		}
	}
	p.Form.Error = msg("form", "forms.assign.version", survey.FieldVersion)
	if p.Form.Error == "" {
		p.Form.Error = msg("form", "forms.assign.version", survey.FieldFormID)
	}
	if from == "" {
		from = day(time.Now())
	}
	p.From = TextField{ID: "from", Label: L.T("forms.assign.date"), Value: from}
	p.From.Error = msg("from", "forms.assign.date", survey.FieldFrom)
	s.render(c, status, "admin_assignments", p)
	return nil
}
