package server

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"hailong/notify"
	"hailong/notify/notifytest"
	"hailong/survey"
	"hailong/survey/store"
)

// Issue 18's loop, end to end over the real embedded FerretDB, a real SMTP
// server and a real webhook receiver: a low rating sent through the public
// form becomes an attention item; its webhook call fails twice and is
// delivered exactly once with a valid signature, although the service
// restarts between the two failures; the next digest carries it; and when
// staff resolve it, the citizen who left an e-mail address is told.
func TestAttentionLoopEndToEnd(t *testing.T) {
	dir := t.TempDir()
	box := notifytest.StartMailbox(t)
	smtpCfg, err := notify.ParseSMTP("smtp://127.0.0.1:"+strconv.Itoa(box.Port), "hailong@example.gov.vn")
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{PublicURL: "https://hailong.example.gov.vn", ContactKey: atKey,
		Notify: NotifyConfig{SMTP: smtpCfg, AllowPrivate: true}}
	rc := notifytest.StartReceiver(t, 2)
	const secret = "pakn-shared-secret-2026"
	const email = "nguyen.van.an@example.vn"

	// start runs the service on the folder as main does: the store holds
	// back rebuilt items until the notifications are connected.
	start := func(backoff time.Duration) (*testEnv, func()) {
		st, err := store.Open(context.Background(), store.Config{DataDir: dir, AwaitAttentionHook: true,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.SeedWith(context.Background(), survey.LegacySeedAgencies()); err != nil {
			t.Fatal(err)
		}
		srv, err := New(cfg, st, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		srv.notify.Webhooks.Backoff = func(int) time.Duration { return backoff }
		srv.StartNotifications()
		hs := httptest.NewServer(srv.Handler())
		env := &testEnv{srv: srv, store: st, http: hs}
		return env, func() {
			hs.Close()
			srv.StopNotifications()
			_ = st.Close(context.Background())
		}
	}
	waitCalls := func(n int) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for c, _ := rc.Counts(); c < n; c, _ = rc.Counts() {
			if time.Now().After(deadline) {
				t.Fatalf("%d webhook calls arrived, want %d", c, n)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}

	env, stop := start(3 * time.Second)
	admin := azAdmin(t, env)
	path := "/api/v1/admin/agencies/" + landAgency + "/notifications"
	if r := admin.api(t, http.MethodPut, path, map[string]any{"emails": []string{"vanthu@tnmt.example.gov.vn"},
		"webhook": map[string]string{"url": rc.URL + "/pakn", "secret": secret}}); r.status != http.StatusOK {
		t.Fatalf("settings: %s", r)
	}
	c := env.client(t)
	vals := atLowValues(t, env, c, "", email)
	if r := env.postSurvey(t, c, landPath, vals); r.status != http.StatusSeeOther {
		t.Fatalf("the form: status %d", r.status)
	}
	id := vals.Get("key")
	atFlush(t, env) // the rollup writer inserts the item and tells the hook
	waitCalls(1)    // the first try fails
	stop()

	env, stop = start(200 * time.Millisecond)
	defer stop()
	waitCalls(3)
	time.Sleep(time.Second) // nothing more may come
	calls, accepted := rc.Counts()
	if calls != 3 || accepted != 1 {
		t.Fatalf("%d calls, %d accepted; want two failures and one delivery", calls, accepted)
	}
	var delivery string
	for i := range 3 {
		h, body := rc.Call(i)
		if h.Get(notify.SignatureHeader) != survey.WebhookSignature(secret, body) {
			t.Errorf("call %d: signature %q does not sign its body", i, h.Get(notify.SignatureHeader))
		}
		if i == 0 {
			delivery = h.Get("X-HaiLong-Delivery")
		} else if h.Get("X-HaiLong-Delivery") != delivery || delivery == "" {
			t.Errorf("call %d: delivery id %q, want the first call's %q", i, h.Get("X-HaiLong-Delivery"), delivery)
		}
		var call struct{ Notice survey.Notice }
		if err := json.Unmarshal(body, &call); err != nil || call.Notice.ItemID != id || call.Notice.Agency != landAgency ||
			!strings.HasSuffix(call.Notice.Link, "#a-"+id) || strings.Contains(string(body), email) || strings.Contains(string(body), "127.0.0.1") {
			t.Errorf("call %d: %s (%v)", i, body, err)
		}
	}

	// The digest, asked for now, carries the item.
	admin = azAdmin(t, env)
	r := admin.api(t, http.MethodPost, "/api/v1/admin/digests", nil)
	if r.status != http.StatusOK {
		t.Fatalf("digests: %s", r)
	}
	mails := box.All()
	if len(mails) != 1 || strings.Join(mails[0].To, ",") != "vanthu@tnmt.example.gov.vn" {
		t.Fatalf("mails after the digest: %+v", mails)
	}
	if m := notifytest.Decode(t, mails[0]); !strings.Contains(m.Text, "#a-"+id) || strings.Contains(m.Text, email) {
		t.Errorf("digest:\n%s", m.Text)
	}

	// Staff resolve it: the citizen's address hears, and the contact is gone.
	azInsertUser(t, env, "staff-land", survey.RoleStaff, landAgency)
	staff := azLogin(t, env, "staff-land", "pw-staff-land-secret")
	staff.token = staff.fetchToken(t, "staff")
	if r := staff.api(t, http.MethodPost, "/api/v1/attention/"+id, map[string]string{"state": "resolved", "note": "Đã liên hệ"}); r.status != http.StatusOK {
		t.Fatalf("resolve: %s", r)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(box.All()) < 2 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	mails = box.All()
	if len(mails) != 2 || strings.Join(mails[1].To, ",") != email {
		t.Fatalf("mails after the resolution: %d", len(mails))
	}
	if m := notifytest.Decode(t, mails[1]); !strings.Contains(m.Subject, "đã được xử lý") || strings.Index(m.Text, "Cảm ơn") > strings.Index(m.Text, "Thank you") {
		t.Errorf("message to the citizen %q:\n%s", m.Subject, m.Text)
	}
	if l := atGet(t, staff, "?agency="+landAgency); len(l.Items) != 1 || l.Items[0].ContactDetails != nil {
		t.Errorf("after resolution: %+v, want the item without its contact", l.Items)
	}
}
