package server

import (
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"hailong/survey"
)

func (s *Server) apiAreas(c *gin.Context) error {
	cat, err := s.store.Catalog(c.Request.Context())
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"areas": cat.Areas})
	return nil
}

// apiAgencies lists the agencies that serve now, or with ?at=YYYY-MM-DD
// those that served on that day (Vietnamese time), merged and dissolved
// ones included as they were then recorded.
func (s *Server) apiAgencies(c *gin.Context) error {
	var day time.Time
	if at, ok := c.GetQuery("at"); ok {
		d, valid := survey.ParseDay(at)
		if !valid {
			return fieldErrorsIn("catalog", survey.FieldErrors{"at": survey.ProblemInvalid})
		}
		day = d
	}
	cat, err := s.store.Catalog(c.Request.Context())
	if err != nil {
		return err
	}
	if !day.IsZero() {
		c.JSON(http.StatusOK, gin.H{"at": day.Format("2006-01-02"), "agencies": cat.AgenciesOn(day)})
		return nil
	}
	now := time.Now()
	active := make([]survey.Agency, 0, len(cat.Agencies))
	for _, a := range cat.Agencies {
		if servesNow(a, now) {
			active = append(active, a)
		}
	}
	c.JSON(http.StatusOK, gin.H{"at": now.In(survey.Zone()).Format("2006-01-02"), "agencies": active})
	return nil
}

// servesNow reports whether citizens can rate the agency now: it is active
// and has begun serving (the start page and the survey accept only those).
func servesNow(a survey.Agency, now time.Time) bool { return a.Active && a.ActiveAt(now) }

// FormJSON is the questionnaire that applies to an agency and area.
type FormJSON struct {
	ID            string               `json:"id"`
	Version       int                  `json:"version"`
	Agency        string               `json:"agency"`
	Area          string               `json:"area"`
	Title         survey.Text          `json:"title"`
	Scale         []survey.Level5      `json:"scale"`
	NotApplicable APINotApplicable     `json:"notApplicable"`
	Factors       []survey.Factor      `json:"factors"`
	Extra         []survey.Criterion   `json:"extraItems"`
	CommentMax    int                  `json:"commentMax"`
	Demographics  []survey.Demographic `json:"demographics"`
}

// APINotApplicable documents the value that means "not applicable".
type APINotApplicable struct {
	Value int         `json:"value"`
	Label survey.Text `json:"label"`
}

func (s *Server) apiForm(c *gin.Context) error {
	cat, err := s.store.Catalog(c.Request.Context())
	if err != nil {
		return err
	}
	ag, ar, err := cat.Target(c.Param("agency"), c.Param("area"))
	if errors.Is(err, survey.ErrAreaNotServed) {
		return fieldErrorsIn("api", survey.FieldErrors{survey.FieldArea: survey.ProblemAreaNotServed})
	}
	if err != nil {
		return err
	}
	f, err := cat.FormFor(ar.Code, time.Now())
	if err != nil {
		return err
	}
	extra := []survey.Criterion{}
	for _, q := range f.Extras(ar.Code) {
		extra = append(extra, q.Criterion)
	}
	c.JSON(http.StatusOK, FormJSON{
		ID: f.ID, Version: f.Version, Agency: ag.Code, Area: ar.Code, Title: f.Title,
		Scale:         f.Scale,
		NotApplicable: APINotApplicable{Value: survey.NotApplicable, Label: f.NALabel},
		Factors:       f.Factors, Extra: extra, CommentMax: f.CommentMax, Demographics: f.Demographics,
	})
	return nil
}
