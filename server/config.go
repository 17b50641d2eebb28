package server

import (
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"hailong/survey"
)

// Config is the service's configuration, read from the environment once at
// start and passed down. Every value is validated with a clear error.
type Config struct {
	// Addr is the listen address (HAILONG_ADDR), ":8080" by default.
	Addr string
	// MongoURI selects a MongoDB deployment (MONGODB_URI); empty means the
	// embedded FerretDB in DataDir.
	MongoURI string
	// DataDir holds the embedded database (HAILONG_DATA_DIR), "data" by default.
	DataDir string
	// LogLevel is debug, info, warn or error (HAILONG_LOG_LEVEL).
	LogLevel slog.Level
	// AdminPassword is the first administrator's password on first start
	// (HAILONG_ADMIN_PASSWORD or HAILONG_ADMIN_PASSWORD_FILE); random when empty.
	AdminPassword string
	// MinSample is the number of responses below which a unit is flagged and
	// not ranked (HAILONG_MIN_SAMPLE, default 30).
	MinSample int64
	// ShutdownTimeout bounds how long in-flight requests get at shutdown
	// (HAILONG_SHUTDOWN_TIMEOUT, a Go duration).
	ShutdownTimeout time.Duration
	// PublicURL is the address citizens reach the service at
	// (HAILONG_PUBLIC_URL, e.g. https://hailong.tuyenquang.gov.vn), used in
	// invitation links, short links and QR codes; empty means the address of
	// each request.
	PublicURL string
	// ExportMemoryLimit is the soft limit on the Go runtime's memory while
	// an export streams, in bytes (HAILONG_EXPORT_MEMORY_LIMIT, 40 MiB by
	// default, "off" for none): see config_memory.go. Zero: never lowered.
	ExportMemoryLimit int64
	// ExportIdleTimeout ends an export whose client takes nothing for that
	// long (HAILONG_EXPORT_IDLE_TIMEOUT, 30 s by default); ExportsMax is how
	// many exports run at once (HAILONG_EXPORTS_MAX, 2 by default), one per
	// user besides: see config_export.go. Zero takes the default.
	ExportIdleTimeout time.Duration
	ExportsMax        int
	// TokenTTL is how long an API token minted with a password works
	// (HAILONG_TOKEN_TTL, 720h by default): config_token.go.
	TokenTTL time.Duration
	// EntryMaxAge is how far back agency staff may date an entered survey
	// (HAILONG_ENTRY_MAX_AGE, 31 days by default): config_entry.go.
	EntryMaxAge time.Duration
	// RankingBasis is the responses rankings count unless the caller names
	// a basis (HAILONG_RANKING_BASIS, independent by default):
	// config_basis.go.
	RankingBasis survey.Basis
	// Attention is the attention queue's rule and ContactKey the key that
	// seals contacts left on the form (HAILONG_ATTENTION_*,
	// HAILONG_CONTACT_KEY): config_attention.go. No key: no contact block.
	Attention  survey.AttentionRule
	ContactKey []byte

	// The edge (config_edge.go): metrics, timeouts, rate limits, and the
	// reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are
	// believed (HAILONG_TRUSTED_PROXIES; none by default).
	Metrics        MetricsConfig
	Timeouts       Timeouts
	Rate           RateLimits
	TrustedProxies []netip.Prefix

	// Notify configures e-mail digests and webhooks: config_notify.go.
	Notify NotifyConfig
	// Rates configures invitations' response rates and retention:
	// config_rates.go.
	Rates RatesConfig
}

// LoadConfig reads the configuration through getenv (os.Getenv in
// production). A secret X may also be given as a file named by X_FILE.
func LoadConfig(getenv func(string) string) (Config, error) {
	cfg := Config{
		Addr:            ":8080",
		DataDir:         "data",
		LogLevel:        slog.LevelInfo,
		ShutdownTimeout: 20 * time.Second,
		MinSample:       survey.DefaultMinSample,
	}
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	if v := getenv("HAILONG_ADDR"); v != "" {
		if _, port, err := net.SplitHostPort(v); err != nil || port == "" {
			bad("HAILONG_ADDR=%q is not a listen address such as :8080 or 127.0.0.1:8080", v)
		}
		cfg.Addr = v
	}
	uri, err := secret(getenv, "MONGODB_URI")
	if err != nil {
		bad("%v", err)
	}
	if uri != "" && !strings.HasPrefix(uri, "mongodb://") && !strings.HasPrefix(uri, "mongodb+srv://") {
		bad("MONGODB_URI must start with mongodb:// or mongodb+srv://")
	}
	cfg.MongoURI = uri
	if cfg.AdminPassword, err = secret(getenv, "HAILONG_ADMIN_PASSWORD"); err != nil {
		bad("%v", err)
	} else if cfg.AdminPassword != "" && len([]rune(cfg.AdminPassword)) < survey.MinPasswordLen {
		bad("HAILONG_ADMIN_PASSWORD must have at least %d characters", survey.MinPasswordLen)
	}
	if v := getenv("HAILONG_DATA_DIR"); v != "" {
		cfg.DataDir = v
	}
	if v := getenv("HAILONG_LOG_LEVEL"); v != "" {
		if err := cfg.LogLevel.UnmarshalText([]byte(v)); err != nil {
			bad("HAILONG_LOG_LEVEL=%q must be debug, info, warn or error", v)
		}
	}
	if v := getenv("HAILONG_MIN_SAMPLE"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 || n > 100000 {
			bad("HAILONG_MIN_SAMPLE=%q must be a whole number from 1 to 100000", v)
		}
		cfg.MinSample = n
	}
	if v := getenv("HAILONG_SHUTDOWN_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			bad("HAILONG_SHUTDOWN_TIMEOUT=%q must be a positive duration such as 20s", v)
		}
		cfg.ShutdownTimeout = d
	}
	if v := getenv("HAILONG_PUBLIC_URL"); v != "" {
		u, err := parsePublicURL(v)
		if err != nil {
			bad("HAILONG_PUBLIC_URL=%q %v", v, err)
		}
		cfg.PublicURL = u
	}
	loadEdge(getenv, &cfg, bad)
	loadMemoryLimit(getenv, &cfg, bad)
	loadExportLimits(getenv, &cfg, bad)
	loadTokenTTL(getenv, &cfg, bad)
	loadEntryMaxAge(getenv, &cfg, bad)
	loadRankingBasis(getenv, &cfg, bad)
	loadNotify(getenv, &cfg, bad)
	loadAttention(getenv, &cfg, bad)
	loadRates(getenv, &cfg, bad)
	if len(problems) > 0 {
		return Config{}, fmt.Errorf("invalid configuration:\n  %s", strings.Join(problems, "\n  "))
	}
	return cfg, nil
}

// secret reads NAME, or the file named by NAME_FILE (trailing newline trimmed).
func secret(getenv func(string) string, name string) (string, error) {
	v, file := getenv(name), getenv(name+"_FILE")
	if v != "" && file != "" {
		return "", fmt.Errorf("set %s or %s_FILE, not both", name, name)
	}
	if file == "" {
		return v, nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("%s_FILE: %w", name, err)
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}
