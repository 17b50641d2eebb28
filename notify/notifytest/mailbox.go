// Package notifytest runs real servers for the notification tests: an
// SMTP server (go-smtp's) that keeps what it receives, and a webhook
// receiver that fails a number of calls before it accepts. Never mocks.
package notifytest

import (
	"bytes"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Mailbox is an SMTP server on a loopback port.
type Mailbox struct {
	Port int
	mu   sync.Mutex
	msgs []Mail
}

// Mail is one message received: its envelope and its data.
type Mail struct {
	From string
	To   []string
	Data []byte
}

type session struct {
	box *Mailbox
	cur Mail
}

func (s *session) Reset()        { s.cur = Mail{} }
func (s *session) Logout() error { return nil }
func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.cur.From = from
	return nil
}
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.cur.To = append(s.cur.To, to)
	return nil
}
func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.cur.Data = b
	s.box.mu.Lock()
	s.box.msgs = append(s.box.msgs, s.cur)
	s.box.mu.Unlock()
	return nil
}

// StartMailbox runs an SMTP server until the test ends.
func StartMailbox(t testing.TB) *Mailbox {
	t.Helper()
	box := &Mailbox{}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{box: box}, nil }))
	srv.Domain = "localhost"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.EnableSMTPUTF8 = true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	box.Port = ln.Addr().(*net.TCPAddr).Port
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return box
}

// All returns the messages received so far.
func (b *Mailbox) All() []Mail {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]Mail(nil), b.msgs...)
}

// Decoded is a received message read back: its decoded subject and text.
type Decoded struct {
	Header  mail.Header
	Subject string
	Text    string
}

// Decode parses a message, decoding its subject and quoted-printable body.
func Decode(t testing.TB, m Mail) Decoded {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
	if err != nil {
		t.Fatal(err)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	var body []byte
	if strings.EqualFold(msg.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		body, err = io.ReadAll(quotedprintable.NewReader(msg.Body))
	} else {
		body, err = io.ReadAll(msg.Body)
	}
	if err != nil {
		t.Fatal(err)
	}
	return Decoded{Header: msg.Header, Subject: subject, Text: string(body)}
}

// Receiver is a webhook endpoint that answers 503 to its first Failures
// calls, then 204.
type Receiver struct {
	URL      string
	Failures int
	mu       sync.Mutex
	headers  []http.Header
	bodies   [][]byte
	accepted int
}

// StartReceiver runs a receiver until the test ends.
func StartReceiver(t testing.TB, failures int) *Receiver {
	rc := &Receiver{Failures: failures}
	hs := httptest.NewServer(rc)
	t.Cleanup(hs.Close)
	rc.URL = hs.URL
	return rc
}

func (rc *Receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.headers = append(rc.headers, r.Header.Clone())
	rc.bodies = append(rc.bodies, b)
	if len(rc.headers) <= rc.Failures {
		http.Error(w, "busy", http.StatusServiceUnavailable)
		return
	}
	rc.accepted++
	w.WriteHeader(http.StatusNoContent)
}

// Counts is how many calls came and how many were accepted.
func (rc *Receiver) Counts() (calls, accepted int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.headers), rc.accepted
}

// Call returns the headers and body of the i-th call.
func (rc *Receiver) Call(i int) (http.Header, []byte) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.headers[i], rc.bodies[i]
}
