// Package notify sends Hài Lòng's notifications (issue 18): each agency's
// daily e-mail digest of its attention items, over SMTP, and a signed
// webhook call per new item, kept in a database outbox until delivered.
// What a notification carries is a survey.Notice and nothing more.
package notify

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"

	"hailong/survey"
)

// internal lists address ranges a webhook may not reach besides those
// netip classifies (loopback, private, link-local, multicast, unspecified).
var internal = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"), // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"), // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),   // reserved, and broadcast
	netip.MustParsePrefix("64:ff9b:1::/48"),
}

// Public reports whether a is an address a webhook may be sent to without
// HAILONG_WEBHOOK_ALLOW_PRIVATE.
func Public(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsValid() || a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() {
		return false
	}
	for _, p := range internal {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

// errPrivate is a dial refused because the target address is internal.
var errPrivate = errors.New("webhook target is a loopback or private address")

// CheckTarget resolves a webhook URL's host as registration does: a
// problem code (survey.ProblemPrivateAddress, survey.ProblemUnresolvable)
// or "". Every dial checks the address again (Client), so a name that
// later resolves to an internal address (DNS rebinding) is refused then.
func CheckTarget(ctx context.Context, raw string, allowPrivate bool) string {
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" {
		return survey.ProblemInvalid
	}
	if allowPrivate {
		return ""
	}
	host := u.Hostname()
	if a, err := netip.ParseAddr(host); err == nil {
		if !Public(a) {
			return survey.ProblemPrivateAddress
		}
		return ""
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil || len(addrs) == 0 {
		return survey.ProblemUnresolvable
	}
	for _, a := range addrs {
		if !Public(a) {
			return survey.ProblemPrivateAddress
		}
	}
	return ""
}

// Client is the HTTP client of webhook calls: the dialer checks the very
// address it connects to (after resolution), no proxy from the
// environment, no redirects followed, and a deadline per call.
func Client(allowPrivate bool, timeout time.Duration) *http.Client {
	d := &net.Dialer{Timeout: timeout, Control: func(network, address string, _ syscall.RawConn) error {
		if allowPrivate {
			return nil
		}
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("dial %s: %w", address, errPrivate)
		}
		if !Public(ap.Addr()) {
			return fmt.Errorf("dial %s: %w", address, errPrivate)
		}
		return nil
	}}
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           d.DialContext,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		MaxIdleConns:          10,
		IdleConnTimeout:       30 * time.Second,
	}
	return &http.Client{
		Transport:     tr,
		Timeout:       timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
