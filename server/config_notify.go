package server

import (
	"strconv"

	"hailong/notify"
)

// NotifyConfig configures the notifications (issue 18; docs/notifications.md).
type NotifyConfig struct {
	// SMTP is the mail server of the daily digests (HAILONG_SMTP_URL or
	// its _FILE, with HAILONG_SMTP_FROM); nil: no e-mail.
	SMTP *notify.SMTP
	// AllowPrivate lets webhooks reach loopback and private addresses
	// (HAILONG_WEBHOOK_ALLOW_PRIVATE=1: tests, intranet systems).
	AllowPrivate bool
	// DigestHour is the hour, Vietnam time, from which the daily digests
	// go out (HAILONG_DIGEST_HOUR, 7 by default).
	DigestHour int
}

// DefaultDigestHour is when the daily digests go out: 07:00 in Vietnam.
const DefaultDigestHour = 7

// loadNotify reads the notification settings of the environment.
func loadNotify(getenv func(string) string, cfg *Config, bad func(string, ...any)) {
	cfg.Notify.DigestHour = DefaultDigestHour
	if v := getenv("HAILONG_DIGEST_HOUR"); v != "" {
		h, err := strconv.Atoi(v)
		if err != nil || h < 0 || h > 23 {
			bad("HAILONG_DIGEST_HOUR=%q must be an hour from 0 to 23", v)
		}
		cfg.Notify.DigestHour = h
	}
	switch v := getenv("HAILONG_WEBHOOK_ALLOW_PRIVATE"); v {
	case "", "0":
	case "1":
		cfg.Notify.AllowPrivate = true
	default:
		bad("HAILONG_WEBHOOK_ALLOW_PRIVATE=%q must be 1 or 0", v)
	}
	raw, err := secret(getenv, "HAILONG_SMTP_URL")
	if err != nil {
		bad("%v", err)
		return
	}
	from := getenv("HAILONG_SMTP_FROM")
	if raw == "" {
		if from != "" {
			bad("HAILONG_SMTP_FROM is set without HAILONG_SMTP_URL")
		}
		return
	}
	s, err := notify.ParseSMTP(raw, from)
	if err != nil {
		bad("HAILONG_SMTP_URL %v", err) // never the URL itself: it may hold a password
		return
	}
	cfg.Notify.SMTP = s
}
