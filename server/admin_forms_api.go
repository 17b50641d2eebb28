package server

import (
	"encoding/json"
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

// AdminFormJSON is a questionnaire version as the admin API shows it; a
// draft has no publishedAt.
type AdminFormJSON struct {
	survey.Form
	PublishedAt *time.Time `json:"publishedAt,omitempty"`
}

func adminFormJSON(f survey.Form) AdminFormJSON {
	j := AdminFormJSON{Form: f}
	if f.Published {
		at := f.PublishedAt
		j.PublishedAt = &at
	}
	return j
}

// AdminFormSummary is one version in the list of questionnaires.
type AdminFormSummary struct {
	ID          string      `json:"id"`
	Version     int         `json:"version"`
	Title       survey.Text `json:"title"`
	Published   bool        `json:"published"`
	PublishedAt *time.Time  `json:"publishedAt,omitempty"`
	Criteria    int         `json:"criteria"`
	// InForce lists the areas ("*" for the default) whose surveys use this
	// version now.
	InForce []string `json:"inForce"`
}

// formEditRequest is the body of PUT /api/v1/admin/forms/{id}/{version}: the
// editable fields of the draft (all of them: what is left out becomes
// empty). A form as read by GET may be sent back whole: its other fields are
// accepted and ignored, except id and version which must match the URL.
type formEditRequest struct {
	Title     survey.Text      `json:"title"`
	Intro     survey.Text      `json:"intro"`
	Factors   []survey.Factor  `json:"factors"`
	AreaItems []survey.AreaSet `json:"areaItems"`
	// Crosswalk relates the draft's criteria to an earlier version; null
	// or left out: none.
	Crosswalk *survey.Crosswalk `json:"crosswalk"`

	ID            string          `json:"id,omitempty"`
	Version       int             `json:"version,omitempty"`
	Scale         json.RawMessage `json:"scale,omitempty"`
	NotApplicable json.RawMessage `json:"notApplicable,omitempty"`
	CommentMax    json.RawMessage `json:"commentMax,omitempty"`
	Demographics  json.RawMessage `json:"demographics,omitempty"`
	Published     json.RawMessage `json:"published,omitempty"`
	PublishedAt   json.RawMessage `json:"publishedAt,omitempty"`
}

// assignmentRequest is the body of PUT /api/v1/admin/assignments/{area}.
type assignmentRequest struct {
	FormID  string `json:"formId"`
	Version int    `json:"version"`
	From    string `json:"from"`
}

// AreaInForce says which version an area's surveys use now.
type AreaInForce struct {
	Area    string `json:"area"`
	FormID  string `json:"formId"`
	Version int    `json:"version"`
}

// formsErr turns domain field errors into a JSON 400 in the caller's
// language; other errors pass.
func (s *Server) formsErr(c *gin.Context, err error) error {
	var fe survey.FieldErrors
	if errors.As(err, &fe) {
		return &apiFieldError{code: "validation_failed", fields: formsProblems(s.locales[langOf(c)], fe)}
	}
	return err
}

// formsProblems translates the problems of form administration.
func formsProblems(ms *Messages, fe survey.FieldErrors) map[string]string {
	out := make(map[string]string, len(fe))
	for field, problem := range fe {
		out[field] = ms.T("forms.err." + problem)
	}
	return out
}

func (s *Server) apiAdminForms(c *gin.Context) error {
	cat, err := s.adminCatalog(c.Request.Context())
	if err != nil {
		return err
	}
	inForce := inForceByVersion(cat, time.Now())
	out := make([]AdminFormSummary, 0, len(cat.Forms))
	for _, f := range sortedForms(cat.Forms) {
		j := adminFormJSON(f)
		areas := inForce[f.Key]
		if areas == nil {
			areas = []string{}
		}
		out = append(out, AdminFormSummary{
			ID: f.ID, Version: f.Version, Title: f.Title, Published: f.Published, PublishedAt: j.PublishedAt,
			Criteria: f.QuestionCount(""), InForce: areas,
		})
	}
	c.JSON(http.StatusOK, gin.H{"forms": out})
	return nil
}

func (s *Server) apiAdminForm(c *gin.Context) error {
	id, v, err := formParams(c)
	if err != nil {
		return err
	}
	f, err := s.store.Form(c.Request.Context(), id, v)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, adminFormJSON(f))
	return nil
}

func (s *Server) apiAdminFormDraft(c *gin.Context) error {
	id, v, err := formParams(c)
	if err != nil {
		return err
	}
	d, err := s.createDraft(c, id, v)
	if err != nil {
		return err
	}
	c.Header("Location", "/api/v1/admin/forms/"+url.PathEscape(d.ID)+"/"+strconv.Itoa(d.Version))
	c.JSON(http.StatusCreated, adminFormJSON(d))
	return nil
}

func (s *Server) apiAdminFormSave(c *gin.Context) error {
	id, v, err := formParams(c)
	if err != nil {
		return err
	}
	var in formEditRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	cur, err := s.store.Form(c.Request.Context(), id, v)
	if err != nil {
		return err
	}
	if cur.Published {
		return s.formsErr(c, publishedProblem)
	}
	fe := survey.FieldErrors{}
	if in.ID != "" && in.ID != id {
		fe[survey.FieldFormID] = survey.ProblemInvalid
	}
	if in.Version != 0 && in.Version != v {
		fe[survey.FieldVersion] = survey.ProblemInvalid
	}
	if len(fe) > 0 {
		return s.formsErr(c, fe)
	}
	f, err := s.saveDraft(c, id, v, survey.FormEdit{Title: in.Title, Intro: in.Intro, Factors: in.Factors, AreaItems: in.AreaItems, Crosswalk: in.Crosswalk})
	if err != nil {
		return s.formsErr(c, err)
	}
	c.JSON(http.StatusOK, adminFormJSON(f))
	return nil
}

func (s *Server) apiAdminFormPublish(c *gin.Context) error {
	id, v, err := formParams(c)
	if err != nil {
		return err
	}
	f, err := s.publishDraft(c, id, v)
	if err != nil {
		return s.formsErr(c, err)
	}
	c.JSON(http.StatusOK, adminFormJSON(f))
	return nil
}

func (s *Server) apiAdminAssignments(c *gin.Context) error {
	cat, err := s.adminCatalog(c.Request.Context())
	if err != nil {
		return err
	}
	now := time.Now()
	as := append([]survey.Assignment{}, cat.Assignments...)
	sort.SliceStable(as, func(i, j int) bool {
		if as[i].Area != as[j].Area {
			return as[i].Area < as[j].Area
		}
		return as[i].From.Before(as[j].From)
	})
	inForce := []AreaInForce{}
	for _, area := range append([]string{survey.AllAreas}, areaCodes(cat)...) {
		f, err := cat.FormFor(area, now)
		if err == nil {
			inForce = append(inForce, AreaInForce{Area: area, FormID: f.ID, Version: f.Version})
		}
	}
	c.JSON(http.StatusOK, gin.H{"assignments": as, "inForce": inForce})
	return nil
}

func (s *Server) apiAdminAssignmentSet(c *gin.Context) error {
	var in assignmentRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	a, fe := readAssignment(c.Param("area"), in.FormID, in.Version, in.From)
	if fe != nil {
		return s.formsErr(c, fe)
	}
	tl, err := s.assign(c, a)
	if err != nil {
		return s.formsErr(c, err)
	}
	c.JSON(http.StatusOK, gin.H{"area": a.Area, "assignments": tl})
	return nil
}

// readAssignment builds an assignment from its entered parts; the date is
// YYYY-MM-DD, midnight in Vietnam.
func readAssignment(area, formID string, version int, from string) (survey.Assignment, survey.FieldErrors) {
	a := survey.Assignment{Area: strings.TrimSpace(area), FormID: strings.TrimSpace(formID), Version: version}
	from = strings.TrimSpace(from)
	if from == "" {
		return a, survey.FieldErrors{survey.FieldFrom: survey.ProblemRequired}
	}
	d, ok := parseDay(from)
	if !ok {
		return a, survey.FieldErrors{survey.FieldFrom: survey.ProblemInvalid}
	}
	a.From = d
	return a, nil
}

// inForceByVersion maps a form key to the areas ("*" first) whose surveys
// use it at the time.
func inForceByVersion(cat *survey.Catalog, at time.Time) map[string][]string {
	out := map[string][]string{}
	for _, area := range append([]string{survey.AllAreas}, areaCodes(cat)...) {
		if f, err := cat.FormFor(area, at); err == nil {
			out[f.Key] = append(out[f.Key], area)
		}
	}
	return out
}

func areaCodes(cat *survey.Catalog) []string {
	out := make([]string, len(cat.Areas))
	for i, a := range cat.Areas {
		out[i] = a.Code
	}
	return out
}

// sortedForms orders versions by form id, newest version first.
func sortedForms(fs []survey.Form) []survey.Form {
	out := append([]survey.Form{}, fs...)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].ID != out[j].ID {
			return out[i].ID < out[j].ID
		}
		return out[i].Version > out[j].Version
	})
	return out
}
