package server

import (
	"bufio"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"hailong/survey"
)

// sample returns the value of the series (name with its labels, sorted by
// label name, exactly as the text exposition writes them), or -1.
func sample(body, series string) float64 {
	sc := bufio.NewScanner(strings.NewReader(body))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), series+" "); ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			if err == nil {
				return v
			}
		}
	}
	return -1
}

func TestMetricsForAdministratorsOnly(t *testing.T) {
	env := newTestEnv(t)
	admin := newAdmin(t, env)
	staffPW := insertUser(t, env, "staff-m", survey.RoleStaff, "so-tu-phap")
	staff := loginAs(t, env, "staff-m", staffPW)

	if r := doRequest(t, nil, http.MethodGet, env.http.URL+"/metrics", "", nil); r.status != http.StatusSeeOther || !strings.HasPrefix(r.location(), "/login") {
		t.Errorf("logged out: %s, want 303 to /login", r)
	}
	if r := staff.get(t, "/metrics"); r.status != http.StatusForbidden {
		t.Errorf("staff: %s, want 403", r)
	}
	if r := callAPI(t, env, "hl_made-up-token", http.MethodGet, "/metrics", nil); r.status != http.StatusUnauthorized {
		t.Errorf("bad token: %s, want 401", r)
	}
	for name, r := range map[string]httpResult{
		"admin session": admin.get(t, "/metrics"),
		"admin token":   callAPI(t, env, admin.token, http.MethodGet, "/metrics", nil),
	} {
		if r.status != http.StatusOK || !strings.Contains(r.body, "# TYPE hailong_http_requests_total counter") {
			t.Errorf("%s: %s, want 200 with the metrics", name, r)
		}
		if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
			t.Errorf("%s: Content-Type %q, want text/plain", name, ct)
		}
	}
}

func TestMetricsToken(t *testing.T) {
	const token = "metrics-token-0123456789"
	env := newTestEnvConfig(t, Config{Metrics: MetricsConfig{Token: token}})
	get := func(auth string) httpResult {
		hdr := map[string]string{}
		if auth != "" {
			hdr["Authorization"] = auth
		}
		return doRequest(t, nil, http.MethodGet, env.http.URL+"/metrics", "", hdr)
	}
	if r := get("Bearer " + token); r.status != http.StatusOK || sample(r.body, "hailong_submissions_duplicate_total") < 0 {
		t.Errorf("with the token: %s, want 200 with the metrics", r)
	}
	if r := get("bearer  " + token); r.status != http.StatusOK {
		t.Errorf("scheme in lower case: %s, want 200", r)
	}
	for _, auth := range []string{"", "Bearer " + token[:len(token)-1], "Bearer " + token + "x", "Basic " + token} {
		if r := get(auth); r.status == http.StatusOK {
			t.Errorf("Authorization %q: %s, want refused", auth, r)
		}
	}
	// The token opens /metrics only.
	if r := get("Bearer " + token); r.status != http.StatusOK {
		t.Fatalf("token: %s", r)
	}
	if r := callAPI(t, env, token, http.MethodGet, "/api/v1/admin/agencies", nil); r.status != http.StatusUnauthorized {
		t.Errorf("metrics token on the admin API: %s, want 401", r)
	}
}

func TestMetricsSeparateListener(t *testing.T) {
	for _, tc := range []struct {
		name, token, auth string
		want              int
	}{
		{"open", "", "", http.StatusOK},
		{"token required", "metrics-token-0123456789", "", http.StatusUnauthorized},
		{"token given", "metrics-token-0123456789", "Bearer metrics-token-0123456789", http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := newTestEnvConfig(t, Config{Metrics: MetricsConfig{Addr: "127.0.0.1:0", Token: tc.token}})
			ms := env.srv.MetricsServer(nil)
			if ms == nil || ms.ReadHeaderTimeout <= 0 || ms.WriteTimeout <= 0 {
				t.Fatalf("MetricsServer = %+v, want a server with timeouts", ms)
			}
			hs := httptest.NewServer(ms.Handler)
			defer hs.Close()
			hdr := map[string]string{}
			if tc.auth != "" {
				hdr["Authorization"] = tc.auth
			}
			r := doRequest(t, nil, http.MethodGet, hs.URL+"/metrics", "", hdr)
			if r.status != tc.want {
				t.Errorf("GET /metrics: %s, want %d", r, tc.want)
			}
			if tc.want == http.StatusOK && sample(r.body, "hailong_rollup_pending") < 0 {
				t.Errorf("no hailong_rollup_pending in %s", clip(r.body))
			}
			for _, p := range []string{"/", "/api/v1/areas", "/s/so-tn-mt/dat-dai"} {
				if r := doRequest(t, nil, http.MethodGet, hs.URL+p, "", hdr); r.status != http.StatusNotFound {
					t.Errorf("GET %s on the metrics listener: %s, want 404", p, r)
				}
			}
		})
	}
	env := newTestEnvConfig(t, Config{})
	if ms := env.srv.MetricsServer(nil); ms != nil {
		t.Errorf("MetricsServer without HAILONG_METRICS_ADDR = %+v, want nil", ms)
	}
}

// The figures: requests by route template and status, latency, submissions
// by channel, duplicates, rollup lag, database errors.
func TestMetricsContents(t *testing.T) {
	const token = "metrics-token-0123456789"
	env := newTestEnvConfig(t, Config{Metrics: MetricsConfig{Token: token}})
	scrape := func() string {
		r := doRequest(t, nil, http.MethodGet, env.http.URL+"/metrics", "", map[string]string{"Authorization": "Bearer " + token})
		if r.status != http.StatusOK {
			t.Fatalf("scrape: %s", r)
		}
		return r.body
	}
	before := scrape()
	c := env.client(t)
	for range 3 {
		if r := env.getPage(t, c, landPath); r.status != http.StatusOK {
			t.Fatalf("form page: %d", r.status)
		}
	}
	env.getPage(t, c, "/no/such/page/x9")
	env.getPage(t, c, "/api/v1/forms/khong-co/dat-dai")
	key := survey.NewKey()
	body := mustJSON(t, apiSubmission(landAgency, landArea, key))
	if r := env.postAPI(t, c, responsesPath, body, nil); r.status != http.StatusCreated {
		t.Fatalf("submit: %d %s", r.status, r.body)
	}
	if r := env.postAPI(t, c, responsesPath, body, nil); r.status != http.StatusOK {
		t.Fatalf("retry: %d %s", r.status, r.body)
	}
	after := scrape()

	for _, tc := range []struct {
		series string
		delta  float64
	}{
		{`hailong_http_requests_total{method="GET",route="/s/:agency/:area",status="200"}`, 3},
		{`hailong_http_requests_total{method="GET",route="unmatched",status="404"}`, 1},
		{`hailong_http_requests_total{method="GET",route="/api/v1/forms/:agency/:area",status="404"}`, 1},
		{`hailong_http_requests_total{method="POST",route="/api/v1/responses",status="201"}`, 1},
		{`hailong_http_requests_total{method="POST",route="/api/v1/responses",status="200"}`, 1},
		{`hailong_http_request_duration_seconds_count{method="GET",route="/s/:agency/:area"}`, 3},
		{`hailong_submissions_stored_total{channel="counter"}`, 1},
		{`hailong_submissions_stored_total{channel="web"}`, 0},
		{`hailong_submissions_duplicate_total`, 1},
	} {
		b, a := max(sample(before, tc.series), 0), sample(after, tc.series)
		if a < 0 {
			t.Errorf("%s: not in the metrics", tc.series)
			continue
		}
		if a-b != tc.delta {
			t.Errorf("%s: %v → %v, want +%v", tc.series, b, a, tc.delta)
		}
	}
	for _, series := range []string{
		`hailong_rollup_pending`, `hailong_rollup_oldest_pending_seconds`,
		`hailong_database_errors_total{kind="unavailable"}`, `hailong_database_errors_total{kind="other"}`,
		`hailong_rate_limit_clients`, `go_goroutines`, `process_resident_memory_bytes`,
	} {
		if sample(after, series) < 0 {
			t.Errorf("%s: not in the metrics", series)
		}
	}
	// Raw paths never become labels.
	if strings.Contains(after, "/no/such/page") || strings.Contains(after, "khong-co") {
		t.Errorf("a raw path is a label value")
	}
}

func TestMetricsMethodLabelBounded(t *testing.T) {
	for m, want := range map[string]string{"GET": "GET", "POST": "POST", "BREW": "OTHER", "get": "OTHER", "PROPFIND": "OTHER"} {
		if got := methodLabel(m); got != want {
			t.Errorf("methodLabel(%q) = %q, want %q", m, got, want)
		}
	}
}
