package server

import (
	"errors"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"hailong/survey"
)

// AgencyInput is an agency as an administrator enters it (form or JSON).
type AgencyInput struct {
	Code   string      `json:"code" form:"code"`
	NameVi string      `json:"-" form:"nameVi"`
	NameEn string      `json:"-" form:"nameEn"`
	Name   survey.Text `json:"name" form:"-"`
	Level  string      `json:"level" form:"level"`
	Parent string      `json:"parent" form:"parent"`
	Areas  []string    `json:"areas" form:"areas"`
	Active *bool       `json:"active,omitempty" form:"-"`
	// RenamedAt is when a changed name takes effect (YYYY-MM-DD, default today).
	RenamedAt string `json:"renamedAt,omitempty" form:"renamedAt"`
}

var agencyFields = []string{survey.FieldCode, survey.FieldNameVi, survey.FieldNameEn, survey.FieldLevel, survey.FieldParent, survey.FieldAreas, survey.FieldDate, survey.FieldActive}

var agencyLabels = map[string]string{
	survey.FieldCode: "admin.code", survey.FieldNameVi: "admin.name_vi", survey.FieldNameEn: "admin.name_en",
	survey.FieldLevel: "admin.level", survey.FieldParent: "admin.parent", survey.FieldAreas: "admin.areas_served",
	survey.FieldDate: "admin.rename_from", survey.FieldActive: "admin.active", survey.FieldFrom: "admin.merge_from", survey.FieldInto: "admin.merge_into",
}

// applyAgency builds the agency record from input, starting from the stored
// one when editing (prev non-nil). A name change keeps the former name.
func applyAgency(in AgencyInput, prev *survey.Agency, now time.Time) (survey.Agency, survey.FieldErrors) {
	name := in.Name
	if in.NameVi != "" || in.NameEn != "" {
		name = survey.Text{Vi: strings.TrimSpace(in.NameVi), En: strings.TrimSpace(in.NameEn)}
	}
	a := survey.Agency{Code: strings.TrimSpace(in.Code), Active: true, Since: now}
	if prev != nil {
		a = *prev
		at := now
		if in.RenamedAt != "" {
			d, ok := parseDay(in.RenamedAt)
			if !ok {
				return a, survey.FieldErrors{survey.FieldDate: survey.ProblemInvalid}
			}
			at = d
		}
		a = survey.Rename(a, name, at)
	} else {
		a.Name = name
	}
	a.Level = survey.Level(in.Level)
	a.Parent = in.Parent
	a.Areas = append([]string{}, in.Areas...)
	if in.Active != nil {
		a.Active = *in.Active
	}
	return a, nil
}

// createAgency checks and stores a new agency.
func (s *Server) createAgency(c *gin.Context, in AgencyInput) (survey.Agency, error) {
	cat, err := s.store.Catalog(c.Request.Context())
	if err != nil {
		return survey.Agency{}, err
	}
	a, fe := applyAgency(in, nil, time.Now())
	if fe == nil {
		fe = survey.CheckAgency(a, true, cat)
	}
	if fe != nil {
		return a, fe
	}
	if err := s.store.InsertAgency(c.Request.Context(), a); err != nil {
		if errors.Is(err, survey.ErrDuplicate) {
			return a, survey.FieldErrors{survey.FieldCode: survey.ProblemDuplicate}
		}
		return a, err
	}
	s.audit(c, actor(c), "agency_create", a.Code, nil, a)
	return a, nil
}

// updateAgency checks and stores changes to an agency.
func (s *Server) updateAgency(c *gin.Context, code string, in AgencyInput) (survey.Agency, error) {
	cat, prev, err := s.catalogAgency(c, code)
	if err != nil {
		return survey.Agency{}, err
	}
	in.Code = code // the code is the agency's identity and never changes
	a, fe := applyAgency(in, &prev, time.Now())
	if fe == nil {
		fe = survey.CheckAgency(a, false, cat)
	}
	if fe != nil {
		return a, fe
	}
	if err := s.store.ReplaceAgencies(c.Request.Context(), a); err != nil {
		return a, err
	}
	s.audit(c, actor(c), "agency_update", a.Code, prev, a)
	return a, nil
}

// dissolveAgency ends an agency from a date.
func (s *Server) dissolveAgency(c *gin.Context, code, date string) (survey.Agency, error) {
	_, prev, err := s.catalogAgency(c, code)
	if err != nil {
		return survey.Agency{}, err
	}
	at, ok := parseDay(date)
	switch {
	case !ok:
		return prev, survey.FieldErrors{survey.FieldDate: survey.ProblemInvalid}
	case !prev.Active:
		return prev, survey.FieldErrors{survey.FieldDate: survey.ProblemInactive}
	}
	a := survey.Dissolve(prev, at)
	if err := s.store.ReplaceAgencies(c.Request.Context(), a); err != nil {
		return a, err
	}
	s.audit(c, actor(c), "agency_dissolve", a.Code, prev, a)
	return a, nil
}

// mergeAgencies merges agencies into another from a date.
func (s *Server) mergeAgencies(c *gin.Context, from []string, into, date string, crossLevel bool) ([]survey.Agency, error) {
	cat, err := s.store.Catalog(c.Request.Context())
	if err != nil {
		return nil, err
	}
	at, ok := parseDay(date)
	if !ok {
		return nil, survey.FieldErrors{survey.FieldDate: survey.ProblemInvalid}
	}
	changed, fe := survey.Merge(cat, from, into, at, crossLevel)
	if fe != nil {
		return nil, fe
	}
	var before []survey.Agency
	for _, a := range changed {
		prev, _ := cat.Agency(a.Code)
		before = append(before, prev)
	}
	if err := s.store.ReplaceAgencies(c.Request.Context(), changed...); err != nil {
		return nil, err
	}
	s.audit(c, actor(c), "agency_merge", into, before, changed)
	return changed, nil
}

// catalogAgency is the catalog and its agency of that code; ErrNotFound
// when there is none.
func (s *Server) catalogAgency(c *gin.Context, code string) (*survey.Catalog, survey.Agency, error) {
	cat, err := s.store.Catalog(c.Request.Context())
	if err != nil {
		return nil, survey.Agency{}, err
	}
	a, err := cat.Agency(code)
	return cat, a, err
}
