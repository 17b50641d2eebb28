package server

import (
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"hailong/survey"
)

// Publishing the CCHC index (issue 17) over a real server and a real
// embedded FerretDB: the 2018 fixture published, read logged out (API,
// downloads, page), frozen against later points, revised, refused.

const (
	ccpLeadVi = "Sở Tư pháp dẫn đầu với chỉ số 94,30 %; Sở Công Thương đứng cuối với chỉ số 66,34 %."
	ccpRiseVi = "Sở Nông nghiệp và Phát triển nông thôn tăng 10 bậc, xếp hạng 5/19."
	ccpLeadEn = "Department of Justice leads with an index of 94.30%; Department of Industry and Trade is last with an index of 66.34%."
)

// ccpPublished reads a published year logged out.
func ccpPublished(t *testing.T, env *testEnv, path string) (CCHCPublishedJSON, CCHCJSON) {
	t.Helper()
	r := azDo(t, nil, http.MethodGet, env.http.URL+path, "", nil)
	if r.status != http.StatusOK {
		t.Fatalf("GET %s logged out: %s", path, r)
	}
	p := pbDecode[CCHCPublishedJSON](t, r.body)
	var snap survey.CCHCPublicationContent
	if err := json.Unmarshal(p.Snapshot, &snap); err != nil {
		t.Fatal(err)
	}
	return p, pbDecode[CCHCJSON](t, string(snap.Result))
}

func TestCCHCPublishAndReadPublic(t *testing.T) {
	env, insp := cchcEnv(t)
	ctx := context.Background()

	// Nothing is public before it is published.
	for _, p := range []string{"/api/v1/cchc/2018/published", "/api/v1/cchc/2018/published/snapshot?format=csv", "/ket-qua/cchc/2018"} {
		if r := azDo(t, nil, http.MethodGet, env.http.URL+p, "", nil); r.status != http.StatusNotFound {
			t.Errorf("GET %s before publishing: %d, want 404", p, r.status)
		}
	}
	if r := azDo(t, nil, http.MethodPost, env.http.URL+"/api/v1/cchc/2018/publish", "{}",
		map[string]string{"Content-Type": "application/json"}); r.status != http.StatusUnauthorized {
		t.Errorf("publish logged out: %d, want 401", r.status)
	}

	// A year not over is refused unless provisional; this year has no points.
	this := time.Now().In(survey.Zone()).Year()
	cur := "/api/v1/cchc/" + strconv.Itoa(this) + "/publish"
	if r := insp.api(t, http.MethodPost, cur, map[string]any{}); r.status != http.StatusConflict || !strings.Contains(r.body, `"period_not_ended"`) {
		t.Errorf("publish %d: %s, want 409 period_not_ended", this, r)
	}
	if r := insp.api(t, http.MethodPost, cur, map[string]any{"provisional": true}); r.status != http.StatusConflict || !strings.Contains(r.body, `"no_cchc_points"`) {
		t.Errorf("publish %d provisional without points: %s, want 409 no_cchc_points", this, r)
	}
	next := "/api/v1/cchc/" + strconv.Itoa(this+1) + "/publish"
	if r := insp.api(t, http.MethodPost, next, map[string]any{"provisional": true}); r.status != http.StatusConflict || !strings.Contains(r.body, `"period_not_started"`) {
		t.Errorf("publish %d provisional: %s, want 409 period_not_started", this+1, r)
	}
	if r := insp.api(t, http.MethodPost, "/api/v1/cchc/2010/publish", map[string]any{}); r.status != http.StatusConflict || !strings.Contains(r.body, `"no_cchc_framework"`) {
		t.Errorf("publish 2010 (no framework): %s, want 409 no_cchc_framework", r)
	}
	if r := insp.api(t, http.MethodPost, "/api/v1/cchc/2018/publish", map[string]any{"provisional": "yes"}); r.status != http.StatusBadRequest {
		t.Errorf("publish with a bad body: %s, want 400", r)
	}
	// The staff form says why, on the page.
	fe := insp.post(t, "/cchc/"+strconv.Itoa(this)+"/publish", nil)
	if fe.status != http.StatusSeeOther || !strings.Contains(fe.location(), "publish_error=period_not_ended") {
		t.Errorf("publish form for %d: %s", this, fe)
	} else if pg := insp.get(t, fe.location()); !strings.Contains(pg.body, viMessage(t, env, "cchcpub.err.period_not_ended", this)) {
		t.Errorf("/cchc after a refused publish lacks the reason")
	}
	if all, err := env.store.CCHCPublications(ctx); err != nil || len(all) != 0 {
		t.Fatalf("refusals stored %d publications (%v)", len(all), err)
	}

	// Revision 1, exactly the live result.
	live := cchcGet(t, insp, "2018")
	r := insp.api(t, http.MethodPost, "/api/v1/cchc/2018/publish", map[string]any{})
	if r.status != http.StatusCreated {
		t.Fatalf("publish 2018: %s", r)
	}
	pub := pbDecode[CCHCPublishedJSON](t, r.body)
	if pub.Revision != 1 || pub.Provisional || pub.Units != 26 || pub.Framework != survey.CCHCFixtureVersion || len(pub.Revisions) != 1 {
		t.Errorf("revision 1: %+v", pub.CCHCRevisionJSON)
	}
	got, want := map[string]any{}, map[string]any{}
	var snap survey.CCHCPublicationContent
	if err := json.Unmarshal(pub.Snapshot, &snap); err != nil {
		t.Fatal(err)
	}
	lj, _ := json.Marshal(live)
	_ = json.Unmarshal(snap.Result, &got)
	_ = json.Unmarshal(lj, &want)
	if gj, wj := mustJSON(t, got), mustJSON(t, want); gj != wj {
		t.Errorf("the frozen result differs from the live one:\n%.400s\n%.400s", gj, wj)
	}

	// Logged out: the API, the JSON download hashing to sha256, the CSV.
	p1, j1 := ccpPublished(t, env, "/api/v1/cchc/2018/published")
	if p1.SHA256 != pub.SHA256 || p1.Revision != 1 {
		t.Errorf("public revision %d %s, want 1 %s", p1.Revision, p1.SHA256, pub.SHA256)
	}
	g, tp := cchcFind(t, j1, "so-tu-phap")
	if tp.Index != 94.30 || tp.Rank != 1 || tp.Of != 19 || !strings.HasPrefix(g.Summary.Vi, ccpLeadVi) || !strings.HasSuffix(g.Summary.Vi, ccpRiseVi) {
		t.Errorf("published so-tu-phap %v %d/%d, sentences %q", tp.Index, tp.Rank, tp.Of, g.Summary.Vi)
	}
	js := azDo(t, nil, http.MethodGet, env.http.URL+p1.Downloads["json"], "", nil)
	sum := sha256.Sum256([]byte(js.body))
	if js.status != http.StatusOK || hex.EncodeToString(sum[:]) != pub.SHA256 || !strings.Contains(js.header.Get("Content-Disposition"), "hailong-cchc-2018-r1.json") {
		t.Errorf("JSON download: %d, sha256 %x, want %s; %q", js.status, sum, pub.SHA256, js.header.Get("Content-Disposition"))
	}
	cs := azDo(t, nil, http.MethodGet, env.http.URL+p1.Downloads["csv"], "", nil)
	if cs.status != http.StatusOK || !strings.HasPrefix(cs.body, utf8BOM) {
		t.Fatalf("CSV download: %s", cs)
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(cs.body, utf8BOM))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1+26 || strings.Join(recs[0], ",") != strings.Join(cchcPublicationCSVHeader, ",") {
		t.Fatalf("CSV: %d records, header %v", len(recs), recs[0])
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	rows := map[string][]string{}
	for _, rec := range recs[1:] {
		rows[rec[col["agency"]]] = rec
	}
	for agency, w := range map[string][4]string{
		"so-tu-phap": {"94.30", "1", "19", "department"}, "so-cong-thuong": {"66.34", "19", "19", "department"},
		"lam-binh": {"85.78", "1", "7", "district"}, "chiem-hoa": {"73.65", "7", "7", "district"},
	} {
		rec := rows[agency]
		if rec == nil || rec[col["index"]] != w[0] || rec[col["rank"]] != w[1] || rec[col["of"]] != w[2] || rec[col["group"]] != w[3] ||
			rec[col["revision"]] != "1" || rec[col["sha256"]] != pub.SHA256 {
			t.Errorf("CSV row of %s: %v, want %v", agency, rec, w)
		}
	}
	if rec := rows["so-nn-ptnt"]; rec == nil || rec[col["previous_rank"]] != "15" || rec[col["rank_change"]] != "10" || rec[col["rank"]] != "5" {
		t.Errorf("CSV row of so-nn-ptnt: %v", rec)
	}

	// The public page, logged out: figures, sentences, downloads, no script.
	pg := azDo(t, nil, http.MethodGet, env.http.URL+"/ket-qua/cchc/2018", "", nil)
	if pg.status != http.StatusOK {
		t.Fatalf("/ket-qua/cchc/2018: %s", pg)
	}
	for _, s := range []string{"94,30 %", "66,34 %", "85,78 %", "73,65 %", ccpLeadVi, ccpRiseVi, "1/19", "5/19",
		"format=csv", "format=json", pub.SHA256, `lang="vi"`} {
		if !strings.Contains(pg.body, s) {
			t.Errorf("/ket-qua/cchc/2018 lacks %q", s)
		}
	}
	for _, s := range []string{"<script", "csrf", `nav class="staff"`} {
		if strings.Contains(pg.body, s) {
			t.Errorf("/ket-qua/cchc/2018 shows %q", s)
		}
	}
	etag := pg.header.Get("ETag")
	if etag == "" || !strings.Contains(pg.header.Get("Cache-Control"), "public") {
		t.Errorf("page ETag %q Cache-Control %q", etag, pg.header.Get("Cache-Control"))
	}
	if r := azDo(t, nil, http.MethodGet, env.http.URL+"/ket-qua/cchc/2018", "", map[string]string{"If-None-Match": etag}); r.status != http.StatusNotModified {
		t.Errorf("page with its ETag: %d, want 304", r.status)
	}
	if n := pbGzipSize(t, pg.body); n > 30<<10 {
		t.Errorf("/ket-qua/cchc/2018 is %d bytes gzipped, over 30 KB", n)
	} else {
		t.Logf("/ket-qua/cchc/2018: %d bytes, %d gzipped", len(pg.body), n)
	}
	en := azDo(t, nil, http.MethodGet, env.http.URL+"/ket-qua/cchc/2018?lang=en", "", nil)
	if en.status != http.StatusOK || !strings.Contains(en.body, ccpLeadEn) || !strings.Contains(en.body, "94.30%") {
		t.Errorf("/ket-qua/cchc/2018?lang=en: %d, lacks the English sentences", en.status)
	}
	// /ket-qua links to the published year.
	if r := azDo(t, nil, http.MethodGet, env.http.URL+"/ket-qua", "", nil); r.status != http.StatusOK || !strings.Contains(r.body, `href="/ket-qua/cchc/2018"`) {
		t.Errorf("/ket-qua does not link the published CCHC year: %d", r.status)
	}

	// Later points do not move the publication; publishing again makes
	// revision 2 with them, revision 1 unchanged.
	pts := insp.api(t, http.MethodGet, "/api/v1/cchc/2018/points", nil)
	var all struct{ Units []CCHCPointsJSON }
	if err := json.Unmarshal([]byte(pts.body), &all); err != nil {
		t.Fatal(err)
	}
	var tu CCHCPointsJSON
	for _, u := range all.Units {
		if u.Agency == "so-tu-phap" {
			tu = u
		}
	}
	lowered := false
	for code, v := range tu.Points {
		if v >= 5 && !lowered {
			tu.Points[code], lowered = v-5, true
		}
	}
	if !lowered {
		t.Fatalf("no sub-criterion of so-tu-phap to lower: %+v", tu)
	}
	if r := insp.api(t, http.MethodPut, "/api/v1/cchc/2018/points", map[string]any{"units": []CCHCPointsJSON{tu}}); r.status != http.StatusOK {
		t.Fatalf("PUT points: %s", r)
	}
	if _, still := ccpPublished(t, env, "/api/v1/cchc/2018/published"); func() float64 { _, u := cchcFind(t, still, "so-tu-phap"); return u.Index }() != 94.30 {
		t.Errorf("the published index moved with the new points")
	}
	// Revision 2 through the staff page's form (CSRF checked).
	if r := insp.post(t, "/cchc/2018/publish", url.Values{"csrf": {"wrong"}}); r.status != http.StatusForbidden {
		t.Errorf("publish form without its CSRF token: %d, want 403", r.status)
	}
	fr := insp.post(t, "/cchc/2018/publish", nil)
	if fr.status != http.StatusSeeOther || !strings.Contains(fr.location(), "published=2") {
		t.Fatalf("publish form: %s", fr)
	}
	staffPage := insp.get(t, fr.location())
	if !strings.Contains(staffPage.body, `id="publish-done"`) || !strings.Contains(staffPage.body, `href="/ket-qua/cchc/2018?revision=2"`) {
		t.Errorf("/cchc after publishing lacks the notice or the revision's link")
	}
	p2, j2 := ccpPublished(t, env, "/api/v1/cchc/2018/published")
	_, tp2 := cchcFind(t, j2, "so-tu-phap")
	if p2.Revision != 2 || len(p2.Revisions) != 2 || p2.SHA256 == pub.SHA256 || tp2.Index >= 94.30 {
		t.Errorf("revision 2: %d (%d revisions), index %v", p2.Revision, len(p2.Revisions), tp2.Index)
	}
	p1again, j1again := ccpPublished(t, env, "/api/v1/cchc/2018/published?revision=1")
	if _, u := cchcFind(t, j1again, "so-tu-phap"); p1again.SHA256 != pub.SHA256 || u.Index != 94.30 {
		t.Errorf("revision 1 changed: %s %v", p1again.SHA256, u.Index)
	}
	if r := azDo(t, nil, http.MethodGet, env.http.URL+"/ket-qua/cchc/2018", "", map[string]string{"If-None-Match": etag}); r.status != http.StatusOK ||
		strings.Contains(r.body, "94,30 %") {
		t.Errorf("the page after revision 2: %d (or still shows 94,30)", r.status)
	}
	if r := azDo(t, nil, http.MethodGet, env.http.URL+"/ket-qua/cchc/2018?revision=1", "", nil); r.status != http.StatusOK || !strings.Contains(r.body, "94,30 %") {
		t.Errorf("the page of revision 1: %d", r.status)
	}
	for _, p := range []string{"/api/v1/cchc/2018/published?revision=3", "/ket-qua/cchc/2018?revision=3", "/ket-qua/cchc/2017"} {
		if r := azDo(t, nil, http.MethodGet, env.http.URL+p, "", nil); r.status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, r.status)
		}
	}

	// Staff may not publish; every publication is audited.
	staffPW := azInsertUser(t, env, "ccp-staff", survey.RoleStaff, "so-tu-phap")
	staff := azLogin(t, env, "ccp-staff", staffPW)
	if r := staff.post(t, "/cchc/2018/publish", nil); r.status != http.StatusForbidden {
		t.Errorf("staff publishing: %d, want 403", r.status)
	}
	entries, err := env.store.Audit(ctx, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if e.Action == "cchc_publication" && strings.HasPrefix(e.Target, "cchc|2018|") && e.Actor == "inspector" {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d cchc_publication audit entries, want 2", n)
	}
}
