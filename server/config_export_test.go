package server

import (
	"strings"
	"testing"
	"time"
)

// TestExportLimitsConfig: the idle limit and the number of concurrent
// exports have defaults, take valid values, and refuse others at start
// with an error naming the variable.
func TestExportLimitsConfig(t *testing.T) {
	cfg, err := LoadConfig(envOf())
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ExportIdleTimeout != 30*time.Second || cfg.ExportsMax != 2 {
		t.Errorf("defaults: idle %v, max %d", cfg.ExportIdleTimeout, cfg.ExportsMax)
	}
	cfg, err = LoadConfig(envOf("HAILONG_EXPORT_IDLE_TIMEOUT", "2m", "HAILONG_EXPORTS_MAX", "5"))
	if err != nil || cfg.ExportIdleTimeout != 2*time.Minute || cfg.ExportsMax != 5 {
		t.Errorf("2m and 5: %v, %d, %v", cfg.ExportIdleTimeout, cfg.ExportsMax, err)
	}
	if (Config{}).exportIdle() != DefaultExportIdleTimeout || (Config{}).exportsMax() != DefaultExportsMax {
		t.Error("a Config made in code does not take the defaults")
	}
	for name, bads := range map[string][]string{
		"HAILONG_EXPORT_IDLE_TIMEOUT": {"30", "soon", "500ms", "0s", "-5s", "2h"},
		"HAILONG_EXPORTS_MAX":         {"0", "-1", "two", "65", "1.5"},
	} {
		for _, bad := range bads {
			if _, err := LoadConfig(envOf(name, bad)); err == nil || !strings.Contains(err.Error(), name) {
				t.Errorf("%s=%q: error %v, want one naming it", name, bad, err)
			}
		}
	}
}
