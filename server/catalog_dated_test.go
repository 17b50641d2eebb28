package server

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"hailong/survey"
	"hailong/survey/store/storetest"
)

// dcAgencies reads GET /api/v1/agencies (with the query q) and returns the
// day it answered for and the codes listed.
func dcAgencies(t *testing.T, env *testEnv, q string) (string, []string) {
	t.Helper()
	r := env.getAPI(t, "/api/v1/agencies"+q, nil)
	if r.status != http.StatusOK {
		t.Fatalf("GET /api/v1/agencies%s: %d %s", q, r.status, r.body)
	}
	var out struct {
		At       string          `json:"at"`
		Agencies []survey.Agency `json:"agencies"`
	}
	if err := json.Unmarshal([]byte(r.body), &out); err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, a := range out.Agencies {
		codes = append(codes, a.Code)
	}
	return out.At, codes
}

// TestAgenciesAtDate: over the seeded catalog, the agencies listed today
// are the two-tier province; on 2025-01-01 the districts and the
// departments merged since; a bad date is a JSON error naming `at`.
func TestAgenciesAtDate(t *testing.T) {
	env := newTestEnvWith(t, storetest.NewSeeded(t))

	today, now := dcAgencies(t, env, "")
	if today != time.Now().In(survey.Zone()).Format("2006-01-02") {
		t.Errorf("default day %q, want today", today)
	}
	for _, code := range []string{"lam-binh", "tp-tuyen-quang", "so-tn-mt", "tt-son-duong"} {
		if slices.Contains(now, code) {
			t.Errorf("%s listed today: %v", code, now)
		}
	}
	for _, code := range []string{"so-nn-ptnt", "x-son-duong", "p-minh-xuan", "ttpvhcc-tinh", "ttpvhcc-x-son-duong"} {
		if !slices.Contains(now, code) {
			t.Errorf("%s not listed today: %v", code, now)
		}
	}

	day, then := dcAgencies(t, env, "?at=2025-01-01")
	if day != "2025-01-01" {
		t.Errorf("day %q, want 2025-01-01", day)
	}
	for _, code := range []string{"lam-binh", "tp-tuyen-quang", "so-tn-mt", "tt-son-duong", "so-nn-ptnt", "ttpvhcc-tinh"} {
		if !slices.Contains(then, code) {
			t.Errorf("%s not listed on 2025-01-01: %v", code, then)
		}
	}
	var listed struct{ Agencies []survey.Agency }
	if err := json.Unmarshal([]byte(env.getAPI(t, "/api/v1/agencies?at=2025-01-01", nil).body), &listed); err != nil {
		t.Fatal(err)
	}
	for _, a := range listed.Agencies {
		if a.Code == "so-nn-ptnt" && (a.Name.Vi != "Sở Nông nghiệp và Phát triển nông thôn" || len(a.FormerNames) != 1) {
			t.Errorf("so-nn-ptnt on 2025-01-01 is listed as %+v, want its name then and its record of names", a)
		}
	}
	for _, code := range []string{"x-son-duong", "p-minh-xuan", "so-noi-vu"} {
		if slices.Contains(then, code) {
			t.Errorf("%s listed on 2025-01-01, before it existed", code)
		}
	}
	if _, d := dcAgencies(t, env, "?at=2026-01-01"); !slices.Equal(d, now) {
		t.Errorf("2026-01-01 lists %v, today %v", d, now)
	}

	for _, bad := range []string{"2025-13-01", "2025-02-30", "01/07/2025", "", "2025-7-1", "2025-07-01T00:00:00Z"} {
		r := env.getAPI(t, "/api/v1/agencies?at="+bad+"&lang=en", nil)
		if r.status != http.StatusBadRequest {
			t.Errorf("at=%q: %d %s, want 400", bad, r.status, r.body)
			continue
		}
		e := decodeAPIError(t, r)
		if e.Error.Code != "validation_failed" || !strings.Contains(e.Error.Fields["at"], "YYYY-MM-DD") {
			t.Errorf("at=%q: %+v", bad, e)
		}
	}
	if r := env.getAPI(t, "/api/v1/agencies?at=x", nil); !strings.Contains(decodeAPIError(t, r).Error.Fields["at"], "NNNN-TT-NN") {
		t.Errorf("Vietnamese message for a bad date: %s", r.body)
	}
}

// TestStartPageOffersTodaysAgencies: the start page lists the agencies that
// serve now, not those merged or dissolved in 2025.
func TestStartPageOffersTodaysAgencies(t *testing.T) {
	env := newTestEnvWith(t, storetest.NewSeeded(t))
	r := env.getPage(t, env.client(t), "/")
	if r.status != http.StatusOK {
		t.Fatalf("start page: %d", r.status)
	}
	for _, code := range []string{"x-son-duong", "so-nn-ptnt", "ttpvhcc-tinh"} {
		if !strings.Contains(r.body, `<option value="`+code+`"`) {
			t.Errorf("start page lacks %s", code)
		}
	}
	for _, code := range []string{"lam-binh", "so-tn-mt", "tt-son-duong", "tt-na-hang"} {
		if strings.Contains(r.body, `<option value="`+code+`"`) {
			t.Errorf("start page offers %s, which no longer serves", code)
		}
	}
	if strings.Contains(r.body, "UBND huyện") {
		t.Errorf("start page offers a district")
	}
}

// TestDemoLineageAcrossTheChange: a small demo over the seeded catalog, then
// the report of the new commune xã Sơn Dương: alone it starts in July 2025;
// with lineage=1 its predecessors' months before the change are in it.
func TestDemoLineageAcrossTheChange(t *testing.T) {
	ctx := context.Background()
	env := newTestEnvWith(t, storetest.NewSeeded(t))
	admin := azAdmin(t, env)
	cat, err := env.store.Catalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	err = survey.DemoBatches(cat, now, 2000, 11, 500, func(b []survey.Response) error {
		_, err := env.store.ImportResponses(ctx, b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := env.store.RebuildAll(ctx, nil); err != nil {
		t.Fatal(err)
	}
	from, to := survey.MonthOf(now.AddDate(-2, 0, 0)), survey.MonthOf(now)
	change := survey.MonthOf(survey.TwoTierSince)
	months := func(r ReportJSON) (before, after int64) {
		for _, m := range r.Trend {
			mo, err := survey.ParseMonth(m.Month)
			if err != nil {
				t.Fatalf("month %q: %v", m.Month, err)
			}
			if mo.Before(change) {
				before += m.Responses
			} else {
				after += m.Responses
			}
		}
		return before, after
	}
	alone := dtReport(t, env, admin.token, "x-son-duong", dtPeriod(from, to, "", false))
	if b, a := months(alone); b != 0 || a == 0 {
		t.Errorf("x-son-duong alone: %d responses before July 2025, %d after; want 0 and some", b, a)
	}
	withLineage := dtReport(t, env, admin.token, "x-son-duong", dtPeriod(from, to, "", true))
	b, a := months(withLineage)
	if b == 0 || a == 0 {
		t.Errorf("x-son-duong with its lineage: %d responses before July 2025, %d after; want some of both", b, a)
	}
	if !slices.Contains(withLineage.Units, "tt-son-duong") || withLineage.Report.Responses <= alone.Report.Responses {
		t.Errorf("lineage units %v, %d responses (alone %d)", withLineage.Units, withLineage.Report.Responses, alone.Report.Responses)
	}
}

// TestSeededHistoryInTheLineageView: on a fresh installation the
// administration's page of a new commune lists the communes merged into it,
// and the merged department's page its former name.
func TestSeededHistoryInTheLineageView(t *testing.T) {
	env := newTestEnvWith(t, storetest.NewSeeded(t))
	admin := azAdmin(t, env)
	r := admin.get(t, "/admin/agencies/x-son-duong")
	if r.status != http.StatusOK {
		t.Fatalf("agency page: %s", r)
	}
	for _, name := range []string{"UBND thị trấn Sơn Dương", "UBND xã Hợp Thành", "UBND xã Phúc Ứng", "UBND xã Tú Thịnh"} {
		if !strings.Contains(r.body, name) {
			t.Errorf("the lineage of x-son-duong lacks %s", name)
		}
	}
	r = admin.get(t, "/admin/agencies/so-nn-ptnt")
	if !strings.Contains(r.body, "Sở Nông nghiệp và Phát triển nông thôn") || !strings.Contains(r.body, "2025-03-01") || !strings.Contains(r.body, "Sở Tài nguyên và Môi trường") {
		t.Errorf("so-nn-ptnt's page lacks its former name, its date or its predecessor")
	}
}
