package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"hailong/survey"
	"hailong/survey/store"
)

// Headers of a webhook call.
const (
	SignatureHeader = "X-HaiLong-Signature"
	DeliveryHeader  = "X-HaiLong-Delivery" // the idempotency id, also the body's "id"
	EventHeader     = "X-HaiLong-Event"
)

// Events of a webhook call.
const (
	EventItem = "attention.item"
	EventTest = "test"
)

// Payload is the JSON body of a webhook call.
type Payload struct {
	ID     string         `json:"id"`
	Event  string         `json:"event"`
	Agency string         `json:"agency"`
	Notice *survey.Notice `json:"notice,omitempty"`
}

// Timing of the webhook worker.
const (
	// MaxAge is how long a call is retried before it is given up.
	MaxAge = 24 * time.Hour
	// callTimeout bounds one try.
	callTimeout = 10 * time.Second
	// leaseTTL is how long a claimed agency or call stays taken: longer
	// than one try, so only a dead process's lease runs out.
	leaseTTL = time.Minute
)

// Backoff is the wait after the n-th failed try (n ≥ 1): 2 s, 10 s, 30 s,
// 1, 2, 5, 10, 20 and 30 min, then every hour until MaxAge.
func Backoff(n int) time.Duration {
	steps := []time.Duration{2 * time.Second, 10 * time.Second, 30 * time.Second, time.Minute, 2 * time.Minute,
		5 * time.Minute, 10 * time.Minute, 20 * time.Minute, 30 * time.Minute}
	if n >= 1 && n <= len(steps) {
		return steps[n-1]
	}
	return time.Hour
}

// Worker makes the webhook calls of the outbox: one goroutine per agency
// with calls due, at most one call in flight per agency (a lease in the
// database, so among processes too), retried with Backoff until MaxAge.
type Worker struct {
	st           *store.Store
	log          *slog.Logger
	client       *http.Client
	allowPrivate bool
	owner        string
	// Backoff and MaxAge may be shortened by tests.
	Backoff func(n int) time.Duration
	MaxAge  time.Duration
	// OnTry, when set, learns the outcome of each try: delivered, retry
	// (failed, to be tried again) or failed (given up). For the metrics.
	OnTry func(event, outcome string)
	// Poll is how often the outbox is read when nothing wakes the worker
	// (a call queued, a retry falling due): for calls left by another
	// process or a restart.
	Poll time.Duration

	kick chan struct{}
	mu   sync.Mutex
	busy map[string]bool // agencies a goroutine of this worker serves
	wg   sync.WaitGroup
	stop context.CancelFunc
	done chan struct{}
}

// NewWorker makes a worker; Start runs it.
func NewWorker(st *store.Store, log *slog.Logger, allowPrivate bool) *Worker {
	return &Worker{st: st, log: log, client: Client(allowPrivate, callTimeout), allowPrivate: allowPrivate,
		owner: randomID("w"), Backoff: Backoff, MaxAge: MaxAge, Poll: 15 * time.Second,
		kick: make(chan struct{}, 1), busy: map[string]bool{}}
}

// Start runs the worker until Stop.
func (w *Worker) Start() {
	ctx, cancel := context.WithCancel(context.Background())
	w.stop, w.done = cancel, make(chan struct{})
	go w.loop(ctx)
}

// Stop ends the worker and waits for the calls in flight to be recorded.
func (w *Worker) Stop() {
	if w.stop == nil {
		return
	}
	w.stop()
	<-w.done
	w.wg.Wait()
	w.stop = nil
}

func (w *Worker) wake() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

func (w *Worker) loop(ctx context.Context) {
	defer close(w.done)
	t := time.NewTicker(w.Poll)
	defer t.Stop()
	for {
		w.dispatch(ctx)
		select {
		case <-ctx.Done():
			return
		case <-w.kick:
		case <-t.C:
		}
	}
}

// dispatch starts a goroutine for each agency with calls due that none of
// this worker's serves yet.
func (w *Worker) dispatch(ctx context.Context) {
	qctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	agencies, err := w.st.DueAgencies(qctx, time.Now())
	cancel()
	if err != nil {
		if ctx.Err() == nil {
			w.log.Warn("webhook outbox unreadable", "err", err)
		}
		return
	}
	for _, a := range agencies {
		w.mu.Lock()
		if w.busy[a] {
			w.mu.Unlock()
			continue
		}
		w.busy[a] = true
		w.mu.Unlock()
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			defer func() { w.mu.Lock(); delete(w.busy, a); w.mu.Unlock() }()
			w.drain(ctx, a)
		}()
	}
}

// drain makes the agency's due calls one after the other under its lease.
func (w *Worker) drain(ctx context.Context, agency string) {
	bg := context.Background()
	for ctx.Err() == nil {
		now := time.Now()
		ok, err := w.st.LeaseAgency(bg, agency, w.owner, now, leaseTTL)
		if err != nil || !ok {
			return // another process serves it, or the database is away: the next poll retries
		}
		d, err := w.st.ClaimDelivery(bg, agency, now, leaseTTL)
		if err != nil || d == nil {
			_ = w.st.ReleaseAgency(bg, agency, w.owner)
			return
		}
		w.try(bg, d)
	}
	_ = w.st.ReleaseAgency(bg, agency, w.owner)
}

// try makes one call and records its outcome. The call is not tied to the
// worker's stop: Stop waits for it, so its outcome is never lost.
func (w *Worker) try(ctx context.Context, d *survey.Delivery) {
	set, err := w.st.NotifySettings(ctx, d.Agency)
	if err != nil {
		return // the lease runs out and another pass tries
	}
	status, callErr := w.call(ctx, set, d)
	now := time.Now()
	d.Attempts++
	d.LastAttempt = now
	d.LastStatus = status
	d.LastError = ""
	switch {
	case callErr == nil:
		d.State, d.FinishedAt = survey.DeliveryDelivered, now
	default:
		d.LastError = callErr.Error()
		next := now.Add(w.Backoff(d.Attempts))
		if next.Sub(d.CreatedAt) >= w.MaxAge || d.Event == EventTest {
			d.State, d.FinishedAt = survey.DeliveryFailed, now
			w.log.Warn("webhook call given up", "agency", d.Agency, "delivery", d.ID, "attempts", d.Attempts, "err", callErr)
		} else {
			d.NextAt = next
			time.AfterFunc(time.Until(next), w.wake) // the retry needs no poll
		}
	}
	if err := w.st.FinishTry(ctx, *d); err != nil {
		w.log.Warn("webhook try not recorded", "delivery", d.ID, "err", err)
	}
	if w.OnTry != nil {
		outcome := d.State
		if outcome == survey.DeliveryPending {
			outcome = "retry"
		}
		w.OnTry(d.Event, outcome)
	}
}

// call sends the body once, signed with the agency's current secret.
func (w *Worker) call(ctx context.Context, set survey.NotifySettings, d *survey.Delivery) (int, error) {
	if set.WebhookURL == "" {
		return 0, errors.New("no webhook configured")
	}
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, set.WebhookURL, bytes.NewReader(d.Body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "HaiLong-Webhook/1")
	req.Header.Set(SignatureHeader, survey.WebhookSignature(set.WebhookSecret, d.Body))
	req.Header.Set(DeliveryHeader, d.ID)
	req.Header.Set(EventHeader, d.Event)
	resp, err := w.client.Do(req)
	if err != nil {
		if errors.Is(err, errPrivate) {
			return 0, errPrivate
		}
		return 0, errors.New(shortErr(err))
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("answered %d", resp.StatusCode)
	}
	return resp.StatusCode, nil
}

// shortErr keeps an error's message short for the delivery log.
func shortErr(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i > 0 && len(s) > 200 {
		s = s[i+2:]
	}
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}

// Enqueue stores the webhook call of a new attention item and wakes the
// worker. An item queued twice is called once (its id derives from the
// item). Agencies without a webhook are skipped.
func (w *Worker) Enqueue(ctx context.Context, n survey.Notice) error {
	set, err := w.st.NotifySettings(ctx, n.Agency)
	if err != nil {
		return err
	}
	if set.WebhookURL == "" {
		return nil
	}
	sum := sha256.Sum256([]byte(n.Agency + "\x00" + n.ItemID))
	id := "item-" + hex.EncodeToString(sum[:12])
	return w.enqueue(ctx, id, EventItem, n.Agency, n.ItemID, &n)
}

func (w *Worker) enqueue(ctx context.Context, id, event, agency, item string, n *survey.Notice) error {
	body, err := json.Marshal(Payload{ID: id, Event: event, Agency: agency, Notice: n})
	if err != nil {
		return err
	}
	now := time.Now()
	if _, err := w.st.EnqueueDelivery(ctx, survey.Delivery{ID: id, Agency: agency, Event: event, ItemID: item, Body: body,
		State: survey.DeliveryPending, CreatedAt: now, NextAt: now}); err != nil {
		return err
	}
	w.wake()
	return nil
}

// ErrNoWebhook: the agency has no webhook to call.
var ErrNoWebhook = errors.New("no webhook configured")

// Test makes a test call to the agency's webhook now, once (no retries),
// through the outbox, so it shows in the delivery log; it waits up to wait
// for a call of the agency already in flight.
func (w *Worker) Test(ctx context.Context, agency string, wait time.Duration) (survey.Delivery, error) {
	set, err := w.st.NotifySettings(ctx, agency)
	if err != nil {
		return survey.Delivery{}, err
	}
	if set.WebhookURL == "" {
		return survey.Delivery{}, ErrNoWebhook
	}
	id := randomID("test")
	body, err := json.Marshal(Payload{ID: id, Event: EventTest, Agency: agency})
	if err != nil {
		return survey.Delivery{}, err
	}
	now := time.Now()
	// Due only in an hour: the worker's loop leaves it to this call (or,
	// should this process die meanwhile, tries it once then).
	d := survey.Delivery{ID: id, Agency: agency, Event: EventTest, Body: body, State: survey.DeliveryPending,
		CreatedAt: now, NextAt: now.Add(time.Hour)}
	if _, err := w.st.EnqueueDelivery(ctx, d); err != nil {
		return survey.Delivery{}, err
	}
	deadline := now.Add(wait)
	owner := w.owner + "/" + id // not the worker's own: a call it has in flight holds the lease
	for {
		ok, err := w.st.LeaseAgency(ctx, agency, owner, time.Now(), leaseTTL)
		if err != nil {
			return survey.Delivery{}, err
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			return d, survey.ErrConflict
		}
		select {
		case <-ctx.Done():
			return survey.Delivery{}, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	defer func() { _ = w.st.ReleaseAgency(context.Background(), agency, owner) }()
	// The caller going away does not cancel the call: its outcome is recorded.
	w.try(context.WithoutCancel(ctx), &d)
	return d, nil
}

func randomID(prefix string) string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return prefix + "-" + hex.EncodeToString(b)
}
