package server

import (
	"html"
	"net/http"
	"slices"
	"strings"
	"testing"

	"hailong/survey"
)

// Units scored on different questionnaire versions are not ranked together
// (survey/rank_versions_test.go has the rule by hand). On the service, over
// 2025 (versionsFixture): the justice department answered versions 1 and 2,
// the trade department version 1 only, so their criteria differ; justice,
// with more responses, sets the reference and trade is listed apart as
// not_comparable, alike in the dashboard's standing, on the rankings page,
// in a published snapshot and on the public results page.
func TestMixedVersionsUnrankedEverywhere(t *testing.T) {
	env := newTestEnv(t)
	versionsFixture(t, env)
	tok := versionsToken(t, env, "versions-admin-password-1")

	// The dashboard's standing is the ranking's.
	status, body := statusBody(callAPI(t, env, tok, http.MethodGet, "/api/v1/reports/agencies/so-cong-thuong?from=2025-01&to=2025-12&basis=all", nil))
	r := pbDecode[ReportJSON](t, string(body))
	if status != http.StatusOK || r.Standing.Rank != 0 || r.Standing.Reason != survey.ReasonNotComparable {
		t.Errorf("trade standing %+v (%d), want unranked, not_comparable", r.Standing, status)
	}
	status, body = statusBody(callAPI(t, env, tok, http.MethodGet, "/api/v1/reports/agencies/so-tu-phap?from=2025-01&to=2025-12&basis=all", nil))
	if r := pbDecode[ReportJSON](t, string(body)); status != http.StatusOK || r.Standing.Rank != 1 || r.Standing.Reason != "" {
		t.Errorf("justice standing %+v (%d), want rank 1", r.Standing, status)
	}

	// The rankings page says why, in the unranked table.
	admin := loginAs(t, env, "admin", "versions-admin-password-1")
	page := admin.get(t, "/rankings?from=2025-01&to=2025-12&basis=all")
	unranked := page.body[strings.Index(page.body, `id="unranked-department"`)+1:]
	if page.status != http.StatusOK || !strings.Contains(unranked, "so-cong-thuong") && !strings.Contains(unranked, "Công Thương") ||
		!strings.Contains(html.UnescapeString(unranked), viMessage(t, env, "rank.reason.not_comparable")) {
		t.Errorf("/rankings: %d, the trade department is not listed apart as not comparable", page.status)
	}

	// A publication freezes the reason; the public page words it.
	pub := pbDecode[PublicationDetailJSON](t, string(func() []byte {
		status, body := statusBody(callAPI(t, env, tok, http.MethodPost, "/api/v1/publications", map[string]any{"period": "2025", "basis": "all"}))
		if status != http.StatusCreated {
			t.Fatalf("publish 2025: %d %s", status, body)
		}
		return body
	}()))
	snap := pbSnapshot(t, pub)
	if x := pbRow(t, snap, "so-cong-thuong"); x.Rank != 0 || x.Reason != survey.ReasonNotComparable {
		t.Errorf("trade in the snapshot: %+v, want unranked, not_comparable", x)
	}
	raw := pbDecode[struct {
		Rankings RankingsJSON `json:"rankings"`
	}](t, string(pub.Snapshot))
	found := false
	for _, l := range raw.Rankings.Levels {
		for _, x := range l.Unranked {
			if x.Agency == "so-cong-thuong" {
				found = slices.Equal(x.Versions, []survey.VersionUse{{FormID: survey.DefaultFormID, Version: 1, Responses: 40}})
			}
		}
	}
	if !found {
		t.Errorf("the snapshot's trade row does not list its versions: %.600s", pub.Snapshot)
	}
	res := doRequest(t, nil, http.MethodGet, env.http.URL+"/ket-qua?period=2025", "", nil)
	if res.status != http.StatusOK || !strings.Contains(html.UnescapeString(res.body), viMessage(t, env, "pub.reason.not_comparable")) {
		t.Errorf("/ket-qua?period=2025: %d, no not-comparable reason", res.status)
	}
}
