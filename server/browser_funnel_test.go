package server

// Browser test of issue 16's rank ranges and funnel plot: in Chromium, an
// administrator reads each ranked row's rank with its 90 % range ("2 (1–3)")
// as the API gives it, the departments' funnel plot (an SVG with a dot or
// triangle per ranked unit and the units outside the limits named), its
// table for screen readers, and the plot still there when printed. The
// dashboard shows the rank's range beside "2/4". Seed: frSeed
// (funnel_test.go).

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"slices"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"hailong/survey"
)

func TestBrowserRankRangesAndFunnel(t *testing.T) {
	ctx := newBrowser(t)
	env := newTestEnvMin(t, 3)
	admin := azAdmin(t, env)
	now := frSeed(t, env, admin)
	month := url.Values{"from": {now.String()}, "to": {now.String()}}
	api := rtGet(t, env, admin.token, month)
	dep := rtLevel(t, api, survey.LevelDepartment)
	ms := env.srv.locales[survey.Vi]

	browserLogin(t, ctx, env, "admin", azAdminPassword)
	if s := browserOpen(t, ctx, env, "/rankings?"+month.Encode()); s != 200 {
		t.Fatalf("GET /rankings: %d, want 200", s)
	}

	// "2 (1–3)": the rank, then its range, as the API gives them.
	cells := eval[[]string](t, ctx, `Array.from(document.querySelectorAll('table#ranked-department tbody tr td.rank')).map(td => td.innerText.trim())`)
	var want []string
	for _, x := range dep.Ranked {
		want = append(want, fmt.Sprintf("%d (%d–%d)", x.Rank, x.RankRange[0], x.RankRange[1]))
	}
	if !slices.Equal(cells, want) {
		t.Errorf("rank cells %q, want %q", cells, want)
	}
	for _, c := range cells {
		if !regexp.MustCompile(`^\d+ \(\d+–\d+\)$`).MatchString(c) {
			t.Errorf("rank cell %q is not written \"3 (1–6)\"", c)
		}
	}
	if note := browserText(t, ctx, "#rank-range-note"); note != ms.T("rankrange.note") {
		t.Errorf("the note on ranges reads %q", note)
	}

	type funnel struct {
		Shown    bool     `json:"shown"`
		Width    float64  `json:"width"`
		Role     string   `json:"role"`
		Title    string   `json:"title"`
		Units    int      `json:"units"`
		Labels   []string `json:"labels"`
		Outliers []string `json:"outliers"`
		Rows     int      `json:"rows"`
		Summary  string   `json:"summary"`
	}
	read := func() funnel {
		return eval[funnel](t, ctx, `(() => {
			const f = document.querySelector('figure#funnel-department'), svg = f && f.querySelector('svg');
			if (!svg) return {shown: false};
			const r = svg.getBoundingClientRect();
			return {
				shown: getComputedStyle(f).display !== 'none' && r.width > 0 && r.height > 0, width: r.width,
				role: svg.getAttribute('role'), title: (svg.querySelector('title') || {textContent: ''}).textContent,
				units: svg.querySelectorAll('.funnel-unit').length,
				labels: Array.from(svg.querySelectorAll('text.funnel-label')).map(e => e.textContent).sort(),
				outliers: Array.from(document.querySelectorAll('#funnel-outliers-department li')).map(e => e.dataset.code).sort(),
				rows: document.querySelectorAll('#funnel-table-department tbody tr').length,
				summary: (document.querySelector('details.funnel-data summary') || {innerText: ''}).innerText.trim(),
			};
		})()`)
	}
	f := read()
	t.Logf("funnel: %+v", f)
	if !f.Shown || f.Width < 300 || f.Role != "img" || f.Title != ms.T("funnel.title", ms.T("level.department")) {
		t.Errorf("the departments' funnel plot: shown %v, %.0f px wide, role %q, title %q", f.Shown, f.Width, f.Role, f.Title)
	}
	if f.Units != len(dep.Ranked) || f.Rows != len(dep.Ranked) {
		t.Errorf("%d units drawn and %d table rows, want %d (the ranked units)", f.Units, f.Rows, len(dep.Ranked))
	}
	names := map[string]string{}
	for _, x := range dep.Ranked {
		names[x.Agency] = x.Name.Vi
	}
	wantOut := []string{"so-giao-thong", "so-tu-phap"}
	wantLabels := []string{names["so-giao-thong"], names["so-tu-phap"]}
	slices.Sort(wantLabels)
	if !slices.Equal(f.Outliers, wantOut) || !slices.Equal(f.Labels, wantLabels) {
		t.Errorf("named outside the limits: list %v, plot %q; want %v and %q", f.Outliers, f.Labels, wantOut, wantLabels)
	}
	if f.Summary != ms.T("funnel.table") {
		t.Errorf("the table's disclosure reads %q", f.Summary)
	}
	// Opened, the table reads like the plot.
	do(t, ctx, "open the funnel's table", chromedp.Click(chromedp.CSS(`#level-department details.funnel-data summary`)))
	if got := eval[[]string](t, ctx, `Array.from(document.querySelectorAll('#funnel-table-department tbody tr')).map(r => r.dataset.code)`); len(got) != len(dep.Ranked) {
		t.Errorf("the opened table lists %v", got)
	}
	if vis := eval[bool](t, ctx, `document.querySelector('#funnel-table-department').getClientRects().length > 0`); !vis {
		t.Errorf("the funnel's table does not show once opened")
	}

	if os.Getenv("HAILONG_AXE") != "" || inCI() {
		checkAxe(t, ctx, axeSource(t), "rankings page with funnel plots")
	}

	// Printed, the plot stays.
	do(t, ctx, "emulate print media", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
		return err
	}))
	if p := read(); !p.Shown || p.Units != len(dep.Ranked) {
		t.Errorf("printed, the funnel plot: shown %v with %d units", p.Shown, p.Units)
	}
	pdf := run(t, ctx, "print to PDF", chromedp.PrintToPDF(chromedp.PDFPreferCSSPageSize()))
	if len(pdf) < 1000 || string(pdf[:4]) != "%PDF" {
		t.Errorf("printing gives %d bytes, not a PDF", len(pdf))
	}
	do(t, ctx, "back to screen media", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: ""})
		return err
	}))

	// The dashboard: "2/4 (1–3)".
	if s := browserOpen(t, ctx, env, "/dashboard?agency=so-xay-dung&"+month.Encode()); s != 200 {
		t.Fatalf("GET /dashboard: %d", s)
	}
	var xd RankingRowJSON
	for _, x := range dep.Ranked {
		if x.Agency == "so-xay-dung" {
			xd = x
		}
	}
	if got, want := browserText(t, ctx, "#rank")+" "+browserText(t, ctx, "#rank-range"), fmt.Sprintf("%d/%d (%d–%d)", xd.Rank, dep.RankedUnits, xd.RankRange[0], xd.RankRange[1]); got != want {
		t.Errorf("the dashboard's rank reads %q, want %q", got, want)
	}
}
