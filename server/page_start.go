package server

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"hailong/survey"
)

// StartPage lets a citizen choose the agency and area to rate.
type StartPage struct {
	BasePage
	Groups []AgencyGroup
	Areas  []Choice
	Agency string
	Area   string
}

// AgencyGroup is the agencies of one level, for an <optgroup>.
type AgencyGroup struct {
	Label    string
	Agencies []Choice
}

// Choice is one option of a select.
type Choice struct {
	Code string
	Name string
}

func (s *Server) startPage(c *gin.Context) error {
	cat, err := s.store.Catalog(c.Request.Context())
	if err != nil {
		return err
	}
	s.render(c, http.StatusOK, "start", s.startData(c, cat, "", ""))
	return nil
}

func (s *Server) startData(c *gin.Context, cat *survey.Catalog, agency, area string) StartPage {
	p := StartPage{BasePage: s.base(c), Agency: agency, Area: area}
	now := time.Now()
	for _, lvl := range survey.Levels {
		g := AgencyGroup{Label: p.L.T("level." + string(lvl))}
		for _, a := range cat.Agencies {
			if a.Level == lvl && servesNow(a, now) {
				g.Agencies = append(g.Agencies, Choice{a.Code, a.Name.In(p.Lang)})
			}
		}
		if len(g.Agencies) > 0 {
			p.Groups = append(p.Groups, g)
		}
	}
	for _, a := range cat.Areas {
		p.Areas = append(p.Areas, Choice{a.Code, a.Name.In(p.Lang)})
	}
	return p
}

// chooseSurvey receives the start page's choice and redirects to the survey,
// or shows the start page again with a message at each wrong field.
func (s *Server) chooseSurvey(c *gin.Context) error {
	cat, err := s.store.Catalog(c.Request.Context())
	if err != nil {
		return err
	}
	agency, area := c.Query("agency"), c.Query("area")
	p := s.startData(c, cat, agency, area)
	ag, err := cat.Agency(agency)
	if err != nil || !ag.Active {
		p.addError("agency", p.L.T("start.agency"), p.L.T("err.choose_agency"))
	}
	if _, err := cat.Area(area); err != nil {
		p.addError("area", p.L.T("start.area"), p.L.T("err.choose_area"))
	}
	if len(p.Errors) == 0 && !ag.Serves(area) {
		var names []string
		for _, code := range ag.Areas {
			if a, err := cat.Area(code); err == nil {
				names = append(names, a.Name.In(p.Lang))
			}
		}
		p.addError("area", p.L.T("start.area"), p.L.T("err.area_not_served")+" "+p.L.T("start.serves", strings.Join(names, ", ")))
	}
	if len(p.Errors) == 0 {
		c.Redirect(http.StatusSeeOther, surveyPath(agency, area))
		return nil
	}
	s.render(c, http.StatusBadRequest, "start", p)
	return nil
}

// addError records a field's message and its line in the summary. The anchor
// is the field's id.
func (b *BasePage) addError(field, label, msg string) {
	b.Errors[field] = msg
	b.ErrorList = append(b.ErrorList, ErrorItem{Anchor: field, Label: label, Message: msg})
}

func surveyPath(agency, area string) string {
	return "/s/" + url.PathEscape(agency) + "/" + url.PathEscape(area)
}
