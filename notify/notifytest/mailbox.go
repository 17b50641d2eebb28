// Package notifytest runs real servers for the notification tests: an
// SMTP server (go-smtp's) that keeps what it receives, and a webhook
// receiver that fails a number of calls before it accepts. Never mocks.
package notifytest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
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

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Mailbox is an SMTP server on a loopback port.
type Mailbox struct {
	Port int
	// Roots trusts the server's certificate (a TLS mailbox).
	Roots *x509.CertPool
	// User and Password, when set, are required (AUTH PLAIN, over TLS only).
	User, Password string
	mu             sync.Mutex
	msgs           []Mail
}

// Mail is one message received: its envelope, its data, whether the
// session was encrypted and the user it authenticated as.
type Mail struct {
	From   string
	To     []string
	Data   []byte
	TLS    bool
	AuthAs string
}

type session struct {
	box  *Mailbox
	conn *smtp.Conn
	user string
	cur  Mail
}

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }
func (s *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != s.box.User || pass != s.box.Password {
			return errors.New("invalid credentials")
		}
		s.user = user
		return nil
	}), nil
}

func (s *session) Reset()        { s.cur = Mail{} }
func (s *session) Logout() error { return nil }
func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.box.User != "" && s.user == "" {
		return &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "authentication required"}
	}
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
	_, s.cur.TLS = s.conn.TLSConnectionState()
	s.cur.AuthAs = s.user
	s.box.mu.Lock()
	s.box.msgs = append(s.box.msgs, s.cur)
	s.box.mu.Unlock()
	return nil
}

// StartMailbox runs a plain SMTP server (no STARTTLS, no
// authentication) until the test ends.
func StartMailbox(t testing.TB) *Mailbox {
	t.Helper()
	return startMailbox(t, &Mailbox{}, nil, false)
}

// StartTLSMailbox runs an SMTP server with a certificate of its own for
// 127.0.0.1 that requires AUTH PLAIN as user and password: it offers
// STARTTLS, or (implicit) speaks TLS from the start, as smtps:// expects.
func StartTLSMailbox(t testing.TB, implicit bool, user, password string) *Mailbox {
	t.Helper()
	cert, roots := selfSigned(t)
	box := &Mailbox{Roots: roots, User: user, Password: password}
	return startMailbox(t, box, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, implicit)
}

func startMailbox(t testing.TB, box *Mailbox, tc *tls.Config, implicit bool) *Mailbox {
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &session{box: box, conn: c}, nil }))
	srv.Domain = "localhost"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.EnableSMTPUTF8 = true
	srv.TLSConfig = tc
	var ln net.Listener
	var err error
	if implicit {
		ln, err = tls.Listen("tcp", "127.0.0.1:0", tc)
	} else {
		ln, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		t.Fatal(err)
	}
	box.Port = ln.Addr().(*net.TCPAddr).Port
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return box
}

// selfSigned makes a certificate for 127.0.0.1 and a pool that trusts it.
func selfSigned(t testing.TB) (tls.Certificate, *x509.CertPool) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mail.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, roots
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
