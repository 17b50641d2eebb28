package server

import (
	"strconv"

	"hailong/survey"
)

// The attention queue's configuration (issue 18, docs/attention.md):
//
//	HAILONG_ATTENTION_FACTOR_MAX   a factor's mean at or under it enters the queue (2)
//	HAILONG_ATTENTION_OVERALL_MAX  the overall mean at or under it enters (2.5)
//	HAILONG_ATTENTION_COMMENT_MAX  a comment with the overall mean at or under it enters (3)
//	HAILONG_ATTENTION_DUE          working days (Mon–Fri) before an open item is overdue (10)
//	HAILONG_CONTACT_KEY[_FILE]     32 bytes in base64 or hex: offers "contact me" on the form
func loadAttention(getenv func(string) string, cfg *Config, bad func(string, ...any)) {
	cfg.Attention = survey.DefaultAttentionRule()
	mean := func(name string, to *float64) {
		v := getenv(name)
		if v == "" {
			return
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || !(f >= 1 && f <= 5) {
			bad("%s=%q must be a mean from 1 to 5 such as 2.5", name, v)
			return
		}
		*to = f
	}
	mean("HAILONG_ATTENTION_FACTOR_MAX", &cfg.Attention.FactorMax)
	mean("HAILONG_ATTENTION_OVERALL_MAX", &cfg.Attention.OverallMax)
	mean("HAILONG_ATTENTION_COMMENT_MAX", &cfg.Attention.CommentMax)
	if v := getenv("HAILONG_ATTENTION_DUE"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 250 {
			bad("HAILONG_ATTENTION_DUE=%q must be a number of working days from 1 to 250", v)
		} else {
			cfg.Attention.DueDays = n
		}
	}
	key, err := secret(getenv, "HAILONG_CONTACT_KEY")
	if err != nil {
		bad("%v", err)
		return
	}
	if key != "" {
		k, err := survey.ParseContactKey(key)
		if err != nil {
			bad("HAILONG_CONTACT_KEY: %v", err)
			return
		}
		cfg.ContactKey = k
	}
}
