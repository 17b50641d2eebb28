package notify

import (
	"context"
	"crypto/tls"
	"strconv"
	"testing"

	"hailong/notify/notifytest"
)

// smtp:// upgrades with STARTTLS when the server offers it, smtps:// speaks
// TLS from the start; both authenticate with the URL's user. A password is
// never sent over a connection without TLS, and a wrong one fails the send.
func TestSMTPTransportSecurity(t *testing.T) {
	ctx := context.Background()
	msg := Message{To: []string{"vanthu@stp.example.gov.vn"}, Subject: "Thử nghiệm / Test", Body: "Xin chào.\n"}
	for _, c := range []struct {
		scheme   string
		implicit bool
	}{{"smtp", false}, {"smtps", true}} {
		box := notifytest.StartTLSMailbox(t, c.implicit, "hailong", "p@ss word")
		s, err := ParseSMTP(c.scheme+"://hailong:p%40ss%20word@127.0.0.1:"+strconv.Itoa(box.Port), "hailong@example.gov.vn")
		if err != nil {
			t.Fatal(err)
		}
		s.TLS = &tls.Config{RootCAs: box.Roots, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
		if err := s.Send(ctx, msg); err != nil {
			t.Fatalf("%s: %v", c.scheme, err)
		}
		got := box.All()
		if len(got) != 1 {
			t.Fatalf("%s: %d messages received, want 1", c.scheme, len(got))
		}
		if !got[0].TLS || got[0].AuthAs != "hailong" {
			t.Errorf("%s: received with TLS %v as %q; want encrypted, as hailong", c.scheme, got[0].TLS, got[0].AuthAs)
		}
		bad, _ := ParseSMTP(c.scheme+"://hailong:wrong@127.0.0.1:"+strconv.Itoa(box.Port), "hailong@example.gov.vn")
		bad.TLS = s.TLS
		if err := bad.Send(ctx, msg); err == nil || len(box.All()) != 1 {
			t.Errorf("%s with a wrong password: %v, %d messages", c.scheme, err, len(box.All()))
		}
	}
	// A server without TLS: the password is not sent, so nothing goes.
	plain := notifytest.StartMailbox(t)
	s, _ := ParseSMTP("smtp://hailong:secret@127.0.0.1:"+strconv.Itoa(plain.Port), "hailong@example.gov.vn")
	err := s.Send(ctx, msg)
	if err == nil || len(plain.All()) != 0 {
		t.Errorf("credentials over a connection without TLS: %v, %d messages", err, len(plain.All()))
	}
}
