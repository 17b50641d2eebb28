package server

import (
	"testing"
	"time"
)

// TestRatesConfig: the response rate's minimum (20 %) and the invitations'
// retention (90 days) have the defaults, take valid values and
// refuse others.
func TestRatesConfig(t *testing.T) {
	cfg, err := LoadConfig(envOf())
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Rates != (RatesConfig{RateMin: 0.2, Retention: 90 * 24 * time.Hour}) {
		t.Errorf("defaults: %+v", cfg.Rates)
	}
	cfg, err = LoadConfig(envOf("HAILONG_RESPONSE_RATE_MIN", "35%", "HAILONG_INVITATION_RETENTION", "30"))
	if err != nil || cfg.Rates != (RatesConfig{RateMin: 0.35, Retention: 30 * 24 * time.Hour}) {
		t.Errorf("set: %+v (%v)", cfg.Rates, err)
	}
	for name, bads := range map[string][]string{
		"HAILONG_RESPONSE_RATE_MIN":    {"-1", "101", "x", "NaN"},
		"HAILONG_INVITATION_RETENTION": {"0", "-5", "1.5", "forever", "3651"},
	} {
		for _, bad := range bads {
			if _, err := LoadConfig(envOf(name, bad)); err == nil {
				t.Errorf("%s=%q accepted", name, bad)
			}
		}
	}
}
