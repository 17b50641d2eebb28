package server

// Browser tests: Debian's Chromium, driven by chromedp, through the real
// pages of a real server over a real embedded FerretDB (DESIGN.md §7).
//
// They skip when /usr/bin/chromium is absent, except with CI=true, where a
// missing browser is a failure: .ci/run installs it and requires these tests
// to run. The accessibility check also needs axe-core: HAILONG_AXE names its
// axe.min.js (.ci/run installs it with npm).

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"hailong/survey"
)

const (
	chromiumPath = "/usr/bin/chromium"
	// browserTimeout bounds one test's whole browser session, so a hung
	// browser fails the test instead of the test binary's deadline.
	browserTimeout = 60 * time.Second
	// surveyPage is a seeded agency and area with a form of 25 questions.
	surveyPage = "/s/so-tn-mt/dat-dai"
)

func inCI() bool { return os.Getenv("CI") == "true" }

// lockedBuffer collects the browser's output, written from another goroutine.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// newBrowser starts a headless Chromium with a fresh profile, for this test
// only, and returns the context of its first tab. The browser stops when the
// test ends; its output is logged when the test failed.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if inCI() {
			t.Fatalf("CI=true but Chromium is missing (%v): .ci/run must apt-get install chromium", err)
		}
		t.Skipf("Chromium is not installed at %s (apt-get install -y chromium); skipping browser test", chromiumPath)
	}
	dir := t.TempDir()
	var out lockedBuffer
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox, // root on these machines
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.UserDataDir(dir),
		// Without these Chromium keeps trying to reach outside hosts.
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-pings", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.Flag("disable-features", "Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider,AutofillServerCommunication,CertificateTransparencyComponentUpdater"),
		chromedp.WindowSize(1024, 768),
		chromedp.CombinedOutput(&out),
	)
	base, cancelBase := context.WithTimeout(context.Background(), browserTimeout)
	alloc, cancelAlloc := chromedp.NewExecAllocator(base, opts...)
	ctx, cancelTab := chromedp.NewContext(alloc)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc() // waits for the browser process to exit
		cancelBase()
		// Chromium's child processes can still write to the profile for a
		// moment after the browser exits; remove it here, retrying, so that
		// t.TempDir's own cleanup does not fail on "directory not empty".
		for range 50 {
			if err := os.RemoveAll(dir); err == nil {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if t.Failed() {
			if s := chromiumOutput(out.String()); s != "" {
				t.Logf("chromium output:\n%s", s)
			}
		}
	})
	// Start the browser now, so a start failure is reported as such.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v\n%s", err, chromiumOutput(out.String()))
	}
	return ctx
}

// chromiumOutput drops the noise of Chromium's output on these machines:
// there is no D-Bus, and Debian's launcher script misreads /dev/shm's size.
func chromiumOutput(s string) string {
	var keep []string
	for line := range strings.Lines(s) {
		if strings.Contains(line, "dbus/") || strings.Contains(line, "unexpected operator") {
			continue
		}
		keep = append(keep, line)
	}
	return strings.Join(keep, "")
}

// do runs steps and fails the test on error.
func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// run runs one action that returns a value and fails the test on error.
func run[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	return run(t, ctx, "evaluate "+js, chromedp.Evaluate[T](js))
}

// questionNames returns the radio group names (a_<code>) of the form on the
// page, one per question fieldset, in page order.
func questionNames(t *testing.T, ctx context.Context) []string {
	t.Helper()
	names := eval[[]string](t, ctx, `Array.from(document.querySelectorAll('form fieldset')).map(f => {
		const r = f.querySelector('input[type=radio]');
		return r ? r.name : '';
	})`)
	if len(names) == 0 {
		t.Fatal("the form has no question fieldsets")
	}
	for i, n := range names {
		if !strings.HasPrefix(n, "a_") {
			t.Fatalf("fieldset %d has no radio named a_<code> (got %q)", i, n)
		}
	}
	return names
}

// valueFor picks a varied answer for the i-th question: 5, 4, 3, 2, 1, 0.
func valueFor(i int) int { return 5 - i%6 }

// radio is the CSS selector of one radio button.
func radio(name string, value int) string {
	return fmt.Sprintf(`input[type=radio][name=%q][value="%d"]`, name, value)
}

// answer clicks, like a citizen, the label of the chosen radio of each named
// question.
func answer(t *testing.T, ctx context.Context, names []string, values map[string]int) {
	t.Helper()
	steps := make([]chromedp.Action[chromedp.Void], 0, len(names))
	for _, n := range names {
		steps = append(steps, chromedp.Click(chromedp.CSS("label:has(> "+radio(n, values[n])+")")))
	}
	do(t, ctx, "click the answers", steps...)
}

// checkedValues returns, for each radio group of the page, the checked value.
func checkedValues(t *testing.T, ctx context.Context) map[string]string {
	t.Helper()
	return eval[map[string]string](t, ctx, `Object.fromEntries(Array.from(
		document.querySelectorAll('input[type=radio]:checked')).map(r => [r.name, r.value]))`)
}

// submit clicks the form's submit button, waits for the page that answers
// and returns its HTTP status.
func submit(t *testing.T, ctx context.Context) int64 {
	t.Helper()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`form[method=post] button[type=submit]`)))
	if err != nil {
		t.Fatalf("submit the form: %v", err)
	}
	return resp.Status
}

func countResponses(t *testing.T, env *testEnv) int64 {
	t.Helper()
	n, err := env.store.CountResponses(context.Background())
	if err != nil {
		t.Fatalf("count responses: %v", err)
	}
	return n
}

func TestBrowserSurveySubmit(t *testing.T) {
	ctx := newBrowser(t)
	env := newTestEnv(t)

	do(t, ctx, "open the survey", chromedp.Navigate(env.http.URL+surveyPage))
	names := questionNames(t, ctx)
	if len(names) != 25 {
		t.Errorf("the land form at the department shows %d questions, want 25", len(names))
	}
	values := map[string]int{}
	for i, n := range names {
		values[n] = valueFor(i)
	}
	answer(t, ctx, names, values)

	got := checkedValues(t, ctx)
	for _, n := range names {
		if want := fmt.Sprint(values[n]); got[n] != want {
			t.Errorf("after clicking, %s has %q checked, want %q", n, got[n], want)
		}
	}

	const comment = "Cán bộ hướng dẫn tận tình, nhưng phải chờ lâu."
	do(t, ctx, "type a comment",
		chromedp.Click(chromedp.ID("comment")),
		chromedp.SendKeys(chromedp.ID("comment"), comment),
	)
	if v := run(t, ctx, "read the comment", chromedp.Value(chromedp.ID("comment"))); v != comment {
		t.Fatalf("comment field holds %q, want %q", v, comment)
	}
	key := run(t, ctx, "read the form key", chromedp.Value(chromedp.CSS(`input[name=key]`)))

	if status := submit(t, ctx); status != 200 {
		t.Errorf("after submitting, the page's status is %d, want 200 (after the 303)", status)
	}
	loc := run(t, ctx, "location", chromedp.Location())
	if !strings.HasSuffix(loc, surveyPage+"/thanks") {
		t.Errorf("after submitting, the browser is at %s, want %s/thanks", loc, surveyPage)
	}
	do(t, ctx, "wait for the thank-you", chromedp.WaitVisible(chromedp.CSS(`div.thanks h1`)))
	if h := run(t, ctx, "thank-you heading", chromedp.Text(chromedp.CSS(`div.thanks h1`))); h != "Cảm ơn ông/bà!" {
		t.Errorf("thank-you heading = %q, want %q", h, "Cảm ơn ông/bà!")
	}

	if n := countResponses(t, env); n != 1 {
		t.Fatalf("stored responses = %d, want 1", n)
	}
	r, err := env.store.Response(context.Background(), key)
	if err != nil {
		t.Fatalf("read the stored response %q: %v", key, err)
	}
	if r.Comment != comment {
		t.Errorf("stored comment = %q, want %q", r.Comment, comment)
	}
	if r.Channel != survey.ChannelWeb || r.Agency != "so-tn-mt" || r.Area != "dat-dai" {
		t.Errorf("stored channel/agency/area = %s/%s/%s, want web/so-tn-mt/dat-dai", r.Channel, r.Agency, r.Area)
	}
	stored := map[string]int{}
	for _, a := range r.Answers {
		stored["a_"+a.Code] = a.Value
	}
	for _, n := range names {
		if v, ok := stored[n]; !ok || v != values[n] {
			t.Errorf("stored answer of %s = %d (present %t), want %d", n, v, ok, values[n])
		}
	}
}

func TestBrowserMissingAnswer(t *testing.T) {
	ctx := newBrowser(t)
	env := newTestEnv(t)

	do(t, ctx, "open the survey", chromedp.Navigate(env.http.URL+surveyPage))
	names := questionNames(t, ctx)
	missing := names[len(names)/2]
	var answered []string
	values := map[string]int{}
	for i, n := range names {
		if n != missing {
			answered = append(answered, n)
			values[n] = valueFor(i)
		}
	}
	answer(t, ctx, answered, values)
	const comment = "Thủ tục rõ ràng."
	do(t, ctx, "type a comment", chromedp.SendKeys(chromedp.ID("comment"), comment))

	if status := submit(t, ctx); status != 400 {
		t.Errorf("a form with an unanswered question answers %d, want 400", status)
	}
	do(t, ctx, "wait for the error summary", chromedp.WaitVisible(chromedp.CSS(`div.errors`)))
	summary := run(t, ctx, "error summary", chromedp.Text(chromedp.CSS(`div.errors`)))
	code := strings.TrimPrefix(missing, "a_")
	if !strings.Contains(summary, code) {
		t.Errorf("the error summary does not name question %s:\n%s", code, summary)
	}

	// The message is inside the unanswered question's fieldset, and only there.
	type fieldsetState struct {
		Name    string `json:"name"`
		Err     string `json:"err"`
		Invalid bool   `json:"invalid"`
	}
	states := eval[[]fieldsetState](t, ctx, `Array.from(document.querySelectorAll('form fieldset')).map(f => {
		const r = f.querySelector('input[type=radio]'), e = f.querySelector('p.err');
		return {name: r ? r.name : '', err: e ? e.textContent.trim() : '', invalid: f.classList.contains('invalid')};
	})`)
	found := false
	for _, s := range states {
		switch {
		case s.Name == missing:
			found = true
			if s.Err == "" {
				t.Errorf("the fieldset of %s has no p.err message", missing)
			}
			if !s.Invalid {
				t.Errorf("the fieldset of %s is not marked invalid", missing)
			}
		case s.Err != "":
			t.Errorf("the answered question %s shows an error: %q", s.Name, s.Err)
		}
	}
	if !found {
		t.Fatalf("the form shown again has no fieldset for %s", missing)
	}
	// The summary's link leads to the unanswered question's first radio,
	// which is described by the message.
	href := eval[string](t, ctx, `document.querySelector('div.errors a').getAttribute('href')`)
	first := eval[string](t, ctx, fmt.Sprintf(`(() => {
		const r = document.querySelector(%q);
		return r.id + ' ' + (r.getAttribute('aria-describedby') || '');
	})()`, `input[type=radio][name="`+missing+`"]`))
	id, described, _ := strings.Cut(first, " ")
	if href != "#"+id {
		t.Errorf("the summary links to %q, want #%s (the question's first radio)", href, id)
	}
	if errID := eval[string](t, ctx, fmt.Sprintf(`document.querySelector(%q).closest('fieldset').querySelector('p.err').id`,
		`input[type=radio][name="`+missing+`"]`)); described == "" || described != errID {
		t.Errorf("the radios of %s are described by %q, want the message's id %q", missing, described, errID)
	}

	// Everything entered is kept.
	got := checkedValues(t, ctx)
	for _, n := range answered {
		if want := fmt.Sprint(values[n]); got[n] != want {
			t.Errorf("after the error, %s has %q checked, want %q", n, got[n], want)
		}
	}
	if v, ok := got[missing]; ok {
		t.Errorf("the unanswered %s shows %q checked", missing, v)
	}
	if v := run(t, ctx, "read the comment", chromedp.Value(chromedp.ID("comment"))); v != comment {
		t.Errorf("after the error the comment is %q, want %q", v, comment)
	}
	if n := countResponses(t, env); n != 0 {
		t.Fatalf("an invalid form stored %d responses, want 0", n)
	}

	// Answering the last question sends the form.
	answer(t, ctx, []string{missing}, map[string]int{missing: 0})
	if status := submit(t, ctx); status != 200 {
		t.Errorf("the corrected form ends on status %d, want 200", status)
	}
	do(t, ctx, "wait for the thank-you", chromedp.WaitVisible(chromedp.CSS(`div.thanks`)))
	if n := countResponses(t, env); n != 1 {
		t.Errorf("after correcting, stored responses = %d, want 1", n)
	}
}

func TestBrowserLanguageSwitch(t *testing.T) {
	ctx := newBrowser(t)
	env := newTestEnv(t)

	do(t, ctx, "open the survey", chromedp.Navigate(env.http.URL+surveyPage))
	if l := eval[string](t, ctx, `document.documentElement.lang`); l != "vi" {
		t.Fatalf("the survey opens in %q, want vi", l)
	}
	if b := run(t, ctx, "submit button", chromedp.Text(chromedp.CSS(`button[type=submit]`))); b == "Send my rating" {
		t.Fatalf("the survey opens in English")
	}

	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`a.lang`))); err != nil {
		t.Fatalf("click the language link: %v", err)
	}
	if l := eval[string](t, ctx, `document.documentElement.lang`); l != "en" {
		t.Errorf("after the switch the page is in %q, want en", l)
	}
	if b := run(t, ctx, "submit button", chromedp.Text(chromedp.CSS(`button[type=submit]`))); b != "Send my rating" {
		t.Errorf("after the switch the button reads %q, want %q", b, "Send my rating")
	}
	if h := run(t, ctx, "heading", chromedp.Text(chromedp.CSS(`main h1`))); h == "" {
		t.Errorf("the English form has no heading")
	}

	// Another page, opened without ?lang=, is still English (the cookie).
	do(t, ctx, "open the start page", chromedp.Navigate(env.http.URL+"/"))
	if l := eval[string](t, ctx, `document.documentElement.lang`); l != "en" {
		t.Errorf("the start page after the switch is in %q, want en", l)
	}
	if h := run(t, ctx, "start heading", chromedp.Text(chromedp.CSS(`main h1`))); h != "Rate a public service" {
		t.Errorf("the start page heading is %q, want %q", h, "Rate a public service")
	}
	if a := run(t, ctx, "language link", chromedp.Text(chromedp.CSS(`a.lang`))); a != "Tiếng Việt" {
		t.Errorf("the language link of an English page reads %q, want %q", a, "Tiếng Việt")
	}

	// An English submission thanks in English.
	do(t, ctx, "open the survey again", chromedp.Navigate(env.http.URL+surveyPage))
	names := questionNames(t, ctx)
	values := map[string]int{}
	for i, n := range names {
		values[n] = valueFor(i)
	}
	answer(t, ctx, names, values)
	submit(t, ctx)
	do(t, ctx, "wait for the thank-you", chromedp.WaitVisible(chromedp.CSS(`div.thanks h1`)))
	if h := run(t, ctx, "thank-you heading", chromedp.Text(chromedp.CSS(`div.thanks h1`))); h != "Thank you!" {
		t.Errorf("the English thank-you heading is %q, want %q", h, "Thank you!")
	}

	// And back to Vietnamese.
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`a.lang`))); err != nil {
		t.Fatalf("click the language link back: %v", err)
	}
	do(t, ctx, "open the start page", chromedp.Navigate(env.http.URL+"/"))
	if l := eval[string](t, ctx, `document.documentElement.lang`); l != "vi" {
		t.Errorf("after switching back the start page is in %q, want vi", l)
	}
}

// overflowJS lists the elements that reach past the viewport's right edge,
// to explain a horizontal scroll.
const overflowJS = `Array.from(document.querySelectorAll('body *')).filter(e => {
	const r = e.getBoundingClientRect();
	return r.width > 0 && r.right > document.documentElement.clientWidth + 0.5;
}).slice(0, 10).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
	(e.className ? '.' + String(e.className).trim().split(/\s+/).join('.') : '') +
	' right=' + Math.round(e.getBoundingClientRect().right))`

// checkNoHorizontalScroll fails when the page is wider than the viewport.
func checkNoHorizontalScroll(t *testing.T, ctx context.Context, page string, width int64) {
	t.Helper()
	sw := eval[int64](t, ctx, `document.documentElement.scrollWidth`)
	if sw > width {
		t.Errorf("%s at %d px: scrollWidth is %d, the page scrolls sideways; widest elements: %v",
			page, width, sw, eval[[]string](t, ctx, overflowJS))
	}
}

func TestBrowserNarrowViewport(t *testing.T) {
	ctx := newBrowser(t)
	env := newTestEnv(t)
	const width = 320

	do(t, ctx, "open the survey at 320 px",
		chromedp.EmulateViewport(width, 640),
		chromedp.Navigate(env.http.URL+surveyPage),
	)
	if w := eval[int64](t, ctx, `window.innerWidth`); w != width {
		t.Fatalf("the viewport is %d px wide, want %d", w, width)
	}
	checkNoHorizontalScroll(t, ctx, "the survey form", width)

	// The form shown again with every question in error.
	if status := submit(t, ctx); status != 400 {
		t.Errorf("an empty form answers %d, want 400", status)
	}
	do(t, ctx, "wait for the error summary", chromedp.WaitVisible(chromedp.CSS(`div.errors`)))
	checkNoHorizontalScroll(t, ctx, "the survey form with errors", width)

	// English strings are longer.
	do(t, ctx, "open the English survey", chromedp.Navigate(env.http.URL+surveyPage+"?lang=en"))
	checkNoHorizontalScroll(t, ctx, "the English survey form", width)

	do(t, ctx, "open the start page", chromedp.Navigate(env.http.URL+"/"))
	checkNoHorizontalScroll(t, ctx, "the start page", width)
}

// axeViolation is one failed axe-core rule.
type axeViolation struct {
	ID      string   `json:"id"`
	Impact  string   `json:"impact"`
	Help    string   `json:"help"`
	Targets []string `json:"targets"`
}

// axeSource returns axe-core's script, from the file HAILONG_AXE names.
func axeSource(t *testing.T) string {
	t.Helper()
	path := os.Getenv("HAILONG_AXE")
	if path == "" {
		if inCI() {
			t.Fatal("CI=true but HAILONG_AXE is unset: .ci/run must install axe-core and set it")
		}
		t.Skip("HAILONG_AXE is unset (npm install --prefix /tmp/axe axe-core; HAILONG_AXE=/tmp/axe/node_modules/axe-core/axe.min.js)")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read axe-core from HAILONG_AXE: %v", err)
	}
	return string(b)
}

// checkAxe runs axe-core's WCAG 2.1 A/AA rules on the current page and fails
// on every serious or critical violation; lesser ones are logged.
func checkAxe(t *testing.T, ctx context.Context, axe, page string) {
	t.Helper()
	if !eval[bool](t, ctx, `typeof axe !== 'undefined'`) {
		do(t, ctx, "inject axe-core", chromedp.Evaluate[chromedp.Void](axe))
	}
	vs, err := chromedp.Run(ctx, chromedp.Evaluate[[]axeViolation](`axe.run(document, {
		runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']},
		resultTypes: ['violations'],
	}).then(r => r.violations.map(v => ({
		id: v.id, impact: v.impact || '', help: v.help,
		targets: v.nodes.slice(0, 5).map(n => n.target.join(' ')),
	})))`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: run axe-core: %v", page, err)
	}
	for _, v := range vs {
		msg := fmt.Sprintf("%s: axe %s (%s): %s at %v", page, v.ID, v.Impact, v.Help, v.Targets)
		if v.Impact == "serious" || v.Impact == "critical" {
			t.Error(msg)
		} else {
			t.Log(msg)
		}
	}
}

func TestBrowserAccessibility(t *testing.T) {
	axe := axeSource(t)
	ctx := newBrowser(t)
	env := newTestEnv(t)

	pages := []struct {
		name, path string
	}{
		{"start page", "/"},
		{"survey form", surveyPage},
		{"English survey form", surveyPage + "?lang=en"},
	}
	for _, p := range pages {
		do(t, ctx, "open "+p.name, chromedp.Navigate(env.http.URL+p.path))
		checkAxe(t, ctx, axe, p.name)
	}

	// The form shown again with every question in error.
	if status := submit(t, ctx); status != 400 {
		t.Errorf("an empty form answers %d, want 400", status)
	}
	do(t, ctx, "wait for the error summary", chromedp.WaitVisible(chromedp.CSS(`div.errors`)))
	checkAxe(t, ctx, axe, "survey form with errors")

	names := questionNames(t, ctx)
	values := map[string]int{}
	for i, n := range names {
		values[n] = valueFor(i)
	}
	answer(t, ctx, names, values)
	submit(t, ctx)
	do(t, ctx, "wait for the thank-you", chromedp.WaitVisible(chromedp.CSS(`div.thanks`)))
	checkAxe(t, ctx, axe, "thank-you page")
}

// TestBrowserKeyboard answers with the keyboard only: arrows move within a
// question's radio group, Tab goes on to the next question, and the first Tab
// stop of a page is the visible skip link.
func TestBrowserKeyboard(t *testing.T) {
	ctx := newBrowser(t)
	env := newTestEnv(t)

	do(t, ctx, "open the survey", chromedp.Navigate(env.http.URL+surveyPage))
	names := questionNames(t, ctx)
	do(t, ctx, "focus the first radio", chromedp.Focus(chromedp.CSS(radio(names[0], 5))))
	do(t, ctx, "press arrows", chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(kb.ArrowDown))
	got := checkedValues(t, ctx)
	if got[names[0]] != "3" {
		t.Errorf("after two arrow-downs from the first level, %s has %q checked, want 3", names[0], got[names[0]])
	}
	// Tab leaves the group for the next question.
	do(t, ctx, "press tab", chromedp.KeyEvent(kb.Tab))
	focused := eval[string](t, ctx, `document.activeElement ? (document.activeElement.name || document.activeElement.id) : ''`)
	if focused != names[1] {
		t.Errorf("Tab from the first question focuses %q, want the next question %s", focused, names[1])
	}
	// The skip link is the first stop, and shows when focused.
	do(t, ctx, "reload", chromedp.Navigate(env.http.URL+surveyPage))
	do(t, ctx, "tab to the skip link", chromedp.KeyEvent(kb.Tab))
	if cls := eval[string](t, ctx, `document.activeElement.className`); cls != "skip" {
		t.Errorf("the first Tab stop is %q, want the skip link", cls)
	}
	if vis := eval[bool](t, ctx, `(() => { const r = document.activeElement.getBoundingClientRect(); return r.left >= 0 && r.right > 0; })()`); !vis {
		t.Errorf("the focused skip link is not on screen")
	}
}
