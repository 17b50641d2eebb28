package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"hailong/survey"
)

// cchcErr turns the errors of CCHC entry into JSON answers: field problems
// (400 validation_failed), a bad points file (400 invalid_csv, a message per
// bad line under "line.N"), no framework for the year (409
// no_cchc_framework), a published version changed (400); others pass.
func (s *Server) cchcErr(c *gin.Context, err error) error {
	ms := s.locales[langOf(c)]
	var fe survey.FieldErrors
	var rows *cchcRowsError
	switch {
	case errors.Is(err, errNoCCHCFramework):
		return &apiCodeError{status: http.StatusConflict, code: "no_cchc_framework"}
	case errors.Is(err, survey.ErrPublished):
		return fieldErrorsIn("cchc", survey.FieldErrors{"version": survey.ProblemPublished})
	case errors.As(err, &rows):
		fields := map[string]string{}
		for i, m := range cchcRowMessages(ms, rows.problems) {
			k := "line." + strconv.Itoa(rows.problems[i].Line)
			if _, dup := fields[k]; dup {
				k += "." + strconv.Itoa(i)
			}
			fields[k] = m
		}
		return &apiFieldError{code: "invalid_csv", fields: fields}
	case errors.As(err, &fe):
		return fieldErrorsIn("cchc", fe)
	}
	return err
}

// apiCCHC answers GET /api/v1/cchc/{year}: the year's index.
func (s *Server) apiCCHC(c *gin.Context) error {
	year, err := cchcYearParam(c.Param("year"))
	if err != nil {
		return err
	}
	j, err := s.CCHCView(c.Request.Context(), year)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, j)
	return nil
}

// apiCCHCPoints answers GET /api/v1/cchc/{year}/points: the points entered.
func (s *Server) apiCCHCPoints(c *gin.Context) error {
	year, err := cchcYearParam(c.Param("year"))
	if err != nil {
		return err
	}
	y, err := s.store.CCHCYear(c.Request.Context(), year)
	if err != nil {
		return err
	}
	out := make([]CCHCPointsJSON, 0, len(y.Units))
	for _, u := range y.Units {
		out = append(out, cchcPointsJSON(u))
	}
	c.JSON(http.StatusOK, gin.H{"year": year, "units": out})
	return nil
}

// apiCCHCPointsPut answers PUT /api/v1/cchc/{year}/points: every unit given
// replaces that unit's points, all checked before any is stored.
func (s *Server) apiCCHCPointsPut(c *gin.Context) error {
	year, err := cchcYearParam(c.Param("year"))
	if err != nil {
		return err
	}
	var in cchcPointsRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if len(in.Units) == 0 {
		return s.cchcErr(c, survey.FieldErrors{"units": survey.ProblemRequired})
	}
	units := make([]survey.CCHCUnitPoints, len(in.Units))
	fe := survey.FieldErrors{}
	seen := map[string]bool{}
	for i, p := range in.Units {
		units[i] = p.unit()
		if seen[p.Agency] {
			fe["units."+strconv.Itoa(i)+".agency"] = survey.ProblemDuplicate
		}
		seen[p.Agency] = true
	}
	if len(fe) > 0 {
		return s.cchcErr(c, fe)
	}
	saved, err := s.saveCCHCUnits(c, year, func(cchcContext, survey.CCHCYear) ([]survey.CCHCUnitPoints, error) { return units, nil })
	if err != nil {
		return s.cchcErr(c, err)
	}
	out := make([]CCHCPointsJSON, len(saved))
	for i, u := range saved {
		out[i] = cchcPointsJSON(u)
	}
	c.JSON(http.StatusOK, gin.H{"year": year, "units": out})
	return nil
}

// cchcCSVRequest is the body of POST /api/v1/cchc/{year}/points/csv: the
// text of a points file, as the entry page uploads it (survey/cchc_csv.go).
type cchcCSVRequest struct {
	CSV string `json:"csv"`
}

// apiCCHCPointsCSV answers POST /api/v1/cchc/{year}/points/csv: a points
// file checked row by row, stored whole or not at all (400 invalid_csv with
// a message per bad line).
func (s *Server) apiCCHCPointsCSV(c *gin.Context) error {
	year, err := cchcYearParam(c.Param("year"))
	if err != nil {
		return err
	}
	var in cchcCSVRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if strings.TrimSpace(in.CSV) == "" {
		return s.cchcErr(c, survey.FieldErrors{"csv": survey.ProblemRequired})
	}
	saved, err := s.saveCCHCFile(c, year, []byte(in.CSV))
	if err != nil {
		return s.cchcErr(c, err)
	}
	out := make([]CCHCPointsJSON, len(saved))
	for i, u := range saved {
		out[i] = cchcPointsJSON(u)
	}
	c.JSON(http.StatusOK, gin.H{"year": year, "units": out})
	return nil
}

// saveCCHCFile reads and stores a points file.
func (s *Server) saveCCHCFile(c *gin.Context, year int, data []byte) ([]survey.CCHCUnitPoints, error) {
	return s.saveCCHCUnits(c, year, func(cc cchcContext, have survey.CCHCYear) ([]survey.CCHCUnitPoints, error) {
		units, problems := survey.ParseCCHCPoints(data, cc.fw, cc.cat, have)
		if problems != nil {
			return nil, &cchcRowsError{problems: problems}
		}
		return units, nil
	})
}

// cchcFrameworkRequest is the content of a framework draft.
type cchcFrameworkRequest struct {
	Title    survey.Text             `json:"title"`
	FromYear int                     `json:"fromYear"`
	Groups   []survey.CCHCGroupFrame `json:"groups"`
	// A framework as read by GET may be sent back whole; these are ignored
	// (version must match the URL's).
	Version     int             `json:"version,omitempty"`
	Published   json.RawMessage `json:"published,omitempty"`
	PublishedAt json.RawMessage `json:"publishedAt,omitempty"`
}

// cchcDraftOfParam makes a new draft copied from the framework version the
// path names (the API's and the administration page's "new draft").
func (s *Server) cchcDraftOfParam(c *gin.Context) (survey.CCHCFramework, error) {
	v, err := cchcVersionParam(c)
	if err != nil {
		return survey.CCHCFramework{}, err
	}
	src, err := s.store.CCHCFramework(c.Request.Context(), v)
	if err != nil {
		return survey.CCHCFramework{}, err
	}
	return s.newCCHCDraft(c, src)
}

func cchcVersionParam(c *gin.Context) (int, error) {
	v, err := strconv.Atoi(c.Param("version"))
	if err != nil || v < 1 || strings.HasPrefix(c.Param("version"), "+") {
		return 0, survey.ErrNotFound
	}
	return v, nil
}

func (s *Server) apiAdminCCHCFrameworks(c *gin.Context) error {
	fs, err := s.store.CCHCFrameworks(c.Request.Context())
	if err != nil {
		return err
	}
	out := make([]CCHCFrameworkJSON, 0, len(fs))
	for _, f := range sortedCCHC(fs) {
		out = append(out, cchcFrameworkJSON(f))
	}
	c.JSON(http.StatusOK, gin.H{"frameworks": out})
	return nil
}

func (s *Server) apiAdminCCHCFramework(c *gin.Context) error {
	v, err := cchcVersionParam(c)
	if err != nil {
		return err
	}
	f, err := s.store.CCHCFramework(c.Request.Context(), v)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, cchcFrameworkJSON(f))
	return nil
}

// apiAdminCCHCCreate answers POST /api/v1/admin/cchc/frameworks: a new
// draft with the content given, as the next version.
func (s *Server) apiAdminCCHCCreate(c *gin.Context) error {
	var in cchcFrameworkRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	d, err := s.newCCHCDraft(c, survey.CCHCFramework{Title: in.Title, FromYear: in.FromYear, Groups: in.Groups})
	if err != nil {
		return s.cchcErr(c, err)
	}
	c.Header("Location", "/api/v1/admin/cchc/frameworks/"+strconv.Itoa(d.Version))
	c.JSON(http.StatusCreated, cchcFrameworkJSON(d))
	return nil
}

// apiAdminCCHCDraft answers POST .../frameworks/{version}/drafts: a new
// draft copied from the version.
func (s *Server) apiAdminCCHCDraft(c *gin.Context) error {
	d, err := s.cchcDraftOfParam(c)
	if err != nil {
		return s.cchcErr(c, err)
	}
	c.Header("Location", "/api/v1/admin/cchc/frameworks/"+strconv.Itoa(d.Version))
	c.JSON(http.StatusCreated, cchcFrameworkJSON(d))
	return nil
}

func (s *Server) apiAdminCCHCSave(c *gin.Context) error {
	v, err := cchcVersionParam(c)
	if err != nil {
		return err
	}
	var in cchcFrameworkRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.Version != 0 && in.Version != v {
		return s.cchcErr(c, survey.FieldErrors{"version": survey.ProblemInvalid})
	}
	f, err := s.saveCCHCDraft(c, v, in)
	if err != nil {
		return s.cchcErr(c, err)
	}
	c.JSON(http.StatusOK, cchcFrameworkJSON(f))
	return nil
}

func (s *Server) apiAdminCCHCPublish(c *gin.Context) error {
	v, err := cchcVersionParam(c)
	if err != nil {
		return err
	}
	f, err := s.publishCCHC(c, v)
	if err != nil {
		return s.cchcErr(c, err)
	}
	c.JSON(http.StatusOK, cchcFrameworkJSON(f))
	return nil
}

// newCCHCDraft stores content as a new draft with the next free version.
func (s *Server) newCCHCDraft(c *gin.Context, content survey.CCHCFramework) (survey.CCHCFramework, error) {
	ctx := c.Request.Context()
	for range 5 {
		fs, err := s.store.CCHCFrameworks(ctx)
		if err != nil {
			return survey.CCHCFramework{}, err
		}
		d := survey.NewCCHCDraft(content, survey.NextCCHCVersion(fs))
		d, _ = survey.EditCCHC(d, d.Title, d.FromYear, d.Groups)
		switch err := s.store.InsertCCHCFramework(ctx, d); {
		case err == nil:
			s.audit(c, actor(c), "cchc_draft", d.Key, nil, d)
			return d, nil
		case !errors.Is(err, survey.ErrDuplicate):
			return survey.CCHCFramework{}, err
		}
	}
	return survey.CCHCFramework{}, survey.ErrConflict
}

// cchcFrameworkWrites serialises the process's edits and publications of
// framework drafts, for the reason cchcWrites gives: on the embedded FerretDB
// an edit racing a publication could otherwise turn the published version
// back into a draft.
var cchcFrameworkWrites sync.Mutex

// saveCCHCDraft replaces a draft's content (unchecked until publication,
// like questionnaires: a draft may be saved half done).
func (s *Server) saveCCHCDraft(c *gin.Context, v int, in cchcFrameworkRequest) (survey.CCHCFramework, error) {
	ctx := c.Request.Context()
	cchcFrameworkWrites.Lock()
	defer cchcFrameworkWrites.Unlock()
	cur, err := s.store.CCHCFramework(ctx, v)
	if err != nil {
		return cur, err
	}
	f, err := survey.EditCCHC(cur, in.Title, in.FromYear, in.Groups)
	if err != nil {
		return cur, err
	}
	if err := s.store.ReplaceCCHCDraft(ctx, f); err != nil {
		return cur, err
	}
	s.audit(c, actor(c), "cchc_edit", f.Key, cur, f)
	return f, nil
}

// publishCCHC checks and publishes a draft; from then on it is immutable.
func (s *Server) publishCCHC(c *gin.Context, v int) (survey.CCHCFramework, error) {
	ctx := c.Request.Context()
	cchcFrameworkWrites.Lock()
	defer cchcFrameworkWrites.Unlock()
	cur, err := s.store.CCHCFramework(ctx, v)
	if err != nil {
		return cur, err
	}
	p, err := survey.PublishCCHC(cur, time.Now().UTC())
	if err != nil {
		return cur, err
	}
	if err := s.store.ReplaceCCHCDraft(ctx, p); err != nil {
		return cur, err
	}
	s.audit(c, actor(c), "cchc_publish", p.Key, gin.H{"published": false}, gin.H{"published": true, "publishedAt": p.PublishedAt})
	return p, nil
}

// sortedCCHC orders versions newest first.
func sortedCCHC(fs []survey.CCHCFramework) []survey.CCHCFramework {
	out := slices.Clone(fs)
	slices.SortFunc(out, func(a, b survey.CCHCFramework) int { return b.Version - a.Version })
	return out
}
