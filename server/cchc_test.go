package server

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"hailong/survey"
	"hailong/survey/export"
)

// cchcEnv is a server with the 2018 fixture loaded and an inspector with a token.
func cchcEnv(t *testing.T) (*testEnv, *staffUser) {
	t.Helper()
	env := newTestEnv(t)
	if _, err := env.store.LoadCCHCFixture(context.Background()); err != nil {
		t.Fatal(err)
	}
	pw := insertUser(t, env, "inspector", survey.RoleInspector)
	insp := loginAs(t, env, "inspector", pw)
	insp.token = insp.fetchToken(t, "cchc")
	return env, insp
}

func cchcGet(t *testing.T, u *staffUser, year string) CCHCJSON {
	t.Helper()
	r := u.api(t, http.MethodGet, "/api/v1/cchc/"+year, nil)
	if r.status != http.StatusOK {
		t.Fatalf("GET /api/v1/cchc/%s: %s", year, r)
	}
	var out CCHCJSON
	if err := json.Unmarshal([]byte(r.body), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func cchcFind(t *testing.T, j CCHCJSON, agency string) (CCHCGroupJSON, CCHCUnitJSON) {
	t.Helper()
	for _, g := range j.Groups {
		for _, u := range g.Units {
			if u.Agency == agency {
				return g, u
			}
		}
	}
	t.Fatalf("no unit %s in %d", agency, j.Year)
	return CCHCGroupJSON{}, CCHCUnitJSON{}
}

// The fixture reproduces the article: the four figures, the 15/19 → 5/19
// move and the sentences, generated.
func TestCCHCFixtureArticle(t *testing.T) {
	env, insp := cchcEnv(t)
	_ = env
	j := cchcGet(t, insp, "2018")
	if j.Year != 2018 || j.Framework.Version != survey.CCHCFixtureVersion || len(j.Groups) != 2 {
		t.Fatalf("year %d framework %d groups %d", j.Year, j.Framework.Version, len(j.Groups))
	}
	for _, c := range []struct {
		agency   string
		index    float64
		rank, of int
	}{{"so-tu-phap", 94.30, 1, 19}, {"so-cong-thuong", 66.34, 19, 19}, {"lam-binh", 85.78, 1, 7}, {"chiem-hoa", 73.65, 7, 7}} {
		_, u := cchcFind(t, j, c.agency)
		if u.Index != c.index || u.Rank != c.rank || u.Of != c.of || u.Illustrative {
			t.Errorf("%s: %v %d/%d illustrative %v, want %v %d/%d", c.agency, u.Index, u.Rank, u.Of, u.Illustrative, c.index, c.rank, c.of)
		}
	}
	g, nn := cchcFind(t, j, "so-nn-ptnt")
	if nn.Rank != 5 || nn.PreviousRank == nil || *nn.PreviousRank != 15 || nn.RankChange == nil || *nn.RankChange != 10 {
		t.Errorf("so-nn-ptnt: %+v", nn)
	}
	wantVi := "Sở Tư pháp dẫn đầu với chỉ số 94,30 %; Sở Công Thương đứng cuối với chỉ số 66,34 %. " +
		"Sở Nông nghiệp và Phát triển nông thôn tăng 10 bậc, xếp hạng 5/19."
	wantEn := "Department of Justice leads with an index of 94.30%; Department of Industry and Trade is last with an index of 66.34%. " +
		"Department of Agriculture and Rural Development rose 10 places, ranking 5/19."
	if g.Summary.Vi != wantVi || g.Summary.En != wantEn {
		t.Errorf("departments' sentences:\n%q\n%q", g.Summary.Vi, g.Summary.En)
	}
	dg, _ := cchcFind(t, j, "lam-binh")
	if !strings.HasPrefix(dg.Summary.Vi, "UBND huyện Lâm Bình dẫn đầu với chỉ số 85,78 %; UBND huyện Chiêm Hóa đứng cuối với chỉ số 73,65 %.") ||
		!strings.HasPrefix(dg.Summary.En, "Lâm Bình District People's Committee leads with an index of 85.78%; Chiêm Hóa District People's Committee is last with an index of 73.65%.") {
		t.Errorf("districts' sentences:\n%q\n%q", dg.Summary.Vi, dg.Summary.En)
	}
	illustrative := 0
	for _, g := range j.Groups {
		for _, u := range g.Units {
			if u.Illustrative {
				illustrative++
			}
			if u.Survey.Source != survey.CCHCEntered || u.Survey.Index == nil {
				t.Errorf("%s: survey %+v", u.Agency, u.Survey)
			}
		}
	}
	if illustrative != 26-5 {
		t.Errorf("%d illustrative units, want 21", illustrative)
	}
	if _, dt := cchcFind(t, j, "ban-dan-toc"); dt.Max != 95 {
		t.Errorf("ban-dan-toc: max %v, want 95 (6.1 does not apply)", dt.Max)
	}
	// The staff page shows the same sentences.
	page := insp.get(t, "/cchc?year=2018")
	if page.status != http.StatusOK || !strings.Contains(page.body, "Sở Tư pháp dẫn đầu với chỉ số 94,30 %") ||
		!strings.Contains(page.body, "tăng 10 bậc, xếp hạng 5/19") {
		t.Errorf("GET /cchc?year=2018: %s", page)
	}
	// 2017 has no year before it: no ranks compared, nobody new.
	j17 := cchcGet(t, insp, "2017")
	if _, u := cchcFind(t, j17, "so-nn-ptnt"); u.Rank != 15 || u.PreviousRank != nil || u.New {
		t.Errorf("2017 so-nn-ptnt: %+v", u)
	}
}

// A points file with errors is refused whole, a message per bad line; nothing is stored.
func TestCCHCPointsCSVRefusedWhole(t *testing.T) {
	env, insp := cchcEnv(t)
	before := insp.api(t, http.MethodGet, "/api/v1/cchc/2018/points", nil)
	bad := "agency,criterion,points\nso-tu-phap,1.1,2\nno-such,1.1,1\nso-tu-phap,1.2,7\nso-tu-phap,zz,1\n"
	r := insp.api(t, http.MethodPost, "/api/v1/cchc/2018/points/csv", map[string]string{"csv": bad})
	if r.status != http.StatusBadRequest {
		t.Fatalf("bad file: %s", r)
	}
	e := decodeAPIError(t, r)
	if e.Error.Code != "invalid_csv" || len(e.Error.Fields) != 3 ||
		!strings.HasPrefix(e.Error.Fields["line.3"], "Dòng 3: ") || !strings.Contains(e.Error.Fields["line.3"], "no-such") ||
		!strings.Contains(e.Error.Fields["line.4"], "0–3") || !strings.Contains(e.Error.Fields["line.5"], "zz") {
		t.Errorf("bad file: %+v", e.Error)
	}
	if after := insp.api(t, http.MethodGet, "/api/v1/cchc/2018/points", nil); after.body != before.body {
		t.Errorf("a refused file changed the points")
	}
	// The page refuses it whole too, listing the lines.
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("csrf", insp.csrf)
	fw, _ := mw.CreateFormFile("file", "points.csv")
	_, _ = fw.Write([]byte(bad))
	_ = mw.Close()
	page := doRequest(t, insp.c, http.MethodPost, env.http.URL+"/cchc/2018/points/csv", body.String(), map[string]string{"Content-Type": mw.FormDataContentType()})
	if page.status != http.StatusBadRequest || !strings.Contains(page.body, "Dòng 3: ") || !strings.Contains(page.body, "Dòng 5: ") {
		t.Errorf("page upload: %s", page)
	}
	if after := insp.api(t, http.MethodGet, "/api/v1/cchc/2018/points", nil); after.body != before.body {
		t.Errorf("a refused upload changed the points")
	}
	// A good file is stored.
	good := "agency;criterion;points\nso-tu-phap;1.1;\"3,5\"\nso-tu-phap;6.2;na\n"
	if r := insp.api(t, http.MethodPost, "/api/v1/cchc/2018/points/csv", map[string]string{"csv": good}); r.status != http.StatusOK {
		t.Fatalf("good file: %s", r)
	}
	_, tp := cchcFind(t, cchcGet(t, insp, "2018"), "so-tu-phap")
	if tp.Max != 96 || tp.Points != 3.5+18 {
		t.Errorf("so-tu-phap after the file: points %v max %v", tp.Points, tp.Max)
	}
}

// Points through the API: a sub-criterion that does not apply lowers the
// maximum; points over a maximum are refused and nothing is stored.
func TestCCHCPointsPutLowersMax(t *testing.T) {
	_, insp := cchcEnv(t)
	put := func(body string) httpResult {
		return insp.api(t, http.MethodPut, "/api/v1/cchc/2019/points", body)
	}
	r := put(`{"units":[{"agency":"so-xay-dung","points":{"7.1":8},"notApplicable":["7.2","7.3"],"surveyIndex":45},
		{"agency":"so-y-te","name":{"vi":"Sở Y tế","en":"Department of Health"},"group":"department","points":{"7.1":4}}]}`)
	if r.status != http.StatusOK {
		t.Fatalf("PUT: %s", r)
	}
	j := cchcGet(t, insp, "2019")
	_, xd := cchcFind(t, j, "so-xay-dung")
	if xd.Max != 90 || xd.Points != 17 || xd.Index != 18.89 || xd.Survey.Points != 9 {
		t.Errorf("so-xay-dung: %+v", xd)
	}
	_, yt := cchcFind(t, j, "so-y-te")
	if yt.Max != 100 || yt.Survey.Source != survey.CCHCNoSurvey || yt.Survey.Index != nil || yt.Rank != 2 {
		t.Errorf("so-y-te: %+v", yt)
	}
	// Compared with 2018 through the agencies' codes; so-y-te was there too.
	if xd.PreviousRank == nil || *xd.PreviousRank != 11 || *xd.RankChange != 10 {
		t.Errorf("so-xay-dung previous: %+v", xd)
	}
	r = put(`{"units":[{"agency":"so-xay-dung","points":{"7.1":9,"1.1":2}},{"agency":"x-unknown","points":{}}]}`)
	wantFieldError(t, "over max", r, "units.0.points.7.1")
	wantFieldError(t, "outside the catalog without a name", r, "units.1.name.vi")
	if _, again := cchcFind(t, cchcGet(t, insp, "2019"), "so-xay-dung"); again.Points != 17 {
		t.Errorf("a refused PUT changed the points: %+v", again)
	}
}

// The exports read back with real readers: CSV, XLSX (with the Method
// sheet) and JSON.
func TestCCHCExportsReadBack(t *testing.T) {
	_, insp := cchcEnv(t)
	get := func(format string) httpResult {
		r := insp.api(t, http.MethodGet, "/api/v1/cchc/2018/export?format="+format, nil)
		if r.status != http.StatusOK || !strings.Contains(r.header.Get("Content-Disposition"), "cchc-2018."+format) {
			t.Fatalf("%s export: %s", format, r)
		}
		return r
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(get("csv").body, export.UTF8BOM))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 27 || recs[0][3] != "agency" || recs[1][3] != "so-tu-phap" || recs[1][8] != "94.3" || recs[1][1] != "1" {
		t.Errorf("CSV: %d rows, first %v %v", len(recs), recs[0], recs[1])
	}
	x, err := excelize.OpenReader(strings.NewReader(get("xlsx").body))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := x.GetRows("Results")
	if err != nil || len(rows) != 27 || rows[19][3] != "so-cong-thuong" || rows[19][8] != "66.34" {
		t.Errorf("Results sheet: %v %v", err, rows[19])
	}
	method, err := x.GetRows("Method")
	if err != nil || len(method) < 10 || method[0][0] != "framework" {
		t.Fatalf("Method sheet: %v %v", err, method)
	}
	found := false
	for _, row := range method {
		if len(row) > 6 && row[0] == "department" && row[1] == "8" && strings.Contains(row[6], `"linear"`) {
			found = true
		}
	}
	if !found {
		t.Errorf("the Method sheet does not state the departments' survey rule: %v", method)
	}
	var j CCHCJSON
	if err := json.Unmarshal([]byte(get("json").body), &j); err != nil || len(j.Groups) != 2 || j.Groups[1].Units[0].Agency != "lam-binh" {
		t.Errorf("JSON export: %v %+v", err, j.Groups)
	}
	r := insp.api(t, http.MethodGet, "/api/v1/cchc/2018/export?format=pdf", nil)
	wantFieldError(t, "pdf", r, "format")
}

// A framework is a draft until published, then immutable.
func TestCCHCFrameworkDraftPublish(t *testing.T) {
	env := newTestEnv(t)
	admin := newAdmin(t, env)
	fw := survey.CCHCFixtureFramework()
	content := map[string]any{"title": fw.Title, "fromYear": 2020, "groups": fw.Groups[:1]}
	r := admin.api(t, http.MethodPost, "/api/v1/admin/cchc/frameworks", content)
	if r.status != http.StatusCreated || r.location() != "/api/v1/admin/cchc/frameworks/1" {
		t.Fatalf("create: %s", r)
	}
	// No published framework yet: points are refused.
	pw := insertUser(t, env, "inspector", survey.RoleInspector)
	insp := loginAs(t, env, "inspector", pw)
	insp.token = insp.fetchToken(t, "cchc")
	if r := insp.api(t, http.MethodPut, "/api/v1/cchc/2020/points", `{"units":[{"agency":"so-tu-phap","points":{"1.1":1}}]}`); r.status != http.StatusConflict ||
		decodeAPIError(t, r).Error.Code != "no_cchc_framework" {
		t.Errorf("points without a framework: %s", r)
	}
	bad := map[string]any{"title": fw.Title, "fromYear": 2020, "groups": []any{map[string]any{"group": "department", "components": []any{}}}}
	if r := admin.api(t, http.MethodPut, "/api/v1/admin/cchc/frameworks/1", bad); r.status != http.StatusOK {
		t.Fatalf("save a half-done draft: %s", r)
	}
	wantFieldError(t, "publish an empty group", admin.api(t, http.MethodPost, "/api/v1/admin/cchc/frameworks/1/publish", nil), "groups.0.components")
	if r := admin.api(t, http.MethodPut, "/api/v1/admin/cchc/frameworks/1", content); r.status != http.StatusOK {
		t.Fatalf("save: %s", r)
	}
	if r := admin.api(t, http.MethodPost, "/api/v1/admin/cchc/frameworks/1/publish", nil); r.status != http.StatusOK || !strings.Contains(r.body, `"publishedAt"`) {
		t.Fatalf("publish: %s", r)
	}
	wantFieldError(t, "edit a published version", admin.api(t, http.MethodPut, "/api/v1/admin/cchc/frameworks/1", content), "version")
	if r := insp.api(t, http.MethodPut, "/api/v1/cchc/2020/points", `{"units":[{"agency":"so-tu-phap","points":{"1.1":1}}]}`); r.status != http.StatusOK {
		t.Errorf("points under the published framework: %s", r)
	}
	if r := admin.api(t, http.MethodPost, "/api/v1/admin/cchc/frameworks/1/drafts", nil); r.status != http.StatusCreated || !strings.Contains(r.body, `"version":2`) {
		t.Errorf("new draft: %s", r)
	}
}

// The survey component takes the index the service computed from the
// unit's responses of the year when it is ranked; else the entered one.
func TestCCHCSurveyFromService(t *testing.T) {
	env := newTestEnvMin(t, 3)
	if _, err := env.store.LoadCCHCFixture(context.Background()); err != nil {
		t.Fatal(err)
	}
	admin := newAdmin(t, env)
	for range 4 {
		submitAt(t, env, "", "so-tu-phap", "tu-phap", "web", "", uniformAnswers(t, env, "tu-phap", 5, nil))
	}
	for range 2 { // too few to rank: its entered index counts
		submitAt(t, env, "", "so-cong-thuong", "cong-thuong", "web", "", uniformAnswers(t, env, "cong-thuong", 5, nil))
	}
	flushCounts(t, env)
	year := strconv.Itoa(time.Now().In(survey.Zone()).Year())
	r := admin.api(t, http.MethodPut, "/api/v1/cchc/"+year+"/points",
		`{"units":[{"agency":"so-tu-phap","points":{"1.1":4},"surveyIndex":50},{"agency":"so-cong-thuong","points":{"1.1":4},"surveyIndex":45}]}`)
	if r.status != http.StatusOK {
		t.Fatalf("PUT: %s", r)
	}
	j := cchcGet(t, admin, year)
	_, tp := cchcFind(t, j, "so-tu-phap")
	if s := tp.Survey; s.Source != survey.CCHCFromService || s.Index == nil || *s.Index != 100 || s.Responses != 4 ||
		s.ScoringRule != survey.DefaultRuleID || s.Points != 18 || tp.Points != 22 {
		t.Errorf("so-tu-phap: %+v survey %+v", tp, tp.Survey)
	}
	_, ct := cchcFind(t, j, "so-cong-thuong")
	if s := ct.Survey; s.Source != survey.CCHCEntered || s.Index == nil || *s.Index != 45 || s.Points != 9 || ct.Points != 13 {
		t.Errorf("so-cong-thuong: %+v survey %+v", ct, ct.Survey)
	}
}

// Agencies merged between two years are compared through their lineage:
// the agency they were merged into takes its best predecessor's rank; an
// agency with no past is new.
func TestCCHCLineageAcrossMerge(t *testing.T) {
	env, insp := cchcEnv(t)
	admin := newAdmin(t, env)
	r := admin.api(t, http.MethodPost, "/api/v1/admin/agencies", map[string]any{"code": "so-nn-mt", "level": "department", "areas": []string{"nong-nghiep"},
		"name": map[string]string{"vi": "Sở Nông nghiệp và Môi trường", "en": "Department of Agriculture and Environment"}})
	if r.status != http.StatusCreated {
		t.Fatalf("create so-nn-mt: %s", r)
	}
	mergeInto(t, admin, "so-nn-mt", "so-nn-ptnt", "so-tn-mt")
	r = insp.api(t, http.MethodPut, "/api/v1/cchc/2019/points", `{"units":[
		{"agency":"so-nn-mt","points":{"7.1":8,"7.2":6}},
		{"agency":"so-tu-phap","points":{"7.1":1}},
		{"agency":"so-moi","name":{"vi":"Sở Mới","en":"New Department"},"group":"department","points":{"7.1":5}}]}`)
	if r.status != http.StatusOK {
		t.Fatalf("PUT: %s", r)
	}
	j := cchcGet(t, insp, "2019")
	_, nm := cchcFind(t, j, "so-nn-mt")
	// so-nn-ptnt was 5th in 2018, so-tn-mt 8th: the best is 5; now first.
	if nm.Rank != 1 || nm.PreviousRank == nil || *nm.PreviousRank != 5 || *nm.RankChange != 4 ||
		strings.Join(nm.PreviousVia, ",") != "so-nn-ptnt,so-tn-mt" || nm.New {
		t.Errorf("so-nn-mt: %+v", nm)
	}
	_, tp := cchcFind(t, j, "so-tu-phap")
	if tp.Rank != 3 || *tp.PreviousRank != 1 || *tp.RankChange != -2 {
		t.Errorf("so-tu-phap: %+v", tp)
	}
	_, nw := cchcFind(t, j, "so-moi")
	if !nw.New || nw.PreviousRank != nil || nw.RankChange != nil {
		t.Errorf("so-moi: %+v", nw)
	}
	g, _ := cchcFind(t, j, "so-nn-mt")
	if !strings.HasSuffix(g.Summary.Vi, "Sở Nông nghiệp và Môi trường tăng 4 bậc, xếp hạng 1/3.") {
		t.Errorf("summary %q", g.Summary.Vi)
	}
}

// The sentences when units tie or stand alone, and a rise of one place.
func TestCCHCSummaryCases(t *testing.T) {
	ls, err := loadLocales()
	if err != nil {
		t.Fatal(err)
	}
	vi, en := ls[survey.Vi], ls[survey.En]
	u := func(name string, index float64, rank, change int) survey.CCHCUnitResult {
		return survey.CCHCUnitResult{Name: survey.Text{Vi: name, En: name + " (en)"}, Index: index, Rank: rank, Of: 3, RankChange: change}
	}
	tied := survey.CCHCGroupResult{Units: []survey.CCHCUnitResult{u("A", 90, 1, 0), u("B", 90, 1, 1), u("C", 80.5, 3, 0)}}
	if got := cchcSummary(vi, tied); got != "A và B cùng dẫn đầu với chỉ số 90,00 %; C đứng cuối với chỉ số 80,50 %. B tăng 1 bậc, xếp hạng 1/3." {
		t.Errorf("tied leaders: %q", got)
	}
	if got := cchcSummary(en, tied); got != "A (en) and B (en) lead with an index of 90.00%; C (en) is last with an index of 80.50%. B (en) rose 1 place, ranking 1/3." {
		t.Errorf("tied leaders in English: %q", got)
	}
	only := survey.CCHCGroupResult{Units: []survey.CCHCUnitResult{u("A", 77, 1, 0)}}
	if got := cchcSummary(vi, only); got != "A là đơn vị duy nhất được chấm điểm, với chỉ số 77,00 %." {
		t.Errorf("one unit: %q", got)
	}
	if got := cchcSummary(vi, survey.CCHCGroupResult{}); got != "" {
		t.Errorf("no unit: %q", got)
	}
}

// The framework page: a draft's JSON is checked when saved (not JSON: the
// field's message), its rules when published (a message per problem).
func TestCCHCAdminPage(t *testing.T) {
	env := newTestEnv(t)
	admin := newAdmin(t, env)
	if r := admin.get(t, "/admin"); !hasElement(r.body, "[href=\"/admin/cchc\"]") {
		t.Errorf("the administration's menu has no link to the CCHC frameworks")
	}
	r := admin.post(t, "/admin/cchc", nil)
	if r.status != http.StatusSeeOther || r.location() != "/admin/cchc/1?done=created" {
		t.Fatalf("new draft: %s", r)
	}
	r = admin.post(t, "/admin/cchc/1", url.Values{"content": {`{"title": `}})
	if r.status != http.StatusBadRequest || !strings.Contains(r.body, viMessage(t, env, "cchc.err.json")) || !strings.Contains(r.body, `{&#34;title&#34;: `) {
		t.Errorf("save broken JSON: %s", r)
	}
	r = admin.post(t, "/admin/cchc/1", url.Values{"content": {`{"title":{"vi":"","en":"x"},"fromYear":1999,"groups":[]}`}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("save a half-done draft: %s", r)
	}
	r = admin.post(t, "/admin/cchc/1/publish", nil)
	if r.status != http.StatusBadRequest || !strings.Contains(r.body, "fromYear") || !strings.Contains(r.body, "title.vi") {
		t.Errorf("publish a draft with problems: %s", r)
	}
	fws, err := env.store.CCHCFrameworks(context.Background())
	if err != nil || len(fws) != 1 || fws[0].Published {
		t.Errorf("after the refused publication: %+v %v", fws, err)
	}
}

// Concurrent entries for one year all land: none undoes another.
func TestCCHCConcurrentEntries(t *testing.T) {
	_, insp := cchcEnv(t)
	codes := []string{"so-tu-phap", "so-cong-thuong", "so-nn-ptnt", "so-xay-dung", "so-tn-mt", "so-lao-dong", "lam-binh", "chiem-hoa"}
	var wg sync.WaitGroup
	for _, code := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := insp.api(t, http.MethodPut, "/api/v1/cchc/2020/points", `{"units":[{"agency":"`+code+`","points":{"7.1":5}}]}`)
			if r.status != http.StatusOK {
				t.Errorf("PUT %s: %s", code, r)
			}
		}()
	}
	wg.Wait()
	y, err := insp.env.store.CCHCYear(context.Background(), 2020)
	if err != nil || len(y.Units) != len(codes) || y.Rev != int64(len(codes)) {
		t.Errorf("after %d concurrent entries: %d units, revision %d, %v", len(codes), len(y.Units), y.Rev, err)
	}
}
