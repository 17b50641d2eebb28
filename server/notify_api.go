package server

import (
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"hailong/notify"
	"hailong/survey"
)

// NotifyInput is an agency's notification settings as an administrator
// sends them: PUT /api/v1/admin/agencies/{code}/notifications. A webhook
// without a URL (or none) removes the webhook; an empty secret keeps the
// one stored.
type NotifyInput struct {
	Emails  []string      `json:"emails"`
	Webhook *WebhookInput `json:"webhook"`
}

// WebhookInput is the webhook of NotifyInput.
type WebhookInput struct {
	URL    string `json:"url"`
	Secret string `json:"secret"`
}

// NotifyView is an agency's notification settings as read back: the
// webhook's secret only as its last characters.
type NotifyView struct {
	Agency    string       `json:"agency"`
	Emails    []string     `json:"emails"`
	Webhook   *WebhookView `json:"webhook"`
	UpdatedAt *time.Time   `json:"updatedAt,omitempty"`
	// Mail says whether this installation sends e-mail (HAILONG_SMTP_URL).
	Mail bool `json:"mail"`
}

// WebhookView is the webhook of NotifyView.
type WebhookView struct {
	URL        string `json:"url"`
	SecretHint string `json:"secretHint"`
}

func (s *Server) notifyView(n survey.NotifySettings) NotifyView {
	v := NotifyView{Agency: n.Agency, Emails: n.Emails, Mail: s.notify.Mail()}
	if v.Emails == nil {
		v.Emails = []string{}
	}
	if n.WebhookURL != "" {
		v.Webhook = &WebhookView{URL: n.WebhookURL, SecretHint: survey.SecretHint(n.WebhookSecret)}
	}
	if !n.UpdatedAt.IsZero() {
		t := n.UpdatedAt.UTC()
		v.UpdatedAt = &t
	}
	return v
}

// notifyAgency checks the agency exists; ErrNotFound otherwise.
func (s *Server) notifyAgency(c *gin.Context) (survey.Agency, error) {
	cat, err := s.store.Catalog(c.Request.Context())
	if err != nil {
		return survey.Agency{}, err
	}
	return cat.Agency(c.Param("code"))
}

// saveNotify checks and stores an agency's notification settings: the
// form of each value, then that the webhook's host is public (unless
// HAILONG_WEBHOOK_ALLOW_PRIVATE). Nothing is stored when a field is wrong.
func (s *Server) saveNotify(c *gin.Context, in NotifyInput) (survey.NotifySettings, error) {
	a, err := s.notifyAgency(c)
	if err != nil {
		return survey.NotifySettings{}, err
	}
	ctx := c.Request.Context()
	prev, err := s.store.NotifySettings(ctx, a.Code)
	if err != nil {
		return survey.NotifySettings{}, err
	}
	want := survey.NotifySettings{Agency: a.Code, Emails: in.Emails}
	if in.Webhook != nil {
		want.WebhookURL, want.WebhookSecret = in.Webhook.URL, in.Webhook.Secret
		if want.WebhookSecret == "" {
			want.WebhookSecret = prev.WebhookSecret
		}
	}
	n, fe := survey.CleanNotifySettings(want)
	if fe == nil && n.WebhookURL != "" {
		if p := notify.CheckTarget(ctx, n.WebhookURL, s.cfg.Notify.AllowPrivate); p != "" {
			fe = survey.FieldErrors{survey.FieldWebhookURL: p}
		}
	}
	if fe != nil {
		return n, fe
	}
	n.UpdatedAt = time.Now()
	if err := s.store.SetNotifySettings(ctx, n); err != nil {
		return n, err
	}
	s.audit(c, actor(c), "notify_settings", a.Code, s.notifyView(prev), s.notifyView(n))
	return n, nil
}

func (s *Server) apiNotifyGet(c *gin.Context) error {
	a, err := s.notifyAgency(c)
	if err != nil {
		return err
	}
	n, err := s.store.NotifySettings(c.Request.Context(), a.Code)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, s.notifyView(n))
	return nil
}

func (s *Server) apiNotifyPut(c *gin.Context) error {
	var in NotifyInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	n, err := s.saveNotify(c, in)
	if err != nil {
		return s.apiFieldErrors(c, err)
	}
	c.JSON(http.StatusOK, s.notifyView(n))
	return nil
}

// testCallWait bounds how long a test call waits for a call of the agency
// already in flight.
const testCallWait = 15 * time.Second

// errNoWebhook answers a test call to an agency without a webhook.
var errNoWebhook = &apiCodeError{status: http.StatusConflict, code: "no_webhook"}

func (s *Server) apiNotifyTest(c *gin.Context) error {
	a, err := s.notifyAgency(c)
	if err != nil {
		return err
	}
	d, err := s.notify.Webhooks.Test(c.Request.Context(), a.Code, testCallWait)
	if errors.Is(err, notify.ErrNoWebhook) {
		return errNoWebhook
	}
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, d)
	return nil
}

// deliveryLogSize is how many webhook calls the log shows.
const deliveryLogSize = 50

func (s *Server) apiNotifyDeliveries(c *gin.Context) error {
	a, err := s.notifyAgency(c)
	if err != nil {
		return err
	}
	ds, err := s.store.Deliveries(c.Request.Context(), a.Code, deliveryLogSize)
	if err != nil {
		return err
	}
	if ds == nil {
		ds = []survey.Delivery{}
	}
	c.JSON(http.StatusOK, gin.H{"agency": a.Code, "deliveries": ds})
	return nil
}

// errNoSMTP answers "send the digests now" without a mail server.
var errNoSMTP = &apiCodeError{status: http.StatusConflict, code: "smtp_not_configured"}

// DigestRun is the answer of POST /api/v1/admin/digests.
type DigestRun struct {
	Day     string                `json:"day"`
	Results []notify.DigestResult `json:"results"`
}

func (s *Server) apiDigestsSend(c *gin.Context) error {
	now := time.Now()
	res, err := s.notify.SendDigests(c.Request.Context(), now, true)
	if errors.Is(err, notify.ErrNoSMTP) {
		return errNoSMTP
	}
	if err != nil {
		return err
	}
	if res == nil {
		res = []notify.DigestResult{}
	}
	s.audit(c, actor(c), "digests_send", notify.Day(now), nil, res)
	c.JSON(http.StatusOK, DigestRun{Day: notify.Day(now), Results: res})
	return nil
}
