package server

import (
	"context"
	"fmt"
	"strings"
	"time"

	"hailong/notify"
	"hailong/survey"
)

// The attention queue (attention.go) tells the notifications (notify.go):
// each new item is queued as a webhook call, the daily digests list the
// queue's new and overdue items, and a citizen who left an e-mail address
// hears when their item is resolved. connectAttention wires the three; the
// serve path calls it (through StartNotifications) before it serves, so
// that items rebuilt at start after a crash wait for it (store.Config's
// AwaitAttentionHook) instead of going untold.
func (s *Server) connectAttention() {
	s.store.OnAttentionCreated(func(ctx context.Context, items []survey.AttentionItem) error {
		cat, err := s.store.Catalog(ctx)
		if err != nil {
			return err
		}
		for _, it := range items {
			// The outbox ignores an item it already holds: the hook may be
			// told of an item twice (after a crash), never too few times.
			if err := s.EnqueueNotice(ctx, s.noticeOf(cat, it)); err != nil {
				return err
			}
		}
		return nil
	})
	s.SetNoticeSource(attentionNotices{s})
	s.OnContactResolved(s.mailResolved)
}

// noticeOf is what a notification may say of an item: no IP address, no
// time beyond the day, the comment as redacted when it was stored.
func (s *Server) noticeOf(cat *survey.Catalog, it survey.AttentionItem) survey.Notice {
	n := survey.Notice{
		ItemID: it.ID, Agency: it.Agency, AgencyName: it.Agency, Day: it.Day,
		Reasons: it.Reasons, FactorMeans: map[string]float64{}, Overall: it.Overall,
		Comment: it.Comment, State: string(it.State), Overdue: it.Overdue,
		Link: strings.TrimSuffix(s.cfg.PublicURL, "/") + AttentionPath(it.Agency, it.ID),
	}
	if a, err := cat.Agency(it.Agency); err == nil {
		n.AgencyName = a.Name.In(survey.Vi)
	}
	for _, f := range it.Factors {
		n.FactorMeans[f.Code] = f.Mean
	}
	return n
}

// attentionNotices is the queue as the digests read it.
type attentionNotices struct{ s *Server }

func (a attentionNotices) DigestNotices(ctx context.Context, agency string, since time.Time) (fresh, overdue []survey.Notice, err error) {
	f, o, err := a.s.AttentionDigest(ctx, agency, since)
	if err != nil {
		return nil, nil, err
	}
	cat, err := a.s.store.Catalog(ctx)
	if err != nil {
		return nil, nil, err
	}
	for _, it := range f {
		fresh = append(fresh, a.s.noticeOf(cat, it))
	}
	for _, it := range o {
		overdue = append(overdue, a.s.noticeOf(cat, it))
	}
	return fresh, overdue, nil
}

// mailResolved tells a citizen who left an e-mail address that their
// item is resolved: a short message in their language (Vietnamese, then
// English), with the agency's name and the day of their rating, nothing
// else. It is sent off the request, within a minute; a failure is logged
// without the address. Without a mail server nothing is sent.
func (s *Server) mailResolved(ctx context.Context, it survey.AttentionItem, email string, lang survey.Lang) {
	if !s.MailConfigured() {
		return
	}
	name := it.Agency
	if cat, err := s.store.Catalog(ctx); err == nil {
		if a, err := cat.Agency(it.Agency); err == nil {
			name = a.Name.In(lang)
		}
	}
	vi, en := s.locales[survey.Vi], s.locales[survey.En]
	body := vi.T("attention.mail.body", name, it.Day) + "\n\n---\n\n" + en.T("attention.mail.body", name, it.Day) + "\n"
	msg := notify.Message{To: []string{email}, Subject: fmt.Sprintf("%s / %s", vi.T("attention.mail.subject"), en.T("attention.mail.subject")), Body: body}
	go func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		if err := s.SendMail(ctx, msg); err != nil {
			s.log.Warn("attention: the message to the citizen was not sent", "item", it.ID, "err", err)
		}
	}()
}
