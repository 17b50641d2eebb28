package server

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"hailong/survey"
	"hailong/survey/store/storetest"
)

// TestAttentionConfig: the queue's thresholds and deadline have the issue's
// defaults, take valid values and refuse others; the contact key is read
// in base64 or hex, from the variable or its file, and must be 32 bytes.
func TestAttentionConfig(t *testing.T) {
	cfg, err := LoadConfig(envOf())
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Attention != survey.DefaultAttentionRule() || cfg.ContactKey != nil {
		t.Errorf("defaults: %+v, key %x", cfg.Attention, cfg.ContactKey)
	}
	cfg, err = LoadConfig(envOf("HAILONG_ATTENTION_FACTOR_MAX", "1.5", "HAILONG_ATTENTION_OVERALL_MAX", "3",
		"HAILONG_ATTENTION_COMMENT_MAX", "3.5", "HAILONG_ATTENTION_DUE", "5"))
	if err != nil || cfg.Attention != (survey.AttentionRule{FactorMax: 1.5, OverallMax: 3, CommentMax: 3.5, DueDays: 5}) {
		t.Errorf("set: %+v (%v)", cfg.Attention, err)
	}
	for name, bads := range map[string][]string{
		"HAILONG_ATTENTION_FACTOR_MAX":  {"0", "6", "two", "NaN"},
		"HAILONG_ATTENTION_OVERALL_MAX": {"-1", "5.5"},
		"HAILONG_ATTENTION_COMMENT_MAX": {"x"},
		"HAILONG_ATTENTION_DUE":         {"0", "-3", "1.5", "ten", "251"},
		"HAILONG_CONTACT_KEY":           {"short", base64.StdEncoding.EncodeToString(make([]byte, 16)), strings.Repeat("z", 64)},
	} {
		for _, bad := range bads {
			if _, err := LoadConfig(envOf(name, bad)); err == nil || !strings.Contains(err.Error(), name) {
				t.Errorf("%s=%q: error %v, want one naming it", name, bad, err)
			}
		}
	}
	key := bytes.Repeat([]byte{0xab}, 32)
	for _, v := range []string{base64.StdEncoding.EncodeToString(key), hex.EncodeToString(key)} {
		if cfg, err := LoadConfig(envOf("HAILONG_CONTACT_KEY", v)); err != nil || !bytes.Equal(cfg.ContactKey, key) {
			t.Errorf("key %q: %x (%v)", v, cfg.ContactKey, err)
		}
	}
	file := filepath.Join(t.TempDir(), "contact.key")
	if err := os.WriteFile(file, []byte(hex.EncodeToString(key)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if cfg, err := LoadConfig(envOf("HAILONG_CONTACT_KEY_FILE", file)); err != nil || !bytes.Equal(cfg.ContactKey, key) {
		t.Errorf("key file: %x (%v)", cfg.ContactKey, err)
	}
}

// TestContactStartMessage: the start-up log says whether contact on
// request is offered, and never shows the key.
func TestContactStartMessage(t *testing.T) {
	for _, key := range [][]byte{nil, bytes.Repeat([]byte{0x42}, 32)} {
		var logs bytes.Buffer
		_, err := New(Config{ContactKey: key}, storetest.New(t), slog.New(slog.NewTextHandler(&logs, nil)))
		if err != nil {
			t.Fatal(err)
		}
		want := "contact on request is off"
		if key != nil {
			want = "contact on request is on"
		}
		if !strings.Contains(logs.String(), want) {
			t.Errorf("key %v: the start log lacks %q:\n%s", key != nil, want, logs.String())
		}
		if key != nil && (strings.Contains(logs.String(), base64.StdEncoding.EncodeToString(key)) || strings.Contains(logs.String(), hex.EncodeToString(key))) {
			t.Error("the start log shows the key")
		}
	}
}
