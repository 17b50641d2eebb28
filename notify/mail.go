package notify

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/mail"
	"net/url"
	"strconv"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// SMTP is the mail server the digests leave through, parsed from
// HAILONG_SMTP_URL: smtp://[user:pass@]host[:port] (587 by default) uses
// STARTTLS when the server offers it; smtps://[user:pass@]host[:port] (465
// by default) speaks TLS from the start.
type SMTP struct {
	Host     string
	Port     int
	Implicit bool // smtps://
	User     string
	Password string
	From     string // HAILONG_SMTP_FROM
	// TLS overrides the TLS configuration (tests trust their own server).
	TLS *tls.Config
}

// ParseSMTP reads an SMTP URL and the From address.
func ParseSMTP(raw, from string) (*SMTP, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" || u.Opaque != "" {
		return nil, fmt.Errorf("must look like smtp://user:password@host:587 or smtps://host:465")
	}
	s := &SMTP{Host: u.Hostname()}
	switch u.Scheme {
	case "smtp":
		s.Port = 587
	case "smtps":
		s.Port, s.Implicit = 465, true
	default:
		return nil, fmt.Errorf("must start with smtp:// or smtps://")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("has an invalid port %q", p)
		}
		s.Port = n
	}
	if u.User != nil {
		s.User = u.User.Username()
		s.Password, _ = u.User.Password()
	}
	a, err := mail.ParseAddress(from)
	if from == "" || err != nil {
		return nil, fmt.Errorf("needs HAILONG_SMTP_FROM, the sender address (such as \"Hài Lòng <hailong@example.gov.vn>\")")
	}
	s.From = a.String()
	return s, nil
}

// Message is one e-mail: plain text, UTF-8.
type Message struct {
	To      []string
	Subject string
	Body    string
}

// Send delivers the messages over one connection.
func (s *SMTP) Send(ctx context.Context, msgs ...Message) error {
	opts := []gomail.Option{gomail.WithPort(s.Port), gomail.WithTimeout(20 * time.Second)}
	if s.Implicit {
		opts = append(opts, gomail.WithSSL())
	} else {
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if s.TLS != nil {
		opts = append(opts, gomail.WithTLSConfig(s.TLS))
	}
	if s.User != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover), gomail.WithUsername(s.User), gomail.WithPassword(s.Password))
	}
	c, err := gomail.NewClient(s.Host, opts...)
	if err != nil {
		return fmt.Errorf("smtp client: %w", err)
	}
	var out []*gomail.Msg
	for _, m := range msgs {
		g := gomail.NewMsg(gomail.WithCharset(gomail.CharsetUTF8), gomail.WithEncoding(gomail.EncodingQP))
		if err := g.From(s.From); err != nil {
			return fmt.Errorf("smtp from: %w", err)
		}
		if err := g.To(m.To...); err != nil {
			return fmt.Errorf("smtp to: %w", err)
		}
		g.Subject(m.Subject)
		g.SetDate()
		g.SetMessageID()
		g.SetGenHeader(gomail.HeaderContentLang, "vi, en")
		g.SetBodyString(gomail.TypeTextPlain, m.Body)
		out = append(out, g)
	}
	if err := c.DialAndSendWithContext(ctx, out...); err != nil {
		return fmt.Errorf("send mail via %s:%d: %w", s.Host, s.Port, err)
	}
	return nil
}
