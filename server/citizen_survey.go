package server

import (
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"hailong/server/input"
	"hailong/survey"
)

// surveyForm shows the questionnaire for an agency and area, with a fresh
// idempotency key that will become the response's id.
func (s *Server) surveyForm(c *gin.Context) error {
	cat, pr, err := s.surveyTarget(c, survey.Posted{})
	if err != nil {
		return err
	}
	c.Header("Cache-Control", "no-store")
	b := s.base(c)
	if b.User == nil && b.CSRF == "" {
		if done, err := s.blankPage(c, cat, b, pr.Agency, pr.Area, pr.Form); done || err != nil {
			return err
		}
	}
	p := s.formPage(b, pr.Agency, pr.Area, pr.Form, survey.NewKey(), formEntry{}, nil)
	if p.Questions, err = s.blankQuestions(p, pr.Form, pr.Area.Code); err != nil {
		return err
	}
	s.render(c, http.StatusOK, "form", p)
	return nil
}

// surveyTarget resolves the agency and area of the URL and the questionnaire
// answered (survey.Resolve). An agency that does not serve the area is the
// start page with a message at the area (400).
func (s *Server) surveyTarget(c *gin.Context, p survey.Posted) (*survey.Catalog, survey.Prepared, error) {
	cat, err := s.store.Catalog(c.Request.Context())
	if err != nil {
		return nil, survey.Prepared{}, err
	}
	p.Agency, p.Area = c.Param("agency"), c.Param("area")
	pr, err := survey.Resolve(cat, p, survey.Source{}, time.Now())
	if errors.Is(err, survey.ErrAreaNotServed) {
		sp := s.startData(c, cat, pr.Agency.Code, pr.Area.Code)
		sp.addError("area", sp.L.T("start.area"), sp.L.T("err.area_not_served"))
		return cat, pr, &pageError{status: http.StatusBadRequest, page: "start", data: sp}
	}
	return cat, pr, err
}

// surveySubmit stores a citizen's answers, then redirects to the thank-you
// page. Invalid answers come back on the same form with every value kept;
// a repeated submission of the same form (same key) is thanked again without
// storing anything new.
func (s *Server) surveySubmit(c *gin.Context) error {
	get, err := s.parsePosted(c)
	if err != nil {
		return err
	}
	b := s.base(c)
	key, _ := get("key")
	posted := postedOf(get, survey.Submission{Key: key, Channel: survey.ChannelWeb, Lang: b.Lang})
	_, pr, err := s.surveyTarget(c, posted)
	if err != nil {
		return err
	}
	pf := pageForm{page: "form", contact: true,
		view: func(f survey.Form, key string, in formEntry, errs map[string]string) FormPage {
			return s.formPage(b, pr.Agency, pr.Area, f, key, in, errs)
		},
		area: "form",
	}
	resp, in, err := s.checkPosted(c, get, pr, posted.Submission, pf)
	if err != nil {
		return err
	}
	if _, err := s.storeResponse(c, resp, false); err != nil {
		return unavailablePage(err, pf, pr.Form, key, in)
	}
	c.Redirect(http.StatusSeeOther, thanksPath(pr.Agency.Code, pr.Area.Code, resp.Redactions))
	return nil
}

// parsePosted parses a posted form (input.Form) and returns a getter of its
// trimmed values. A body over the limit is the 413 error; a body that is no
// form the 400 page.
func (s *Server) parsePosted(c *gin.Context) (getter, error) {
	get, err := input.Form(c.Request)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, err
		}
		return nil, s.badForm(c)
	}
	return get, nil
}

// badForm is the answer to a body that cannot be parsed as a form.
func (s *Server) badForm(c *gin.Context) error {
	b := s.base(c)
	return &pageError{status: http.StatusBadRequest, page: "error", data: ErrorPage{BasePage: b, Title: b.L.T("error.conflict.title"), Body: b.L.T("err.invalid")}}
}

// ThanksPage thanks the citizen and, when personal details were removed
// from the comment (the redirect's "redacted" count), says so.
type ThanksPage struct {
	BasePage
	Body     string
	Redacted string
}

func (s *Server) thanksPage(c *gin.Context) error {
	cat, err := s.store.Catalog(c.Request.Context())
	if err != nil {
		return err
	}
	ag, err := cat.Agency(c.Param("agency"))
	if err != nil {
		return err
	}
	b := s.base(c)
	s.render(c, http.StatusOK, "thanks", ThanksPage{BasePage: b, Body: b.L.T("thanks.body", ag.Name.In(b.Lang)),
		Redacted: redactedNotice(b.L, c.Query("redacted"))})
	return nil
}
