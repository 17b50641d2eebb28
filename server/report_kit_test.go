package server

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"net/url"
	"testing"
	"time"

	"hailong/survey"
)

// Fixtures of the test kit for reports, rankings and publications: a
// period's query, a report read through the API, responses stored at a
// given time with given answers, a merger, and the float tolerance the
// figures are compared with.

// reportPath is the report API path of an agency with the query.
func reportPath(agency string, q url.Values) string {
	p := "/api/v1/reports/agencies/" + url.PathEscape(agency)
	if len(q) > 0 {
		p += "?" + q.Encode()
	}
	return p
}

// reportPeriod is the query of the months from..to, optionally one area and the lineage.
func reportPeriod(from, to survey.Month, area string, lineage bool) url.Values {
	q := url.Values{"from": {from.String()}, "to": {to.String()}}
	if area != "" {
		q.Set("area", area)
	}
	if lineage {
		q.Set("lineage", "1")
	}
	return q
}

// fetchReport reads a report through the API; it must answer 200.
func fetchReport(t testing.TB, env *testEnv, token, agency string, q url.Values) ReportJSON {
	t.Helper()
	path := reportPath(agency, q)
	r := callAPI(t, env, token, http.MethodGet, path, nil)
	if r.status != http.StatusOK {
		t.Fatalf("GET %s: %s", path, r)
	}
	var out ReportJSON
	if err := json.Unmarshal([]byte(r.body), &out); err != nil {
		t.Fatalf("GET %s: %v in %s", path, err, r.body)
	}
	return out
}

// mergeInto merges agencies into another through the admin API, from today.
func mergeInto(t testing.TB, admin *staffUser, into string, from ...string) {
	t.Helper()
	today := time.Now().In(survey.Zone()).Format(time.DateOnly)
	// The fixtures merge communes into districts on purpose: say so.
	r := admin.api(t, http.MethodPost, "/api/v1/admin/merges", map[string]any{"from": from, "into": into, "date": today, "crossLevel": true})
	if r.status != http.StatusOK {
		t.Fatalf("merge %v into %s: %s", from, into, r)
	}
}

// uniformAnswers answers every question of the area's form with v, except the
// codes in except, answered with their own value.
func uniformAnswers(t testing.TB, env *testEnv, area string, v int, except map[string]int) map[string]int {
	t.Helper()
	cat, err := env.store.Catalog(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	f, err := cat.FormFor(area, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, q := range f.Questions(area) {
		out[q.Code] = v
		if x, ok := except[q.Code]; ok {
			out[q.Code] = x
		}
	}
	return out
}

// submitAt stores a response through POST /api/v1/responses: anonymously
// (token "") as a citizen now, or as staff with the interview date at.
func submitAt(t testing.TB, env *testEnv, token, agency, area, channel, at string, answers map[string]int) {
	t.Helper()
	body := map[string]any{"agency": agency, "area": area, "answers": answers, "channel": channel, "idempotencyKey": survey.NewKey()}
	if at != "" {
		body["submittedAt"] = at
	}
	if r := callAPI(t, env, token, http.MethodPost, responsesPath, body); r.status != http.StatusCreated {
		t.Fatalf("submit %s/%s (%s, at %q): %s", agency, area, channel, at, r)
	}
}

// ---- comparison with a tolerance ----

const scoreTol = 1e-9

func closeTo(a, b float64) bool { return math.Abs(a-b) <= scoreTol*math.Max(1, math.Abs(b)) }
