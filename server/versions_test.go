package server

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"hailong/survey"
)

// versionsFixture is the example on the real service: version 1 of
// the default questionnaire until mid-2025, then version 2, whose YT1 has
// three new criteria 1.5–1.7 in place of 1.1–1.4 (the other criteria are
// the same, word for word). The justice department has 40 responses in
// March 2024 on version 1 with YT1 at 95 % and the other factors at 80 %
// (overall 83.0), then 40 in March 2025 on version 1 and 40 in September
// 2025 on version 2. A commune has the same on version 1 only, so the
// 2025 ranking has a comparable change beside the one that is not.
func versionsFixture(t *testing.T, env *testEnv) {
	t.Helper()
	ctx := context.Background()
	cat, err := env.store.Catalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	v1, err := cat.FormVersion(survey.DefaultFormID, 1)
	if err != nil {
		t.Fatal(err)
	}
	v2 := survey.NewDraft(v1, 2)
	var yt1 []survey.Criterion
	for _, code := range []string{"1.5", "1.6", "1.7"} {
		yt1 = append(yt1, survey.Criterion{Code: code, Text: survey.Text{Vi: "Tiêu chí mới " + code, En: "New criterion " + code}})
	}
	v2.Factors[0].Criteria = yt1
	v2.Published, v2.PublishedAt = true, time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)
	if err := env.store.InsertForm(ctx, v2); err != nil {
		t.Fatal(err)
	}
	n := 0
	put := func(agency, area string, f survey.Form, month string, yt1Sat int) {
		m, _ := survey.ParseMonth(month)
		for i := range 40 {
			var as []survey.Answer
			for _, q := range f.Questions(area) {
				v := 4 // other factors: 16 of every 20 satisfied (80 %)
				if i%20 >= 16 {
					v = 3
				}
				if q.Factor == "YT1" {
					v = 5
					if i%20 >= yt1Sat {
						v = 2
					}
				}
				if q.Factor == "" {
					continue
				}
				as = append(as, survey.Answer{Code: q.Code, Value: v})
			}
			n++
			r := survey.Response{ID: "ver-" + strconv.Itoa(n), Agency: agency, Area: area, FormID: f.ID, FormVersion: f.Version,
				Channel: survey.ChannelCounter, Lang: survey.Vi, Answers: as,
				SubmittedAt: m.Start().Add(48 * time.Hour), ReceivedAt: m.Start().Add(48 * time.Hour)}
			if created, err := env.store.InsertResponse(ctx, r); err != nil || !created {
				t.Fatalf("insert %s: %v %v", r.ID, created, err)
			}
		}
	}
	put("so-tu-phap", "tu-phap", v1, "2024-03", 19)
	put("so-tu-phap", "tu-phap", v1, "2025-03", 19)
	put("so-tu-phap", "tu-phap", v2, "2025-09", 18)
	put("so-cong-thuong", "cong-thuong", v1, "2024-03", 19)
	put("so-cong-thuong", "cong-thuong", v1, "2025-03", 18)
	if err := env.store.FlushRollups(ctx); err != nil {
		t.Fatal(err)
	}
}

// versionsToken logs the administrator in for a bearer token.
func versionsToken(t *testing.T, env *testEnv, password string) string {
	t.Helper()
	if _, err := env.store.EnsureAdmin(context.Background(), password); err != nil {
		t.Fatal(err)
	}
	return tokenFor(t, env, "admin", password, "")
}

// The report and ranking JSON list the versions used, score 2024 with
// version 1 (83.0, not the 80.0 or nothing today's form would give), and
// give no change from 2024 to 2025 for the department whose YT1 criteria
// changed ("changeNote": "not_comparable"), while the commune on version 1
// alone has its change, by hand (95 + 4 × 80) / 5 − (90 + 4 × 80) / 5 = −1.0.
func TestVersionsInReportsAndRankings(t *testing.T) {
	env := newTestEnv(t)
	versionsFixture(t, env)
	tok := versionsToken(t, env, "versions-admin-password-1")

	report := func(query string) ReportJSON {
		t.Helper()
		status, body := statusBody(callAPI(t, env, tok, http.MethodGet, "/api/v1/reports/agencies/so-tu-phap"+query, nil))
		if status != http.StatusOK {
			t.Fatalf("GET report %s: %d %s", query, status, body)
		}
		var r ReportJSON
		if err := json.Unmarshal(body, &r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	r24 := report("?from=2024-01&to=2024-12")
	if math.Abs(r24.Report.Overall.Index-83) > 1e-9 || r24.Report.Overall.NoData {
		t.Errorf("2024 overall %v (no data %v), want 83.0 scored with version 1", r24.Report.Overall.Index, r24.Report.Overall.NoData)
	}
	if want := []survey.VersionUse{{FormID: survey.DefaultFormID, Version: 1, Responses: 40}}; !slices.Equal(r24.Versions, want) {
		t.Errorf("2024 versions %+v, want %+v", r24.Versions, want)
	}
	if r24.FormID != survey.DefaultFormID || r24.Version != 1 {
		t.Errorf("2024 scored with %s v%d, want version 1", r24.FormID, r24.Version)
	}
	r25 := report("?from=2025-01&to=2025-12")
	if want := []survey.VersionUse{{FormID: survey.DefaultFormID, Version: 1, Responses: 40}, {FormID: survey.DefaultFormID, Version: 2, Responses: 40}}; !slices.Equal(r25.Versions, want) {
		t.Errorf("2025 versions %+v, want %+v", r25.Versions, want)
	}
	if r25.Change != nil || r25.ChangeNote != survey.ChangeNotComparable || r25.Previous == nil || r25.Previous.From != "2024-01" {
		t.Errorf("2025 change %v, note %q, previous %+v; want null, not_comparable, 2024", r25.Change, r25.ChangeNote, r25.Previous)
	}
	// The raw JSON has the null and the note.
	_, body := statusBody(callAPI(t, env, tok, http.MethodGet, "/api/v1/reports/agencies/so-tu-phap?from=2025-01&to=2025-12", nil))
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil || string(raw["change"]) != "null" || string(raw["changeNote"]) != `"not_comparable"` {
		t.Errorf("report JSON change %s, changeNote %s", raw["change"], raw["changeNote"])
	}

	status, body := statusBody(callAPI(t, env, tok, http.MethodGet, "/api/v1/rankings?from=2025-01&to=2025-12&basis=all", nil))
	if status != http.StatusOK {
		t.Fatalf("GET rankings: %d %s", status, body)
	}
	var rk RankingsJSON
	if err := json.Unmarshal(body, &rk); err != nil {
		t.Fatal(err)
	}
	if want := []survey.VersionUse{{FormID: survey.DefaultFormID, Version: 1, Responses: 80}, {FormID: survey.DefaultFormID, Version: 2, Responses: 40}}; !slices.Equal(rk.Versions, want) {
		t.Errorf("ranking versions %+v, want %+v", rk.Versions, want)
	}
	rows := map[string]RankingRowJSON{}
	for _, l := range rk.Levels {
		for _, r := range append(l.Ranked, l.Unranked...) {
			rows[r.Agency] = r
		}
	}
	if r := rows["so-tu-phap"]; r.Rank == 0 || r.Change != nil || r.ChangeNote != survey.ChangeNotComparable {
		t.Errorf("justice row rank %d, change %v, note %q; want ranked, null, not_comparable", r.Rank, r.Change, r.ChangeNote)
	}
	// The trade department answered version 1 only in 2025: its criteria
	// differ from the justice department's (1.1–1.4 and 1.5–1.7), the two
	// sets have one unit each, and the justice department has more
	// responses (80 against 40), so its set is the reference and trade is
	// listed apart, not compared (survey/rank_versions_test.go has the rule).
	if r := rows["so-cong-thuong"]; r.Rank != 0 || r.Reason != survey.ReasonNotComparable ||
		!slices.Equal(r.Versions, []survey.VersionUse{{FormID: survey.DefaultFormID, Version: 1, Responses: 40}}) {
		t.Errorf("trade row rank %d, reason %q, versions %+v; want unranked, not_comparable, version 1 × 40", r.Rank, r.Reason, r.Versions)
	}
	// Its own report, on version 1 in both years, keeps its change, by hand
	// (90 + 4 × 80) / 5 − (95 + 4 × 80) / 5 = −1.0.
	status, body = statusBody(callAPI(t, env, tok, http.MethodGet, "/api/v1/reports/agencies/so-cong-thuong?from=2025-01&to=2025-12", nil))
	var trade ReportJSON
	if status != http.StatusOK || json.Unmarshal(body, &trade) != nil {
		t.Fatalf("GET trade report: %d %s", status, body)
	}
	if trade.Change == nil || math.Abs(trade.Change.Points-(-1)) > 1e-9 || trade.ChangeNote != "" {
		t.Errorf("trade report change %v, note %q; want −1.0 and no note", trade.Change, trade.ChangeNote)
	}
}

// The crosswalk through the administration API: a bad one gets a 400 with
// a message per field in the caller's language; a good one is saved with
// the draft, published with it, and then immutable.
func TestCrosswalkThroughTheAdminAPI(t *testing.T) {
	env := newTestEnv(t)
	ensureAdmin(t, env)
	tok := tokenFor(t, env, "admin", adminPassword, "")
	if r := callAPI(t, env, tok, http.MethodPost, "/api/v1/admin/forms/sipas-2017/1/drafts", nil); r.status != http.StatusCreated {
		t.Fatalf("POST drafts = %d: %s", r.status, clip(r.body))
	}
	doc := bodyAs[map[string]any](t, callAPI(t, env, tok, http.MethodGet, "/api/v1/admin/forms/sipas-2017/2", nil))
	var items []map[string]any
	for _, fa := range doc["factors"].([]any) {
		for _, c := range fa.(map[string]any)["criteria"].([]any) {
			code := c.(map[string]any)["code"].(string)
			items = append(items, map[string]any{"code": code, "to": code})
		}
	}
	// 1.1 mapped to a criterion of YT2, 1.2 left out.
	bad := append([]map[string]any{{"code": "1.1", "to": "2.1"}}, items[2:]...)
	doc["crosswalk"] = map[string]any{"from": 1, "items": bad}
	r := callAPI(t, env, tok, http.MethodPut, "/api/v1/admin/forms/sipas-2017/2?lang=en", doc)
	e := bodyAs[apiErrorBody](t, r)
	if r.status != http.StatusBadRequest || e.Error.Code != "validation_failed" ||
		e.Error.Fields["crosswalk.items.0.to"] != env.srv.locales[survey.En].T("forms.err.other_factor") ||
		e.Error.Fields["crosswalk.items"] != env.srv.locales[survey.En].T("forms.err.crosswalk_missing") {
		t.Errorf("bad crosswalk PUT = %d: %s", r.status, r.body)
	}
	if msg := e.Error.Fields["crosswalk.items.0.to"]; msg == "forms.err.other_factor" {
		t.Error("the message is its key")
	}
	// 1.1 not comparable, the rest mapped to themselves.
	items[0]["to"] = ""
	doc["crosswalk"] = map[string]any{"from": 1, "items": items}
	if r = callAPI(t, env, tok, http.MethodPut, "/api/v1/admin/forms/sipas-2017/2", doc); r.status != http.StatusOK {
		t.Fatalf("good crosswalk PUT = %d: %s", r.status, r.body)
	}
	if r = callAPI(t, env, tok, http.MethodPost, "/api/v1/admin/forms/sipas-2017/2/publish", nil); r.status != http.StatusOK {
		t.Fatalf("publish = %d: %s", r.status, r.body)
	}
	got := bodyAs[survey.Form](t, callAPI(t, env, tok, http.MethodGet, "/api/v1/admin/forms/sipas-2017/2", nil))
	if got.Crosswalk == nil || got.Crosswalk.From != 1 || len(got.Crosswalk.Items) != len(items) || got.Crosswalk.Items[0] != (survey.CrosswalkEntry{Code: "1.1"}) {
		t.Fatalf("published crosswalk %+v", got.Crosswalk)
	}
	doc["crosswalk"] = nil
	if r = callAPI(t, env, tok, http.MethodPut, "/api/v1/admin/forms/sipas-2017/2", doc); r.status != http.StatusBadRequest {
		t.Errorf("editing a published crosswalk = %d: %s", r.status, r.body)
	}
	again := bodyAs[survey.Form](t, callAPI(t, env, tok, http.MethodGet, "/api/v1/admin/forms/sipas-2017/2", nil))
	if again.Crosswalk == nil || len(again.Crosswalk.Items) != len(items) {
		t.Errorf("the published crosswalk changed: %+v", again.Crosswalk)
	}
}

// The crosswalk on the administration page: the draft's page offers the
// earlier versions and a field per criterion (each labelled); a mapping to
// another factor is refused with its message, in Vietnamese, beside the
// field; a good one is stored and shown read only once published.
func TestCrosswalkOnTheAdminPage(t *testing.T) {
	env := newTestEnv(t)
	ensureAdmin(t, env)
	ctx := context.Background()
	admin := loginAs(t, env, "admin", adminPassword)
	c := admin.c
	if r := admin.post(t, "/admin/forms/sipas-2017/1/draft", nil); r.status != http.StatusSeeOther {
		t.Fatalf("new draft = %d: %s", r.status, clip(r.body))
	}
	page := env.getPage(t, c, "/admin/forms/sipas-2017/2")
	for _, id := range []string{"crosswalk.from", "crosswalk.to.1.1", "crosswalk.to.5.4"} {
		if !hasElement(page.body, "label[for=\""+id+"\"]") {
			t.Errorf("the draft page has no labelled field %s", id)
		}
	}
	vals := formValues(t, page.body, "/admin/forms/sipas-2017/2")
	vals.Set("crosswalk.from", "1")
	d, err := env.store.Form(ctx, survey.DefaultFormID, 2)
	if err != nil {
		t.Fatal(err)
	}
	for _, fa := range d.Factors {
		for _, cr := range fa.Criteria {
			vals.Set("crosswalk.to."+cr.Code, cr.Code)
		}
	}
	vals.Set("crosswalk.to.1.1", "2.1") // another factor
	r := env.postSurvey(t, c, "/admin/forms/sipas-2017/2", vals)
	want := env.srv.locales[survey.Vi].T("forms.err.other_factor")
	if r.status != http.StatusBadRequest || !strings.Contains(r.body, want) || !hasElement(r.body, "[aria-describedby=\"crosswalk.to.1.1-err\"]") {
		t.Errorf("crosswalk to another factor = %d, message %q shown %v: %s", r.status, want, strings.Contains(r.body, want), clip(errorSummary(r.body)))
	}
	if d, _ := env.store.Form(ctx, survey.DefaultFormID, 2); d.Crosswalk != nil {
		t.Errorf("a refused crosswalk was stored: %+v", d.Crosswalk)
	}
	vals.Set("crosswalk.to.1.1", "") // not comparable
	if r = env.postSurvey(t, c, "/admin/forms/sipas-2017/2", vals); r.status != http.StatusSeeOther {
		t.Fatalf("save crosswalk = %d: %s", r.status, clip(errorSummary(r.body)))
	}
	d, err = env.store.Form(ctx, survey.DefaultFormID, 2)
	if err != nil || d.Crosswalk == nil || d.Crosswalk.From != 1 || len(d.Crosswalk.Items) != 22 ||
		d.Crosswalk.Items[0] != (survey.CrosswalkEntry{Code: "1.1"}) || d.Crosswalk.Items[1] != (survey.CrosswalkEntry{Code: "1.2", To: "1.2"}) {
		t.Fatalf("stored crosswalk %+v, %v", d.Crosswalk, err)
	}
	if r = admin.post(t, "/admin/forms/sipas-2017/2/publish", nil); r.status != http.StatusSeeOther {
		t.Fatalf("publish = %d: %s", r.status, clip(errorSummary(r.body)))
	}
	page = env.getPage(t, c, "/admin/forms/sipas-2017/2")
	if !hasElement(page.body, "h2[id=\"crosswalk\"]") || !strings.Contains(page.body, env.srv.locales[survey.Vi].T("versions.not_comparable")) || hasElement(page.body, "[name=\"crosswalk.from\"]") {
		t.Errorf("the published page does not show the crosswalk read only: %s", clip(page.body))
	}
}
