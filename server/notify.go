package server

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"

	"hailong/notify"
	"hailong/survey"
)

// Notifications (issue 18): each agency's e-mail addresses and webhook
// (notify_api.go, notify_pages.go), the daily digest and the webhook
// outbox (package notify). The attention queue gives the notices:
// SetNoticeSource for the digests, EnqueueNotice for each new item.

// newNotify makes the notifications of the server; StartNotifications
// runs their background work.
// Its outcomes are counted in the server's metrics, which must exist.
func (s *Server) newNotify() {
	s.notify = notify.New(s.store, s.log, notify.Config{
		SMTP: s.cfg.Notify.SMTP, AllowPrivate: s.cfg.Notify.AllowPrivate,
		PublicURL: s.cfg.PublicURL, DigestHour: s.cfg.Notify.DigestHour,
	})
	calls := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "hailong_webhook_calls_total",
		Help: "Webhook tries by this process, by event and outcome (delivered; retry: failed, tried again; failed: given up).",
	}, []string{"event", "outcome"})
	digests := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "hailong_digests_total",
		Help: "Agencies' daily e-mail digests by outcome (sent, empty, skipped, failed).",
	}, []string{"state"})
	s.metrics.reg.MustRegister(calls, digests)
	s.notify.Webhooks.OnTry = func(event, outcome string) { calls.WithLabelValues(event, outcome).Inc() }
	s.notify.OnDigest = func(r notify.DigestResult) { digests.WithLabelValues(r.State).Inc() }
}

// StartNotifications connects the attention queue to the notifications
// (attention_notify.go), then runs the webhook worker and the daily
// digest's scheduler until StopNotifications (main's serve wiring calls
// both).
func (s *Server) StartNotifications() {
	s.connectAttention()
	if s.notify.Mail() {
		s.log.Info("e-mail digests on", "hour", s.cfg.Notify.DigestHour)
	} else {
		s.log.Info("e-mail digests off: set HAILONG_SMTP_URL and HAILONG_SMTP_FROM (docs/notifications.md)")
	}
	s.notify.Start()
}

// StopNotifications stops the background work, letting the webhook calls
// in flight finish and be recorded.
func (s *Server) StopNotifications() { s.notify.Stop() }

// SetNoticeSource names where the daily digests find their notices (the
// attention queue).
func (s *Server) SetNoticeSource(src survey.NoticeSource) { s.notify.SetSource(src) }

// EnqueueNotice queues the webhook call of a new attention item: stored
// in the outbox, then sent (and retried) by the worker. An agency without
// a webhook is skipped; the same item queued twice is sent once.
func (s *Server) EnqueueNotice(ctx context.Context, n survey.Notice) error {
	return s.notify.EnqueueNotice(ctx, n)
}

// SendMail mails messages through HAILONG_SMTP_URL's server;
// notify.ErrNoSMTP when none is configured (check MailConfigured first).
func (s *Server) SendMail(ctx context.Context, msgs ...notify.Message) error {
	return s.notify.Send(ctx, msgs...)
}

// MailConfigured reports whether e-mail can be sent.
func (s *Server) MailConfigured() bool { return s.notify.Mail() }
