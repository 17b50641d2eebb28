package server

// Browser test of the dashboard (issue 4): the figures an administrator reads
// in Chromium are those of the JSON report API for the same agency and
// period, and a staff member of another agency is refused the dashboard.
// Helpers are in browser_test.go and browser_admin_test.go.

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"hailong/survey"
)

// dashSeed posts n complete responses for an agency and area through the
// public API; the answer to question j of response i is pick(i, j).
func dashSeed(t *testing.T, env *testEnv, agency, area string, n int, pick func(i, j int) int) {
	t.Helper()
	cat, err := env.store.Catalog(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	f, err := cat.FormFor(area, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	qs := f.Questions(area)
	for i := range n {
		answers := make(map[string]int, len(qs))
		for j, q := range qs {
			answers[q.Code] = pick(i, j)
		}
		status, body := statusBody(callAPI(t, env, "", http.MethodPost, "/api/v1/responses", map[string]any{
			"agency": agency, "area": area, "answers": answers,
			"channel": []string{"postal", "web", "counter"}[i%3], "idempotencyKey": survey.NewKey(),
		}))

		if status != http.StatusCreated {
			t.Fatalf("POST /api/v1/responses for %s/%s #%d: %d %s", agency, area, i, status, body)
		}
	}
}

// viPct writes a percentage as the Vietnamese dashboard does: one decimal
// (halves rounded away from zero), a decimal comma, a space and "%".
func viPct(v float64) string {
	s := strconv.FormatFloat(math.Round(v*10)/10, 'f', 1, 64)
	return strings.Replace(s, ".", ",", 1) + " %"
}

// viPctRE is a Vietnamese percentage of the dashboard: "94,3 %".
var viPctRE = regexp.MustCompile(`^\d{1,3},\d %$`)

// dashRow is one row of a dashboard table as the browser shows it.
type dashRow struct {
	Code  string `json:"code"`
	Head  string `json:"head"`
	Index string `json:"index"`
}

func TestBrowserDashboardMatchesAPI(t *testing.T) {
	ctx := newBrowser(t)
	env := newTestEnv(t)
	bg := context.Background()
	const adminPassword = "browser-admin-password-2"
	if _, err := env.store.EnsureAdmin(bg, adminPassword); err != nil {
		t.Fatalf("ensure admin: %v", err)
	}
	// Carried from step to step.
	var (
		month string
		query string
		rep   survey.Report
	)
	const agency, perAgency = "so-tu-phap", 40
	var api ReportJSON

	step(t, "Responses of this month: the justice department (ranked: more than the minimum sample), another department (so there is a rank among peers) and a district (in the province figures, not among the peers)", func(t *testing.T) {
		justice := []int{5, 4, 4, 3, 5, 2, 1, 0, 5, 4, 3}
		dashSeed(t, env, agency, "tu-phap", perAgency, func(i, j int) int { return justice[(i*3+j*7)%len(justice)] })
		trade := []int{3, 2, 4, 1, 5, 3, 0, 2}
		dashSeed(t, env, "so-cong-thuong", "cong-thuong", 34, func(i, j int) int { return trade[(i+j*5)%len(trade)] })
		district := []int{5, 5, 4, 2}
		dashSeed(t, env, "na-hang", "tu-phap", 12, func(i, j int) int { return district[(i+j)%len(district)] })
		if err := env.store.FlushRollups(bg); err != nil {
			t.Fatalf("flush rollups: %v", err)
		}
		month = survey.MonthOf(time.Now()).String()
		query = "?from=" + month + "&to=" + month
	})

	step(t, "The same period from the JSON API, with a bearer token", func(t *testing.T) {
		status, body := statusBody(callAPI(t, env, "", http.MethodPost, "/api/v1/auth/token", map[string]string{"username": "admin", "password": adminPassword}))
		if status != http.StatusCreated {
			t.Fatalf("POST /api/v1/auth/token: %d %s", status, body)
		}
		var tok struct{ Token string }
		if err := json.Unmarshal(body, &tok); err != nil || tok.Token == "" {
			t.Fatalf("token answer %s: %v", body, err)
		}
		status, body = statusBody(callAPI(t, env, tok.Token, http.MethodGet, "/api/v1/reports/agencies/"+agency+query, nil))
		if status != http.StatusOK {
			t.Fatalf("GET the report API: %d %s", status, body)
		}
		if err := json.Unmarshal(body, &api); err != nil {
			t.Fatalf("decode the report %s: %v", body, err)
		}
		rep = api.Report
		if rep.Responses != perAgency || rep.Overall.NoData || len(rep.Factors) == 0 || len(rep.Criteria) == 0 {
			t.Fatalf("the API reports %d responses (no data %t), %d factors, %d criteria; want %d responses with data",
				rep.Responses, rep.Overall.NoData, len(rep.Factors), len(rep.Criteria), perAgency)
		}
		if api.Standing.Rank < 1 || api.Peers < 2 || api.Province.Overall.NoData {
			t.Fatalf("the API gives rank %d of %d peers, province no data %t; the seed should give a rank among 2 and province figures",
				api.Standing.Rank, api.Peers, api.Province.Overall.NoData)
		}
	})

	step(t, "The dashboard, in the browser", func(t *testing.T) {
		if p := browserLogin(t, ctx, env, "admin", adminPassword); p != "/admin" {
			t.Fatalf("the administrator lands on %s after logging in, want /admin", p)
		}
		if s := browserOpen(t, ctx, env, "/dashboard"+query+"&agency="+agency); s != 200 {
			t.Fatalf("GET /dashboard: %d, want 200", s)
		}
		checkPct := func(what, got, want string) {
			t.Helper()
			if got != want {
				t.Errorf("%s: the page shows %q, the API gives %q", what, got, want)
			}
			if !viPctRE.MatchString(got) {
				t.Errorf("%s: %q is not written as a Vietnamese percentage (%s)", what, got, viPctRE)
			}
		}
		checkPct("overall index (#overall)", browserText(t, ctx, "#overall"), viPct(rep.Overall.Index))
		if got := browserText(t, ctx, "#responses"); got != strconv.FormatInt(rep.Responses, 10) {
			t.Errorf("#responses: the page shows %q, the API gives %d", got, rep.Responses)
		}
		if got, want := browserText(t, ctx, "#rank"), fmt.Sprintf("%d/%d", api.Standing.Rank, api.Peers); got != want {
			t.Errorf("#rank: the page shows %q, the API gives %q", got, want)
		}
		checkPct("province index (#province)", browserText(t, ctx, "#province"), viPct(api.Province.Overall.Index))

		t.Logf("dashboard of %s for %s: overall %s, %s responses, rank %s, province %s", agency, month,
			browserText(t, ctx, "#overall"), browserText(t, ctx, "#responses"), browserText(t, ctx, "#rank"), browserText(t, ctx, "#province"))

		noData := viMessage(t, env, "dash.nodata")
		factors := eval[[]dashRow](t, ctx, `Array.from(document.querySelectorAll('table#factors tbody tr')).map(r => ({
			code: '', head: r.querySelector('th').innerText.trim(), index: r.querySelector('td').innerText.trim(),
		}))`)
		if len(factors) != len(rep.Factors) {
			t.Errorf("the page has %d factor rows, the API %d factors", len(factors), len(rep.Factors))
		}
		for i, f := range rep.Factors {
			if i >= len(factors) {
				break
			}
			row := factors[i]
			if !strings.HasPrefix(row.Head, f.Code+". ") {
				t.Errorf("factor row %d is %q, want factor %s", i, row.Head, f.Code)
				continue
			}
			if f.NoData {
				if row.Index != noData {
					t.Errorf("factor %s: the page shows %q, the API has no data", f.Code, row.Index)
				}
				continue
			}
			checkPct("factor "+f.Code, row.Index, viPct(f.Index))
		}

		criteria := eval[[]dashRow](t, ctx, `Array.from(document.querySelectorAll('table#criteria tbody tr[data-code]')).map(r => ({
			code: r.dataset.code, head: r.querySelector('th').innerText.trim(), index: r.querySelector('td').innerText.trim(),
		}))`)
		if len(criteria) != len(rep.Criteria) {
			t.Errorf("the page has %d criterion rows, the API %d criteria", len(criteria), len(rep.Criteria))
		}
		shown := map[string]dashRow{}
		for _, r := range criteria {
			shown[r.Code] = r
		}
		for _, c := range rep.Criteria {
			row, ok := shown[c.Code]
			switch {
			case !ok:
				t.Errorf("criterion %s of the API has no row on the page", c.Code)
			case c.NoData:
				if row.Index != noData {
					t.Errorf("criterion %s: the page shows %q, the API has no data", c.Code, row.Index)
				}
			default:
				checkPct("criterion "+c.Code, row.Index, viPct(c.Index))
			}
		}
	})

	step(t, "A staff member of another agency may not read this one's dashboard", func(t *testing.T) {
		browserLogout(t, ctx, env)
		hash, err := survey.HashPassword("browser-staff-password-2")
		if err != nil {
			t.Fatal(err)
		}
		if err := env.store.InsertUser(bg, survey.User{
			Username: "nv-cong-thuong", Name: "Nhân viên Sở Công Thương", Role: survey.RoleStaff,
			Agencies: []string{"so-cong-thuong"}, PasswordHash: hash,
		}); err != nil {
			t.Fatalf("insert staff user: %v", err)
		}
		if p := browserLogin(t, ctx, env, "nv-cong-thuong", "browser-staff-password-2"); p != "/dashboard" {
			t.Errorf("the staff member lands on %s after logging in, want /dashboard", p)
		}
		if s := browserOpen(t, ctx, env, "/dashboard"+query+"&agency=so-cong-thuong"); s != 200 {
			t.Errorf("the staff member's own dashboard: %d, want 200", s)
		}
		if opts := eval[[]string](t, ctx, `Array.from(document.querySelectorAll('select#agency option')).map(o => o.value)`); strings.Join(opts, ",") != "so-cong-thuong" {
			t.Errorf("the staff member may choose the agencies %v, want only so-cong-thuong", opts)
		}
		expectForbiddenPage(t, ctx, env, "/dashboard"+query+"&agency="+agency)
	})
}
