package server

import (
	"strconv"
	"strings"
	"time"

	"hailong/survey"
)

// The response rates' configuration (issue 18, docs/invitations.md):
//
//	HAILONG_RESPONSE_RATE_MIN      a response rate under it is flagged, in % (20)
//	HAILONG_INVITATION_RETENTION   days past expiry after which an expired,
//	                               counted invitation is deleted (90)
type RatesConfig struct {
	// RateMin is the flag's minimum as a fraction (0.2).
	RateMin float64
	// Retention is how long past its expiry an unused invitation is kept.
	Retention time.Duration
}

// DefaultInvitationRetention is HAILONG_INVITATION_RETENTION's default.
const DefaultInvitationRetention = 90 * 24 * time.Hour

func loadRates(getenv func(string) string, cfg *Config, bad func(string, ...any)) {
	cfg.Rates = RatesConfig{RateMin: survey.DefaultResponseRateMin, Retention: DefaultInvitationRetention}
	if v := getenv("HAILONG_RESPONSE_RATE_MIN"); v != "" {
		f, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), "%"), 64)
		if err != nil || !(f >= 0 && f <= 100) {
			bad("HAILONG_RESPONSE_RATE_MIN=%q must be a percentage from 0 to 100 such as 20", v)
		} else {
			cfg.Rates.RateMin = f / 100
		}
	}
	if v := getenv("HAILONG_INVITATION_RETENTION"); v != "" {
		n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), "d"))
		if err != nil || n < 1 || n > 3650 {
			bad("HAILONG_INVITATION_RETENTION=%q must be a number of days from 1 to 3650 such as 90", v)
		} else {
			cfg.Rates.Retention = time.Duration(n) * 24 * time.Hour
		}
	}
}
