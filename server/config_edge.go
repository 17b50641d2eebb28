package server

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// The service's edge: metrics, HTTP timeouts, rate limits and the proxies
// it trusts. Read by loadEdge from the environment; the zero value (tests)
// means metrics for administrators only, default timeouts, no rate limits
// and no trusted proxy.

// MetricsConfig says where Prometheus metrics are served besides the main
// listener, where only an administrator or the metrics token gets them.
type MetricsConfig struct {
	// Addr is a separate listener serving only /metrics
	// (HAILONG_METRICS_ADDR, e.g. 127.0.0.1:9464); empty means none.
	Addr string
	// Token, when set (HAILONG_METRICS_TOKEN or _FILE), is the bearer token
	// /metrics answers to, on both listeners.
	Token string
}

// Timeouts bound how long a client may take. Zero fields take the defaults.
type Timeouts struct {
	ReadHeader     time.Duration // to send the request line and headers (5 s)
	Read           time.Duration // to send the whole request (15 s)
	Write          time.Duration // to receive the answer (HAILONG_WRITE_TIMEOUT, 60 s)
	Idle           time.Duration // between requests on a kept-alive connection (60 s)
	Export         time.Duration // to receive an export (HAILONG_EXPORT_TIMEOUT, 10 min)
	MaxHeaderBytes int           // request line and headers (16 KB)
}

// withDefaults fills the zero fields.
func (t Timeouts) withDefaults() Timeouts {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&t.ReadHeader, 5*time.Second)
	def(&t.Read, 15*time.Second)
	def(&t.Write, 60*time.Second)
	def(&t.Idle, 60*time.Second)
	def(&t.Export, 10*time.Minute)
	if t.MaxHeaderBytes <= 0 {
		t.MaxHeaderBytes = 16 << 10
	}
	return t
}

// Rate is a token bucket: bursts of up to N requests, refilled at N per Per.
// The zero Rate is no limit.
type Rate struct {
	N   int
	Per time.Duration
}

func (r Rate) on() bool { return r.N > 0 && r.Per > 0 }

func (r Rate) String() string {
	if !r.on() {
		return "off"
	}
	return fmt.Sprintf("%d/%v", r.N, r.Per)
}

// parseRate reads "N/DURATION" (60/1m) or "off".
func parseRate(s string) (Rate, bool) {
	if strings.EqualFold(s, "off") {
		return Rate{}, true
	}
	n, per, ok := strings.Cut(s, "/")
	if !ok {
		return Rate{}, false
	}
	k, err := strconv.Atoi(strings.TrimSpace(n))
	d, err2 := time.ParseDuration(strings.TrimSpace(per))
	if err != nil || err2 != nil || k < 1 || k > 1_000_000 || d < time.Second || d > 24*time.Hour {
		return Rate{}, false
	}
	return Rate{N: k, Per: d}, true
}

// RateLimits are the per-client limits on public endpoints; the client is
// its address (behind trusted proxies, the one they forward), kept only as
// a keyed hash. Authenticated staff are not limited on submissions.
type RateLimits struct {
	Submit Rate // citizen form POST and POST /api/v1/responses (HAILONG_RATE_SUBMIT)
	Login  Rate // POST /login and POST /api/v1/auth/token (HAILONG_RATE_LOGIN)
	Read   Rate // every other request (HAILONG_RATE_READ)
	// Exempt lists the client networks never limited (HAILONG_RATE_EXEMPT).
	Exempt []netip.Prefix
}

// Default rate limits: generous for people, a wall for scripts.
var defaultRates = RateLimits{
	Submit: Rate{N: 60, Per: time.Minute},
	Login:  Rate{N: 10, Per: time.Minute},
	Read:   Rate{N: 600, Per: time.Minute},
}

// parsePrefixes reads a comma list of IP addresses and CIDR networks.
func parsePrefixes(s string) ([]netip.Prefix, bool) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, false
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, true
}

// loadEdge reads the edge settings into cfg, reporting bad values.
func loadEdge(getenv func(string) string, cfg *Config, bad func(string, ...any)) {
	if v := getenv("HAILONG_METRICS_ADDR"); v != "" {
		if _, port, err := net.SplitHostPort(v); err != nil || port == "" {
			bad("HAILONG_METRICS_ADDR=%q is not a listen address such as 127.0.0.1:9464", v)
		}
		cfg.Metrics.Addr = v
	}
	tok, err := secret(getenv, "HAILONG_METRICS_TOKEN")
	switch {
	case err != nil:
		bad("%v", err)
	case tok != "" && len(tok) < 16:
		bad("HAILONG_METRICS_TOKEN must have at least 16 characters")
	}
	cfg.Metrics.Token = tok

	for name, d := range map[string]*time.Duration{
		"HAILONG_WRITE_TIMEOUT":  &cfg.Timeouts.Write,
		"HAILONG_EXPORT_TIMEOUT": &cfg.Timeouts.Export,
	} {
		if v := getenv(name); v != "" {
			t, err := time.ParseDuration(v)
			if err != nil || t < time.Second || t > 24*time.Hour {
				bad("%s=%q must be a duration from 1s to 24h, such as 60s", name, v)
			}
			*d = t
		}
	}

	cfg.Rate = defaultRates
	for name, r := range map[string]*Rate{
		"HAILONG_RATE_SUBMIT": &cfg.Rate.Submit,
		"HAILONG_RATE_LOGIN":  &cfg.Rate.Login,
		"HAILONG_RATE_READ":   &cfg.Rate.Read,
	} {
		if v := getenv(name); v != "" {
			got, ok := parseRate(v)
			if !ok {
				bad("%s=%q must be N/DURATION (requests per period, e.g. 60/1m) or off", name, v)
			}
			*r = got
		}
	}
	if v := getenv("HAILONG_RATE_EXEMPT"); v != "" {
		p, ok := parsePrefixes(v)
		if !ok {
			bad("HAILONG_RATE_EXEMPT=%q must be a comma list of IP addresses or networks (127.0.0.1, 10.0.0.0/8)", v)
		}
		cfg.Rate.Exempt = p
	}
	if v := getenv("HAILONG_TRUSTED_PROXIES"); v != "" {
		p, ok := parsePrefixes(v)
		if !ok {
			bad("HAILONG_TRUSTED_PROXIES=%q must be a comma list of IP addresses or networks", v)
		}
		cfg.TrustedProxies = p
	}
}
