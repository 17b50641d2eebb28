package server

// Browser test of the rankings (issue 5): what an administrator reads in
// Chromium — the leader and the last of each level, every row's rank, index
// and change — is what GET /api/v1/rankings gives for the same period, and
// the page prints as a clean A4 document. Helpers are in browser_test.go,
// browser_admin_test.go and rankings_test.go.

import (
	"context"
	"math"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"hailong/survey"
)

// brLevel is one level of the rankings page as the browser shows it.
type brLevel struct {
	Level   string       `json:"level"`
	Summary string       `json:"summary"`
	Ranked  []rankingRow `json:"ranked"`
}

func TestBrowserRankingsMatchAPI(t *testing.T) {
	ctx := newBrowser(t)
	env := newTestEnvMin(t, 3)
	admin := newAdmin(t, env)
	now := seedRankings(t, env, admin)
	month := url.Values{"from": {now.String()}, "to": {now.String()}}
	api := fetchRankings(t, env, admin.token, month)

	browserLogin(t, ctx, env, "admin", adminPassword)
	if status := browserClick(t, ctx, "follow the navigation to the rankings", `nav.staff a[href="/rankings"]`); status != 200 {
		t.Fatalf("the navigation's rankings link: status %d, want 200", status)
	}
	if h := browserText(t, ctx, "main h1"); !strings.HasPrefix(h, viMessage(t, env, "rank.title")) {
		t.Errorf("the rankings page's heading is %q", h)
	}
	if s := browserOpen(t, ctx, env, "/rankings?"+month.Encode()); s != 200 {
		t.Fatalf("GET /rankings: %d, want 200", s)
	}
	levels := eval[[]brLevel](t, ctx, `Array.from(document.querySelectorAll('section.rank-level')).map(s => ({
		level: s.id.replace('level-', ''),
		summary: (s.querySelector('.summary-line') || {innerText: ''}).innerText.trim(),
		ranked: Array.from(s.querySelectorAll('table.ranking tbody tr')).map(r => ({
			Agency: r.dataset.agency,
			Rank: r.querySelector('td.rank').innerText.trim(),
			Index: r.querySelector('td.index').innerText.trim(),
			CI: r.querySelector('td.ci').innerText.trim(),
			Responses: r.querySelector('td.responses').innerText.trim(),
			Change: r.querySelector('td.delta').innerText.trim(),
		})),
	}))`)
	if len(levels) != len(api.Levels) {
		t.Fatalf("the browser shows %d levels, the API gives %d", len(levels), len(api.Levels))
	}
	ms := env.srv.locales[survey.Vi]
	for i, l := range api.Levels {
		got := levels[i]
		if got.Level != string(l.Level) {
			t.Errorf("level %d: the browser shows %s, the API %s", i, got.Level, l.Level)
			continue
		}
		wantSummary := ""
		if l.Summary != nil {
			wantSummary = l.Summary.Vi
		}
		if got.Summary != wantSummary {
			t.Errorf("%s: the browser's sentence %q, the API's %q", l.Level, got.Summary, wantSummary)
		}
		if len(got.Ranked) != len(l.Ranked) {
			t.Errorf("%s: %d ranked rows in the browser, %d in the API", l.Level, len(got.Ranked), len(l.Ranked))
			continue
		}
		for j, x := range l.Ranked {
			if want := wantRankingRow(ms, x, true, false, l.RankedUnits); got.Ranked[j] != want {
				t.Errorf("%s row %d: the browser shows %+v, the API gives %+v", l.Level, j, got.Ranked[j], want)
			}
		}
		// The sentence names the leaders and the last with their indices.
		if len(l.Ranked) > 1 {
			first, last := l.Ranked[0], l.Ranked[len(l.Ranked)-1]
			for _, x := range []RankingRowJSON{first, last} {
				if !strings.Contains(got.Summary, x.Name.Vi) || !strings.Contains(got.Summary, ms.Pct(x.Overall.Index)) {
					t.Errorf("%s: the sentence %q does not name %s with %s", l.Level, got.Summary, x.Name.Vi, ms.Pct(x.Overall.Index))
				}
			}
		}
	}
	dep := levels[0]
	t.Logf("departments in the browser: %q; rows %+v", dep.Summary, dep.Ranked)
	if want := "Sở Tư pháp và Sở Xây dựng cùng dẫn đầu với chỉ số 100,0 %; Sở Công Thương và Sở Giao thông vận tải cùng đứng cuối với 66,7 %."; dep.Summary != want {
		t.Errorf("the departments' sentence is %q, want %q", dep.Summary, want)
	}
	if got := browserText(t, ctx, "#rule"); got != survey.DefaultRuleID {
		t.Errorf("#rule shows %q, want %s", got, survey.DefaultRuleID)
	}

	// Accessibility, where axe-core is at hand (always in CI).
	if os.Getenv("HAILONG_AXE") != "" || inCI() {
		checkAxe(t, ctx, axeSource(t), "rankings page")
	}

	// Printing: the filters, links and navigation go; the tables stay; A4.
	do(t, ctx, "emulate print media", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
		return err
	}))
	shown := eval[map[string]bool](t, ctx, `Object.fromEntries(['header.top', 'form.filters', 'p.quick', '#downloads', 'footer', 'table#ranked-department', '.summary-line'].map(s => {
		const e = document.querySelector(s);
		return [s, !!e && getComputedStyle(e).display !== 'none' && e.getClientRects().length > 0];
	}))`)
	for sel, want := range map[string]bool{"header.top": false, "form.filters": false, "p.quick": false, "#downloads": false, "footer": false,
		"table#ranked-department": true, ".summary-line": true} {
		if shown[sel] != want {
			t.Errorf("printed, %s shown = %v, want %v", sel, shown[sel], want)
		}
	}
	pdf := run(t, ctx, "print to PDF", chromedp.PrintToPDF(chromedp.PDFPreferCSSPageSize()))
	boxes := regexp.MustCompile(`/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]`).FindAllSubmatch(pdf, -1)
	if !strings.HasPrefix(string(pdf), "%PDF") || len(boxes) == 0 {
		t.Fatalf("the printed page is not a PDF with a media box (%d bytes)", len(pdf))
	}
	for _, b := range boxes {
		// A4 is 210 × 297 mm: 595.3 × 841.9 points; Chromium rounds to whole
		// pixels (594.96). Letter would be 612 × 792.
		w, _ := strconv.ParseFloat(string(b[1]), 64)
		h, _ := strconv.ParseFloat(string(b[2]), 64)
		if math.Abs(w-595.28) > 2 || math.Abs(h-841.89) > 2 {
			t.Errorf("a printed page is %s × %s points, want A4 (595.3 × 841.9)", b[1], b[2])
		}
	}
	t.Logf("printed: %d A4 page(s), %d bytes", len(boxes), len(pdf))
}
