package server

import (
	"bytes"
	"fmt"
	"html"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"net/http/httptest"

	"hailong/survey"
	"hailong/survey/store"
)

// fakeClock is a clock a test moves by hand.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time      { return c.t }
func (c *fakeClock) add(d time.Duration) { c.t = c.t.Add(d) }
func testKey(i int, class rateClass) bucketKey {
	k := bucketKey{class: class}
	copy(k.client[:], fmt.Sprintf("%016d", i))
	k.client[0] = byte(i) // spread over the shards
	return k
}

func TestLimiterBucket(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1_800_000_000, 0)}
	l := newLimiter(RateLimits{Submit: Rate{N: 3, Per: time.Minute}, Login: Rate{N: 1, Per: 10 * time.Second}})
	l.now = clk.now
	a, b := testKey(1, classSubmit), testKey(2, classSubmit)
	for i := range 3 {
		if ok, _ := l.allow(a); !ok {
			t.Fatalf("request %d of a burst of 3: refused", i+1)
		}
	}
	ok, wait := l.allow(a)
	if ok || wait < 19*time.Second || wait > 21*time.Second {
		t.Fatalf("4th request: ok=%v wait=%v, want refused for about 20 s (60 s / 3)", ok, wait)
	}
	if ok, _ := l.allow(b); !ok {
		t.Errorf("another client: refused, want its own bucket")
	}
	if ok, _ := l.allow(testKey(1, classLogin)); !ok {
		t.Errorf("another class of the same client: refused, want its own bucket")
	}
	if ok, _ := l.allow(testKey(1, classRead)); !ok {
		t.Errorf("a class without a limit: refused")
	}
	clk.add(19 * time.Second)
	if ok, _ := l.allow(a); ok {
		t.Errorf("after 19 s: allowed, want still refused")
	}
	clk.add(2 * time.Second)
	if ok, _ := l.allow(a); !ok {
		t.Errorf("after 21 s: refused, want one token back")
	}
	if ok, _ := l.allow(a); ok {
		t.Errorf("right after: allowed, want refused (one token came back)")
	}
	clk.add(time.Hour)
	for i := range 3 {
		if ok, _ := l.allow(a); !ok {
			t.Errorf("after an hour, request %d: refused, want the burst back (no more than 3)", i+1)
		}
	}
	if ok, _ := l.allow(a); ok {
		t.Errorf("after an hour, 4th request: allowed, want the bucket capped at 3")
	}
}

// Memory stays bounded whatever the number of clients, and idle clients
// are forgotten.
func TestLimiterMemoryBounded(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1_800_000_000, 0)}
	l := newLimiter(RateLimits{Read: Rate{N: 5, Per: time.Second}})
	l.now = clk.now
	for i := range 3 * maxBuckets {
		k := bucketKey{class: classRead}
		copy(k.client[:], fmt.Sprintf("%08x%08x", i, i*7919))
		k.client[0] = byte(i)
		l.allow(k)
		l.allow(k)
	}
	if n := l.size(); n > maxBuckets || n < maxBuckets/2 {
		t.Errorf("after %d clients: %d buckets, want at most %d (and not emptied)", 3*maxBuckets, n, maxBuckets)
	}
	// Idle long enough to refill and past a sweep: forgotten on next use.
	clk.add(sweepEvery + time.Second)
	for i := range limiterShards {
		l.allow(testKey(i, classRead))
	}
	if n := l.size(); n != limiterShards {
		t.Errorf("after the idle clients refilled: %d buckets, want %d (the ones just used)", n, limiterShards)
	}
}

// bucketOf keys clients by a keyed hash: never the raw address, the same
// for one address, different across addresses and servers, one per IPv6 /64.
func TestRateKeyIsKeyedHash(t *testing.T) {
	key := func(secret, addr string) bucketKey {
		s := &Server{secret: []byte(secret)}
		c, _ := gin.CreateTestContext(httptest.NewRecorder())
		c.Set(clientKey, netip.MustParseAddr(addr))
		return s.bucketOf(c, classSubmit)
	}
	a := key("secret-one-32-bytes-long-enough!", "203.0.113.7")
	if a != key("secret-one-32-bytes-long-enough!", "203.0.113.7") {
		t.Errorf("one address gives two keys")
	}
	if a == key("secret-one-32-bytes-long-enough!", "203.0.113.8") {
		t.Errorf("two addresses give one key")
	}
	if a == key("secret-two-32-bytes-long-enough!", "203.0.113.7") {
		t.Errorf("the key does not depend on the server secret")
	}
	raw := netip.MustParseAddr("203.0.113.7").As4()
	if bytes.Contains(a.client[:], raw[:]) || bytes.Contains(a.client[:], []byte("203.0.113.7")) {
		t.Errorf("the key %x holds the raw address", a.client)
	}
	if key("s-32-bytes-long-enough-for-this!", "2001:db8:1:2::1") != key("s-32-bytes-long-enough-for-this!", "2001:db8:1:2:ffff::9") {
		t.Errorf("two addresses of one IPv6 /64 give two keys")
	}
	if key("s-32-bytes-long-enough-for-this!", "2001:db8:1:2::1") == key("s-32-bytes-long-enough-for-this!", "2001:db8:1:3::1") {
		t.Errorf("two IPv6 /64 networks give one key")
	}
}

// limitedEnv is a service with small limits, served by its own http.Server.
func limitedEnv(t *testing.T, edit func(*Config)) *testEnv {
	t.Helper()
	cfg := Config{Rate: RateLimits{
		Submit: Rate{N: 3, Per: time.Minute},
		Login:  Rate{N: 2, Per: time.Minute},
		Read:   Rate{N: 30, Per: time.Minute},
	}}
	if edit != nil {
		edit(&cfg)
	}
	return newTestEnvConfig(t, cfg)
}

// check429 checks a refusal: 429 with a Retry-After of a few seconds.
func check429(t *testing.T, what string, r httpResult, maxWait int) {
	t.Helper()
	if r.status != http.StatusTooManyRequests {
		t.Fatalf("%s: %s, want 429", what, r)
	}
	n, err := strconv.Atoi(r.header.Get("Retry-After"))
	if err != nil || n < 1 || n > maxWait {
		t.Errorf("%s: Retry-After %q, want 1..%d seconds", what, r.header.Get("Retry-After"), maxWait)
	}
}

func TestRateLimitAPISubmissions(t *testing.T) {
	env := limitedEnv(t, nil)
	post := func(lang string) httpResult {
		body := mustJSON(t, apiSubmission(landAgency, landArea, survey.NewKey()))
		return doRequest(t, nil, http.MethodPost, env.http.URL+responsesPath, body,
			map[string]string{"Content-Type": "application/json", "Accept-Language": lang})
	}
	for i := range 3 {
		if r := post("vi"); r.status != http.StatusCreated {
			t.Fatalf("submission %d: %s, want 201", i+1, r)
		}
	}
	r := post("en")
	check429(t, "4th submission", r, 21)
	if e := decodeAPIError(t, r); e.Error.Code != "rate_limited" || e.Error.Message != env.srv.locales[survey.En].T("api.rate_limited") {
		t.Errorf("4th submission: error %+v, want rate_limited with the English message", e.Error)
	}
	if e := decodeAPIError(t, post("vi")); e.Error.Message != env.srv.locales[survey.Vi].T("api.rate_limited") {
		t.Errorf("in Vietnamese: message %q", e.Error.Message)
	}
	if n := env.responseCount(t); n != 3 {
		t.Errorf("%d responses stored, want 3", n)
	}
	// Reading is another class: still allowed.
	if r := doRequest(t, nil, http.MethodGet, env.http.URL+"/api/v1/areas", "", nil); r.status != http.StatusOK {
		t.Errorf("GET /api/v1/areas after the submissions were limited: %s, want 200", r)
	}
}

func TestRateLimitFormPageInBothLanguages(t *testing.T) {
	env := limitedEnv(t, nil)
	c := env.client(t)
	for i := range 3 {
		form := env.openSurvey(t, c, landPath, landArea)
		if r := env.postSurvey(t, c, landPath, form); r.status != http.StatusSeeOther {
			t.Fatalf("form %d: %d, want 303", i+1, r.status)
		}
	}
	form := env.openSurvey(t, c, landPath, landArea)
	for _, lang := range []survey.Lang{survey.Vi, survey.En} {
		r := env.postSurvey(t, c, landPath+"?lang="+string(lang), form)
		check429(t, "form POST in "+string(lang), httpResult(r), 21)
		ms := env.srv.locales[lang]
		if !strings.Contains(r.body, html.EscapeString(ms.T("error.ratelimited.title"))) {
			t.Errorf("%s: the page lacks the title %q: %s", lang, ms.T("error.ratelimited.title"), clip(r.body))
		}
		secs, _ := strconv.Atoi(r.header.Get("Retry-After"))
		if !strings.Contains(r.body, html.EscapeString(ms.T("error.ratelimited.body", secs))) {
			t.Errorf("%s: the page lacks the wait of %d s", lang, secs)
		}
		if !hasElement(r.body, "html[lang=\""+string(lang)+"\"]") {
			t.Errorf("%s: page not in that language", lang)
		}
	}
}

func TestRateLimitLogin(t *testing.T) {
	env := limitedEnv(t, nil)
	for i := range 2 {
		r := callAPI(t, env, "", http.MethodPost, "/api/v1/auth/token", map[string]string{"username": "nobody", "password": "wrong-password"})
		if r.status != http.StatusUnauthorized {
			t.Fatalf("try %d: %s, want 401", i+1, r)
		}
	}
	r := callAPI(t, env, "", http.MethodPost, "/api/v1/auth/token", map[string]string{"username": "nobody", "password": "wrong-password"})
	check429(t, "3rd token try", r, 31)
	// The login form shares the class.
	page := doRequest(t, nil, http.MethodPost, env.http.URL+"/login", "username=a&password=b",
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	check429(t, "login form after 2 tries", page, 31)
}

func TestRateLimitReadsAndProbes(t *testing.T) {
	env := limitedEnv(t, func(c *Config) { c.Rate.Read = Rate{N: 5, Per: time.Minute} })
	for i := range 5 {
		if r := doRequest(t, nil, http.MethodGet, env.http.URL+"/", "", nil); r.status != http.StatusOK {
			t.Fatalf("GET / %d: %s", i+1, r)
		}
	}
	r := doRequest(t, nil, http.MethodGet, env.http.URL+"/?lang=en", "", nil)
	check429(t, "6th GET /", r, 13)
	if !strings.Contains(r.body, "Too many requests") {
		t.Errorf("page: %s", clip(r.body))
	}
	r = doRequest(t, nil, http.MethodGet, env.http.URL+"/api/v1/agencies", "", nil)
	check429(t, "GET /api/v1/agencies", r, 13)
	if e := decodeAPIError(t, r); e.Error.Code != "rate_limited" {
		t.Errorf("API code %q", e.Error.Code)
	}
	// A flood of made-up bearer tokens is limited before any look-up.
	if r := callAPI(t, env, "hl_made-up", http.MethodGet, "/api/v1/reports/agencies/so-tu-phap", nil); r.status != http.StatusTooManyRequests {
		t.Errorf("made-up token: %s, want 429", r)
	}
	for _, p := range []string{"/healthz", "/readyz"} {
		if r := doRequest(t, nil, http.MethodGet, env.http.URL+p, "", nil); r.status != http.StatusOK {
			t.Errorf("GET %s while limited: %s, want 200 (probes are never limited)", p, r)
		}
	}
	if got := sample(scrapeAsAdmin(t, env), `hailong_rate_limited_total{class="read"}`); got < 3 {
		t.Errorf("hailong_rate_limited_total{class=\"read\"} = %v, want at least 3", got)
	}
}

// scrapeAsAdmin reads the metrics with an administrator's token made in
// the store (no request, so no rate limit is spent).
func scrapeAsAdmin(t *testing.T, env *testEnv) string {
	t.Helper()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	env.srv.metrics.handler.ServeHTTP(rec, req)
	return rec.Body.String()
}

// Staff sending submissions with their token (paper entry, integrations)
// are not held to the anonymous submission limit.
func TestRateLimitSkipsAuthenticatedSubmissions(t *testing.T) {
	env := limitedEnv(t, func(c *Config) { c.Rate.Exempt = nil })
	admin := adminNoLimit(t, env)
	for i := range 6 {
		body := apiSubmission(landAgency, landArea, survey.NewKey())
		if r := callAPI(t, env, admin, http.MethodPost, responsesPath, body); r.status != http.StatusCreated {
			t.Fatalf("authenticated submission %d: %s, want 201", i+1, r)
		}
	}
	// The same client anonymously is limited.
	var last httpResult
	for range 4 {
		last = callAPI(t, env, "", http.MethodPost, responsesPath, apiSubmission(landAgency, landArea, survey.NewKey()))
	}
	check429(t, "anonymous after 3", last, 21)
}

// adminNoLimit makes an administrator and an API token in the store.
func adminNoLimit(t *testing.T, env *testEnv) string {
	t.Helper()
	insertUser(t, env, "ops-admin", survey.RoleAdmin)
	gc, _ := gin.CreateTestContext(httptest.NewRecorder())
	gc.Request = httptest.NewRequest(http.MethodPost, "/", nil)
	tok, _, err := env.srv.issueToken(gc, survey.User{Username: "ops-admin"}, "test", store.TokenIssued)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestRateLimitBehindProxies(t *testing.T) {
	submit := func(env *testEnv, xff string) httpResult {
		hdr := map[string]string{"Content-Type": "application/json"}
		if xff != "" {
			hdr["X-Forwarded-For"] = xff
		}
		return doRequest(t, nil, http.MethodPost, env.http.URL+responsesPath, mustJSON(t, apiSubmission(landAgency, landArea, survey.NewKey())), hdr)
	}
	t.Run("untrusted peer: X-Forwarded-For ignored", func(t *testing.T) {
		env := limitedEnv(t, nil)
		for i := range 3 {
			if r := submit(env, fmt.Sprintf("198.51.100.%d", i)); r.status != http.StatusCreated {
				t.Fatalf("submission %d: %s", i+1, r)
			}
		}
		check429(t, "a 4th 'client' made up in X-Forwarded-For", submit(env, "198.51.100.99"), 21)
	})
	t.Run("trusted proxy: one bucket per forwarded client", func(t *testing.T) {
		env := limitedEnv(t, func(c *Config) { c.TrustedProxies = loopbackProxies })
		for i := range 3 {
			if r := submit(env, "198.51.100.1"); r.status != http.StatusCreated {
				t.Fatalf("client 1 submission %d: %s", i+1, r)
			}
		}
		check429(t, "client 1, 4th", submit(env, "198.51.100.1"), 21)
		// A client cannot escape by prepending addresses: the proxy appends
		// the real one, the rightmost untrusted address counts.
		check429(t, "client 1 with a spoofed hop", submit(env, "203.0.113.50, 198.51.100.1"), 21)
		if r := submit(env, "198.51.100.2"); r.status != http.StatusCreated {
			t.Errorf("client 2 through the same proxy: %s, want 201", r)
		}
		if r := submit(env, "198.51.100.3, 127.0.0.1"); r.status != http.StatusCreated {
			t.Errorf("client 3 through two trusted proxies: %s, want 201", r)
		}
	})
	t.Run("exempt network", func(t *testing.T) {
		env := limitedEnv(t, func(c *Config) { c.Rate.Exempt = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")} })
		for i := range 8 {
			if r := submit(env, ""); r.status != http.StatusCreated {
				t.Fatalf("exempt submission %d: %s, want 201", i+1, r)
			}
		}
	})
}

func TestEdgeConfig(t *testing.T) {
	env := envOf
	cfg, err := LoadConfig(env())
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Rate.Submit != defaultRates.Submit || cfg.Rate.Login != defaultRates.Login || cfg.Rate.Read != defaultRates.Read {
		t.Errorf("default rates %+v, want %+v", cfg.Rate, defaultRates)
	}
	if cfg.Metrics.Addr != "" || cfg.Metrics.Token != "" || cfg.TrustedProxies != nil {
		t.Errorf("defaults: metrics %+v, proxies %v; want none", cfg.Metrics, cfg.TrustedProxies)
	}
	cfg, err = LoadConfig(env(
		"HAILONG_RATE_SUBMIT", "off", "HAILONG_RATE_LOGIN", "5/30s", "HAILONG_RATE_READ", "1200/1m",
		"HAILONG_RATE_EXEMPT", "127.0.0.1, 10.0.0.0/8", "HAILONG_TRUSTED_PROXIES", "192.168.1.10,fd00::/8",
		"HAILONG_METRICS_ADDR", "127.0.0.1:9464", "HAILONG_METRICS_TOKEN", "a-long-metrics-token",
		"HAILONG_WRITE_TIMEOUT", "2m", "HAILONG_EXPORT_TIMEOUT", "30m"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Rate.Submit.on() || cfg.Rate.Login != (Rate{5, 30 * time.Second}) || cfg.Rate.Read != (Rate{1200, time.Minute}) {
		t.Errorf("rates %+v", cfg.Rate)
	}
	if len(cfg.Rate.Exempt) != 2 || !cfg.Rate.Exempt[0].Contains(netip.MustParseAddr("127.0.0.1")) || !cfg.Rate.Exempt[1].Contains(netip.MustParseAddr("10.9.8.7")) {
		t.Errorf("exempt %v", cfg.Rate.Exempt)
	}
	if len(cfg.TrustedProxies) != 2 || cfg.Metrics.Addr != "127.0.0.1:9464" || cfg.Metrics.Token != "a-long-metrics-token" {
		t.Errorf("proxies %v metrics %+v", cfg.TrustedProxies, cfg.Metrics)
	}
	if cfg.Timeouts.withDefaults().Write != 2*time.Minute || cfg.Timeouts.withDefaults().Export != 30*time.Minute || cfg.Timeouts.withDefaults().ReadHeader != 5*time.Second {
		t.Errorf("timeouts %+v", cfg.Timeouts.withDefaults())
	}
	for _, bad := range [][]string{
		{"HAILONG_RATE_SUBMIT", "60"}, {"HAILONG_RATE_SUBMIT", "0/1m"}, {"HAILONG_RATE_LOGIN", "5/1ms"},
		{"HAILONG_RATE_READ", "x/1m"}, {"HAILONG_RATE_EXEMPT", "localhost"}, {"HAILONG_TRUSTED_PROXIES", "10.0.0.0/33"},
		{"HAILONG_METRICS_ADDR", "9464"}, {"HAILONG_METRICS_TOKEN", "short"}, {"HAILONG_WRITE_TIMEOUT", "0s"},
		{"HAILONG_EXPORT_TIMEOUT", "forever"},
	} {
		if _, err := LoadConfig(env(bad...)); err == nil || !strings.Contains(err.Error(), bad[0]) {
			t.Errorf("%s=%q: error %v, want one naming the variable", bad[0], bad[1], err)
		}
	}
}
