package notify

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"hailong/survey"
	"hailong/survey/store"
)

// ErrNoSMTP: no mail server is configured (HAILONG_SMTP_URL).
var ErrNoSMTP = errors.New("no SMTP server configured")

// Config configures the notifications.
type Config struct {
	SMTP         *SMTP // nil: no e-mail
	AllowPrivate bool  // HAILONG_WEBHOOK_ALLOW_PRIVATE
	PublicURL    string
	DigestHour   int // the hour (Vietnam time) the daily digests go out
}

// Service is the notifications of one process: the webhook worker and
// the daily digest's scheduler.
type Service struct {
	st        *store.Store
	log       *slog.Logger
	mail      *SMTP
	publicURL string
	hour      int
	Webhooks  *Worker

	mu  sync.Mutex
	src survey.NoticeSource

	// OnDigest, when set, learns what became of each agency's digest (for
	// the metrics).
	OnDigest func(r DigestResult)

	stop context.CancelFunc
	done chan struct{}
}

// New makes the service; Start runs its background work.
func New(st *store.Store, log *slog.Logger, cfg Config) *Service {
	return &Service{st: st, log: log, mail: cfg.SMTP, publicURL: cfg.PublicURL, hour: cfg.DigestHour,
		Webhooks: NewWorker(st, log, cfg.AllowPrivate), src: noNotices{}}
}

// Mail reports whether e-mail is configured.
func (s *Service) Mail() bool { return s.mail != nil }

// Send mails messages through the configured server (ErrNoSMTP without
// one): for other notices than the digest, such as the short message to a
// citizen who asked to be contacted.
func (s *Service) Send(ctx context.Context, msgs ...Message) error {
	if s.mail == nil {
		return ErrNoSMTP
	}
	return s.mail.Send(ctx, msgs...)
}

// SetSource names where the digests' notices come from (the attention queue).
func (s *Service) SetSource(src survey.NoticeSource) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.src = src
}

func (s *Service) source() survey.NoticeSource {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.src
}

// noNotices is the source until the queue is wired: nothing to tell.
type noNotices struct{}

func (noNotices) DigestNotices(context.Context, string, time.Time) (fresh, overdue []survey.Notice, err error) {
	return nil, nil, nil
}

// EnqueueNotice queues the webhook call of a new attention item (see
// Worker.Enqueue). The attention queue calls it when it creates an item.
func (s *Service) EnqueueNotice(ctx context.Context, n survey.Notice) error {
	return s.Webhooks.Enqueue(ctx, n)
}

// Start runs the webhook worker and, with e-mail configured, the daily
// digest's scheduler, until Stop.
func (s *Service) Start() {
	s.Webhooks.Start()
	ctx, cancel := context.WithCancel(context.Background())
	s.stop, s.done = cancel, make(chan struct{})
	go s.schedule(ctx)
}

// Stop ends the background work, waiting for what is in flight.
func (s *Service) Stop() {
	if s.stop == nil {
		return
	}
	s.stop()
	<-s.done
	s.Webhooks.Stop()
	s.stop = nil
}

// digestRetry is the wait before a pass that failed (a mail server away)
// is tried again.
const digestRetry = 10 * time.Minute

// schedule sends the digests once a day, from the configured hour: each
// minute it checks, a pass that failed for an agency is tried again
// digestRetry later, and a pass that finds every agency's digest recorded
// sends nothing. Once a day, it also prunes the delivery log.
func (s *Service) schedule(ctx context.Context) {
	defer close(s.done)
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	var doneDay, prunedDay string
	var retryAt time.Time
	for {
		now := time.Now()
		day := Day(now)
		if s.mail != nil && doneDay != day && now.In(hcm).Hour() >= s.hour && !now.Before(retryAt) {
			res, err := s.SendDigests(ctx, now, false)
			failed := err != nil
			for _, r := range res {
				failed = failed || r.State == DigestFailed
			}
			if failed {
				retryAt = now.Add(digestRetry) // the agencies whose digest went are recorded: not sent again
			} else {
				doneDay = day
			}
		}
		if prunedDay != day {
			if err := s.st.PruneDeliveries(ctx, now.Add(-30*24*time.Hour)); err == nil {
				prunedDay = day
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
