package server

// Browser test of the export links (issue 5): a staff member downloads the
// aggregates CSV from the dashboard in Chromium, and the file read back with
// encoding/csv holds the figures of the report API. Helpers are in
// browser_test.go, browser_admin_test.go and export_*_test.go.

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
)

func TestBrowserDashboardDownloadCSV(t *testing.T) {
	ctx := newBrowser(t)
	e := newExportEnv(t)
	browserLogin(t, ctx, e.testEnv, "staff-tp", "pw-staff-tp-secret")
	if s := browserOpen(t, ctx, e.testEnv, "/dashboard?agency=so-tu-phap&from=2025-01&to=2025-02"); s != 200 {
		t.Fatalf("GET /dashboard: %d", s)
	}
	dir := t.TempDir()
	progress := chromedp.Events(ctx, browser.DownloadProgress)
	allow := true
	do(t, ctx, "download the CSV",
		chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
				Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: &allow,
			})
			return err
		}),
		chromedp.Click(chromedp.CSS("#export-csv")),
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
