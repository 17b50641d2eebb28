package server

// Browser test of publications (issue 16): an inspector publishes the last
// quarter from the staff page in Chromium, logs out, and reads /ket-qua as
// anyone would: the published ranks and intervals, the downloads, no
// script, no sideways scrolling at 320 px, and no serious axe-core
// violation in either language. Helpers are in browser_test.go,
// browser_admin_test.go and publications_test.go.

import (
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"hailong/survey"
)

func TestBrowserPublishAndReadResults(t *testing.T) {
	axe := axeSource(t)
	ctx := newBrowser(t)
	env := newTestEnvMin(t, 3)
	q, _ := pbSeed(t, env)
	azInsertUser(t, env, "pb-insp", survey.RoleInspector)

	browserLogin(t, ctx, env, "pb-insp", "pw-pb-insp-secret")
	if status := browserClick(t, ctx, "follow the navigation to publishing", `nav.staff a[href="/publications"]`); status != 200 {
		t.Fatalf("the navigation's publishing link: status %d, want 200", status)
	}
	checkAxe(t, ctx, axe, "the staff publishing page")
	do(t, ctx, "type the last quarter", chromedp.SendKeys(chromedp.ID("period"), q.String()))
	if status := browserClick(t, ctx, "publish", `#publish-form button[type=submit]`); status != 200 {
		t.Fatalf("publishing ends on status %d, want 200 (after the 303)", status)
	}
	if s := browserText(t, ctx, "#done"); !strings.Contains(s, q.String()) {
		t.Errorf("after publishing the page says %q", s)
	}
	checkAxe(t, ctx, axe, "the staff publishing page after publishing")
	browserLogout(t, ctx, env)

	// Logged out, from the footer's link.
	if s := browserOpen(t, ctx, env, "/"); s != 200 {
		t.Fatalf("GET /: %d", s)
	}
	if status := browserClick(t, ctx, "follow the footer to the results", `footer a[href="/ket-qua"]`); status != 200 {
		t.Fatalf("/ket-qua logged out: status %d, want 200", status)
	}
	if h := browserText(t, ctx, "#period-name"); h != q.String() {
		t.Errorf("/ket-qua shows period %q, want %s", h, q.String())
	}
	if n := eval[int](t, ctx, `document.scripts.length`); n != 0 {
		t.Errorf("/ket-qua has %d scripts", n)
	}
	type shown struct{ Agency, Rank, Index, CI string }
	rows := eval[[]shown](t, ctx, `Array.from(document.querySelectorAll('#ranked-department tbody tr')).map(r => ({
		Agency: r.dataset.agency,
		Rank: r.querySelector('td.rank').innerText.trim(),
		Index: r.querySelector('td.index').innerText.trim(),
		CI: r.querySelector('td.ci').innerText.trim(),
	}))`)
	ms := env.srv.locales[survey.Vi]
	want := map[string]shown{
		"so-tu-phap":     {"so-tu-phap", "1", ms.Pct(100), ""},
		"so-xay-dung":    {"so-xay-dung", "1", ms.Pct(100), ""},
		"so-cong-thuong": {"so-cong-thuong", "3", ms.Pct(200.0 / 3), ""},
	}
	if len(rows) != len(want) {
		t.Errorf("the browser shows departments %+v", rows)
	}
	for _, r := range rows {
		w := want[r.Agency]
		if rank, _, _ := strings.Cut(r.Rank, " "); rank != w.Rank || !strings.Contains(r.Rank, "–") || r.Index != w.Index || !strings.Contains(r.CI, "–") {
			t.Errorf("%s: rank %q index %q interval %q, want %q %q and an interval", r.Agency, r.Rank, r.Index, r.CI, w.Rank, w.Index)
		}
	}
	if s := browserText(t, ctx, "#explain"); !strings.Contains(s, viMessage(t, env, "pub.explain_title")) {
		t.Errorf("no explanation: %q", s)
	}

	// The downloads: the JSON hashes to the SHA-256 shown; the CSV reads back.
	links := eval[map[string]string](t, ctx, `Object.fromEntries(Array.from(document.querySelectorAll('#downloads a[download]')).map(a => [a.innerText.trim(), a.getAttribute('href')]))`)
	sum := browserText(t, ctx, "#sha256")
	js := azDo(t, nil, http.MethodGet, env.http.URL+links["JSON"], "", nil)
	if h := sha256.Sum256([]byte(js.body)); js.status != http.StatusOK || hex.EncodeToString(h[:]) != sum {
		t.Errorf("the JSON download %q (%d) does not hash to the SHA-256 shown %s", links["JSON"], js.status, sum)
	}
	cs := azDo(t, nil, http.MethodGet, env.http.URL+links["CSV"], "", nil)
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(cs.body, utf8BOM))).ReadAll()
	if cs.status != http.StatusOK || err != nil || len(recs) < 4 {
		t.Errorf("the CSV download %q: %d, %v, %d records", links["CSV"], cs.status, err, len(recs))
	}

	checkAxe(t, ctx, axe, "/ket-qua")
	do(t, ctx, "open /ket-qua in English", chromedp.Navigate(env.http.URL+"/ket-qua?lang=en"))
	if h := browserText(t, ctx, "main h1"); !strings.HasPrefix(h, env.srv.locales[survey.En].T("pub.title")) {
		t.Errorf("the English heading is %q", h)
	}
	checkAxe(t, ctx, axe, "/ket-qua in English")

	// Revision 2 after late entries: what moved is listed, and reads well.
	_, at := pbLastQuarter()
	pbInsert(t, env, "so-cong-thuong", "cong-thuong", at, 1, 1, 1)
	if _, err := env.srv.publish(context.Background(), "pb-insp", publishInput{Period: q, Basis: env.srv.rankingBasis()}); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, "open /ket-qua after revision 2", chromedp.Navigate(env.http.URL+"/ket-qua?lang=vi"))
	if s := browserText(t, ctx, "#diff-units"); !strings.Contains(s, "Sở Công Thương") || browserText(t, ctx, "#revision") != "2" {
		t.Errorf("revision 2's moves: %q", s)
	}
	checkAxe(t, ctx, axe, "/ket-qua with revision 2")

	const width = 320
	do(t, ctx, "open /ket-qua at 320 px", chromedp.EmulateViewport(width, 640), chromedp.Navigate(env.http.URL+"/ket-qua"))
	checkNoHorizontalScroll(t, ctx, "/ket-qua", width)
}
