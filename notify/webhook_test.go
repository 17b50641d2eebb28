package notify

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"hailong/notify/notifytest"
	"hailong/survey"
)

// A new item's webhook call to a receiver that fails twice: retried, the
// service restarted (worker and store closed, new ones on the same data)
// after the first failure, delivered exactly once, each try with the same
// body, the same idempotency id and a valid signature.
func TestWebhookRetriedAcrossRestart(t *testing.T) {
	if d := Backoff(1); d > 5*time.Second {
		t.Errorf("the first retry comes after %v, want within 5 s", d)
	}
	for n := 2; n < 12; n++ {
		if Backoff(n) < Backoff(n-1) {
			t.Errorf("backoff shrinks at try %d: %v < %v", n, Backoff(n), Backoff(n-1))
		}
	}
	ctx := context.Background()
	rc := notifytest.StartReceiver(t, 2)
	const secret = "s3cret-of-the-one-stop-shop"
	dir := t.TempDir()

	st, closeStore := openStore(t, dir)
	if err := st.SetNotifySettings(ctx, survey.NotifySettings{Agency: "so-tu-phap", WebhookURL: rc.URL + "/hook", WebhookSecret: secret}); err != nil {
		t.Fatal(err)
	}
	fast := func(int) time.Duration { return 300 * time.Millisecond }
	w := NewWorker(st, quiet, true)
	w.Backoff, w.Poll = fast, 50*time.Millisecond
	w.Start()
	n := sampleNotice("2026-12-06")
	if err := w.Enqueue(ctx, n); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the first try", 10*time.Second, func() bool { c, _ := rc.Counts(); return c >= 1 })
	w.Stop()
	closeStore()
	if c, a := rc.Counts(); c != 1 || a != 0 {
		t.Fatalf("before the restart: %d calls, %d accepted; want 1 failed call", c, a)
	}

	st2, _ := openStore(t, dir)
	w2 := NewWorker(st2, quiet, true)
	w2.Backoff, w2.Poll = fast, 50*time.Millisecond
	w2.Start()
	defer w2.Stop()
	waitFor(t, "the delivery", 15*time.Second, func() bool { _, a := rc.Counts(); return a == 1 })
	// Queuing the same item again sends nothing more.
	if err := w2.Enqueue(ctx, n); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	calls, accepted := rc.Counts()
	if calls != 3 || accepted != 1 {
		t.Fatalf("%d calls, %d accepted; want 3 calls (2 failed), exactly 1 accepted", calls, accepted)
	}
	h0, body0 := rc.Call(0)
	id := h0.Get(DeliveryHeader)
	for i := range calls {
		h, body := rc.Call(i)
		if got, want := h.Get(SignatureHeader), survey.WebhookSignature(secret, body); got != want || !strings.HasPrefix(got, "sha256=") {
			t.Errorf("try %d: signature %q, want %q", i+1, got, want)
		}
		if h.Get(DeliveryHeader) != id || id == "" {
			t.Errorf("try %d: idempotency id %q, want %q throughout", i+1, h.Get(DeliveryHeader), id)
		}
		if string(body) != string(body0) {
			t.Errorf("try %d sent another body", i+1)
		}
		if h.Get("Content-Type") != "application/json" || h.Get(EventHeader) != EventItem {
			t.Errorf("try %d: content type %q, event %q", i+1, h.Get("Content-Type"), h.Get(EventHeader))
		}
	}
	var p map[string]any
	_, last := rc.Call(2)
	if err := json.Unmarshal(last, &p); err != nil {
		t.Fatal(err)
	}
	if p["id"] != id || p["event"] != EventItem || p["agency"] != "so-tu-phap" {
		t.Errorf("payload %v: want id %s, event %s, agency so-tu-phap", p, id, EventItem)
	}
	notice, _ := p["notice"].(map[string]any)
	keys := []string{}
	for k := range notice {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	want := []string{"agency", "agencyName", "comment", "day", "factorMeans", "itemId", "link", "overall", "overdue", "reasons", "state"}
	if !slices.Equal(keys, want) || notice["day"] != "2026-12-06" || notice["comment"] != n.Comment {
		t.Errorf("notice carries %v (%v), want exactly %v", keys, notice, want)
	}
	ds, err := st2.Deliveries(ctx, "so-tu-phap", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 || ds[0].State != survey.DeliveryDelivered || ds[0].Attempts != 3 || ds[0].LastStatus != http.StatusNoContent || ds[0].ID != id {
		t.Errorf("delivery log %+v, want one delivered call after 3 tries", ds)
	}
}

// A call that keeps failing is given up after MaxAge, visibly.
func TestWebhookGivenUp(t *testing.T) {
	ctx := context.Background()
	rc := notifytest.StartReceiver(t, 1000)
	st, _ := openStore(t, t.TempDir())
	if err := st.SetNotifySettings(ctx, survey.NotifySettings{Agency: "so-tu-phap", WebhookURL: rc.URL, WebhookSecret: "0123456789abcdef"}); err != nil {
		t.Fatal(err)
	}
	w := NewWorker(st, quiet, true)
	w.Backoff, w.Poll, w.MaxAge = func(int) time.Duration { return 200 * time.Millisecond }, 50*time.Millisecond, time.Second
	w.Start()
	defer w.Stop()
	if err := w.Enqueue(ctx, sampleNotice("2026-12-06")); err != nil {
		t.Fatal(err)
	}
	var ds []survey.Delivery
	waitFor(t, "the call given up", 10*time.Second, func() bool {
		ds, _ = st.Deliveries(ctx, "so-tu-phap", 10)
		return len(ds) == 1 && ds[0].State == survey.DeliveryFailed
	})
	if ds[0].Attempts < 2 || ds[0].LastStatus != http.StatusServiceUnavailable || !strings.Contains(ds[0].LastError, "503") {
		t.Errorf("given-up call %+v: want several tries and the last answer 503", ds[0])
	}
}

// Loopback and private targets are refused at registration without
// HAILONG_WEBHOOK_ALLOW_PRIVATE, and at dial time too: a target stored
// earlier (or a name now resolving to such an address) is never called.
func TestWebhookPrivateRefused(t *testing.T) {
	ctx := context.Background()
	for _, u := range []string{"http://127.0.0.1:8080/x", "https://10.1.2.3/hook", "http://[::1]/", "http://localhost/hook",
		"http://169.254.169.254/latest/meta-data", "http://192.168.1.10/", "http://[::ffff:127.0.0.1]/", "http://100.64.0.1/"} {
		if p := CheckTarget(ctx, u, false); p != survey.ProblemPrivateAddress {
			t.Errorf("CheckTarget(%s) = %q, want %q", u, p, survey.ProblemPrivateAddress)
		}
		if p := CheckTarget(ctx, u, true); p != "" {
			t.Errorf("CheckTarget(%s) with private targets allowed = %q, want none", u, p)
		}
	}
	if p := CheckTarget(ctx, "https://203.0.113.7/hook", false); p != "" {
		t.Errorf("a public address refused: %q", p)
	}
	if p := CheckTarget(ctx, "https://no-such-host.invalid/hook", false); p != survey.ProblemUnresolvable {
		t.Errorf("an unresolvable host: %q, want %q", p, survey.ProblemUnresolvable)
	}

	rc := notifytest.StartReceiver(t, 0)
	st, _ := openStore(t, t.TempDir())
	if err := st.SetNotifySettings(ctx, survey.NotifySettings{Agency: "so-tu-phap", WebhookURL: rc.URL, WebhookSecret: "0123456789abcdef"}); err != nil {
		t.Fatal(err)
	}
	w := NewWorker(st, quiet, false)
	d, err := w.Test(ctx, "so-tu-phap", 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if d.State != survey.DeliveryFailed || !strings.Contains(d.LastError, "private") {
		t.Errorf("test call to a loopback target: %+v, want failed as private", d)
	}
	if c, _ := rc.Counts(); c != 0 {
		t.Errorf("the loopback receiver got %d calls, want none", c)
	}
	// Allowed, the same test call goes through, signed.
	w = NewWorker(st, quiet, true)
	if d, err = w.Test(ctx, "so-tu-phap", 5*time.Second); err != nil || d.State != survey.DeliveryDelivered {
		t.Fatalf("allowed test call: %+v, %v", d, err)
	}
	c, a := rc.Counts()
	if c != 1 || a != 1 {
		t.Fatalf("test call: %d calls, %d accepted", c, a)
	}
	if h, body := rc.Call(0); h.Get(EventHeader) != EventTest || h.Get(SignatureHeader) != survey.WebhookSignature("0123456789abcdef", body) {
		t.Errorf("test call headers %v", h)
	}
}

// Two workers on one database (two processes sharing a MongoDB), several
// items and a test call at once: never two calls of an agency in flight,
// and every call made once.
func TestWebhookOneInFlightPerAgency(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	inFlight, maxInFlight := 0, 0
	seen := map[string]int{}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		inFlight++
		maxInFlight = max(maxInFlight, inFlight)
		seen[r.Header.Get(DeliveryHeader)]++
		mu.Unlock()
		time.Sleep(150 * time.Millisecond)
		mu.Lock()
		inFlight--
		mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	defer hs.Close()
	st, _ := openStore(t, t.TempDir())
	if err := st.SetNotifySettings(ctx, survey.NotifySettings{Agency: "so-tu-phap", WebhookURL: hs.URL, WebhookSecret: "0123456789abcdef"}); err != nil {
		t.Fatal(err)
	}
	var ws []*Worker
	for range 2 {
		w := NewWorker(st, quiet, true)
		w.Poll = 20 * time.Millisecond
		w.Start()
		defer w.Stop()
		ws = append(ws, w)
	}
	for i := range 4 {
		n := sampleNotice("2026-12-06")
		n.ItemID = "att-" + strconv.Itoa(i)
		if err := ws[i%2].Enqueue(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	d, err := ws[1].Test(ctx, "so-tu-phap", 10*time.Second)
	if err != nil || d.State != survey.DeliveryDelivered {
		t.Fatalf("test call: %+v, %v", d, err)
	}
	waitFor(t, "every call", 15*time.Second, func() bool {
		ds, _ := st.Deliveries(ctx, "so-tu-phap", 10)
		done := 0
		for _, d := range ds {
			if d.State == survey.DeliveryDelivered {
				done++
			}
		}
		return done == 5
	})
	mu.Lock()
	defer mu.Unlock()
	if maxInFlight != 1 {
		t.Errorf("%d calls of one agency in flight at once, want 1", maxInFlight)
	}
	if len(seen) != 5 {
		t.Errorf("calls by id: %v, want 5 ids", seen)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("%s called %d times", id, n)
		}
	}
}
