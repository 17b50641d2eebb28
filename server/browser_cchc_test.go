package server

// Browser test of the CCHC index (issue 17): an administrator publishes a
// framework on /admin/cchc, an inspector enters points on the entry page
// in Chromium (one sub-criterion marked not applicable), and the results
// page shows the ranks, indices and sentence the API gives.

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hailong/survey"
)

// brCCHCRow is a row of the results page.
type brCCHCRow struct {
	Agency string `json:"agency"`
	Rank   string `json:"rank"`
	Points string `json:"points"`
	Index  string `json:"index"`
}

func TestBrowserCCHCEnterPublishRead(t *testing.T) {
	ctx := newBrowser(t)
	env := newTestEnv(t)
	admin := azAdmin(t, env)
	azInsertUser(t, env, "inspector", survey.RoleInspector)
	axe := "" // axe-core's source when HAILONG_AXE names it (CI sets it)
	if os.Getenv("HAILONG_AXE") != "" || inCI() {
		axe = axeSource(t)
	}
	year := strconv.Itoa(time.Now().In(survey.Zone()).Year())

	// The administrator makes the first draft and publishes it.
	browserLogin(t, ctx, env, "admin", azAdminPassword)
	if s := browserOpen(t, ctx, env, "/admin/cchc"); s != 200 {
		t.Fatalf("GET /admin/cchc: %d", s)
	}
	if s := browserClick(t, ctx, "make a draft", "#new-draft"); s != 200 {
		t.Fatalf("new draft: status %d", s)
	}
	if p := browserPath(t, ctx, env); !strings.HasPrefix(p, "/admin/cchc/1") {
		t.Fatalf("after the new draft the browser is at %s", p)
	}
	if !strings.Contains(eval[string](t, ctx, `document.querySelector('#content').value`), `"fromYear": `+year) {
		t.Errorf("the draft does not apply from %s", year)
	}
	if s := browserClick(t, ctx, "publish", "#publish"); s != 200 {
		t.Fatalf("publish: status %d", s)
	}
	if n := browserText(t, ctx, "#notice"); n != viMessage(t, env, "cchc.admin.published_done") {
		t.Errorf("after publishing: %q", n)
	}
	if eval[bool](t, ctx, `!!document.querySelector('#publish, #save-draft')`) {
		t.Errorf("a published version still offers to be edited")
	}
	if axe != "" {
		checkAxe(t, ctx, axe, "/admin/cchc/1")
	}
	browserLogout(t, ctx, env)

	// The inspector enters two units' points.
	browserLogin(t, ctx, env, "inspector", "pw-inspector-secret")
	if s := browserOpen(t, ctx, env, "/cchc/"+year+"/points"); s != 200 {
		t.Fatalf("GET the entry page: %d", s)
	}
	enter := func(agency string, points map[string]string, na []string, surveyIndex string) {
		t.Helper()
		do(t, ctx, "choose "+agency, chromedp.SetValue(chromedp.CSS("#agency"), agency))
		if s := browserClick(t, ctx, "choose "+agency, "#choose"); s != 200 {
			t.Fatalf("choose %s: %d", agency, s)
		}
		for code, v := range points {
			do(t, ctx, "type "+code, chromedp.SendKeys(chromedp.CSS(`[id="p-`+code+`"]`), v))
		}
		for _, code := range na {
			do(t, ctx, "not applicable "+code, chromedp.Click(chromedp.CSS(`[id="na-`+code+`"]`)))
		}
		if surveyIndex != "" {
			do(t, ctx, "survey index", chromedp.SendKeys(chromedp.CSS("#surveyIndex"), surveyIndex))
		}
		if s := browserClick(t, ctx, "save "+agency, "#save-points"); s != 200 {
			t.Fatalf("save %s: %d", agency, s)
		}
		if n := browserText(t, ctx, "#notice"); n != viMessage(t, env, "cchc.saved") {
			t.Errorf("after saving %s: %q", agency, n)
		}
	}
	// 4 + 3 + 8 appraised and 18 survey points (95 %, entered) of 100: 33,00.
	enter("so-tu-phap", map[string]string{"1.1": "4", "1.2": "3", "7.1": "8"}, nil, "95")
	// 2,5 appraised of 96 (7.3 does not apply), no survey index: 2,60.
	enter("so-cong-thuong", map[string]string{"1.1": "2,5"}, []string{"7.3"}, "")
	// A value over the maximum is refused on the page, with its message.
	do(t, ctx, "choose so-xay-dung", chromedp.SetValue(chromedp.CSS("#agency"), "so-xay-dung"))
	browserClick(t, ctx, "choose so-xay-dung", "#choose")
	do(t, ctx, "type 9 for 1.1", chromedp.SendKeys(chromedp.CSS(`[id="p-1.1"]`), "9"))
	if s := browserClick(t, ctx, "save over the maximum", "#save-points"); s != 400 {
		t.Errorf("points over the maximum: status %d, want 400", s)
	}
	if e := browserText(t, ctx, "#errors"); !strings.Contains(e, viMessage(t, env, "cchc.err.over_max")) {
		t.Errorf("the error summary says %q", e)
	}
	if axe != "" {
		checkAxe(t, ctx, axe, "/cchc/"+year+"/points")
	}

	// The results page, reached from the navigation, shows what the API gives.
	if s := browserClick(t, ctx, "the navigation's CCHC link", `nav.staff a[href="/cchc"]`); s != 200 {
		t.Fatalf("/cchc: %d", s)
	}
	if s := browserOpen(t, ctx, env, "/cchc?year="+year); s != 200 {
		t.Fatalf("/cchc?year=%s: %d", year, s)
	}
	rows := eval[[]brCCHCRow](t, ctx, `Array.from(document.querySelectorAll('#table-department tbody tr')).map(r => ({
		agency: r.dataset.agency,
		rank: r.querySelector('td.rank').innerText.trim(),
		points: r.querySelector('td.points').innerText.trim(),
		index: r.querySelector('td.index').innerText.trim(),
	}))`)
	want := []brCCHCRow{{"so-tu-phap", "1/2", "33 / 100", "33,00 %"}, {"so-cong-thuong", "2/2", "2,5 / 96", "2,60 %"}}
	if len(rows) != len(want) {
		t.Fatalf("the page shows %v, want %v", rows, want)
	}
	for i := range want {
		if rows[i] != want[i] {
			t.Errorf("row %d: %+v, want %+v", i, rows[i], want[i])
		}
	}
	api := cchcGet(t, admin, year)
	if got := browserText(t, ctx, "#summary-department"); got != api.Groups[0].Summary.Vi ||
		got != "Sở Tư pháp dẫn đầu với chỉ số 33,00 %; Sở Công Thương đứng cuối với chỉ số 2,60 %." {
		t.Errorf("the page's sentence %q, the API's %q", got, api.Groups[0].Summary.Vi)
	}
	if axe != "" {
		checkAxe(t, ctx, axe, "/cchc")
	}

	// The inspector publishes the year (not over: provisional, ticked by
	// default) from the results page; the public reads it logged out.
	if !eval[bool](t, ctx, `document.querySelector('#provisional').checked`) {
		t.Errorf("the year is not over, yet provisional is not ticked")
	}
	if s := browserClick(t, ctx, "publish the year", "#publish-button"); s != 200 {
		t.Fatalf("publish the year: %d", s)
	}
	if n := browserText(t, ctx, "#publish-done"); n != viMessage(t, env, "cchcpub.done", 1) {
		t.Errorf("after publishing: %q", n)
	}
	browserLogout(t, ctx, env)
	if s := browserOpen(t, ctx, env, "/ket-qua"); s != 200 {
		t.Fatalf("/ket-qua: %d", s)
	}
	if s := browserClick(t, ctx, "the published CCHC year", `#cchc-years a[href="/ket-qua/cchc/`+year+`"]`); s != 200 {
		t.Fatalf("/ket-qua/cchc/%s: %d", year, s)
	}
	pub := eval[[]brCCHCRow](t, ctx, `Array.from(document.querySelectorAll('#table-department tbody tr')).map(r => ({
		agency: r.dataset.agency,
		rank: r.querySelector('td.rank').innerText.trim(),
		points: r.querySelector('td.points').innerText.trim(),
		index: r.querySelector('td.index').innerText.trim(),
	}))`)
	if len(pub) != len(want) || pub[0] != want[0] || pub[1] != want[1] {
		t.Errorf("the public page shows %+v, want %+v", pub, want)
	}
	if got := browserText(t, ctx, "#summary-department"); got != api.Groups[0].Summary.Vi {
		t.Errorf("the public page's sentence %q, want %q", got, api.Groups[0].Summary.Vi)
	}
	if !eval[bool](t, ctx, `!!document.querySelector('#provisional') && document.scripts.length === 0`) {
		t.Errorf("the public page lacks its provisional notice, or has a script")
	}
	if axe != "" {
		checkAxe(t, ctx, axe, "/ket-qua/cchc")
		do(t, ctx, "open it in English", chromedp.Navigate(env.http.URL+"/ket-qua/cchc/"+year+"?lang=en"))
		if got := browserText(t, ctx, "#summary-department"); got != api.Groups[0].Summary.En {
			t.Errorf("the English sentence %q, want %q", got, api.Groups[0].Summary.En)
		}
		checkAxe(t, ctx, axe, "/ket-qua/cchc in English")
	}
	const width = 320
	do(t, ctx, "open it at 320 px", chromedp.EmulateViewport(width, 640), chromedp.Navigate(env.http.URL+"/ket-qua/cchc/"+year))
	checkNoHorizontalScroll(t, ctx, "/ket-qua/cchc", width)
}
