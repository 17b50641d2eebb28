package server

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"hailong/survey"
)

// The server's half of the submission pipeline (survey/submit.go holds the
// rules): reading a posted page form into a survey.Posted, showing the page
// again on a problem, and storing a checked response with what goes with it:
// the audit record of an entry, a kiosk's interval, an invitation marked used.

// getter reads a trimmed value of a posted form (input.Form).
type getter = func(string) (string, bool)

// pageForm is how a page's form is shown again: its template, its data for
// a key, what was entered, the area of its messages ("form", "entry") and
// the days an entry may go back that they name, and whether it asks for
// contact.
type pageForm struct {
	page    string
	view    func(f survey.Form, key string, in formEntry, errs map[string]string) FormPage
	area    string
	maxAge  time.Duration
	contact bool
}

// postedOf reads the posted version of the form and, for an entry, the
// interview date; sub carries the rest but the answers.
func postedOf(get getter, sub survey.Submission) survey.Posted {
	p := survey.Posted{Submission: sub, Version: survey.VersionMissing}
	if v, ok := get("formVersion"); ok {
		if n, err := strconv.Atoi(v); err == nil {
			p.Version = n
		}
	}
	p.Date, _ = get("interviewDate")
	return p
}

// formKeyOf is the page's key sent back with the form: the posted one when
// valid, else a fresh one.
func formKeyOf(get getter) string {
	key, _ := get("key")
	if !survey.ValidKey(key) {
		key = survey.NewKey()
	}
	return key
}

// checkPosted reads the answers of the resolved form and checks them (and
// the contact request, when the page asks for one). On a problem it returns
// the page shown again (400) with every value kept.
func (s *Server) checkPosted(c *gin.Context, get getter, pr survey.Prepared, sub survey.Submission, pf pageForm) (survey.Response, formEntry, error) {
	in := readFormEntry(get, pr.Form, pr.Area.Code)
	in.Comment = c.Request.PostForm.Get("comment") // keep the comment exactly as typed
	sub.Answers, sub.Comment, sub.Respondent = in.Answers, in.Comment, in.Respondent
	resp, err := pr.Check(sub, time.Now())
	problems := survey.FieldErrors{}
	if err != nil && !errors.As(err, &problems) {
		return resp, in, err
	}
	if pf.contact {
		if in.Contact, err = s.postedContact(get, &resp, problems); err != nil {
			return resp, in, err
		}
	}
	if len(problems) > 0 {
		msgs := wordProblems(s.locales[langOf(c)], pf.area, problems, submitArgs(pr.Form, pf.maxAge))
		p := pf.view(pr.Form, formKeyOf(get), in, msgs)
		return resp, in, &pageError{status: http.StatusBadRequest, page: pf.page, data: p}
	}
	return resp, in, nil
}

// unavailablePage turns a database outage while storing into the same form,
// answers kept, to send again (503); other errors are returned as they are.
func unavailablePage(err error, pf pageForm, f survey.Form, key string, in formEntry) error {
	if !errors.Is(err, survey.ErrUnavailable) {
		return err
	}
	p := pf.view(f, key, in, nil)
	p.Unavailable = true
	return &pageError{status: http.StatusServiceUnavailable, page: pf.page, data: p, cause: err}
}

// storeResponse stores a checked response; created is false when its key
// was stored before. An entry's new record is audited: the responses are
// anonymous, so the audit log is where an entry is accounted for.
func (s *Server) storeResponse(c *gin.Context, resp survey.Response, entry bool) (bool, error) {
	created, err := s.insertResponse(c.Request.Context(), resp)
	if err == nil && created && entry {
		s.auditEntry(c, resp)
	}
	return created, err
}

// auditEntry records who entered a survey.
func (s *Server) auditEntry(c *gin.Context, r survey.Response) {
	s.audit(c, actor(c), "response_entered", r.ID, nil, map[string]any{
		"agency": r.Agency, "area": r.Area, "channel": r.Channel, "submittedAt": r.SubmittedAt,
	})
}

// storeKioskResponse stores a kiosk's questionnaire: a retry of a stored
// response is acknowledged (not created) with the stored id, a key used for
// another survey is a conflict, and a new response must respect the kiosk's
// minimum interval.
func (s *Server) storeKioskResponse(c *gin.Context, k *survey.Kiosk, resp survey.Response) (submitResponse, bool, error) {
	prev, err := s.store.Response(c.Request.Context(), resp.ID)
	switch {
	case err == nil && !prev.SameRequest(resp):
		return submitResponse{}, false, survey.ErrConflict
	case err == nil:
		return submitResponse{ID: prev.ID}, false, nil
	case !errors.Is(err, survey.ErrNotFound):
		return submitResponse{}, false, err
	}
	if err := s.claimKioskSlot(c, k, resp.ReceivedAt); err != nil {
		return submitResponse{}, false, err
	}
	created, err := s.storeResponse(c, resp, false)
	return submitResponse{ID: resp.ID, Redacted: resp.Redactions}, created, err
}

// storeInvited stores the response of an invitation and marks it used with
// the page's key. It returns where to go: the thanks page, or the gone page
// when another page's response claimed the invitation. Of concurrent
// submissions exactly one is stored (its id is derived from the code); a
// repeat of the same page is thanked again; when the mark is missing (a crash
// between the two writes) the stored answers are compared, and the mark healed.
func (s *Server) storeInvited(c *gin.Context, t *invTarget, resp survey.Response, key string) (string, error) {
	ctx := c.Request.Context()
	created, err := s.storeResponse(c, resp, false)
	switch {
	case errors.Is(err, survey.ErrConflict):
		return "", s.invitationGone(c, "used")
	case err != nil:
		return "", err
	case created:
		s.markUsed(c, t.inv.Code, key)
		return thanksPath(t.ag.Code, t.ar.Code, resp.Redactions), nil
	}
	// Another submission stored the invitation's response first, or this
	// is a repeat of ours.
	inv, err := s.store.Invitation(ctx, t.inv.Code)
	if err != nil {
		return "", err
	}
	if inv.Used() {
		return s.usedLink(c, t, inv, key)
	}
	stored, err := s.store.Response(ctx, resp.ID)
	if err != nil {
		return "", err
	}
	if !stored.SameAnswers(resp) {
		return "", s.invitationGone(c, "used")
	}
	s.markUsed(c, t.inv.Code, key)
	return surveyPath(t.ag.Code, t.ar.Code) + "/thanks", nil
}

// usedLink answers a used invitation: the same page again is thanked again,
// any other is told the link was used.
func (s *Server) usedLink(c *gin.Context, t *invTarget, inv survey.Invitation, key string) (string, error) {
	if inv.UseKey == key {
		return surveyPath(t.ag.Code, t.ar.Code) + "/thanks", nil
	}
	return "", s.invitationGone(c, "used")
}

// markUsed records the key of the page whose response was stored; a
// failure is logged only (the stored response already claims the link).
func (s *Server) markUsed(c *gin.Context, code, key string) {
	if err := s.store.MarkInvitationUsed(c.Request.Context(), code, key, time.Now()); err != nil {
		s.log.Warn("invitation: marking used failed", "err", err)
	}
}
