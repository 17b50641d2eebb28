package notify

import (
	"context"
	"mime"
	"strconv"
	"strings"
	"testing"
	"time"

	"hailong/notify/notifytest"
	"hailong/survey"
)

// The daily digest reaches a real SMTP server: headers, Vietnamese first
// and English second in UTF-8, the item's link and the queue's; the same
// day, a restart does not send it again; "send now" does.
func TestDigestMailedOncePerDay(t *testing.T) {
	ctx := context.Background()
	box := notifytest.StartMailbox(t)
	dir := t.TempDir()
	st, closeStore := openStore(t, dir)
	if err := st.SetNotifySettings(ctx, survey.NotifySettings{Agency: "so-tu-phap", Emails: []string{"lanh-dao@stp.example.gov.vn", "van-thu@stp.example.gov.vn"}}); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	fresh := sampleNotice(Day(now))
	old := sampleNotice("2026-10-01")
	old.ItemID, old.Overdue, old.Comment, old.Link = "att-0000", true, "", "https://hailong.example.gov.vn/attention/att-0000"
	other := sampleNotice(Day(now))
	other.Agency, other.Comment = "so-cong-thuong", "không được gửi cho Sở Tư pháp"
	src := sliceSource{notices: []survey.Notice{fresh, old, other}}
	smtpCfg, err := ParseSMTP("smtp://127.0.0.1:"+strconv.Itoa(box.Port), "Hài Lòng <hailong@example.gov.vn>")
	if err != nil {
		t.Fatal(err)
	}
	newService := func() *Service {
		s := New(st, quiet, Config{SMTP: smtpCfg, PublicURL: "https://hailong.example.gov.vn/"})
		s.SetSource(src)
		return s
	}
	res, err := newService().SendDigests(ctx, now, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || res[0].State != DigestSent || res[0].Fresh != 1 || res[0].Overdue != 1 {
		t.Fatalf("digest results %+v, want so-tu-phap sent with 1 new and 1 overdue", res)
	}
	msgs := box.All()
	if len(msgs) != 1 {
		t.Fatalf("%d messages received, want 1", len(msgs))
	}
	got := msgs[0]
	if got.From != "hailong@example.gov.vn" || strings.Join(got.To, ",") != "lanh-dao@stp.example.gov.vn,van-thu@stp.example.gov.vn" {
		t.Errorf("envelope from %q to %v", got.From, got.To)
	}
	m := notifytest.Decode(t, got)
	subject := m.Subject
	if !strings.Contains(subject, "Sở Tư pháp: 1 phản ánh mới, 1 quá hạn") || !strings.Contains(subject, "1 new, 1 overdue") {
		t.Errorf("subject %q", subject)
	}
	from, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("From"))
	if !strings.Contains(from, "Hài Lòng") || !strings.Contains(from, "<hailong@example.gov.vn>") {
		t.Errorf("From %q", from)
	}
	if ct := m.Header.Get("Content-Type"); !strings.Contains(strings.ToLower(ct), "text/plain") || !strings.Contains(strings.ToLower(ct), "charset=utf-8") {
		t.Errorf("Content-Type %q, want text/plain in UTF-8", ct)
	}
	if m.Header.Get("Message-Id") == "" || m.Header.Get("Date") == "" {
		t.Errorf("no Message-ID or Date: %v", m.Header)
	}
	text := m.Text
	vi := strings.Index(text, "Kính gửi Sở Tư pháp")
	en := strings.Index(text, "Dear Department of Justice")
	if vi < 0 || en < 0 || vi > en {
		t.Errorf("want Vietnamese first, English second; body:\n%s", text)
	}
	for _, want := range []string{"1 phản ánh mới và 1 phản ánh quá hạn", "điểm chung 1,8", "overall 1.8",
		"Ý kiến: «Cán bộ hẹn ba lần vẫn chưa trả hồ sơ [đã ẩn]»", "https://hailong.example.gov.vn/attention/att-0001",
		"https://hailong.example.gov.vn/attention/att-0000", "https://hailong.example.gov.vn/attention?agency=so-tu-phap"} {
		if !strings.Contains(text, want) {
			t.Errorf("body lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "không được gửi") {
		t.Errorf("the digest carries another agency's item")
	}

	// A restart the same day: the record in the database stops a second mail.
	closeStore()
	st, _ = openStore(t, dir)
	res, err = newService().SendDigests(ctx, now.Add(time.Minute), false)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || res[0].State != DigestSkipped || len(box.All()) != 1 {
		t.Fatalf("after a restart the same day: %+v, %d messages; want skipped, still 1", res, len(box.All()))
	}
	// An administrator's "send now" sends anyway.
	if res, err = newService().SendDigests(ctx, now.Add(2*time.Minute), true); err != nil || res[0].State != DigestSent || len(box.All()) != 2 {
		t.Fatalf("send now: %+v, %v, %d messages", res, err, len(box.All()))
	}
}

// No mail server: the digests are not sent, and say why.
func TestDigestWithoutSMTP(t *testing.T) {
	st, _ := openStore(t, t.TempDir())
	if _, err := New(st, quiet, Config{}).SendDigests(context.Background(), time.Now(), true); err != ErrNoSMTP {
		t.Errorf("without SMTP: %v, want ErrNoSMTP", err)
	}
}

func TestParseSMTP(t *testing.T) {
	s, err := ParseSMTP("smtp://user%40x:p%40ss@mail.example.gov.vn", "hailong@example.gov.vn")
	if err != nil || s.Port != 587 || s.Implicit || s.User != "user@x" || s.Password != "p@ss" || s.Host != "mail.example.gov.vn" {
		t.Errorf("smtp:// → %+v, %v", s, err)
	}
	s, err = ParseSMTP("smtps://mail.example.gov.vn", "hailong@example.gov.vn")
	if err != nil || s.Port != 465 || !s.Implicit {
		t.Errorf("smtps:// → %+v, %v", s, err)
	}
	for _, bad := range []string{"http://mail.example.gov.vn", "smtp://", "smtp://h:99999", "mail.example.gov.vn"} {
		if _, err := ParseSMTP(bad, "a@b.vn"); err == nil {
			t.Errorf("ParseSMTP(%q) accepted", bad)
		}
	}
	if _, err := ParseSMTP("smtp://h", ""); err == nil {
		t.Errorf("no From address accepted")
	}
}

// The service's own scheduler (the goroutine main starts): past the
// digest hour it sends the day's digest at once; a new service on the same
// data (a restart) the same day sends nothing; before the hour, nothing.
func TestDigestScheduler(t *testing.T) {
	ctx := context.Background()
	box := notifytest.StartMailbox(t)
	smtpCfg, err := ParseSMTP("smtp://127.0.0.1:"+strconv.Itoa(box.Port), "hailong@example.gov.vn")
	if err != nil {
		t.Fatal(err)
	}
	src := sliceSource{notices: []survey.Notice{sampleNotice(Day(time.Now()))}}
	run := func(s *Service, wait time.Duration) {
		s.SetSource(src)
		s.Start()
		time.Sleep(wait)
		s.Stop()
	}
	if h := time.Now().In(hcm).Hour(); h < 23 {
		st, closeStore := openStore(t, t.TempDir())
		if err := st.SetNotifySettings(ctx, survey.NotifySettings{Agency: "so-tu-phap", Emails: []string{"vanthu@stp.example.gov.vn"}}); err != nil {
			t.Fatal(err)
		}
		run(New(st, quiet, Config{SMTP: smtpCfg, DigestHour: h + 1}), time.Second)
		closeStore()
		if n := len(box.All()); n != 0 {
			t.Fatalf("before the digest hour: %d messages", n)
		}
	}
	dir := t.TempDir()
	st, closeStore := openStore(t, dir)
	if err := st.SetNotifySettings(ctx, survey.NotifySettings{Agency: "so-tu-phap", Emails: []string{"vanthu@stp.example.gov.vn"}}); err != nil {
		t.Fatal(err)
	}
	s := New(st, quiet, Config{SMTP: smtpCfg, DigestHour: 0})
	s.SetSource(src)
	s.Start()
	waitFor(t, "the scheduled digest", 10*time.Second, func() bool { return len(box.All()) == 1 })
	s.Stop()
	closeStore()
	st, _ = openStore(t, dir)
	run(New(st, quiet, Config{SMTP: smtpCfg, DigestHour: 0}), 1500*time.Millisecond)
	if n := len(box.All()); n != 1 {
		t.Errorf("after a restart the same day: %d messages, want still 1", n)
	}
}
