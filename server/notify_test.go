package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"hailong/notify"
	"hailong/notify/notifytest"
	"hailong/survey"
)

// noticeList is a survey.NoticeSource over a fixed list (the attention
// queue's stand-in until it is wired): every notice is fresh.
type noticeList []survey.Notice

func (l noticeList) DigestNotices(_ context.Context, agency string, _ time.Time) (fresh, overdue []survey.Notice, err error) {
	for _, n := range l {
		if n.Agency == agency {
			if n.Overdue {
				overdue = append(overdue, n)
			} else {
				fresh = append(fresh, n)
			}
		}
	}
	return fresh, overdue, nil
}

func testNotice(day string) survey.Notice {
	return survey.Notice{ItemID: "att-42", Agency: "so-tu-phap", AgencyName: "Sở Tư pháp", Day: day,
		Reasons: []string{"overall"}, FactorMeans: map[string]float64{"thu-tuc": 1.5}, Overall: 1.7,
		Comment: "Chờ quá lâu [đã ẩn]", State: "open", Link: "https://hailong.example.gov.vn/attention/att-42"}
}

// The settings API: bad input is refused field by field and nothing is
// stored; a private target is refused without HAILONG_WEBHOOK_ALLOW_PRIVATE;
// the secret never comes back whole, and an empty one keeps it.
func TestNotifySettingsAPI(t *testing.T) {
	env := newTestEnv(t)
	admin := azAdmin(t, env)
	ctx := context.Background()
	path := "/api/v1/admin/agencies/so-tu-phap/notifications"

	r := admin.api(t, http.MethodPut, path, map[string]any{
		"emails":  []string{"vanthu@stp.example.gov.vn", "not an address", "Ann <a@b.vn>"},
		"webhook": map[string]string{"url": "ftp://pakn.example.gov.vn/x", "secret": "short"},
	})
	e := azDecodeErr(t, r)
	if r.status != http.StatusBadRequest || e.Error.Code != "validation_failed" ||
		e.Error.Fields["emails"] == "" || e.Error.Fields["webhook.url"] == "" || !strings.Contains(e.Error.Fields["webhook.secret"], "16") {
		t.Fatalf("bad settings: %s", r)
	}
	if n, _ := env.store.NotifySettings(ctx, "so-tu-phap"); len(n.Emails) != 0 || n.WebhookURL != "" {
		t.Errorf("refused settings were stored: %+v", n)
	}
	for _, u := range []string{"http://127.0.0.1:9000/hook", "https://10.0.0.8/hook", "http://localhost/hook"} {
		r = admin.api(t, http.MethodPut, path, map[string]any{"webhook": map[string]string{"url": u, "secret": "0123456789abcdef"}})
		if e := azDecodeErr(t, r); r.status != http.StatusBadRequest || !strings.Contains(e.Error.Fields["webhook.url"], "HAILONG_WEBHOOK_ALLOW_PRIVATE") {
			t.Errorf("private target %s: %s", u, r)
		}
	}
	const secret = "pakn-shared-secret-2026"
	r = admin.api(t, http.MethodPut, path, map[string]any{
		"emails":  []string{" VanThu@STP.example.gov.vn ", "lanhdao@stp.example.gov.vn", "vanthu@stp.example.gov.vn"},
		"webhook": map[string]string{"url": "https://203.0.113.7/hooks/hailong", "secret": secret},
	})
	if r.status != http.StatusOK || strings.Contains(r.body, secret) {
		t.Fatalf("good settings: %s", r)
	}
	var v NotifyView
	if err := json.Unmarshal([]byte(r.body), &v); err != nil {
		t.Fatal(err)
	}
	if strings.Join(v.Emails, ",") != "vanthu@stp.example.gov.vn,lanhdao@stp.example.gov.vn" || v.Webhook == nil ||
		v.Webhook.SecretHint != "…2026" || v.Mail {
		t.Errorf("stored view %+v", v)
	}
	// An empty secret keeps the stored one; GET never shows it.
	r = admin.api(t, http.MethodPut, path, map[string]any{"emails": []string{"vanthu@stp.example.gov.vn"},
		"webhook": map[string]string{"url": "https://203.0.113.7/hooks/v2"}})
	if r.status != http.StatusOK {
		t.Fatalf("keep secret: %s", r)
	}
	if n, _ := env.store.NotifySettings(ctx, "so-tu-phap"); n.WebhookSecret != secret || n.WebhookURL != "https://203.0.113.7/hooks/v2" {
		t.Errorf("after a change without a secret: %+v", n)
	}
	if r = admin.api(t, http.MethodGet, path, nil); r.status != http.StatusOK || strings.Contains(r.body, secret) || !strings.Contains(r.body, "…2026") {
		t.Errorf("GET: %s", r)
	}
	if r = admin.api(t, http.MethodGet, "/api/v1/admin/agencies/no-such/notifications", nil); r.status != http.StatusNotFound {
		t.Errorf("unknown agency: %s", r)
	}
	// No webhook: the test call says so.
	if r = admin.api(t, http.MethodPost, "/api/v1/admin/agencies/so-cong-thuong/notifications/test", nil); r.status != http.StatusConflict || azDecodeErr(t, r).Error.Code != "no_webhook" {
		t.Errorf("test call without a webhook: %s", r)
	}
	if env.srv.MailConfigured() || env.srv.SendMail(ctx, notify.Message{To: []string{"a@b.vn"}, Subject: "x", Body: "y"}) != notify.ErrNoSMTP {
		t.Errorf("without SMTP, mail is said to be configured or sent")
	}
	// No mail server: the digests cannot be sent now.
	if r = admin.api(t, http.MethodPost, "/api/v1/admin/digests", nil); r.status != http.StatusConflict || azDecodeErr(t, r).Error.Code != "smtp_not_configured" {
		t.Errorf("digests without SMTP: %s", r)
	}
}

// With private targets allowed and a mail server: the test call and the
// log, a new item's call made by the running worker (EnqueueNotice) after
// two failures, and the digest sent now, in Vietnamese then English.
func TestNotifyEndToEnd(t *testing.T) {
	box := notifytest.StartMailbox(t)
	smtpCfg, err := notify.ParseSMTP("smtp://127.0.0.1:"+strconv.Itoa(box.Port), "hailong@example.gov.vn")
	if err != nil {
		t.Fatal(err)
	}
	env := newTestEnvConfig(t, Config{PublicURL: "https://hailong.example.gov.vn", Notify: NotifyConfig{SMTP: smtpCfg, AllowPrivate: true}})
	env.srv.notify.Webhooks.Backoff = func(int) time.Duration { return 200 * time.Millisecond }
	env.srv.StartNotifications()
	t.Cleanup(env.srv.StopNotifications)
	admin := azAdmin(t, env)
	rc := notifytest.StartReceiver(t, 2)
	const secret = "pakn-shared-secret-2026"
	path := "/api/v1/admin/agencies/so-tu-phap/notifications"
	r := admin.api(t, http.MethodPut, path, map[string]any{"emails": []string{"vanthu@stp.example.gov.vn"},
		"webhook": map[string]string{"url": rc.URL + "/hook", "secret": secret}})
	if r.status != http.StatusOK {
		t.Fatalf("settings: %s", r)
	}
	// The test call meets the receiver's first failure, and shows it.
	r = admin.api(t, http.MethodPost, path+"/test", nil)
	var d survey.Delivery
	if err := json.Unmarshal([]byte(r.body), &d); r.status != http.StatusOK || err != nil || d.State != survey.DeliveryFailed || d.LastStatus != 503 {
		t.Fatalf("test call: %s", r)
	}
	n := testNotice(notify.Day(time.Now()))
	if err := env.srv.EnqueueNotice(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for _, a := rc.Counts(); a == 0; _, a = rc.Counts() {
		if time.Now().After(deadline) {
			t.Fatalf("the item's call never arrived")
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond)
	if c, a := rc.Counts(); c != 3 || a != 1 {
		t.Errorf("%d calls, %d accepted; want the test call, one failed try and one accepted", c, a)
	}
	h, body := rc.Call(2)
	if h.Get(notify.SignatureHeader) != survey.WebhookSignature(secret, body) || h.Get(notify.EventHeader) != notify.EventItem {
		t.Errorf("item call headers %v", h)
	}
	r = admin.api(t, http.MethodGet, path+"/deliveries", nil)
	var log struct{ Deliveries []survey.Delivery }
	if err := json.Unmarshal([]byte(r.body), &log); r.status != http.StatusOK || err != nil || len(log.Deliveries) != 2 ||
		log.Deliveries[0].State != survey.DeliveryDelivered || log.Deliveries[0].Attempts != 2 || log.Deliveries[1].Event != notify.EventTest {
		t.Errorf("delivery log: %s", r)
	}

	env.srv.SetNoticeSource(noticeList{n})
	r = admin.api(t, http.MethodPost, "/api/v1/admin/digests", nil)
	var run DigestRun
	if err := json.Unmarshal([]byte(r.body), &run); r.status != http.StatusOK || err != nil || len(run.Results) != 1 || run.Results[0].State != notify.DigestSent {
		t.Fatalf("send digests: %s", r)
	}
	mails := box.All()
	if len(mails) != 1 || strings.Join(mails[0].To, ",") != "vanthu@stp.example.gov.vn" {
		t.Fatalf("mails %v", mails)
	}
	m := notifytest.Decode(t, mails[0])
	if !strings.Contains(m.Subject, "Sở Tư pháp: 1 phản ánh mới") || strings.Index(m.Text, "Kính gửi") > strings.Index(m.Text, "Dear") ||
		!strings.Contains(m.Text, "https://hailong.example.gov.vn/attention?agency=so-tu-phap") || !strings.Contains(m.Text, n.Link) {
		t.Errorf("digest %q:\n%s", m.Subject, m.Text)
	}
	// The outcomes are counted in the metrics.
	mr := admin.get(t, "/metrics")
	for _, want := range []string{
		`hailong_webhook_calls_total{event="test",outcome="failed"} 1`,
		`hailong_webhook_calls_total{event="attention.item",outcome="retry"} 1`,
		`hailong_webhook_calls_total{event="attention.item",outcome="delivered"} 1`,
		`hailong_digests_total{state="sent"} 1`,
	} {
		if !strings.Contains(mr.body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	// Other notices go out through the same server.
	if !env.srv.MailConfigured() {
		t.Errorf("mail not configured")
	}
	if err := env.srv.SendMail(context.Background(), notify.Message{To: []string{"dan@example.vn"}, Subject: "Phản ánh đã được xử lý", Body: "Cảm ơn.\n"}); err != nil {
		t.Fatal(err)
	}
	if mails = box.All(); len(mails) != 2 || notifytest.Decode(t, mails[1]).Subject != "Phản ánh đã được xử lý" {
		t.Errorf("second mail: %d mails", len(mails))
	}
}

// The agency's admin page: the form saves, refuses bad input in the
// page's language, shows the delivery log and never the secret.
func TestNotifyAgencyPage(t *testing.T) {
	env := newTestEnv(t)
	admin := azAdmin(t, env)
	page := "/admin/agencies/so-tu-phap"
	r := admin.post(t, page+"/notifications", url.Values{"emails": {"vanthu@stp.example.gov.vn\nsai địa chỉ"},
		"webhookUrl": {"http://127.0.0.1/hook"}, "webhookSecret": {"0123456789abcdef"}})
	if r.status != http.StatusBadRequest || !strings.Contains(r.body, "Có địa chỉ thư điện tử không hợp lệ") || !strings.Contains(r.body, "sai địa chỉ") {
		t.Fatalf("bad form: %s", r)
	}
	r = admin.post(t, page+"/notifications", url.Values{"emails": {"vanthu@stp.example.gov.vn\r\nlanhdao@stp.example.gov.vn"},
		"webhookUrl": {"https://203.0.113.7/hooks/hailong"}, "webhookSecret": {"0123456789abcdef-9f3k"}})
	if r.status != http.StatusSeeOther || !strings.Contains(r.location(), "notify=saved") {
		t.Fatalf("good form: %s", r)
	}
	r = admin.get(t, page+"?notify=saved")
	for _, want := range []string{"Đã lưu cài đặt thông báo", "lanhdao@stp.example.gov.vn", "https://203.0.113.7/hooks/hailong", "…9f3k", "Chưa có lần gọi nào"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(r.body, "0123456789abcdef-9f3k") {
		t.Errorf("the page shows the secret")
	}
	// A loopback target stored behind the form's back (as a name that
	// now resolves to one would be): the test call is refused at dial
	// time, and the failure is shown and logged.
	if err := env.store.SetNotifySettings(context.Background(), survey.NotifySettings{Agency: "so-tu-phap",
		WebhookURL: "http://127.0.0.1:1/hook", WebhookSecret: "0123456789abcdef"}); err != nil {
		t.Fatal(err)
	}
	r = admin.post(t, page+"/notifications/test", nil)
	if r.status != http.StatusOK || !strings.Contains(r.body, "Lần gọi thử: thất bại") || !strings.Contains(r.body, "private") || !strings.Contains(r.body, `id="delivery-log"`) {
		t.Errorf("test call to a loopback target stored behind the form's back: %s", r)
	}
}
