package server

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"hailong/survey"
)

// The rankings page and GET /api/v1/rankings over a real server and a real
// embedded FerretDB.

// seedRankings stores this month's and last month's responses (minimum sample 3)
// and returns the current month. With v(i) the answer to every question of
// response i:
//
//	this month                                 last month (entered on paper)
//	so-tu-phap      4 × 5            → 100 %    3 × 4        → 100 % (change 0,0)
//	so-xay-dung     3 × 5            → 100 %    2 × 5        under the minimum (—)
//	so-cong-thuong  3: 4, 4, 1       → 66,7 %   3 × 5        → 100 % (change −33,3)
//	so-giao-thong   3: 4, 4, 1       → 66,7 %, then dissolved today
//	so-tn-mt        2 × 5            → under the minimum
//	lam-binh        3 × 5  ┐ x-thuong-lam is merged into lam-binh today:
//	x-thuong-lam    3 × 1  ┘ lam-binh ranks 6 responses, 3 satisfied → 50 %
//	chiem-hoa       3: 5, 1, 1       → 33,3 %   3 × 1        → 0 % (change +33,3)
//
// Departments: so-tu-phap and so-xay-dung share rank 1, so-cong-thuong and
// so-giao-thong rank 3; districts: lam-binh 1, chiem-hoa 2; x-thuong-lam is
// never ranked on its own.
func seedRankings(t *testing.T, env *testEnv, admin *staffUser) survey.Month {
	t.Helper()
	now := survey.MonthOf(time.Now())
	lastMonth := now.Add(-1).Start().AddDate(0, 0, 14).Format(time.DateOnly)
	seed := func(token, at, agency, area string, values ...int) {
		channel := "web"
		if at != "" {
			channel = "paper"
		}
		for _, v := range values {
			submitAt(t, env, token, agency, area, channel, at, uniformAnswers(t, env, area, v, nil))
		}
	}
	seed("", "", "so-tu-phap", "tu-phap", 5, 5, 5, 5)
	seed("", "", "so-xay-dung", "xay-dung", 5, 5, 5)
	seed("", "", "so-cong-thuong", "cong-thuong", 4, 4, 1)
	seed("", "", "so-giao-thong", "giao-thong", 4, 4, 1)
	seed("", "", "so-tn-mt", "dat-dai", 5, 5)
	seed("", "", "lam-binh", "dat-dai", 5, 5, 5)
	seed("", "", "x-thuong-lam", "dat-dai", 1, 1, 1)
	seed("", "", "chiem-hoa", "dat-dai", 5, 1, 1)
	seed(admin.token, lastMonth, "so-tu-phap", "tu-phap", 4, 4, 4)
	seed(admin.token, lastMonth, "so-xay-dung", "xay-dung", 5, 5)
	seed(admin.token, lastMonth, "so-cong-thuong", "cong-thuong", 5, 5, 5)
	seed(admin.token, lastMonth, "chiem-hoa", "dat-dai", 1, 1, 1)
	flushCounts(t, env)
	mergeInto(t, admin, "lam-binh", "x-thuong-lam")
	today := time.Now().In(survey.Zone()).Format(time.DateOnly)
	if r := admin.api(t, http.MethodPost, "/api/v1/admin/agencies/so-giao-thong/dissolve", map[string]any{"date": today}); r.status != http.StatusOK {
		t.Fatalf("dissolve so-giao-thong: %s", r)
	}
	return now
}

// fetchRankings reads the rankings API with a token; it must answer 200.
func fetchRankings(t *testing.T, env *testEnv, token string, q url.Values) RankingsJSON {
	t.Helper()
	r := callAPI(t, env, token, http.MethodGet, "/api/v1/rankings?"+q.Encode(), nil)
	if r.status != http.StatusOK {
		t.Fatalf("GET /api/v1/rankings?%s: %s", q.Encode(), r)
	}
	var out RankingsJSON
	if err := json.Unmarshal([]byte(r.body), &out); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
	return out
}

// rankingLevel returns the level of the answer, failing when it is absent.
func rankingLevel(t *testing.T, r RankingsJSON, level survey.Level) RankingLevelJSON {
	t.Helper()
	for _, l := range r.Levels {
		if l.Level == level {
			return l
		}
	}
	t.Fatalf("no level %s in the answer", level)
	return RankingLevelJSON{}
}

// rankingRow is a row as the page shows it.
type rankingRow struct {
	Agency, Rank, Index, CI, Responses, Change string
}

// rankingPageRows reads the rows of the table with the id from the page.
func rankingPageRows(body, id string) []rankingRow {
	doc, err := parseHTML(body)
	if err != nil {
		return nil
	}
	table := findFirst(doc, "#"+id)
	if table == nil {
		return nil
	}
	var out []rankingRow
	for _, tr := range findAll(table, `tr[data-agency]`) {
		r := rankingRow{Agency: attrOf(tr, "data-agency")}
		for _, td := range findAll(tr, `td.num`) {
			v := textOf(td)
			switch {
			case hasClass(td, "rank"):
				r.Rank = v
			case hasClass(td, "index"):
				r.Index = v
			case hasClass(td, "ci"):
				r.CI = v
			case hasClass(td, "responses"):
				r.Responses = v
			case hasClass(td, "delta"):
				r.Change = v
			}
		}
		out = append(out, r)
	}
	return out
}

// wantRankingRow is how the page should write an API row in Vietnamese.
func wantRankingRow(ms *Messages, x RankingRowJSON, ranked, scoped bool, rankedUnits int) rankingRow {
	w := rankingRow{Agency: x.Agency, Responses: ms.Int(x.Responses)}
	if x.Overall.NoData {
		w.Index = ms.T("rank.nodata")
	} else {
		w.Index = ms.Pct(x.Overall.Index)
	}
	if ranked {
		w.Rank = strconv.Itoa(x.Rank)
		if x.RankRange != nil {
			w.Rank += fmt.Sprintf(" (%d–%d)", x.RankRange[0], x.RankRange[1])
		}
		if scoped {
			w.Rank += " " + ms.T("rank.of", rankedUnits)
		}
		w.CI = ms.Pct(x.Overall.Low) + " – " + ms.Pct(x.Overall.High)
		w.Change = "—"
		if x.Change != nil {
			w.Change = ms.ChangeText(*x.Change)
		}
	}
	return w
}

// pageAgreesWithRankings checks that the page shows the API's levels, rows and sentences.
func pageAgreesWithRankings(t *testing.T, env *testEnv, api RankingsJSON, page string) {
	t.Helper()
	ms := env.srv.locales[survey.Vi]
	for _, l := range api.Levels {
		lv := string(l.Level)
		if !hasElement(page, "[id=\"level-"+lv+"\"]") {
			t.Errorf("level %s: not on the page", lv)
			continue
		}
		for _, part := range []struct {
			id     string
			rows   []RankingRowJSON
			ranked bool
		}{{"ranked-" + lv, l.Ranked, true}, {"unranked-" + lv, l.Unranked, false}} {
			var want []rankingRow
			for _, x := range part.rows {
				want = append(want, wantRankingRow(ms, x, part.ranked, api.Scope == "own", l.RankedUnits))
			}
			if got := rankingPageRows(page, part.id); !slices.Equal(got, want) {
				t.Errorf("table %s:\n page %+v\n  API %+v", part.id, got, want)
			}
		}
		sum := findIn(t, page, `p.summary-line#summary-`+lv)
		switch {
		case l.Summary == nil && len(sum) != 0:
			t.Errorf("level %s: the page has a sentence %q, the API none", lv, textOf(sum[0]))
		case l.Summary != nil && (len(sum) != 1 || textOf(sum[0]) != l.Summary.Vi):
			t.Errorf("level %s: the page's sentence %v, the API's %q", lv, textsOf(mustHTML(t, page), `p.summary-line#summary-`+lv), l.Summary.Vi)
		}
	}
	if n := len(findIn(t, page, `[class=rank-level]`)); n != len(api.Levels) {
		t.Errorf("the page has %d levels, the API %d", n, len(api.Levels))
	}
	if got := textsOf(mustHTML(t, page), `code#rule`); len(got) != 1 || got[0] != api.Rule.ID {
		t.Errorf("the page does not name the rule %s", api.Rule.ID)
	}
}

func TestRankingsPageAndAPI(t *testing.T) {
	env := newTestEnvMin(t, 3)
	admin := newAdmin(t, env)
	now := seedRankings(t, env, admin)
	insp := newStaff(t, env, "inspector", survey.RoleInspector)
	trade := newStaff(t, env, "trade", survey.RoleStaff, "so-cong-thuong")
	commune := newStaff(t, env, "commune", survey.RoleStaff, "x-thuong-lam")
	month := url.Values{"from": {now.String()}, "to": {now.String()}}

	api := fetchRankings(t, env, insp.token, month)
	t.Run("figures", func(t *testing.T) {
		if api.Rule.ID != survey.DefaultRuleID || api.Rule.MinSample != 3 || api.Scope != "all" || api.Period != now.String() {
			t.Errorf("rule %+v, scope %q, period %q; want %s with minimum 3, all, %s", api.Rule, api.Scope, api.Period, survey.DefaultRuleID, now)
		}
		if api.Previous == nil || api.Previous.From != now.Add(-1).String() || api.Previous.To != now.Add(-1).String() {
			t.Errorf("previous period %+v, want %s", api.Previous, now.Add(-1))
		}
		var levels []survey.Level
		for _, l := range api.Levels {
			levels = append(levels, l.Level)
		}
		if want := []survey.Level{survey.LevelDepartment, survey.LevelDistrict, survey.LevelCommune}; !slices.Equal(levels, want) {
			t.Errorf("levels %v, want %v", levels, want)
		}
		type row struct {
			agency    string
			rank      int
			index     float64
			responses int64
			change    string // "" for null
			dissolved bool
			includes  []string
		}
		check := func(what string, got []RankingRowJSON, want []row) {
			t.Helper()
			if len(got) != len(want) {
				var codes []string
				for _, g := range got {
					codes = append(codes, g.Agency)
				}
				t.Errorf("%s: rows %v, want %d", what, codes, len(want))
				return
			}
			for i, w := range want {
				g := got[i]
				change := ""
				if g.Change != nil {
					change = strconv.FormatFloat(g.Change.Points, 'f', 4, 64)
				}
				if g.Agency != w.agency || g.Rank != w.rank || !closeTo(g.Overall.Index, w.index) || g.Responses != w.responses ||
					change != w.change || (g.Dissolved != "") != w.dissolved || !slices.Equal(g.Includes, w.includes) {
					t.Errorf("%s row %d: %s rank %d index %v responses %d change %q dissolved %q includes %v; want %+v",
						what, i, g.Agency, g.Rank, g.Overall.Index, g.Responses, change, g.Dissolved, g.Includes, w)
				}
			}
		}
		dep := rankingLevel(t, api, survey.LevelDepartment)
		check("departments", dep.Ranked, []row{
			{"so-tu-phap", 1, 100, 4, "0.0000", false, nil},
			{"so-xay-dung", 1, 100, 3, "", false, nil},
			{"so-cong-thuong", 3, 200.0 / 3, 3, "-33.3333", false, nil},
			{"so-giao-thong", 3, 200.0 / 3, 3, "", true, nil},
		})
		if dep.RankedUnits != 4 || dep.Ranked[1].Previous == nil || !dep.Ranked[1].Previous.TooFew || dep.Ranked[1].Previous.Responses != 2 {
			t.Errorf("departments: %d ranked, so-xay-dung before %+v; want 4, and 2 responses under the minimum", dep.RankedUnits, dep.Ranked[1].Previous)
		}
		if d := dep.Ranked[3].Dissolved; d != time.Now().In(survey.Zone()).Format(time.DateOnly) {
			t.Errorf("so-giao-thong dissolved %q, want today", d)
		}
		// Under the minimum first, then the departments without a response.
		check("departments not ranked", dep.Unranked, []row{
			{"so-tn-mt", 0, 100, 2, "", false, nil},
			{"so-ke-hoach-dau-tu", 0, 0, 0, "", false, nil},
			{"so-lao-dong", 0, 0, 0, "", false, nil},
			{"so-nn-ptnt", 0, 0, 0, "", false, nil},
		})
		wantVi := "Sở Tư pháp và Sở Xây dựng cùng dẫn đầu với chỉ số 100,0 %; Sở Công Thương và Sở Giao thông vận tải cùng đứng cuối với 66,7 %."
		wantEn := "Department of Justice and Department of Construction share the lead with an index of 100.0%; " +
			"Department of Industry and Trade and Department of Transport share last place with 66.7%."
		if dep.Summary == nil || dep.Summary.Vi != wantVi || dep.Summary.En != wantEn {
			t.Errorf("departments' sentence %+v,\nwant vi %q\n     en %q", dep.Summary, wantVi, wantEn)
		}
		dist := rankingLevel(t, api, survey.LevelDistrict)
		check("districts", dist.Ranked, []row{
			{"lam-binh", 1, 50, 6, "", false, []string{"x-thuong-lam"}},
			{"chiem-hoa", 2, 100.0 / 3, 3, "33.3333", false, nil},
		})
		if want := "UBND huyện Lâm Bình dẫn đầu với chỉ số 50,0 %; UBND huyện Chiêm Hóa đứng cuối với 33,3 %."; dist.Summary == nil || dist.Summary.Vi != want {
			t.Errorf("districts' sentence %+v, want %q", dist.Summary, want)
		}
		com := rankingLevel(t, api, survey.LevelCommune)
		if len(com.Ranked) != 0 || com.Summary != nil {
			t.Errorf("communes: ranked %+v, sentence %v; want none (x-thuong-lam counts with lam-binh)", com.Ranked, com.Summary)
		}
		for _, r := range com.Unranked {
			if r.Agency == "x-thuong-lam" || r.Responses != 0 {
				t.Errorf("communes not ranked: %s with %d responses, want only silent communes", r.Agency, r.Responses)
			}
		}
	})

	t.Run("the page shows the API's figures", func(t *testing.T) {
		r := insp.get(t, "/rankings?"+month.Encode())
		if r.status != http.StatusOK {
			t.Fatalf("GET /rankings: %s", r)
		}
		pageAgreesWithRankings(t, env, api, r.body)
		if !hasElement(r.body, "[href=\"/rankings\"]") {
			t.Errorf("the navigation has no link to /rankings")
		}
		for _, f := range []string{"csv", "xlsx", "json"} {
			link := "/api/v1/exports/aggregates?" + html.EscapeString(url.Values{"format": {f}, "from": month["from"], "to": month["to"], "granularity": {"month"}, "basis": {"independent"}}.Encode())
			if !strings.Contains(r.body, link) {
				t.Errorf("no download link %s", link)
			}
		}
		// The same ranking named as a period.
		if p := fetchRankings(t, env, insp.token, url.Values{"period": {now.String()}}); p.From != api.From || len(p.Levels) != len(api.Levels) ||
			rankingLevel(t, p, survey.LevelDepartment).Summary.Vi != rankingLevel(t, api, survey.LevelDepartment).Summary.Vi {
			t.Errorf("period=%s gives %s..%s, not the same ranking", now, p.From, p.To)
		}
	})

	t.Run("an area", func(t *testing.T) {
		q := url.Values{"from": {now.String()}, "to": {now.String()}, "area": {"dat-dai"}}
		a := fetchRankings(t, env, insp.token, q)
		dist := rankingLevel(t, a, survey.LevelDistrict)
		if len(dist.Ranked) != 2 || dist.Ranked[0].Agency != "lam-binh" || dist.Ranked[0].Responses != 6 {
			t.Errorf("districts in dat-dai: %+v", dist.Ranked)
		}
		dep := rankingLevel(t, a, survey.LevelDepartment)
		if len(dep.Ranked) != 0 || len(dep.Unranked) != 1 || dep.Unranked[0].Agency != "so-tn-mt" || dep.Unranked[0].Responses != 2 {
			t.Errorf("departments in dat-dai: ranked %+v, unranked %+v; want only so-tn-mt, unranked", dep.Ranked, dep.Unranked)
		}
		r := insp.get(t, "/rankings?"+q.Encode())
		if r.status != http.StatusOK {
			t.Fatalf("GET /rankings with an area: %s", r)
		}
		pageAgreesWithRankings(t, env, a, r.body)
	})

	t.Run("roles", func(t *testing.T) {
		out := doRequest(t, nil, http.MethodGet, env.http.URL+"/rankings?"+month.Encode(), "", nil)
		if want := "/login?next=" + url.QueryEscape("/rankings?"+month.Encode()); out.status != http.StatusSeeOther || out.location() != want {
			t.Errorf("logged out, the page: %s, want 303 to %s", out, want)
		}
		if out := callAPI(t, env, "", http.MethodGet, "/api/v1/rankings?"+month.Encode(), nil); out.status != http.StatusUnauthorized {
			t.Errorf("logged out, the API: %s, want 401", out)
		}
		adm := fetchRankings(t, env, admin.token, month)
		if b, _ := json.Marshal(adm); string(b) != func() string { b, _ := json.Marshal(api); return string(b) }() {
			t.Errorf("the administrator's ranking differs from the inspector's")
		}

		// Agency staff: their own row, its rank of how many, nothing else.
		own := fetchRankings(t, env, trade.token, month)
		if own.Scope != "own" || len(own.Levels) != 1 {
			t.Fatalf("staff of so-cong-thuong: scope %q, %d levels; want own, 1", own.Scope, len(own.Levels))
		}
		dep := own.Levels[0]
		if dep.Level != survey.LevelDepartment || dep.Summary != nil || dep.RankedUnits != 4 || len(dep.Unranked) != 0 ||
			len(dep.Ranked) != 1 || dep.Ranked[0].Agency != "so-cong-thuong" || dep.Ranked[0].Rank != 3 {
			t.Errorf("staff of so-cong-thuong: %+v; want only their row, rank 3 of 4, no sentence", dep)
		}
		page := trade.get(t, "/rankings?"+month.Encode())
		if page.status != http.StatusOK {
			t.Fatalf("staff page: %s", page)
		}
		pageAgreesWithRankings(t, env, own, page.body)
		for _, other := range []string{"so-tu-phap", "Sở Tư pháp", "so-giao-thong", "lam-binh", "UBND huyện"} {
			if strings.Contains(page.body, other) {
				t.Errorf("the staff page of so-cong-thuong shows %q", other)
			}
		}
		if !hasElement(page.body, "[id=\"scoped\"]") {
			t.Errorf("the staff page does not say it shows their agencies only")
		}
		// The staff of a merged agency: its successor is not theirs.
		if got := fetchRankings(t, env, commune.token, month); got.Scope != "own" || len(got.Levels) != 0 {
			t.Errorf("staff of x-thuong-lam: %+v, want no level", got.Levels)
		}
	})

	t.Run("bad parameters", func(t *testing.T) {
		for _, tc := range []struct {
			query, field string
		}{
			{"from=2025-13&to=2025-12", "from"},
			{"from=2025-06&to=2025-05", "to"},
			{"from=2000-01&to=2025-12", "to"},
			{"from=abc", "from"},
			{"period=2025-Q5", "period"},
			{"period=2025-Q3&from=2025-07", "period"},
			{"period=%24where", "period"},
			{"area=no-such-area", "area"},
			{"area=%24gt", "area"},
		} {
			r := callAPI(t, env, insp.token, http.MethodGet, "/api/v1/rankings?"+tc.query, nil)
			wantFieldError(t, "API ?"+tc.query, r, tc.field)
			if r.status == http.StatusBadRequest {
				if e := decodeAPIError(t, r); e.Error.Fields[tc.field] != viMessage(t, env, "rank.err."+tc.field+".invalid") {
					t.Errorf("API ?%s: %q, want the Vietnamese message", tc.query, e.Error.Fields[tc.field])
				}
			}
			p := insp.get(t, "/rankings?"+tc.query)
			if p.status != http.StatusBadRequest || !strings.Contains(p.body, html.EscapeString(viMessage(t, env, "rank.err."+tc.field+".invalid"))) {
				t.Errorf("page ?%s: %d, want 400 with the message of %s", tc.query, p.status, tc.field)
			}
		}
		// In English on request.
		r := doRequest(t, nil, http.MethodGet, env.http.URL+"/api/v1/rankings?period=2025-Q5", "",
			map[string]string{"Authorization": "Bearer " + insp.token, "Accept-Language": "en"})
		if e := decodeAPIError(t, r); r.status != http.StatusBadRequest || e.Error.Fields["period"] != env.srv.locales[survey.En].T("rank.err.period.invalid") {
			t.Errorf("English error: %s", r)
		}
		p := insp.get(t, "/rankings?period=2025-Q5&lang=en")
		if p.status != http.StatusBadRequest || !strings.Contains(p.body, html.EscapeString(env.srv.locales[survey.En].T("rank.err.period.invalid"))) {
			t.Errorf("English page: %d", p.status)
		}
	})

	// Last, as it adds an agency: names are text, never markup.
	t.Run("an agency name is escaped", func(t *testing.T) {
		evil := `<img src=x onerror=alert(1)>"Sở"`
		r := admin.api(t, http.MethodPost, "/api/v1/admin/agencies", map[string]any{
			"code": "so-inject", "name": map[string]string{"vi": evil, "en": evil}, "level": "department", "areas": []string{"tu-phap"},
		})
		if r.status != http.StatusCreated && r.status != http.StatusOK {
			t.Fatalf("create so-inject: %s", r)
		}
		for range 3 {
			submitAt(t, env, "", "so-inject", "tu-phap", "web", "", uniformAnswers(t, env, "tu-phap", 5, nil))
		}
		flushCounts(t, env)
		got := rankingLevel(t, fetchRankings(t, env, insp.token, month), survey.LevelDepartment)
		if got.Summary == nil || !strings.Contains(got.Summary.Vi, evil) {
			t.Fatalf("so-inject is not among the leaders: %+v", got.Summary)
		}
		page := insp.get(t, "/rankings?"+month.Encode())
		if strings.Contains(page.body, "<img") || !strings.Contains(page.body, html.EscapeString(evil)) {
			t.Errorf("the name is not escaped on the page")
		}
		if strings.Contains(callAPI(t, env, insp.token, http.MethodGet, "/api/v1/rankings?"+month.Encode(), nil).body, "<img") {
			t.Errorf("the JSON carries raw markup")
		}
	})
}
