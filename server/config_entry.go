package server

import (
	"strconv"
	"strings"
	"time"

	"hailong/survey"
)

// DefaultEntryMaxAge is how far back agency staff may date a paper, phone or
// postal survey they enter (HAILONG_ENTRY_MAX_AGE): 31 days. The rated
// agency's own staff could otherwise add to a closed period's sample after
// its figures were read (issue 14); administrators and inspectors are not
// limited.
const DefaultEntryMaxAge = 31 * 24 * time.Hour

// loadEntryMaxAge reads HAILONG_ENTRY_MAX_AGE: a number of days ("31d") or
// a Go duration ("744h"), from one day to ten years.
func loadEntryMaxAge(getenv func(string) string, cfg *Config, bad func(string, ...any)) {
	cfg.EntryMaxAge = DefaultEntryMaxAge
	v := getenv("HAILONG_ENTRY_MAX_AGE")
	if v == "" {
		return
	}
	d, err := parseDays(v)
	if err != nil || d < 24*time.Hour || d > 3660*24*time.Hour {
		bad("HAILONG_ENTRY_MAX_AGE=%q must be a number of days from 1d to 3660d (such as 31d) or a duration such as 744h", v)
		return
	}
	cfg.EntryMaxAge = d
}

// parseDays reads "31d" as 31 days, or a Go duration.
func parseDays(v string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(v, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil {
			return 0, err
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	return time.ParseDuration(v)
}

// entryMaxAge is how far back the user may date an entered survey: the
// configured limit for agency staff, none for administrators and inspectors.
func (s *Server) entryMaxAge(u *survey.User) time.Duration {
	if u != nil && (u.Role == survey.RoleAdmin || u.Role == survey.RoleInspector) {
		return 0
	}
	if s.cfg.EntryMaxAge <= 0 {
		return DefaultEntryMaxAge
	}
	return s.cfg.EntryMaxAge
}
