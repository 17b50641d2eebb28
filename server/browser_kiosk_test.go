package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"hailong/survey"
)

// setOffline cuts (or restores) the tab's network, as a tablet losing its
// Wi-Fi: every request fails, and navigator.onLine follows.
func setOffline(t *testing.T, ctx context.Context, offline bool) {
	t.Helper()
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatalf("network.enable: %v", err)
	}
	rules := []*network.Conditions{}
	if offline {
		rules = append(rules, &network.Conditions{Offline: true, DownloadThroughput: -1, UploadThroughput: -1})
	}
	if _, err := chromedp.Call(ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{MatchedNetworkConditions: rules}); err != nil {
		t.Fatalf("emulate network conditions: %v", err)
	}
	if _, err := chromedp.Call(ctx, network.OverrideNetworkState, network.OverrideNetworkStateParams{
		Offline: offline, DownloadThroughput: -1, UploadThroughput: -1}); err != nil {
		t.Fatalf("override network state: %v", err)
	}
}

// waitFor polls cond until it holds or the timeout passes.
func waitFor(t *testing.T, what string, timeout time.Duration, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, state := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s; last state: %s", timeout, what, state)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// kioskQueue is the tablet's queue of unsent submissions.
func kioskQueue(t *testing.T, ctx context.Context) []map[string]any {
	t.Helper()
	raw := eval[string](t, ctx, fmt.Sprintf(`localStorage.getItem(%q) || "[]"`, "hailong.kiosk.queue"))
	var q []map[string]any
	if err := json.Unmarshal([]byte(raw), &q); err != nil {
		t.Fatalf("queue %s: %v", raw, err)
	}
	return q
}

// onHome reports whether the kiosk shows its first screen in Vietnamese with
// no counter chosen.
func onHome(t *testing.T, ctx context.Context) (bool, string) {
	s := eval[string](t, ctx, `(() => {
		const home = document.querySelector('#k-view .k-home');
		const pressed = document.querySelectorAll('#k-view [aria-pressed=true]').length;
		return [document.documentElement.lang, home && !home.hidden ? 'home' : 'other', pressed].join(' ');
	})()`)
	return s == "vi home 0", s
}

// statusLog records the status of every rating the server answers.
type statusLog struct {
	mu    sync.Mutex
	codes []int
}

func (l *statusLog) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
		h.ServeHTTP(rec, r)
		if r.Method == http.MethodPost && r.URL.Path == "/api/v1/kiosk/ratings" {
			l.mu.Lock()
			l.codes = append(l.codes, rec.code)
			l.mu.Unlock()
		}
	})
}

func (l *statusLog) since(n int) []int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]int{}, l.codes[n:]...)
}

type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.code = code
	r.ResponseWriter.WriteHeader(code)
}

func TestBrowserKiosk(t *testing.T) {
	ctx := newBrowser(t)
	env := newTestEnv(t)
	// The browser goes through a server that records what it answers.
	var log statusLog
	hs := httptest.NewServer(log.wrap(env.srv.Handler()))
	t.Cleanup(hs.Close)
	base := hs.URL
	admin := newAdmin(t, env)
	body := kioskBody(1)
	body["idleSeconds"] = 5
	kioskID, code := kioskCreate(t, admin, body)
	bg := context.Background()
	ratings := func() int64 { return countRatings(t, env) }
	// Carried from step to step.
	var (
		checkA11y func(page string)
		stored    []map[string]any
		shown     string
		queue     []map[string]any
		keys      map[string]bool
	)

	step(t, "Pair once, through the page", func(t *testing.T) {
		axe := ""
		if os.Getenv("HAILONG_AXE") != "" || inCI() {
			axe = axeSource(t)
		}
		checkA11y = func(page string) {
			if axe != "" {
				checkAxe(t, ctx, axe, page)
			}
		}
		do(t, ctx, "open /kiosk", chromedp.Navigate(base+"/kiosk"))
		checkA11y("kiosk pairing page")
		do(t, ctx, "type the code", chromedp.SendKeys(chromedp.ID("code"), strings.ToLower(code)))
		if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`form button[type=submit]`))); err != nil {
			t.Fatalf("pair: %v", err)
		}
		do(t, ctx, "wait for the kiosk", chromedp.WaitVisible(chromedp.CSS(`#k-view .k-home`)))
		if ok, s := onHome(t, ctx); !ok {
			t.Fatalf("the kiosk opens on %q, want its first screen in Vietnamese", s)
		}
		checkA11y("kiosk first screen")
		// Large touch targets: every button at least 48 × 48 px.
		if small := eval[[]string](t, ctx, `Array.from(document.querySelectorAll('#k-view button')).filter(b => {
			const r = b.getBoundingClientRect(); return r.width < 48 || r.height < 48;
		}).map(b => b.textContent.trim())`); len(small) > 0 {
			t.Errorf("buttons smaller than 48 px: %q", small)
		}
		if n := eval[int](t, ctx, `document.querySelectorAll('a').length`); n != 0 {
			t.Errorf("the kiosk shows %d links", n)
		}
	})

	step(t, "A quick rating for counter 2: thanked, stored, then back home", func(t *testing.T) {
		do(t, ctx, "choose counter 2", chromedp.Click(chromedp.CSS(`#k-view .k-counter[data-counter="2"]`)))
		do(t, ctx, "rate", chromedp.Click(chromedp.CSS(`#k-view .k-level[data-level="satisfied"]`)))
		do(t, ctx, "wait for the thanks", chromedp.WaitVisible(chromedp.CSS(`#k-view .k-thanks`)))
		waitFor(t, "the rating is stored", 5*time.Second, func() (bool, string) { n := ratings(); return n == 1, fmt.Sprint(n) })
		waitFor(t, "back on the first screen after the thanks", 6*time.Second, func() (bool, string) { return onHome(t, ctx) })
		stored = kioskQueue(t, ctx) // empty now
		if len(stored) != 0 {
			t.Errorf("queue after sending = %v, want empty", stored)
		}
	})

	step(t, "Idle: English, a counter chosen, then the full questionnaire opened and left: after 5 s untouched it is back to Vietnamese and home", func(t *testing.T) {
		do(t, ctx, "switch to English", chromedp.Click(chromedp.CSS(`#k-view .k-lang`)))
		if l := eval[string](t, ctx, `document.documentElement.lang`); l != "en" {
			t.Errorf("after the switch the kiosk is in %q", l)
		}
		do(t, ctx, "open the questionnaire", chromedp.Click(chromedp.CSS(`#k-view .k-open[data-area="dat-dai"]`)))
		do(t, ctx, "wait for the form", chromedp.WaitVisible(chromedp.CSS(`#k-view form.k-form`)))
		start := time.Now()
		waitFor(t, "reset after idle", 9*time.Second, func() (bool, string) { return onHome(t, ctx) })
		if d := time.Since(start); d < 4*time.Second {
			t.Errorf("reset after %v, before the idle time of 5 s", d)
		}
	})

	step(t, "The full questionnaire: an unanswered question is marked and nothing is sent; answered, it is stored with channel kiosk", func(t *testing.T) {
		do(t, ctx, "open the questionnaire", chromedp.Click(chromedp.CSS(`#k-view .k-open[data-area="dat-dai"]`)))
		do(t, ctx, "answer all but one", chromedp.Evaluate[chromedp.Void](`Array.from(document.querySelectorAll('#k-view fieldset.q')).slice(1)
			.forEach(fs => fs.querySelector('input[value="4"]').click())`))
		do(t, ctx, "send", chromedp.Click(chromedp.CSS(`#k-view .k-send`)))
		do(t, ctx, "wait for the error", chromedp.WaitVisible(chromedp.CSS(`#k-view .k-errors`)))
		if n := eval[int](t, ctx, `document.querySelectorAll('#k-view fieldset.q.invalid').length`); n != 1 {
			t.Errorf("%d questions marked, want 1", n)
		}
		checkA11y("kiosk questionnaire with an error")
		if q := kioskQueue(t, ctx); len(q) != 0 {
			t.Errorf("an incomplete questionnaire was queued: %v", q)
		}
		do(t, ctx, "answer the first", chromedp.Click(chromedp.CSS(`#k-view fieldset.q label:has(input[value="5"])`)))
		do(t, ctx, "send", chromedp.Click(chromedp.CSS(`#k-view .k-send`)))
		do(t, ctx, "wait for the thanks", chromedp.WaitVisible(chromedp.CSS(`#k-view .k-thanks`)))
		waitFor(t, "the questionnaire is stored", 5*time.Second, func() (bool, string) { n := countResponses(t, env); return n == 1, fmt.Sprint(n) })
		waitFor(t, "back home", 6*time.Second, func() (bool, string) { return onHome(t, ctx) })
	})

	step(t, "Offline: two ratings queue on the tablet, with their count shown; nothing reaches the server", func(t *testing.T) {
		setOffline(t, ctx, true)
		for i, level := range []string{"very_satisfied", "dissatisfied"} {
			do(t, ctx, "rate offline", chromedp.Click(chromedp.CSS(`#k-view .k-level[data-level="`+level+`"]`)))
			do(t, ctx, "wait for the thanks", chromedp.WaitVisible(chromedp.CSS(`#k-view .k-thanks`)))
			waitFor(t, "queued", 3*time.Second, func() (bool, string) { q := kioskQueue(t, ctx); return len(q) == i+1, fmt.Sprint(len(q)) })
			waitFor(t, "back home", 6*time.Second, func() (bool, string) { return onHome(t, ctx) })
		}
		shown = run(t, ctx, "queued count", chromedp.Text(chromedp.ID("k-queue")))
		if !strings.Contains(shown, "2") || !strings.Contains(shown, "Đang chờ gửi") {
			t.Errorf("the queue shows %q, want a count of 2", shown)
		}
		if net := run(t, ctx, "offline notice", chromedp.Text(chromedp.ID("k-net"))); !strings.Contains(net, "Mất kết nối") {
			t.Errorf("the offline notice reads %q", net)
		}
		if n := ratings(); n != 1 {
			t.Fatalf("while offline the server has %d ratings, want still 1", n)
		}
		queue = kioskQueue(t, ctx)
		keys = map[string]bool{}
		for _, it := range queue {
			b, _ := it["body"].(map[string]any)
			k, _ := b["idempotencyKey"].(string)
			if !survey.ValidKey(k) || keys[k] {
				t.Errorf("queued key %q is invalid or repeated", k)
			}
			keys[k] = true
		}
		// As if the answer to the first had been lost after the server stored
		// it: the same item again at the end of the queue.
		do(t, ctx, "duplicate a queued item", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => {
			const k = %q, q = JSON.parse(localStorage.getItem(k));
			q.push(q[0]); localStorage.setItem(k, JSON.stringify(q));
		})()`, "hailong.kiosk.queue")))
	})

	step(t, "Back online: the queue is sent, each rating stored exactly once", func(t *testing.T) {
		before := len(log.since(0))
		setOffline(t, ctx, false)
		back := time.Now()
		waitFor(t, "the queue is sent", 20*time.Second, func() (bool, string) {
			q := kioskQueue(t, ctx)
			return len(q) == 0, fmt.Sprintf("%d queued, %d stored", len(q), ratings())
		})
		t.Logf("the queue of 3 was sent %v after the network returned (interval 1 s)", time.Since(back).Round(100*time.Millisecond))
		if n := ratings(); n != 3 {
			t.Errorf("after the queue was sent the server has %d ratings, want 3 (one before, two queued, the duplicate once)", n)
		}
		// Two stored, then the copy acknowledged as already stored.
		if got := fmt.Sprint(log.since(before)); got != "[201 201 200]" {
			t.Errorf("the server answered the queue %s, want [201 201 200]", got)
		}
		for k := range keys {
			r, err := env.store.Rating(bg, k)
			if err != nil || r.Kiosk != kioskID || r.Agency != "so-tn-mt" {
				t.Errorf("queued rating %s: %+v, %v", k, r, err)
			}
		}
		if vis := eval[bool](t, ctx, `!document.getElementById('k-queue').hidden`); vis {
			t.Errorf("the queue count is still shown: %q", run(t, ctx, "queue", chromedp.Text(chromedp.ID("k-queue"))))
		}
		time.Sleep(1500 * time.Millisecond)
		if n := ratings(); n != 3 {
			t.Errorf("later the server has %d ratings, want still 3", n)
		}
		if n := countResponses(t, env); n != 1 {
			t.Errorf("responses = %d, want 1", n)
		}
		// The dashboard counts them per counter.
		rep := admin.api(t, http.MethodGet, "/api/v1/reports/agencies/so-tn-mt/ratings", nil)
		var out RatingsJSON
		if err := json.Unmarshal([]byte(rep.body), &out); err != nil || out.Total.Total != 3 || out.Total.VerySatisfied != 1 ||
			out.Total.Satisfied != 1 || out.Total.Dissatisfied != 1 {
			t.Errorf("ratings report: %s", rep)
		}
	})
}
