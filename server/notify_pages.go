package server

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"hailong/notify"
	"hailong/survey"
)

// NotifySection is the notifications part of an agency's admin page
// (templates/admin_agency_notify.html): the settings form, the outcome of
// a save or a test call, and the webhook delivery log.
type NotifySection struct {
	Emails     string // one address per line
	WebhookURL string
	SecretHint string // the stored secret's end, "" when none
	Mail       bool
	Errors     map[string]string
	ErrorList  []ErrorItem
	Flash      string
	Log        []DeliveryRow
}

// DeliveryRow is one webhook call in the log.
type DeliveryRow struct {
	ID, Created, Event, State, Last string
	Attempts                        int
	Failed                          bool
}

var notifyFields = []string{survey.FieldEmails, survey.FieldWebhookURL, survey.FieldWebhookSecret}

var notifyLabels = map[string]string{
	survey.FieldEmails: "notify.emails", survey.FieldWebhookURL: "notify.webhook_url", survey.FieldWebhookSecret: "notify.webhook_secret",
}

// notifyFormKey carries a submitted notifications form (with its errors)
// to the page that shows it again.
const notifyFormKey = "hailong.notifyForm"

// notifySection builds the section of the agency's page: the stored
// settings, or the form just submitted with its errors.
func (s *Server) notifySection(c *gin.Context, b BasePage, agency string) (NotifySection, error) {
	ctx := c.Request.Context()
	n, err := s.store.NotifySettings(ctx, agency)
	if err != nil {
		return NotifySection{}, err
	}
	sec := NotifySection{Emails: strings.Join(n.Emails, "\n"), WebhookURL: n.WebhookURL, SecretHint: survey.SecretHint(n.WebhookSecret),
		Mail: s.notify.Mail(), Errors: map[string]string{}}
	if v, ok := c.Get(notifyFormKey); ok {
		f := v.(NotifySection)
		sec.Emails, sec.WebhookURL, sec.Flash = f.Emails, f.WebhookURL, f.Flash
		sec.Errors, sec.ErrorList = f.Errors, f.ErrorList
	} else if c.Query("notify") == "saved" {
		sec.Flash = b.L.T("notify.saved")
	}
	ds, err := s.store.Deliveries(ctx, agency, 20)
	if err != nil {
		return NotifySection{}, err
	}
	for _, d := range ds {
		r := DeliveryRow{ID: d.ID, Created: d.CreatedAt.In(hcm).Format("2006-01-02 15:04"), Event: d.Event,
			State: b.L.T("notify.state." + d.State), Attempts: d.Attempts, Failed: d.State == survey.DeliveryFailed}
		switch {
		case d.LastError != "":
			r.Last = d.LastError
		case d.LastStatus != 0:
			r.Last = strconv.Itoa(d.LastStatus)
		}
		sec.Log = append(sec.Log, r)
	}
	return sec, nil
}

// adminNotifySave stores the settings from the agency page's form: the
// addresses one per line, the webhook's URL and secret (empty keeps it).
func (s *Server) adminNotifySave(c *gin.Context) error {
	emails := strings.FieldsFunc(c.PostForm("emails"), func(r rune) bool { return r == '\n' || r == '\r' || r == ',' || r == ';' })
	in := NotifyInput{Emails: emails, Webhook: &WebhookInput{URL: c.PostForm("webhookUrl"), Secret: c.PostForm("webhookSecret")}}
	_, err := s.saveNotify(c, in)
	var fe survey.FieldErrors
	if errors.As(err, &fe) {
		b := s.staffBase(c)
		b.Errors = map[string]string{}
		b.setFieldErrors(problemMessages(b.L, fe), notifyFields, notifyLabels)
		c.Set(notifyFormKey, NotifySection{Emails: c.PostForm("emails"), WebhookURL: in.Webhook.URL, Errors: b.Errors, ErrorList: b.ErrorList})
		return s.agencyPage(c, http.StatusBadRequest, nil, nil)
	}
	if err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, "/admin/agencies/"+c.Param("code")+"?notify=saved#notifications")
	return nil
}

// adminNotifyTest makes a test call to the agency's webhook and shows the
// page again with its outcome (and the call in the log).
func (s *Server) adminNotifyTest(c *gin.Context) error {
	a, err := s.notifyAgency(c)
	if err != nil {
		return err
	}
	b := s.staffBase(c)
	d, err := s.notify.Webhooks.Test(c.Request.Context(), a.Code, testCallWait)
	var msg string
	switch {
	case errors.Is(err, notify.ErrNoWebhook):
		msg = b.L.T("api.no_webhook")
	case err != nil:
		return err
	default:
		msg = b.L.T("notify.state." + d.State)
		if d.LastError != "" {
			msg += " (" + d.LastError + ")"
		} else if d.LastStatus != 0 {
			msg += " (HTTP " + strconv.Itoa(d.LastStatus) + ")"
		}
	}
	n, err := s.store.NotifySettings(c.Request.Context(), a.Code)
	if err != nil {
		return err
	}
	c.Set(notifyFormKey, NotifySection{Emails: strings.Join(n.Emails, "\n"), WebhookURL: n.WebhookURL, Flash: b.L.T("notify.test_result", msg), Errors: map[string]string{}})
	return s.agencyPage(c, http.StatusOK, nil, nil)
}
