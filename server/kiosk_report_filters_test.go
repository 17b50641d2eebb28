package server

import (
	"encoding/json"
	"net/http"
	"testing"

	"hailong/survey"
)

// TestKioskRatingsAreaAndLineage: the quick-rating report takes the report
// API's filters. so-tn-mt's kiosk (area dat-dai) and so-xay-dung's (area
// xay-dung) each take one rating, then so-xay-dung is merged into so-tn-mt:
// so-tn-mt alone has 1, with lineage=1 2; area=dat-dai keeps its kiosk's
// rating, area=moi-truong (no kiosk of it) none, and lineage with
// area=xay-dung the merged agency's one.
func TestKioskRatingsAreaAndLineage(t *testing.T) {
	env := newTestEnv(t)
	admin := azAdmin(t, env)
	_, code := kioskCreate(t, admin, kioskBody(1))
	xd := kioskBody(1)
	xd["agency"], xd["areas"], xd["name"] = "so-xay-dung", []string{"xay-dung"}, "Quầy Sở Xây dựng"
	_, codeXD := kioskCreate(t, admin, xd)
	for _, c := range []string{code, codeXD} {
		if r := rate(t, env, pairedTablet(t, env, c), survey.NewKey(), "satisfied", "1"); r.status != http.StatusCreated {
			t.Fatalf("rating: %s", r)
		}
	}
	dtMerge(t, admin, "so-tn-mt", "so-xay-dung")
	for query, want := range map[string]int64{
		"":                         1,
		"?lineage=1":               2,
		"?area=dat-dai":            1,
		"?area=moi-truong":         0,
		"?lineage=1&area=xay-dung": 1,
		"?lineage=1&area=dat-dai":  1,
		"?area=xay-dung&lineage=0": 0,
	} {
		r := admin.api(t, http.MethodGet, "/api/v1/reports/agencies/so-tn-mt/ratings"+query, nil)
		var out RatingsJSON
		if r.status != http.StatusOK || json.Unmarshal([]byte(r.body), &out) != nil {
			t.Errorf("ratings%s: %s", query, r)
			continue
		}
		if out.Total.Total != want {
			t.Errorf("ratings%s: total %d, want %d", query, out.Total.Total, want)
		}
	}
}
