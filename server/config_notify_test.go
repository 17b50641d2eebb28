package server

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The notification settings of the environment: defaults, a mail server
// from the URL or its file, and refusals at start that name the variable
// without printing the URL (it may hold a password).
func TestNotifyConfig(t *testing.T) {
	cfg, err := LoadConfig(envOf())
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Notify.SMTP != nil || cfg.Notify.AllowPrivate || cfg.Notify.DigestHour != DefaultDigestHour {
		t.Errorf("defaults: %+v", cfg.Notify)
	}
	cfg, err = LoadConfig(envOf("HAILONG_SMTP_URL", "smtps://hl:p%40ss@mail.tuyenquang.gov.vn", "HAILONG_SMTP_FROM", "Hài Lòng <hailong@tuyenquang.gov.vn>",
		"HAILONG_WEBHOOK_ALLOW_PRIVATE", "1", "HAILONG_DIGEST_HOUR", "6"))
	if err != nil {
		t.Fatal(err)
	}
	if s := cfg.Notify.SMTP; s == nil || s.Host != "mail.tuyenquang.gov.vn" || s.Port != 465 || !s.Implicit || s.Password != "p@ss" ||
		!cfg.Notify.AllowPrivate || cfg.Notify.DigestHour != 6 {
		t.Errorf("set: %+v %+v", cfg.Notify, cfg.Notify.SMTP)
	}
	file := filepath.Join(t.TempDir(), "smtp_url")
	if err := os.WriteFile(file, []byte("smtp://relay.tuyenquang.gov.vn\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err = LoadConfig(envOf("HAILONG_SMTP_URL_FILE", file, "HAILONG_SMTP_FROM", "hailong@tuyenquang.gov.vn"))
	if err != nil || cfg.Notify.SMTP == nil || cfg.Notify.SMTP.Port != 587 || cfg.Notify.SMTP.Implicit {
		t.Errorf("from a file: %+v, %v", cfg.Notify.SMTP, err)
	}
	for _, c := range [][]string{
		{"HAILONG_SMTP_URL", "http://user:topsecret@mail.example"},
		{"HAILONG_SMTP_URL", "smtp://user:topsecret@mail.example"}, // no From
		{"HAILONG_SMTP_URL", "smtp://user:topsecret@mail.example:70000", "HAILONG_SMTP_FROM", "a@b.vn"},
		{"HAILONG_SMTP_FROM", "a@b.vn"}, // no URL
		{"HAILONG_WEBHOOK_ALLOW_PRIVATE", "yes"},
		{"HAILONG_DIGEST_HOUR", "24"},
		{"HAILONG_DIGEST_HOUR", "7am"},
	} {
		_, err := LoadConfig(envOf(c...))
		if err == nil || !strings.Contains(err.Error(), c[0]) {
			t.Errorf("%v: error %v, want one naming %s", c, err, c[0])
		}
		if err != nil && strings.Contains(err.Error(), "topsecret") {
			t.Errorf("%v: the error shows the password: %v", c, err)
		}
	}
}
