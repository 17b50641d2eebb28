package survey

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/mail"
	"net/url"
	"strings"
	"time"
)

// Notice is everything a notification (an e-mail digest line, a webhook
// call) may carry about an attention item: never the client's address,
// never a time finer than the day, and the comment already redacted. The
// attention queue builds it; the notifications only pass it on.
type Notice struct {
	ItemID      string             `json:"itemId"`
	Agency      string             `json:"agency"`
	AgencyName  string             `json:"agencyName"`
	Day         string             `json:"day"` // YYYY-MM-DD, in Vietnam's time
	Reasons     []string           `json:"reasons"`
	FactorMeans map[string]float64 `json:"factorMeans"`
	Overall     float64            `json:"overall"`
	Comment     string             `json:"comment,omitempty"` // redacted
	State       string             `json:"state"`
	Overdue     bool               `json:"overdue"`
	Link        string             `json:"link"`
}

// NoticeSource lists the notices of an agency's daily digest: the items
// created since a time (fresh) and the items past their due date
// (overdue). The attention queue satisfies it.
type NoticeSource interface {
	DigestNotices(ctx context.Context, agency string, since time.Time) (fresh, overdue []Notice, err error)
}

// NotifySettings are where an agency's notifications go: e-mail addresses
// for the daily digest and one webhook (URL and the secret that signs each
// call).
type NotifySettings struct {
	Agency        string
	Emails        []string
	WebhookURL    string
	WebhookSecret string
	UpdatedAt     time.Time
}

// Limits of the notification settings.
const (
	MaxNotifyEmails     = 20
	MinWebhookSecretLen = 16
	MaxWebhookSecretLen = 200
	maxWebhookURLLen    = 2000
)

// Field names and problem codes of the notification settings.
const (
	FieldEmails        = "emails"
	FieldWebhookURL    = "webhook.url"
	FieldWebhookSecret = "webhook.secret"

	// ProblemPrivateAddress: the webhook's host is (or resolves to) a
	// loopback, private or otherwise internal address.
	ProblemPrivateAddress = "webhook_private"
	// ProblemUnresolvable: the webhook's host has no address.
	ProblemUnresolvable = "webhook_unresolvable"
	// ProblemSecretShort: the webhook secret is shorter than MinWebhookSecretLen.
	ProblemSecretShort = "webhook_secret_short"
	// ProblemSecretRequired: a webhook without its secret.
	ProblemSecretRequired = "webhook_secret_required"
	// ProblemSecretLong: the webhook secret is longer than MaxWebhookSecretLen.
	ProblemSecretLong = "webhook_secret_long"
	// ProblemEmailInvalid: one of the addresses is not a bare e-mail address.
	ProblemEmailInvalid = "notify_email_invalid"
	// ProblemTooManyEmails: more than MaxNotifyEmails addresses.
	ProblemTooManyEmails = "too_many_emails"
)

// CleanNotifySettings trims and checks the settings' form (not whether the
// webhook's host is reachable or public: the server does that). The
// addresses are kept as bare, lower-cased, de-duplicated addresses.
func CleanNotifySettings(in NotifySettings) (NotifySettings, FieldErrors) {
	fe := FieldErrors{}
	out := NotifySettings{Agency: in.Agency, WebhookURL: strings.TrimSpace(in.WebhookURL), WebhookSecret: strings.TrimSpace(in.WebhookSecret)}
	seen := map[string]bool{}
	for _, e := range in.Emails {
		e = strings.TrimSpace(e)
		if e == "" {
			continue
		}
		a, err := mail.ParseAddress(e)
		if err != nil || a.Address != e || a.Name != "" || !strings.Contains(e[strings.LastIndexByte(e, '@')+1:], ".") || len(e) > 254 {
			fe[FieldEmails] = ProblemEmailInvalid
			continue
		}
		e = strings.ToLower(e)
		if !seen[e] {
			seen[e] = true
			out.Emails = append(out.Emails, e)
		}
	}
	if len(out.Emails) > MaxNotifyEmails {
		fe[FieldEmails] = ProblemTooManyEmails
	}
	if out.WebhookURL != "" {
		if p := checkWebhookURL(out.WebhookURL); p != "" {
			fe[FieldWebhookURL] = p
		}
		switch n := len([]rune(out.WebhookSecret)); {
		case n == 0:
			fe[FieldWebhookSecret] = ProblemSecretRequired
		case n < MinWebhookSecretLen:
			fe[FieldWebhookSecret] = ProblemSecretShort
		case n > MaxWebhookSecretLen:
			fe[FieldWebhookSecret] = ProblemSecretLong
		}
	} else {
		out.WebhookSecret = ""
	}
	if len(fe) > 0 {
		return out, fe
	}
	return out, nil
}

// checkWebhookURL checks the form of a webhook URL: absolute http or
// https, a host, no user name or password, no fragment.
func checkWebhookURL(raw string) string {
	if len(raw) > maxWebhookURLLen {
		return ProblemInvalid
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || u.User != nil || u.Fragment != "" || u.Opaque != "" {
		return ProblemInvalid
	}
	return ""
}

// SecretHint shows the end of a secret only, as settings are read back.
func SecretHint(secret string) string {
	if secret == "" {
		return ""
	}
	r := []rune(secret)
	if len(r) <= 8 {
		return "…"
	}
	return "…" + string(r[len(r)-4:])
}

// WebhookSignature is the value of a webhook call's X-HaiLong-Signature
// header: "sha256=" and the hexadecimal HMAC-SHA256 of the body keyed with
// the agency's secret.
func WebhookSignature(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Delivery states.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed" // given up
)

// Delivery is one webhook call in the outbox: the body is fixed when it is
// queued (so every try sends the same bytes), the signature is made at each
// try with the agency's secret of the moment.
type Delivery struct {
	ID          string    `json:"id"` // also the idempotency id sent with each try
	Agency      string    `json:"agency"`
	Event       string    `json:"event"` // attention.item or test
	ItemID      string    `json:"itemId,omitempty"`
	Body        []byte    `json:"-"`
	State       string    `json:"state"`
	Attempts    int       `json:"attempts"`
	CreatedAt   time.Time `json:"createdAt"`
	NextAt      time.Time `json:"nextAt"`
	LeaseUntil  time.Time `json:"-"`
	LastStatus  int       `json:"lastStatus,omitempty"`
	LastError   string    `json:"lastError,omitempty"`
	FinishedAt  time.Time `json:"finishedAt,omitzero"`
	LastAttempt time.Time `json:"lastAttempt,omitzero"`
}
