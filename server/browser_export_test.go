package server

// Browser tests of the export links (issue 5): a staff member downloads the
// aggregates CSV from the dashboard, an administrator from the rankings
// page, in Chromium; the files read back with encoding/csv hold the figures
// of the report and rankings APIs. Helpers are in
// browser_test.go, browser_admin_test.go and export_*_test.go.

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"hailong/survey"
)

func TestBrowserDashboardDownloadCSV(t *testing.T) {
	ctx := newBrowser(t)
	e := newExportEnv(t)
	browserLogin(t, ctx, e.testEnv, "staff-tp", "pw-staff-tp-secret")
	if s := browserOpen(t, ctx, e.testEnv, "/dashboard?agency=so-tu-phap&from=2025-01&to=2025-02"); s != 200 {
		t.Fatalf("GET /dashboard: %d", s)
	}
	b := browserDownload(t, ctx, "#export-csv")
	rows := csvRows(t, string(b))
	if len(rows) != 2*(1+1) { // two months × (all areas, tu-phap)
		t.Fatalf("the downloaded CSV has %d rows, want 4", len(rows))
	}
	for _, r := range rows {
		want := expectedCells(e.reportOf(t, r["agency"], r["period_from"], r["period_to"], r["area"]))
		for name, w := range want {
			if r[name] != w {
				t.Errorf("%s %s %s: %s = %q, the report API %q", r["agency"], r["area"], r["period"], name, r[name], w)
			}
		}
	}
	if rows[0]["agency_name_vi"] != "Sở Tư pháp" || rows[0]["responses"] != "12" {
		t.Errorf("first row: %s, %s responses; want Sở Tư pháp with 12", rows[0]["agency_name_vi"], rows[0]["responses"])
	}
}

func TestBrowserRankingsDownloadCSV(t *testing.T) {
	ctx := newBrowser(t)
	e := newExportEnv(t)
	browserLogin(t, ctx, e.testEnv, "admin", adminPassword)
	// A quarter: the page offers it whole, one row per agency and area.
	if s := browserOpen(t, ctx, e.testEnv, "/rankings?from=2025-01&to=2025-03"); s != 200 {
		t.Fatalf("GET /rankings: %d", s)
	}
	rows := csvRows(t, string(browserDownload(t, ctx, `#downloads a[href*="format=csv"]`)))
	api := fetchRankings(t, e.testEnv, e.admin.token, url.Values{"from": {"2025-01"}, "to": {"2025-03"}})
	num := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	seen := 0
	for _, lv := range api.Levels {
		for _, u := range slices.Concat(lv.Ranked, lv.Unranked) {
			if u.Responses == 0 {
				continue
			}
			i := slices.IndexFunc(rows, func(r map[string]string) bool { return r["agency"] == u.Agency && r["area"] == "*" })
			if i < 0 {
				t.Errorf("%s: no all-areas row in the downloaded CSV", u.Agency)
				continue
			}
			r := rows[i]
			seen++
			if r["period"] != "2025-Q1" || r["level"] != string(lv.Level) {
				t.Errorf("%s: period %q level %q, want 2025-Q1 %s", u.Agency, r["period"], r["level"], lv.Level)
			}
			want := [3]string{num(u.Overall.Index), num(u.Overall.Low), num(u.Overall.High)}
			if u.Responses < survey.KAnonymity {
				want = [3]string{} // an export row under k responses shows its counts only
			}
			if r["responses"] != strconv.FormatInt(u.Responses, 10) || r["overall_index"] != want[0] ||
				r["overall_low"] != want[1] || r["overall_high"] != want[2] {
				t.Errorf("%s: CSV %s responses, index %s [%s, %s]; the rankings API %d, %v [%v, %v]", u.Agency,
					r["responses"], r["overall_index"], r["overall_low"], r["overall_high"],
					u.Responses, u.Overall.Index, u.Overall.Low, u.Overall.High)
			}
		}
	}
	if seen != 3 { // Sở Tư pháp, Lâm Bình, Thượng Lâm
		t.Errorf("compared %d agencies with the CSV, want 3", seen)
	}
	for _, r := range rows {
		if r["period"] != "2025-Q1" {
			t.Errorf("row %s %s for period %q, want the quarter whole", r["agency"], r["area"], r["period"])
		}
	}
}

// browserDownload clicks the link and returns the file Chromium saved.
func browserDownload(t *testing.T, ctx context.Context, link string) []byte {
	t.Helper()
	dir := t.TempDir()
	progress := chromedp.Events(ctx, browser.DownloadProgress)
	allow := true
	do(t, ctx, "download "+link,
		chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
				Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: &allow,
			})
			return err
		}),
		chromedp.Click(chromedp.CSS(link)),
	)
	var file string
	deadline := time.Now().Add(time.Minute)
	for ev, err := range progress {
		if err != nil {
			t.Fatalf("download: %v", err)
		}
		if ev.State == browser.DownloadProgressStateCanceled {
			t.Fatal("the download was cancelled")
		}
		if ev.State == browser.DownloadProgressStateCompleted {
			file = filepath.Join(dir, ev.GUID)
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the download did not complete")
		}
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
