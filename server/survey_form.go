package server

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"hailong/server/input"
	"hailong/survey"
)

// surveyForm shows the questionnaire for an agency and area, with a fresh
// idempotency key that will become the response's id.
func (s *Server) surveyForm(c *gin.Context) error {
	ag, ar, f, err := s.surveyTarget(c)
	if err != nil || ag.Code == "" {
		return err
	}
	c.Header("Cache-Control", "no-store")
	b := s.base(c)
	if b.User == nil && b.CSRF == "" {
		cat, err := s.store.Catalog(c.Request.Context())
		if err != nil {
			return err
		}
		if done, err := s.blankPage(c, cat, b, ag, ar, f); done || err != nil {
			return err
		}
	}
	p := s.formPage(b, ag, ar, f, survey.NewKey(), formEntry{}, nil)
	if p.Questions, err = s.blankQuestions(p, f, ar.Code); err != nil {
		return err
	}
	s.render(c, http.StatusOK, "form", p)
	return nil
}

// surveyTarget resolves the agency and area of the URL and the questionnaire
// in force. When the agency does not serve the area it has already answered
// with the start page (400) and returns an empty agency.
func (s *Server) surveyTarget(c *gin.Context) (survey.Agency, survey.Area, survey.Form, error) {
	cat, err := s.store.Catalog(c.Request.Context())
	if err != nil {
		return survey.Agency{}, survey.Area{}, survey.Form{}, err
	}
	ag, ar, err := cat.Target(c.Param("agency"), c.Param("area"))
	if errors.Is(err, survey.ErrAreaNotServed) {
		return survey.Agency{}, survey.Area{}, survey.Form{}, s.notServed(c, cat, ag.Code, ar.Code)
	}
	if err != nil {
		return survey.Agency{}, survey.Area{}, survey.Form{}, err
	}
	f, err := cat.FormFor(ar.Code, time.Now())
	return ag, ar, f, err
}

// notServed shows the start page with the choice made and a message at the area.
func (s *Server) notServed(c *gin.Context, cat *survey.Catalog, agency, area string) error {
	p := s.startData(c, cat, agency, area)
	p.addError("area", p.L.T("start.area"), p.L.T("err.area_not_served"))
	s.render(c, http.StatusBadRequest, "start", p)
	return nil
}

// surveySubmit stores a citizen's answers, then redirects to the thank-you
// page. Invalid answers come back on the same form with every value kept;
// a repeated submission of the same form (same key) is thanked again without
// storing anything new.
func (s *Server) surveySubmit(c *gin.Context) error {
	ctx := c.Request.Context()
	get, err := s.parsePosted(c)
	if get == nil {
		return err // answered: 413, or the page for a body that is no form
	}
	ag, ar, current, err := s.surveyTarget(c)
	if err != nil || ag.Code == "" {
		return err
	}
	key, _ := get("key")
	b := s.base(c)
	resp, f, in, problems, err := s.postedResponse(c, get, ar, current, survey.Submission{
		Key: key, Agency: ag.Code, Area: ar.Code, Channel: survey.ChannelWeb, Lang: b.Lang,
	})
	if err != nil {
		return err
	}
	if len(problems) > 0 {
		if !survey.ValidKey(key) {
			key = survey.NewKey()
		}
		s.render(c, http.StatusBadRequest, "form", s.formPage(b, ag, ar, f, key, in, fieldMessages(b.L, problems, f, true)))
		return nil
	}
	if _, err := s.insertResponse(ctx, resp); err != nil {
		if errors.Is(err, survey.ErrUnavailable) {
			// Nothing was stored: show the same form, answers kept, to send again.
			s.log.Warn("database unavailable", "route", c.FullPath(), "err", err)
			c.Header("Retry-After", retryAfter)
			p := s.formPage(b, ag, ar, f, key, in, nil)
			p.Unavailable = true
			s.render(c, http.StatusServiceUnavailable, "form", p)
			return nil
		}
		return err
	}
	c.Redirect(http.StatusSeeOther, thanksPath(ag.Code, ar.Code, resp.Redactions))
	return nil
}

// postedResponse reads the answers posted for the area and checks them into
// the response to store. The form answered is the one in force (current) or
// the older published version the page was made from. sub carries the key,
// agency, area, channel and language; the answers are read here. It returns
// what was entered (to show the form again) and the problems, if any.
func (s *Server) postedResponse(c *gin.Context, get func(string) (string, bool), ar survey.Area, current survey.Form, sub survey.Submission) (survey.Response, survey.Form, formEntry, survey.FieldErrors, error) {
	cat, err := s.store.Catalog(c.Request.Context())
	if err != nil {
		return survey.Response{}, current, formEntry{}, nil, err
	}
	problems := survey.FieldErrors{}
	f := current
	version, _ := get("formVersion")
	if v, err := strconv.Atoi(version); err == nil {
		if old, err := cat.FormVersion(current.ID, v); err == nil {
			f = old // answered an older published version: keep it
		} else {
			problems[survey.FieldForm] = survey.ProblemUnknownForm
		}
	} else {
		problems[survey.FieldForm] = survey.ProblemUnknownForm
	}
	in := readFormEntry(get, f, ar.Code)
	in.Comment = c.Request.PostForm.Get("comment") // keep the comment exactly as typed
	sub.Answers, sub.Comment, sub.Respondent = in.Answers, in.Comment, in.Respondent
	resp, err := survey.Check(sub, f, time.Now())
	var fe survey.FieldErrors
	if errors.As(err, &fe) {
		for k, v := range fe {
			problems[k] = v
		}
	} else if err != nil {
		return survey.Response{}, f, in, nil, err
	}
	if in.Contact, err = s.postedContact(get, &resp, problems); err != nil {
		return survey.Response{}, f, in, nil, err
	}
	return resp, f, in, problems, nil
}

// parsePosted parses a posted form (input.Form) and returns a getter of its
// trimmed values. A body over the limit returns the 413 error; a body that is
// no form is answered here with a 400 page. Either way the getter is nil.
func (s *Server) parsePosted(c *gin.Context) (func(string) (string, bool), error) {
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

// badForm answers a body that cannot be parsed as a form.
func (s *Server) badForm(c *gin.Context) error {
	b := s.base(c)
	s.render(c, http.StatusBadRequest, "error", ErrorPage{BasePage: b, Title: b.L.T("error.conflict.title"), Body: b.L.T("err.invalid")})
	return nil
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
