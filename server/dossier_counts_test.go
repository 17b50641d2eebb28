package server

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"hailong/survey"
)

// TestDossierCountsCoverage: the one-stop-shop reports 8 completed dossiers
// for so-tu-phap this month (sent twice, the second replacing the first),
// 2 invitations are issued: coverage 2 ÷ 8 = 25 % in the rankings and on
// the dashboard; an agency without a report has no coverage field. Bad
// counts are refused whole, an agency not the key's is 403.
func TestDossierCountsCoverage(t *testing.T) {
	env := newInvEnv(t)
	month := survey.MonthOf(time.Now()).String()
	put := func(body string) azResult {
		return azDo(t, nil, http.MethodPut, env.http.URL+"/api/v1/dossier-counts", body,
			map[string]string{"Content-Type": "application/json", "Authorization": "Bearer " + env.key})
	}
	for _, n := range []string{"5", "8"} {
		if r := put(`{"counts":[{"agency":"so-tu-phap","area":"tu-phap","month":"` + month + `","completed":` + n + `}]}`); r.status != http.StatusOK || !strings.Contains(r.body, `"updated":1`) {
			t.Fatalf("PUT dossier counts: %s", r)
		}
	}
	next := survey.MonthOf(time.Now()).Add(1).String()
	for body, want := range map[string]string{
		`{"counts":[]}`: "counts",
		`{"counts":[{"agency":"so-tu-phap","area":"tu-phap","month":"` + next + `","completed":1}]}`:                                                                                 "counts[0].month",
		`{"counts":[{"agency":"so-tu-phap","area":"tu-phap","month":"` + month + `","completed":-1}]}`:                                                                               "counts[0].completed",
		`{"counts":[{"agency":"so-tu-phap","area":"dat-dai","month":"` + month + `","completed":1}]}`:                                                                                "counts[0].area",
		`{"counts":[{"agency":"so-tu-phap","area":"tu-phap","month":"` + month + `","completed":1},{"agency":"so-tu-phap","area":"tu-phap","month":"` + month + `","completed":2}]}`: "counts[1].month",
	} {
		r := put(body)
		if r.status != http.StatusBadRequest || !strings.Contains(r.body, `"`+want+`"`) {
			t.Errorf("PUT %s: %s, want 400 naming %s", body, r, want)
		}
	}
	if r := put(`{"counts":[{"agency":"so-cong-thuong","area":"cong-thuong","month":"` + month + `","completed":1}]}`); r.status != http.StatusForbidden || !strings.Contains(r.body, "agency_not_allowed") {
		t.Errorf("another agency's count: %s, want 403 agency_not_allowed", r)
	}

	env.mustIssue(t, "so-tu-phap", "tu-phap", "HS-C-1")
	env.mustIssue(t, "so-tu-phap", "tu-phap", "HS-C-2")
	admin := azAdmin(t, env.testEnv)
	r := admin.api(t, http.MethodGet, "/api/v1/rankings?from="+month+"&to="+month, nil)
	if r.status != http.StatusOK {
		t.Fatalf("rankings: %s", r)
	}
	var raw struct {
		Levels []struct{ Ranked, Unranked []map[string]json.RawMessage }
	}
	if err := json.Unmarshal([]byte(r.body), &raw); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, l := range raw.Levels {
		for _, row := range append(l.Ranked, l.Unranked...) {
			var ag string
			json.Unmarshal(row["agency"], &ag)
			cov, has := row["coverage"]
			switch {
			case ag == "so-tu-phap":
				found = true
				if string(cov) != "0.25" {
					t.Errorf("so-tu-phap coverage = %s, want 0.25", cov)
				}
			case has:
				t.Errorf("%s has coverage %s without dossier counts", ag, cov)
			}
		}
	}
	if !found {
		t.Fatal("so-tu-phap not in the rankings")
	}
	// The aggregate export's coverage column: 25 for the rows of all areas
	// and of tu-phap, empty for an area without dossier counts.
	r = admin.api(t, http.MethodGet, "/api/v1/exports/aggregates?format=csv&granularity=month&agency=so-tu-phap&from="+month+"&to="+month, nil)
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.body, "\ufeff"))).ReadAll()
	if r.status != http.StatusOK || err != nil || len(recs) < 3 {
		t.Fatalf("export: %s (%v)", r, err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	got := map[string]string{}
	for _, rec := range recs[1:] {
		got[rec[col["area"]]] = rec[col["coverage"]]
	}
	if got["*"] != "25" || got["tu-phap"] != "25" {
		t.Errorf("export coverage by area: %v, want 25 for * and tu-phap", got)
	}
	for area, v := range got {
		if area != "*" && area != "tu-phap" && v != "" {
			t.Errorf("export coverage of %s without dossier counts: %q", area, v)
		}
	}

	page := admin.get(t, "/dashboard?agency=so-tu-phap&from="+month+"&to="+month)
	if !strings.Contains(page.body, `id="coverage">Độ phủ thư mời: 25,0 %`) {
		t.Errorf("dashboard lacks the 25 %% coverage: %s", clip(page.body))
	}
}
