package server

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"hailong/survey"
)

// Issue 14: the index means the same thing between units and areas. Helpers
// of this file are prefixed iv.

// ivRankOf finds an agency's row in a level of the rankings answer.
func ivRankOf(t *testing.T, r RankingsJSON, level survey.Level, agency string) (RankingRowJSON, int, bool) {
	t.Helper()
	l := rankingLevel(t, r, level)
	for _, rows := range [][]RankingRowJSON{l.Ranked, l.Unranked} {
		for _, x := range rows {
			if x.Agency == agency {
				return x, l.RankedUnits, true
			}
		}
	}
	return RankingRowJSON{}, l.RankedUnits, false
}

// TestDashboardComparesLikeForLike: with area= the province figure and the
// rank use that area's responses only, and the rank is the one /rankings
// gives. One month, minimum sample 1, every answer of a response equal (so
// an index is the share of satisfied responses):
//
//	so-tn-mt     land: 2 × 5, 2 × 1          → 50 %
//	lam-binh     land: 1 × 5, 3 × 1          → 25 %
//	so-xay-dung  construction: 4 × 5         → 100 %
//	so-tu-phap   justice: 2 × 5              → 100 %
//
// Province, land only: 3 of 8 = 37,5 %; all areas: 9 of 14 = 64,29 %.
// Departments on land: so-tn-mt alone, rank 1 of 1; on all areas
// so-xay-dung and so-tu-phap share rank 1, so-tn-mt is 3 of 3.
func TestDashboardComparesLikeForLike(t *testing.T) {
	env := newTestEnvMin(t, 1)
	admin := newAdmin(t, env)
	submit := func(agency, area string, values ...int) {
		for _, v := range values {
			submitAt(t, env, "", agency, area, "web", "", uniformAnswers(t, env, area, v, nil))
		}
	}
	submit("so-tn-mt", "dat-dai", 5, 5, 1, 1)
	submit("lam-binh", "dat-dai", 5, 1, 1, 1)
	submit("so-xay-dung", "xay-dung", 5, 5, 5, 5)
	submit("so-tu-phap", "tu-phap", 5, 5)
	flushCounts(t, env)
	now := survey.MonthOf(time.Now())

	for _, tc := range []struct {
		area           string
		province       float64
		provinceN      int64
		rank, of       int
		responses      int64
		agencyIndex    float64
		rankingsFilter url.Values
	}{
		{"dat-dai", 37.5, 8, 1, 1, 4, 50, url.Values{"area": {"dat-dai"}}},
		{"", 900.0 / 14, 14, 3, 3, 4, 50, url.Values{}},
	} {
		got := fetchReport(t, env, admin.token, "so-tn-mt", reportPeriod(now, now, tc.area, false))
		if !closeTo(got.Province.Overall.Index, tc.province) || got.Province.Responses != tc.provinceN {
			t.Errorf("area %q: province %.4f over %d responses, want %.4f over %d", tc.area, got.Province.Overall.Index, got.Province.Responses, tc.province, tc.provinceN)
		}
		if got.Report.Responses != tc.responses || !closeTo(got.Report.Overall.Index, tc.agencyIndex) {
			t.Errorf("area %q: so-tn-mt %d responses at %.2f, want %d at %.2f", tc.area, got.Report.Responses, got.Report.Overall.Index, tc.responses, tc.agencyIndex)
		}
		if got.Standing.Rank != tc.rank || got.Peers != tc.of {
			t.Errorf("area %q: rank %d of %d, want %d of %d", tc.area, got.Standing.Rank, got.Peers, tc.rank, tc.of)
		}
		q := tc.rankingsFilter
		q.Set("from", now.String())
		q.Set("to", now.String())
		row, ranked, ok := ivRankOf(t, fetchRankings(t, env, admin.token, q), survey.LevelDepartment, "so-tn-mt")
		if !ok || row.Rank != got.Standing.Rank || ranked != got.Peers {
			t.Errorf("area %q: /rankings has so-tn-mt at %d of %d (listed %v), the dashboard %d of %d", tc.area, row.Rank, ranked, ok, got.Standing.Rank, got.Peers)
		}
	}

	// The page says the same.
	page := admin.get(t, "/dashboard?agency=so-tn-mt&area=dat-dai&from="+now.String()+"&to="+now.String())
	if page.status != http.StatusOK || !hasText(page.body, "strong[id=\"province\"]", "37,5 %") || !hasText(page.body, "strong[id=\"rank\"]", "1/1") {
		t.Errorf("dashboard page, land: province or rank wrong in %s", dashboardSummary(page.body))
	}
}

// dashboardSummary is the summary section of a dashboard page, for messages.
func dashboardSummary(body string) string {
	if i := strings.Index(body, `id="sum-h"`); i >= 0 {
		body = body[i:]
		if j := strings.Index(body, "</section>"); j >= 0 {
			return body[:j]
		}
	}
	return body
}

// TestIncompleteUnitIsNotRanked: a unit whose responses answered a whole
// factor "not applicable" has no overall index, is listed apart with the
// reason, and the pages say which factor is missing. Minimum sample 1:
//
//	so-tu-phap   2 responses, every criterion 5 but YT5 (5.1–5.4) not applicable
//	so-xay-dung  1 response, every answer 4      → 100 %, rank 1
//
// Scored on the other four factors so-tu-phap would be 100 % and share the
// first place; it is incomplete instead.
func TestIncompleteUnitIsNotRanked(t *testing.T) {
	env := newTestEnvMin(t, 1)
	admin := newAdmin(t, env)
	noYT5 := map[string]int{"5.1": survey.NotApplicable, "5.2": survey.NotApplicable, "5.3": survey.NotApplicable, "5.4": survey.NotApplicable}
	for range 2 {
		submitAt(t, env, "", "so-tu-phap", "tu-phap", "web", "", uniformAnswers(t, env, "tu-phap", 5, noYT5))
	}
	submitAt(t, env, "", "so-xay-dung", "xay-dung", "web", "", uniformAnswers(t, env, "xay-dung", 4, nil))
	flushCounts(t, env)
	now := survey.MonthOf(time.Now())
	q := url.Values{"from": {now.String()}, "to": {now.String()}}

	rk := fetchRankings(t, env, admin.token, q)
	row, ranked, ok := ivRankOf(t, rk, survey.LevelDepartment, "so-tu-phap")
	if !ok || row.Rank != 0 || row.Reason != survey.ReasonIncomplete || !row.Overall.Incomplete || !slices.Equal(row.Overall.MissingFactors, []string{"YT5"}) {
		t.Errorf("so-tu-phap in /rankings: %+v (listed %v), want unranked, reason incomplete, missing YT5", row, ok)
	}
	if first, _, _ := ivRankOf(t, rk, survey.LevelDepartment, "so-xay-dung"); first.Rank != 1 || ranked != 1 {
		t.Errorf("so-xay-dung: rank %d of %d ranked, want 1 of 1", first.Rank, ranked)
	}
	raw := callAPI(t, env, admin.token, http.MethodGet, "/api/v1/rankings?"+q.Encode(), nil)
	if !strings.Contains(raw.body, `"index":null,"low":null,"high":null,"mean":null`) || !strings.Contains(raw.body, `"reason":"incomplete"`) {
		t.Errorf("the rankings JSON does not show the incomplete index as null with its reason")
	}

	rep := fetchReport(t, env, admin.token, "so-tu-phap", reportPeriod(now, now, "", false))
	if !rep.Report.Overall.Incomplete || rep.Standing.Rank != 0 || rep.Standing.Reason != survey.ReasonIncomplete {
		t.Errorf("report: overall %+v, standing %+v; want incomplete and unranked", rep.Report.Overall, rep.Standing)
	}
	if yt1 := rep.Report.Factors[0]; yt1.Code != "YT1" || yt1.Index != 100 {
		t.Errorf("YT1 = %+v, want 100", yt1)
	}

	page := admin.get(t, "/dashboard?agency=so-tu-phap&from="+now.String()+"&to="+now.String())
	if !hasTextPrefix(page.body, "[id=\"overall\"][class=\"flag\"]", "Chưa tính chỉ số chung: yếu tố YT5") || !hasElement(page.body, "[id=\"rank-reason\"]") {
		t.Errorf("dashboard page does not say the overall index is incomplete: %s", dashboardSummary(page.body))
	}
	rp := admin.get(t, "/rankings?"+q.Encode())
	if !strings.Contains(rp.body, "Chưa đủ các yếu tố: YT5 không có câu trả lời hợp lệ") {
		t.Errorf("rankings page does not give the reason for so-tu-phap")
	}
}

// TestMergeAcrossLevelsNeedsConsent: merging a commune into a district is
// refused with a field message unless the request says crossLevel, through
// the API and the page.
func TestMergeAcrossLevelsNeedsConsent(t *testing.T) {
	env := newTestEnv(t)
	admin := newAdmin(t, env)
	body := map[string]any{"from": []string{"x-thuong-lam"}, "into": "lam-binh", "date": "2025-07-01"}
	wantFieldError(t, "commune into district", admin.api(t, http.MethodPost, "/api/v1/admin/merges", body), "from")
	if a := getAgency(t, admin, "x-thuong-lam"); !a.Active {
		t.Fatalf("a refused merger changed x-thuong-lam: %+v", a.Agency)
	}
	r := admin.post(t, "/admin/merge", url.Values{"from": {"x-thuong-lam"}, "into": {"lam-binh"}, "date": {"2025-07-01"}})
	if r.status != http.StatusBadRequest || !strings.Contains(r.body, "khác cấp") {
		t.Errorf("merge page across levels: %d, want 400 with the message", r.status)
	}
	body["crossLevel"] = true
	if r := admin.api(t, http.MethodPost, "/api/v1/admin/merges", body); r.status != http.StatusOK {
		t.Fatalf("merge with crossLevel: %s", r)
	}
	if a := getAgency(t, admin, "x-thuong-lam"); a.Active || a.MergedInto != "lam-binh" {
		t.Errorf("x-thuong-lam after the merge: %+v", a.Agency)
	}
}
