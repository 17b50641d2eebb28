package server

// Browser test of the attention queue (issue 18): a citizen gives low
// ratings and asks to be contacted on the public form in Chromium; staff of
// the agency find the item on /attention with the contact, move it to in
// progress, then resolve it, after which the contact is gone. Helpers are in
// browser_test.go and browser_admin_test.go.

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hailong/survey"
)

func TestBrowserAttentionQueueAsStaff(t *testing.T) {
	ctx := newBrowser(t)
	env := newAttentionEnv(t, t.TempDir(), true)
	const phone = "0915 222 333"

	// ---- the citizen ----
	if status := browserOpen(t, ctx, env, surveyPage); status != 200 {
		t.Fatalf("the form: status %d", status)
	}
	if got := browserText(t, ctx, "#contact legend"); got != viMessage(t, env, "contact.title") {
		t.Fatalf("the contact block's title is %q", got)
	}
	if os.Getenv("HAILONG_AXE") != "" || inCI() {
		checkAxe(t, ctx, axeSource(t), "form with the contact block")
	}
	names := eval[[]string](t, ctx, `Array.from(new Set(Array.from(document.querySelectorAll('form input[type=radio]')).map(r => r.name)))`)
	if len(names) != len(questionCodes(landArea)) {
		t.Fatalf("%d questions on the form, want %d", len(names), len(questionCodes(landArea)))
	}
	ones := map[string]int{}
	for _, n := range names {
		ones[n] = 1
	}
	answer(t, ctx, names, ones)
	do(t, ctx, "comment and contact",
		chromedp.SendKeys(chromedp.ID("comment"), "Phải đi lại ba lần."),
		chromedp.SendKeys(chromedp.ID("contact-phone"), phone),
		chromedp.Click(chromedp.ID("contact-consent")),
	)
	if status := submit(t, ctx); status != 200 || !strings.HasSuffix(browserPath(t, ctx, env), "/thanks") {
		t.Fatalf("submitting ends on %d at %s, want the thank-you page", status, browserPath(t, ctx, env))
	}

	// ---- the agency's staff ----
	atFlush(t, env)
	pw := azInsertUser(t, env, "staff-land", survey.RoleStaff, landAgency)
	browserLogin(t, ctx, env, "staff-land", pw)
	if status := browserClick(t, ctx, "the navigation's link", `a[href="/attention"]`); status != 200 {
		t.Fatalf("/attention: status %d", status)
	}
	ids := eval[[]string](t, ctx, `Array.from(document.querySelectorAll('li.attention-item')).map(e => e.dataset.id)`)
	if len(ids) != 1 {
		t.Fatalf("items on the page: %v, want one", ids)
	}
	id := ids[0]
	item := "#a-" + id
	if got := browserText(t, ctx, item+" .contact-phone"); got != phone {
		t.Errorf("the contact shown is %q, want %q", got, phone)
	}
	if got := browserText(t, ctx, item+" .state"); got != viMessage(t, env, "attention.state.new") {
		t.Errorf("the state shown is %q", got)
	}
	if got := browserText(t, ctx, "#open-count"); got != "1" {
		t.Errorf("open count %q, want 1", got)
	}
	if os.Getenv("HAILONG_AXE") != "" || inCI() {
		checkAxe(t, ctx, axeSource(t), "attention page")
	}

	do(t, ctx, "move it to in progress",
		chromedp.SetValue(chromedp.ID("state-"+id), "in_progress"),
		chromedp.SendKeys(chromedp.ID("note-"+id), "Đã gọi, hẹn tuần sau"),
	)
	if status := browserClick(t, ctx, "update", item+" form button[type=submit]"); status != 200 {
		t.Fatalf("update: status %d", status)
	}
	if got := browserText(t, ctx, item+" .state"); got != viMessage(t, env, "attention.state.in_progress") {
		t.Errorf("after the update the state shown is %q", got)
	}
	if got := eval[string](t, ctx, `document.querySelector('`+item+` .history').textContent`); !strings.Contains(got, "Đã gọi, hẹn tuần sau") || !strings.Contains(got, "staff-land") {
		t.Errorf("the history shows %q", got)
	}

	do(t, ctx, "resolve it", chromedp.SetValue(chromedp.ID("state-"+id), "resolved"))
	if status := browserClick(t, ctx, "resolve", item+" form button[type=submit]"); status != 200 {
		t.Fatalf("resolve: status %d", status)
	}
	if got := browserText(t, ctx, item+" .state"); got != viMessage(t, env, "attention.state.resolved") {
		t.Errorf("after resolving the state shown is %q", got)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('`+item+` .contact-phone').length`); n != 0 {
		t.Error("the contact is still shown after resolution")
	}
	if got := browserText(t, ctx, "#open-count"); got != "0" {
		t.Errorf("open count %q after resolving, want 0", got)
	}
	if _, err := env.store.Contact(context.Background(), id, time.Now()); err == nil {
		t.Error("the contact is still stored after resolution")
	}
}
