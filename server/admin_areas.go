package server

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"hailong/survey"
)

// AreaInput is a procedure area as an administrator enters it.
type AreaInput struct {
	Code   string      `json:"code" form:"code"`
	NameVi string      `json:"-" form:"nameVi"`
	NameEn string      `json:"-" form:"nameEn"`
	Name   survey.Text `json:"name" form:"-"`
	Order  int         `json:"order" form:"order"`
}

func (in AreaInput) area() survey.Area {
	name := in.Name
	if in.NameVi != "" || in.NameEn != "" {
		name = survey.Text{Vi: strings.TrimSpace(in.NameVi), En: strings.TrimSpace(in.NameEn)}
	}
	return survey.Area{Code: strings.TrimSpace(in.Code), Name: name, Order: in.Order}
}

var areaFields = []string{survey.FieldCode, survey.FieldNameVi, survey.FieldNameEn}

// saveArea checks and stores an area, new or changed.
func (s *Server) saveArea(c *gin.Context, in AreaInput, isNew bool) (survey.Area, error) {
	cat, err := s.store.Catalog(c.Request.Context())
	if err != nil {
		return survey.Area{}, err
	}
	a := in.area()
	var prev survey.Area
	if !isNew {
		if prev, err = cat.Area(a.Code); err != nil {
			return a, err
		}
	}
	if fe := survey.CheckArea(a, isNew, cat); fe != nil {
		return a, fe
	}
	if isNew {
		err = s.store.InsertArea(c.Request.Context(), a)
		if errors.Is(err, survey.ErrDuplicate) {
			return a, survey.FieldErrors{survey.FieldCode: survey.ProblemDuplicate}
		}
	} else {
		err = s.store.ReplaceArea(c.Request.Context(), a)
	}
	if err != nil {
		return a, err
	}
	if isNew {
		s.audit(c, actor(c), "area_create", a.Code, nil, a)
	} else {
		s.audit(c, actor(c), "area_update", a.Code, prev, a)
	}
	return a, nil
}

// AreasPage lists areas, each editable in place, and a form to add one.
type AreasPage struct {
	BasePage
	Areas []AreaInput
	New   AreaInput
	// Editing is the code of the area whose row shows errors.
	Editing string
}

func (s *Server) areasPage(c *gin.Context, status int, newIn *AreaInput, edited *AreaInput, fe survey.FieldErrors) error {
	cat, err := s.store.Catalog(c.Request.Context())
	if err != nil {
		return err
	}
	b := s.staffBase(c)
	b.setFieldErrors(problemMessages(b.L, "", fe), areaFields, agencyLabels)
	p := AreasPage{BasePage: b, New: AreaInput{Order: len(cat.Areas) + 1}}
	if newIn != nil {
		p.New = *newIn
	}
	for _, a := range cat.Areas {
		in := AreaInput{Code: a.Code, NameVi: a.Name.Vi, NameEn: a.Name.En, Order: a.Order}
		if edited != nil && edited.Code == a.Code {
			in, p.Editing = *edited, a.Code
		}
		p.Areas = append(p.Areas, in)
	}
	s.render(c, status, "admin_areas", p)
	return nil
}

func (s *Server) adminAreas(c *gin.Context) error {
	return s.areasPage(c, http.StatusOK, nil, nil, nil)
}

func readAreaForm(c *gin.Context) AreaInput {
	order, _ := strconv.Atoi(c.PostForm("order"))
	return AreaInput{Code: c.PostForm("code"), NameVi: c.PostForm("nameVi"), NameEn: c.PostForm("nameEn"), Order: order}
}

func (s *Server) adminAreaCreate(c *gin.Context) error {
	in := readAreaForm(c)
	_, err := s.saveArea(c, in, true)
	var fe survey.FieldErrors
	if errors.As(err, &fe) {
		return s.areasPage(c, http.StatusBadRequest, &in, nil, fe)
	}
	if err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, "/admin/areas")
	return nil
}

func (s *Server) adminAreaUpdate(c *gin.Context) error {
	in := readAreaForm(c)
	in.Code = c.Param("code")
	_, err := s.saveArea(c, in, false)
	var fe survey.FieldErrors
	if errors.As(err, &fe) {
		return s.areasPage(c, http.StatusBadRequest, nil, &in, fe)
	}
	if err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, "/admin/areas")
	return nil
}

func (s *Server) apiAdminAreas(c *gin.Context) error { return s.apiAreas(c) }

func (s *Server) apiAdminAreaCreate(c *gin.Context) error {
	var in AreaInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	a, err := s.saveArea(c, in, true)
	if err != nil {
		return s.apiFieldErrors(c, err)
	}
	c.JSON(http.StatusCreated, a)
	return nil
}

func (s *Server) apiAdminAreaUpdate(c *gin.Context) error {
	var in AreaInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	in.Code = c.Param("code")
	a, err := s.saveArea(c, in, false)
	if err != nil {
		return s.apiFieldErrors(c, err)
	}
	c.JSON(http.StatusOK, a)
	return nil
}
