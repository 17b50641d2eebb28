package server

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"hailong/survey/store/storetest"
)

// Security headers and cookie flags on every GET route of the live engine
// (so a page added later is covered), logged out and as an administrator,
// over plain HTTP, over TLS and behind a TLS-terminating proxy.

// frameExceptions are the routes allowed to be framed (none yet; a kiosk
// page embedded by the counter software would be listed here).
var frameExceptions = map[string]bool{}

// checkPageHeaders checks the headers of one answer, and the HTML of a page.
func checkPageHeaders(t *testing.T, what, route string, r httpResult, tlsSeen bool) {
	t.Helper()
	csp := r.header.Get("Content-Security-Policy")
	directives := map[string]string{}
	for _, d := range strings.Split(csp, ";") {
		name, val, _ := strings.Cut(strings.TrimSpace(d), " ")
		directives[name] = val
	}
	want := map[string]string{"default-src": "'none'", "base-uri": "'none'", "form-action": "'self'", "frame-ancestors": "'none'"}
	if frameExceptions[route] {
		delete(want, "frame-ancestors")
	}
	for d, v := range want {
		if directives[d] != v {
			t.Errorf("%s: CSP %s = %q, want %q (CSP %q)", what, d, directives[d], v, csp)
		}
	}
	for _, d := range []string{"script-src", "style-src", "default-src", "connect-src", "img-src"} {
		for _, bad := range []string{"'unsafe-inline'", "'unsafe-eval'", "*", "http:", "https:", "data: 'self' *"} {
			if strings.Contains(" "+directives[d]+" ", " "+bad+" ") {
				t.Errorf("%s: CSP %s allows %s", what, d, bad)
			}
		}
	}
	if strings.Contains(directives["script-src"], "data:") {
		t.Errorf("%s: CSP script-src allows data:", what)
	}
	for h, v := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"} {
		if got := r.header.Get(h); got != v {
			t.Errorf("%s: %s = %q, want %q", what, h, got, v)
		}
	}
	if !frameExceptions[route] && r.header.Get("X-Frame-Options") != "DENY" {
		t.Errorf("%s: X-Frame-Options = %q, want DENY", what, r.header.Get("X-Frame-Options"))
	}
	hsts := r.header.Get("Strict-Transport-Security")
	switch {
	case tlsSeen && !strings.HasPrefix(hsts, "max-age=31536000"):
		t.Errorf("%s: over HTTPS, Strict-Transport-Security = %q, want max-age of a year", what, hsts)
	case !tlsSeen && hsts != "":
		t.Errorf("%s: over plain HTTP, Strict-Transport-Security = %q, want none", what, hsts)
	}
	for _, ck := range (&http.Response{Header: r.header}).Cookies() {
		if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode && ck.SameSite != http.SameSiteStrictMode || ck.Path != "/" {
			t.Errorf("%s: cookie %s: HttpOnly %v SameSite %v Path %q; want HttpOnly, Lax or Strict, /", what, ck.Name, ck.HttpOnly, ck.SameSite, ck.Path)
		}
		if ck.Secure != tlsSeen {
			t.Errorf("%s: cookie %s Secure = %v, want %v", what, ck.Name, ck.Secure, tlsSeen)
		}
	}
	if !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
		return
	}
	doc, err := parseHTML(r.body)
	if err != nil {
		t.Errorf("%s: page does not parse: %v", what, err)
		return
	}
	for _, el := range findAll(doc, "*") {
		if el.Data == "script" {
			if src := attrOf(el, "src"); !strings.HasPrefix(src, "/") || strings.HasPrefix(src, "//") {
				t.Errorf("%s: inline or outside script %s", what, clip(outerHTML(el)))
			}
		}
		for _, a := range el.Attr {
			key := strings.ToLower(a.Key)
			switch {
			case strings.HasPrefix(key, "on"):
				t.Errorf("%s: inline event handler in the page: <%s %s=%q>", what, el.Data, a.Key, a.Val)
			case key == "style":
				t.Errorf("%s: style attribute in the page: <%s style=%q>", what, el.Data, a.Val)
			case (key == "href" || key == "src" || key == "action") && strings.HasPrefix(strings.ToLower(strings.TrimSpace(a.Val)), "javascript:"):
				t.Errorf("%s: javascript: URL in the page: <%s %s=%q>", what, el.Data, a.Key, a.Val)
			}
		}
	}
}

// getRoutes lists the GET routes with test values for their parameters.
func getRoutes(t *testing.T, env *testEnv) map[string]string {
	t.Helper()
	engine, ok := env.srv.Handler().(*gin.Engine)
	if !ok {
		t.Fatalf("Handler() is %T", env.srv.Handler())
	}
	out := map[string]string{}
	for _, rt := range engine.Routes() {
		if rt.Method != http.MethodGet {
			continue
		}
		p, err := fillRoute(rt.Path, "so-tu-phap")
		if err != nil {
			if !strings.Contains(rt.Path, "*file") {
				t.Errorf("route %s: %v", rt.Path, err)
				continue
			}
		}
		if strings.Contains(rt.Path, "*file") {
			p = strings.Replace(rt.Path, "*file", "app.css", 1)
		}
		out[rt.Path] = p
	}
	// And answers that are no route: 404, 405.
	out["unmatched"] = "/no/such/page"
	if len(out) < 20 {
		t.Fatalf("only %d GET routes found", len(out))
	}
	return out
}

func TestHeadersOnEveryGETRoute(t *testing.T) {
	env := newTestEnvConfig(t, Config{})
	admin := newAdmin(t, env)
	for route, path := range getRoutes(t, env) {
		checkPageHeaders(t, "GET "+path+" logged out", route, doRequest(t, nil, http.MethodGet, env.http.URL+path, "", nil), false)
		checkPageHeaders(t, "GET "+path+" as admin", route, admin.get(t, path), false)
		checkPageHeaders(t, "GET "+path+"?lang=en", route, doRequest(t, nil, http.MethodGet, env.http.URL+path+"?lang=en", "", nil), false)
	}
	checkPageHeaders(t, "DELETE / (405)", "unmatched", doRequest(t, nil, http.MethodDelete, env.http.URL+"/", "", nil), false)
	// Login and logout set cookies: their flags too.
	r := loginForm(t, env, env.client(t), "admin", adminPassword)
	checkPageHeaders(t, "POST /login", "/login", r, false)
}

// tlsEnv is the service over HTTPS, with a client that trusts it.
func tlsEnv(t *testing.T, cfg Config) (*testEnv, *http.Client) {
	t.Helper()
	st := storetest.New(t)
	srv, err := New(cfg, st, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewUnstartedServer(nil)
	hs.Config = srv.HTTPServer(nil)
	hs.StartTLS()
	t.Cleanup(hs.Close)
	c := hs.Client()
	c.Jar, _ = cookiejar.New(nil)
	c.CheckRedirect = noRedirects
	return &testEnv{srv: srv, store: st, http: hs}, c
}

func TestHeadersOverTLS(t *testing.T) {
	env, c := tlsEnv(t, Config{})
	if _, err := env.store.EnsureAdmin(t.Context(), adminPassword); err != nil {
		t.Fatal(err)
	}
	do := func(method, path, body string, hdr map[string]string) httpResult {
		return doRequest(t, c, method, env.http.URL+path, body, hdr)
	}
	// Log in over HTTPS: every cookie Secure.
	page := do(http.MethodGet, "/login", "", nil)
	checkPageHeaders(t, "GET /login over TLS", "/login", page, true)
	form := url.Values{"csrf": {csrfOf(page.body)}, "username": {"admin"}, "password": {adminPassword}}
	r := do(http.MethodPost, "/login", form.Encode(), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	if r.status != http.StatusSeeOther || r.cookie(sessionCookie) == nil {
		t.Fatalf("login over TLS: %s", r)
	}
	checkPageHeaders(t, "POST /login over TLS", "/login", r, true)
	for route, path := range getRoutes(t, env) {
		checkPageHeaders(t, "GET "+path+" over TLS as admin", route, do(http.MethodGet, path+"?lang=vi", "", nil), true)
	}
	if c.Transport.(*http.Transport).TLSClientConfig == nil {
		t.Fatal("the client does not speak TLS")
	}
}

// Behind a TLS-terminating proxy: X-Forwarded-Proto counts only from a
// trusted proxy.
func TestHeadersBehindProxy(t *testing.T) {
	xfp := map[string]string{"X-Forwarded-Proto": "https"}
	t.Run("trusted proxy", func(t *testing.T) {
		env := newTestEnvConfig(t, Config{TrustedProxies: loopbackProxies})
		for _, p := range []string{"/", "/login", landPath, "/api/v1/areas", "/no/such/page", "/?lang=en"} {
			checkPageHeaders(t, "GET "+p, p, doRequest(t, nil, http.MethodGet, env.http.URL+p, "", xfp), true)
		}
	})
	t.Run("untrusted peer", func(t *testing.T) {
		env := newTestEnvConfig(t, Config{})
		for _, p := range []string{"/", "/login", landPath, "/?lang=en"} {
			checkPageHeaders(t, "GET "+p+" with a made-up X-Forwarded-Proto", p, doRequest(t, nil, http.MethodGet, env.http.URL+p, "", xfp), false)
		}
	})
}
