package server

import "time"

// DefaultTokenTTL is how long an API token a user mints with its password
// (POST /api/v1/auth/token) works: 30 days (HAILONG_TOKEN_TTL).
const DefaultTokenTTL = 720 * time.Hour

// loadTokenTTL reads HAILONG_TOKEN_TTL: a Go duration from one minute to
// one year.
func loadTokenTTL(getenv func(string) string, cfg *Config, bad func(string, ...any)) {
	cfg.TokenTTL = DefaultTokenTTL
	v := getenv("HAILONG_TOKEN_TTL")
	if v == "" {
		return
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < time.Minute || d > 366*24*time.Hour {
		bad("HAILONG_TOKEN_TTL=%q must be a duration from 1m to 8784h, such as 720h (30 days)", v)
		return
	}
	cfg.TokenTTL = d
}

// tokenTTL is the configured lifetime of user-minted tokens; a Config made
// in code without one (tests) gets the default.
func (c Config) tokenTTL() time.Duration {
	if c.TokenTTL <= 0 {
		return DefaultTokenTTL
	}
	return c.TokenTTL
}
