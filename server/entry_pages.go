package server

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"

	"hailong/survey"
)

// Staff entry of paper and phone surveys: the questionnaire of the citizen
// form (form_view.go, templates/form_questions.html) with the channel and the
// interview date in front. The response counts in the month of that date.
// Agency staff enter for their agencies, administrators for any; inspectors
// only read.

// EntryFields are the inputs of the entry form that the citizen form lacks.
type EntryFields struct {
	Channels     []DemoOption
	ChannelError string
	// Date is the interview date as typed (YYYY-MM-DD); Min and Max bound
	// the date picker to the agency's life up to today.
	Date      string
	Min, Max  string
	DateHint  string
	DateError string
}

// entryInput is what was typed in the entry fields, kept to show the form again.
type entryInput struct {
	Channel string
	Date    string
}

func entryPath(agency, area string) string {
	return "/entry/" + url.PathEscape(agency) + "/" + url.PathEscape(area)
}

// pageTarget is survey.EntryTarget for the pages: an area the agency does
// not serve is a page that does not exist.
func (s *Server) pageTarget(c *gin.Context) (*survey.Catalog, survey.Agency, survey.Area, error) {
	cat, err := s.store.Catalog(c.Request.Context())
	if err != nil {
		return nil, survey.Agency{}, survey.Area{}, err
	}
	ag, ar, err := survey.EntryTarget(cat, userOf(c), c.Param("agency"), c.Param("area"))
	if errors.Is(err, survey.ErrAreaNotServed) {
		err = survey.ErrNotFound
	}
	return cat, ag, ar, err
}

// EntryListPage lists the agencies and areas the user may enter surveys for.
type EntryListPage struct {
	BasePage
	Agencies []EntryAgency
}

// EntryAgency is one agency of the list with the areas it serves.
type EntryAgency struct {
	Name, Note string
	Areas      []EntryLink
}

// EntryLink is a link to one entry form.
type EntryLink struct {
	Name, URL string
}

func (s *Server) entryList(c *gin.Context) error {
	cat, err := s.store.Catalog(c.Request.Context())
	if err != nil {
		return err
	}
	u := userOf(c)
	b := s.base(c)
	p := EntryListPage{BasePage: b}
	var ended []EntryAgency
	for _, a := range cat.Agencies {
		if !survey.MayEnter(u, cat, a.Code) || (!a.Active && a.Until.IsZero()) {
			continue
		}
		ea := EntryAgency{Name: a.Name.In(b.Lang)}
		for _, ar := range cat.Areas {
			if a.Serves(ar.Code) {
				ea.Areas = append(ea.Areas, EntryLink{Name: ar.Name.In(b.Lang), URL: entryPath(a.Code, ar.Code)})
			}
		}
		if len(ea.Areas) == 0 {
			continue
		}
		if !a.Active {
			ea.Note = b.L.T("entry.list.ended", displayDate(b.Lang, a.Until))
			ended = append(ended, ea)
			continue
		}
		p.Agencies = append(p.Agencies, ea)
	}
	p.Agencies = append(p.Agencies, ended...)
	c.Header("Cache-Control", "no-store")
	s.render(c, http.StatusOK, "entry_list", p)
	return nil
}

// entryForm shows an empty entry form with a fresh idempotency key; the
// channel of the previous entry may be preselected (?channel=paper).
func (s *Server) entryForm(c *gin.Context) error {
	cat, ag, ar, err := s.pageTarget(c)
	if err != nil {
		return err
	}
	f, err := cat.FormFor(ar.Code, time.Now())
	if err != nil {
		return err
	}
	c.Header("Cache-Control", "no-store")
	in := entryInput{Channel: c.Query("channel")}
	s.render(c, http.StatusOK, "entry", s.entryPage(s.staffBase(c), ag, ar, f, survey.NewKey(), formEntry{}, in, nil))
	return nil
}

// entryPage is the citizen form's page with the entry fields added and the
// form posting to the entry path.
func (s *Server) entryPage(b BasePage, ag survey.Agency, ar survey.Area, f survey.Form, key string, in formEntry, e entryInput, errs map[string]string) FormPage {
	p := s.formPage(b, ag, ar, f, key, in, errs)
	p.Action = entryPath(ag.Code, ar.Code)
	ef := &EntryFields{Date: e.Date, ChannelError: errs[survey.FieldChannel], DateError: errs[survey.FieldSubmittedAt]}
	for _, ch := range survey.EntryChannels {
		ef.Channels = append(ef.Channels, DemoOption{Code: string(ch), Label: b.L.T("channel." + string(ch)), Selected: string(ch) == e.Channel})
	}
	zone := survey.Zone()
	last := time.Now().In(zone)
	if !ag.Until.IsZero() && ag.Until.Before(last) {
		last = ag.Until.Add(-time.Nanosecond).In(zone) // the last day it served
	}
	ef.Max = last.Format(time.DateOnly)
	first := "…"
	if !ag.Since.IsZero() {
		ef.Min = ag.Since.In(zone).Format(time.DateOnly)
		first = displayDate(b.Lang, ag.Since)
	}
	ef.DateHint = b.L.T("entry.date.hint", first, displayDate(b.Lang, last))
	// The entry fields come first on the page, so first in the summary too.
	var top []ErrorItem
	if ef.ChannelError != "" {
		top = append(top, ErrorItem{Anchor: "channel", Label: b.L.T("entry.channel"), Message: ef.ChannelError})
	}
	if ef.DateError != "" {
		top = append(top, ErrorItem{Anchor: "interviewDate", Label: b.L.T("entry.date"), Message: ef.DateError})
	}
	p.ErrorList = append(top, p.ErrorList...)
	p.Entry = ef
	return p
}

// entrySubmit stores an entered survey and redirects to the confirmation.
// Invalid input comes back on the same form (400) with every value kept;
// the same form sent twice (same key) is stored once.
func (s *Server) entrySubmit(c *gin.Context) error {
	get, err := s.parsePosted(c)
	if err != nil {
		return err
	}
	cat, err := s.store.Catalog(c.Request.Context())
	if err != nil {
		return err
	}
	b := s.staffBase(c)
	key, _ := get("key")
	channel, _ := get("channel")
	posted := postedOf(get, survey.Submission{
		Key: key, Agency: c.Param("agency"), Area: c.Param("area"), Channel: survey.Channel(channel), Lang: b.Lang,
	})
	maxAge := s.entryMaxAge(userOf(c))
	pr, err := survey.Resolve(cat, posted, survey.Source{Entry: true, User: userOf(c), MaxAge: maxAge}, time.Now())
	if errors.Is(err, survey.ErrAreaNotServed) {
		err = survey.ErrNotFound // an area the agency does not serve is a page that does not exist
	}
	if err != nil {
		return err
	}
	e := entryInput{Channel: channel, Date: posted.Date}
	pf := pageForm{page: "entry",
		view: func(f survey.Form, key string, in formEntry, errs map[string]string) FormPage {
			return s.entryPage(b, pr.Agency, pr.Area, f, key, in, e, errs)
		},
		area:   "entry",
		maxAge: maxAge,
	}
	resp, in, err := s.checkPosted(c, get, pr, posted.Submission, pf)
	if err != nil {
		return err
	}
	if _, err := s.storeResponse(c, resp, true); err != nil {
		return unavailablePage(err, pf, pr.Form, key, in)
	}
	c.Redirect(http.StatusSeeOther, entryPath(pr.Agency.Code, pr.Area.Code)+"/saved?id="+url.QueryEscape(resp.ID))
	return nil
}

// EntrySavedPage confirms an entered survey and offers to enter another.
type EntrySavedPage struct {
	BasePage
	Body, Counted string
	Again         string
}

func (s *Server) entrySaved(c *gin.Context) error {
	_, ag, ar, err := s.pageTarget(c)
	if err != nil {
		return err
	}
	id := c.Query("id")
	if !survey.ValidKey(id) {
		return survey.ErrNotFound
	}
	r, err := s.store.Response(c.Request.Context(), id)
	if err != nil {
		return err
	}
	if r.Agency != ag.Code || r.Area != ar.Code {
		return survey.ErrNotFound
	}
	b := s.base(c)
	p := EntrySavedPage{
		BasePage: b,
		Body: b.L.T("entry.saved.body", b.L.T("channel."+string(r.Channel)), displayDate(b.Lang, r.SubmittedAt),
			ag.Name.In(b.Lang), ar.Name.In(b.Lang)),
		Counted: b.L.T("entry.saved.counted", displayMonth(b.Lang, survey.MonthOf(r.SubmittedAt))),
		Again:   entryPath(ag.Code, ar.Code) + "?" + url.Values{"channel": {string(r.Channel)}}.Encode(),
	}
	c.Header("Cache-Control", "no-store")
	s.render(c, http.StatusOK, "entry_saved", p)
	return nil
}

// displayDate writes the day of t, in Vietnamese time, as the language does:
// "04/03/2025" in Vietnamese, "4 March 2025" in English.
func displayDate(lang survey.Lang, t time.Time) string {
	t = t.In(survey.Zone())
	if lang == survey.Vi {
		return t.Format("02/01/2006")
	}
	return t.Format("2 January 2006")
}

// displayMonth writes a month as the language does: "03/2025", "March 2025".
func displayMonth(lang survey.Lang, m survey.Month) string {
	if lang == survey.Vi {
		return fmt.Sprintf("%02d/%04d", int(m.Month()), m.Year())
	}
	return fmt.Sprintf("%s %d", m.Month(), m.Year())
}
