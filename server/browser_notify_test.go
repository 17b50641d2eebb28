package server

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"hailong/notify/notifytest"
)

// An administrator sets an agency's notifications in Chromium: addresses
// and a webhook saved, a test call made and shown in the delivery log,
// the secret never on the page, and the section passes axe-core.
func TestBrowserNotifySettings(t *testing.T) {
	axe := axeSource(t)
	ctx := newBrowser(t)
	env := newTestEnvConfig(t, Config{Notify: NotifyConfig{AllowPrivate: true}})
	const adminPassword = "browser-admin-password-1"
	if _, err := env.store.EnsureAdmin(context.Background(), adminPassword); err != nil {
		t.Fatal(err)
	}
	browserLogin(t, ctx, env, "admin", adminPassword)
	rc := notifytest.StartReceiver(t, 0)
	const secret = "browser-webhook-secret-77"

	if s := browserOpen(t, ctx, env, "/admin/agencies/so-tu-phap"); s != 200 {
		t.Fatalf("agency page: %d", s)
	}
	if !strings.Contains(browserText(t, ctx, "#notify-mail-off"), "HAILONG_SMTP_URL") {
		t.Errorf("the page does not say e-mail is off")
	}
	do(t, ctx, "fill the notifications form",
		chromedp.SendKeys(chromedp.CSS(`textarea[name=emails]`), "vanthu@stp.tuyenquang.gov.vn\nlanhdao@stp.tuyenquang.gov.vn"),
		chromedp.SendKeys(chromedp.CSS(`input[name=webhookUrl]`), rc.URL+"/hook"),
		chromedp.SendKeys(chromedp.CSS(`input[name=webhookSecret]`), secret),
	)
	if s := browserClick(t, ctx, "save the notifications", `form[action$="/notifications"] button[type=submit]`); s != 200 {
		t.Fatalf("saving ends on %d", s)
	}
	if p := browserPath(t, ctx, env); !strings.HasPrefix(p, "/admin/agencies/so-tu-phap?notify=saved") {
		t.Errorf("after saving the browser is at %s", p)
	}
	if f := browserText(t, ctx, "#notify-flash"); f != viMessage(t, env, "notify.saved") {
		t.Errorf("flash %q", f)
	}
	if s := browserClick(t, ctx, "send a test call", `form[action$="/notifications/test"] button[type=submit]`); s != 200 {
		t.Fatalf("test call ends on %d", s)
	}
	if f := browserText(t, ctx, "#notify-flash"); !strings.Contains(f, viMessage(t, env, "notify.state.delivered")) || !strings.Contains(f, "204") {
		t.Errorf("test call flash %q", f)
	}
	if c, a := rc.Counts(); c != 1 || a != 1 {
		t.Errorf("receiver: %d calls, %d accepted", c, a)
	}
	row := eval[[]string](t, ctx, `Array.from(document.querySelectorAll('#delivery-log tbody tr:first-child td')).map(c => c.innerText.trim())`)
	if len(row) != 5 || row[1] != "test" || row[2] != viMessage(t, env, "notify.state.delivered") || row[3] != "1" || row[4] != "204" {
		t.Errorf("delivery log row %q", row)
	}
	if html := eval[string](t, ctx, `document.documentElement.outerHTML`); strings.Contains(html, secret) {
		t.Errorf("the page holds the secret")
	}
	if v := eval[string](t, ctx, `document.querySelector('textarea[name=emails]').value`); v != "vanthu@stp.tuyenquang.gov.vn\nlanhdao@stp.tuyenquang.gov.vn" {
		t.Errorf("addresses shown %q", v)
	}
	checkAxe(t, ctx, axe, "agency page with notifications")

	// A bad address: the page says so, in Vietnamese, next to the field.
	do(t, ctx, "type a bad address", chromedp.SendKeys(chromedp.CSS(`textarea[name=emails]`), "\nkhông phải địa chỉ"))
	if s := browserClick(t, ctx, "save a bad address", `form[action$="/notifications"] button[type=submit]`); s != 400 {
		t.Fatalf("a bad address ends on %d, want 400", s)
	}
	if e := browserText(t, ctx, "#notify-errors"); !strings.Contains(e, viMessage(t, env, "err.notify_email_invalid")) {
		t.Errorf("error summary %q", e)
	}
	checkAxe(t, ctx, axe, "agency page with a notifications error")
}
