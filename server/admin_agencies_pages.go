package server

import (
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/gin-gonic/gin"

	"hailong/survey"
)

// AgenciesPage lists agencies and offers the form to add one.
type AgenciesPage struct {
	BasePage
	Rows []AgencyRow
	Form AgencyForm
}

// AgencyRow is one agency in the list.
type AgencyRow struct {
	Code, Name, Level, Status string
	Areas                     []string
}

// AgencyForm is the create or edit form with its choices.
type AgencyForm struct {
	In      AgencyInput
	Edit    bool
	Levels  []Choice
	Parents []Choice
	Areas   []CheckChoice
}

// CheckChoice is one checkbox.
type CheckChoice struct {
	Code, Name string
	Checked    bool
}

func (s *Server) agencyForm(b BasePage, cat *survey.Catalog, in AgencyInput, edit bool) AgencyForm {
	f := AgencyForm{In: in, Edit: edit}
	for _, l := range survey.Levels {
		f.Levels = append(f.Levels, Choice{string(l), b.L.T("level." + string(l))})
	}
	for _, a := range cat.Agencies {
		if a.Code != in.Code {
			f.Parents = append(f.Parents, Choice{a.Code, a.Name.In(b.Lang)})
		}
	}
	for _, a := range cat.Areas {
		f.Areas = append(f.Areas, CheckChoice{a.Code, a.Name.In(b.Lang), slices.Contains(in.Areas, a.Code)})
	}
	return f
}

func (s *Server) agenciesPage(c *gin.Context, status int, in AgencyInput, fe survey.FieldErrors) error {
	cat, err := s.store.Catalog(c.Request.Context())
	if err != nil {
		return err
	}
	b := s.staffBase(c)
	b.setFieldErrors(problemMessages(b.L, fe), agencyFields, agencyLabels)
	p := AgenciesPage{BasePage: b, Form: s.agencyForm(b, cat, in, false)}
	for _, a := range cat.Agencies {
		p.Rows = append(p.Rows, agencyRow(b, cat, a))
	}
	s.render(c, status, "admin_agencies", p)
	return nil
}

func agencyRow(b BasePage, cat *survey.Catalog, a survey.Agency) AgencyRow {
	r := AgencyRow{Code: a.Code, Name: a.Name.In(b.Lang), Level: b.L.T("level." + string(a.Level)), Status: b.L.T("admin.active")}
	switch {
	case a.MergedInto != "":
		r.Status = b.L.T("admin.merged_into") + " " + a.MergedInto + " (" + a.Until.In(hcm).Format("2006-01-02") + ")"
	case !a.Active:
		r.Status = b.L.T("admin.dissolved")
		if !a.Until.IsZero() {
			r.Status += " (" + a.Until.In(hcm).Format("2006-01-02") + ")"
		}
	}
	for _, code := range a.Areas {
		if ar, err := cat.Area(code); err == nil {
			r.Areas = append(r.Areas, ar.Name.In(b.Lang))
		}
	}
	return r
}

func (s *Server) adminAgencies(c *gin.Context) error {
	return s.agenciesPage(c, http.StatusOK, AgencyInput{Level: string(survey.LevelDepartment)}, nil)
}

func (s *Server) adminAgencyCreate(c *gin.Context) error {
	var in AgencyInput
	if err := c.ShouldBind(&in); err != nil {
		return s.badForm(c)
	}
	a, err := s.createAgency(c, in)
	var fe survey.FieldErrors
	if errors.As(err, &fe) {
		return s.agenciesPage(c, http.StatusBadRequest, in, fe)
	}
	if err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, "/admin/agencies/"+a.Code)
	return nil
}

// AgencyPage shows one agency: its edit form, its lineage and how to end it.
type AgencyPage struct {
	BasePage
	Agency  AgencyRow
	Form    AgencyForm
	Former  []string
	Lineage []AgencyRow
	Today   string
	Notify  NotifySection // notify_pages.go
}

func (s *Server) agencyPage(c *gin.Context, status int, in *AgencyInput, fe survey.FieldErrors) error {
	cat, err := s.store.Catalog(c.Request.Context())
	if err != nil {
		return err
	}
	a, err := cat.Agency(c.Param("code"))
	if err != nil {
		return err
	}
	b := s.staffBase(c)
	b.setFieldErrors(problemMessages(b.L, fe), agencyFields, agencyLabels)
	if in == nil {
		in = &AgencyInput{Code: a.Code, NameVi: a.Name.Vi, NameEn: a.Name.En, Level: string(a.Level), Parent: a.Parent, Areas: a.Areas}
	}
	p := AgencyPage{BasePage: b, Agency: agencyRow(b, cat, a), Form: s.agencyForm(b, cat, *in, true), Today: nowDay()}
	for _, f := range a.FormerNames {
		p.Former = append(p.Former, f.Name.In(b.Lang)+" ("+b.L.T("admin.until")+" "+f.Until.In(hcm).Format("2006-01-02")+")")
	}
	for _, code := range survey.Lineage(cat, a.Code)[1:] {
		if pa, err := cat.Agency(code); err == nil {
			p.Lineage = append(p.Lineage, agencyRow(b, cat, pa))
		}
	}
	if p.Notify, err = s.notifySection(c, b, a.Code); err != nil {
		return err
	}
	s.render(c, status, "admin_agency", p)
	return nil
}

func nowDay() string { return time.Now().In(hcm).Format("2006-01-02") }

func (s *Server) adminAgency(c *gin.Context) error { return s.agencyPage(c, http.StatusOK, nil, nil) }

func (s *Server) adminAgencyUpdate(c *gin.Context) error {
	var in AgencyInput
	if err := c.ShouldBind(&in); err != nil {
		return s.badForm(c)
	}
	active := c.PostForm("active") == "on"
	in.Active = &active
	_, err := s.updateAgency(c, c.Param("code"), in)
	var fe survey.FieldErrors
	if errors.As(err, &fe) {
		return s.agencyPage(c, http.StatusBadRequest, &in, fe)
	}
	if err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, "/admin/agencies/"+c.Param("code"))
	return nil
}

func (s *Server) adminAgencyDissolve(c *gin.Context) error {
	_, err := s.dissolveAgency(c, c.Param("code"), c.PostForm("date"))
	var fe survey.FieldErrors
	if errors.As(err, &fe) {
		return s.agencyPage(c, http.StatusBadRequest, nil, fe)
	}
	if err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, "/admin/agencies/"+c.Param("code"))
	return nil
}

// MergePage is the form to merge agencies into one.
type MergePage struct {
	BasePage
	Agencies []CheckChoice
	Into     string
	Date     string
	Targets  []Choice
}

func (s *Server) mergePage(c *gin.Context, status int, from []string, into, date string, fe survey.FieldErrors) error {
	cat, err := s.store.Catalog(c.Request.Context())
	if err != nil {
		return err
	}
	b := s.staffBase(c)
	b.setFieldErrors(problemMessages(b.L, fe), []string{survey.FieldFrom, survey.FieldInto, survey.FieldDate},
		map[string]string{survey.FieldFrom: "admin.merge_from", survey.FieldInto: "admin.merge_into", survey.FieldDate: "admin.merge_date"})
	p := MergePage{BasePage: b, Into: into, Date: date}
	if p.Date == "" {
		p.Date = nowDay()
	}
	for _, a := range cat.Agencies {
		if a.Active {
			p.Agencies = append(p.Agencies, CheckChoice{a.Code, a.Name.In(b.Lang), slices.Contains(from, a.Code)})
			p.Targets = append(p.Targets, Choice{a.Code, a.Name.In(b.Lang)})
		}
	}
	s.render(c, status, "admin_merge", p)
	return nil
}

func (s *Server) adminMerge(c *gin.Context) error {
	return s.mergePage(c, http.StatusOK, nil, "", "", nil)
}

func (s *Server) adminMergeSubmit(c *gin.Context) error {
	from, into, date := c.PostFormArray("from"), c.PostForm("into"), c.PostForm("date")
	cross := c.PostForm("crossLevel") == "1"
	_, err := s.mergeAgencies(c, from, into, date, cross)
	var fe survey.FieldErrors
	if errors.As(err, &fe) {
		return s.mergePage(c, http.StatusBadRequest, from, into, date, fe)
	}
	if err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, "/admin/agencies/"+into)
	return nil
}
