package server

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"hailong/survey"
)

// The funnel's limits by hand: around 80 % at n = 100 the standard error is
// 100·√(0.8·0.2/100) = 4 points, so the 95 % limits are 80 ± 1.959964·4 =
// 72.160 and 87.840, and the 99.8 % limits 80 ± 3.090232·4 = 67.639 and
// 92.361. At n = 400 it is 2 points (76.080–83.920 at 95 %).
func TestFunnelLimitsByHand(t *testing.T) {
	l := funnelLimits(80, 100)
	for _, c := range []struct {
		what      string
		got, want float64
	}{{"low 95", l.Low95, 72.160144}, {"high 95", l.High95, 87.839856}, {"low 99.8", l.Low998, 67.639071}, {"high 99.8", l.High998, 92.360929}} {
		if math.Abs(c.got-c.want) > 1e-5 {
			t.Errorf("%s at n = 100 around 80: %.6f, want %.6f", c.what, c.got, c.want)
		}
	}
	if l := funnelLimits(80, 400); math.Abs(l.Low95-76.080072) > 1e-5 || math.Abs(l.High95-83.919928) > 1e-5 {
		t.Errorf("95 %% limits at n = 400: %.6f–%.6f, want 76.080072–83.919928", l.Low95, l.High95)
	}
	// Limits never leave 0–100.
	if l := funnelLimits(97, 10); l.High95 != 100 || l.High998 != 100 || l.Low998 < 0 {
		t.Errorf("limits around 97 at n = 10: %+v, want the upper ones at 100", l)
	}
}

func TestFunnelNamesTheUnitsOutside(t *testing.T) {
	ms := testMessages(t, survey.En)
	units := []FunnelUnit{
		{Code: "a", Name: "Above <95>", Index: 90, EffectiveN: 100},  // 87.84 < 90 < 92.36
		{Code: "b", Name: "Far above", Index: 95, EffectiveN: 100},   // > 92.36
		{Code: "c", Name: "Below", Index: 70, EffectiveN: 100},       // 67.64 < 70 < 72.16
		{Code: "d", Name: "Far below", Index: 60, EffectiveN: 100},   // < 67.64
		{Code: "e", Name: "Inside big", Index: 81, EffectiveN: 400},  // 76.08–83.92
		{Code: "f", Name: "Inside small", Index: 92, EffectiveN: 25}, // 64.32–95.68
	}
	f := buildFunnel(ms, "department", "Funnel plot: departments", 80, units)
	pos := map[string]string{}
	for _, r := range f.Rows {
		pos[r.Code] = r.Position
	}
	want := map[string]string{"a": FunnelAbove95, "b": FunnelAbove998, "c": FunnelBelow95, "d": FunnelBelow998, "e": FunnelWithin, "f": FunnelWithin}
	for code, w := range want {
		if pos[code] != w {
			t.Errorf("%s: %q, want %q", code, pos[code], w)
		}
	}
	var outside []string
	for _, r := range f.Outliers {
		outside = append(outside, r.Code)
	}
	if !slices.Equal(outside, []string{"b", "a", "c", "d"}) {
		t.Errorf("named outside the limits: %v, want b, a, c, d (best first)", outside)
	}
	svg := string(f.SVG)
	// Read through a parser: an unescaped "<95>" would be a tag, not text.
	named := textsOf(mustHTML(t, svg), `text.funnel-label`)
	slices.Sort(named)
	if want := []string{"Above <95>", "Below", "Far above", "Far below"}; !slices.Equal(named, want) {
		t.Errorf("the plot names %q, want %q (escaped)", named, want)
	}
	if n := strings.Count(svg, `class="funnel-unit`); n != len(units) {
		t.Errorf("%d units drawn, want %d", n, len(units))
	}
	for _, part := range []string{`svg[role=img]`, `[class=funnel-95]`, `[class=funnel-998]`, `[class=funnel-mean]`} {
		if !hasElement(svg, part) {
			t.Errorf("the plot lacks %s", part)
		}
	}
	if !hasText(svg, `title#funnel-title-department`, "Funnel plot: departments") {
		t.Errorf("the plot lacks its title %q", "Funnel plot: departments")
	}
	if strings.Contains(svg, "<script") || strings.Contains(svg, "NaN") || strings.Contains(svg, "Inf") {
		t.Errorf("the plot has a script or a non-number: %s", svg)
	}
	// One unit, or none, still draws.
	if one := buildFunnel(ms, "x", "t", 50, units[:1]); !strings.Contains(string(one.SVG), "</svg>") || strings.Contains(string(one.SVG), "NaN") {
		t.Errorf("a one-unit funnel: %s", one.SVG)
	}
	if none := buildFunnel(ms, "x", "t", 50, nil); strings.Contains(string(none.SVG), "NaN") || len(none.Rows) != 0 {
		t.Errorf("an empty funnel: %s", none.SVG)
	}
}

// testMessages are the server's messages in a language.
func testMessages(t *testing.T, lang survey.Lang) *Messages {
	t.Helper()
	ls, err := loadLocales()
	if err != nil {
		t.Fatal(err)
	}
	return ls[lang]
}

// Four departments this month (minimum sample 3), every question answered
// alike within a response:
//
//	so-tu-phap      10 × 5          → 100 %   above the 95 % limit
//	so-xay-dung     5 × 5, 1 × 1    → 83,3 %  (2 × 5 last month: too few)
//	so-cong-thuong  4, 4, 1         → 66,7 %
//	so-giao-thong   6 × 1           → 0 %     below the 99.8 % limit
//	so-tn-mt        2 × 5           → too few to rank; its criteria too few to order
//
// The province pools them: 19 satisfied responses of 27 → 70,4 %.
func frSeed(t *testing.T, env *testEnv, admin *staffUser) survey.Month {
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
	seed("", "", "so-tu-phap", "tu-phap", 5, 5, 5, 5, 5, 5, 5, 5, 5, 5)
	seed("", "", "so-xay-dung", "xay-dung", 5, 5, 5, 5, 5, 1)
	seed("", "", "so-cong-thuong", "cong-thuong", 4, 4, 1)
	seed("", "", "so-giao-thong", "giao-thong", 1, 1, 1, 1, 1, 1)
	seed("", "", "so-tn-mt", "dat-dai", 5, 5)
	seed(admin.token, lastMonth, "so-xay-dung", "xay-dung", 5, 5)
	flushCounts(t, env)
	return now
}

func TestRankRangesFunnelTrendAndWeakestPages(t *testing.T) {
	env := newTestEnvMin(t, 3)
	admin := newAdmin(t, env)
	now := frSeed(t, env, admin)
	insp := newStaff(t, env, "inspector", survey.RoleInspector)
	month := url.Values{"from": {now.String()}, "to": {now.String()}}
	api := fetchRankings(t, env, insp.token, month)
	ms := env.srv.locales[survey.Vi]
	dep := rankingLevel(t, api, survey.LevelDepartment)

	t.Run("rank ranges", func(t *testing.T) {
		if len(dep.Ranked) != 4 || len(dep.Unranked) == 0 {
			t.Fatalf("departments: %d ranked, %d unranked; want 4 and so-tn-mt apart", len(dep.Ranked), len(dep.Unranked))
		}
		wider := false
		for _, x := range dep.Ranked {
			rr := x.RankRange
			if rr == nil || rr[0] < 1 || rr[0] > x.Rank || rr[1] < x.Rank || rr[1] > dep.RankedUnits {
				t.Errorf("%s rank %d: range %v, want 1 ≤ lo ≤ rank ≤ hi ≤ %d", x.Agency, x.Rank, rr, dep.RankedUnits)
				continue
			}
			wider = wider || rr[1] > rr[0]
		}
		if !wider {
			t.Errorf("every range is a single place with 3 to 10 responses a unit: the simulation draws nothing")
		}
		for _, x := range dep.Unranked {
			if x.RankRange != nil {
				t.Errorf("unranked %s has the range %v", x.Agency, x.RankRange)
			}
		}
		if again := fetchRankings(t, env, insp.token, month); !slices.EqualFunc(rankingLevel(t, again, survey.LevelDepartment).Ranked, dep.Ranked,
			func(a, b RankingRowJSON) bool { return *a.RankRange == *b.RankRange }) {
			t.Errorf("the ranges changed between two reads of the same figures")
		}
		if api.Province.NoData || math.Abs(api.Province.Index-100*19.0/27) > 1e-9 {
			t.Errorf("province %+v, want 70.37 (19 of 27)", api.Province)
		}
	})

	page := insp.get(t, "/rankings?"+month.Encode())
	if page.status != http.StatusOK {
		t.Fatalf("GET /rankings: %s", page)
	}
	t.Run("the page shows ranks with their ranges", func(t *testing.T) {
		pageAgreesWithRankings(t, env, api, page.body) // "3 (1–4)": wantRankingRow writes the API's range
		for _, r := range rankingPageRows(page.body, "ranked-department") {
			if !regexp.MustCompile(`^\d+ \(\d+–\d+\)$`).MatchString(r.Rank) {
				t.Errorf("%s: rank cell %q, want \"3 (1–6)\"", r.Agency, r.Rank)
			}
		}
	})

	t.Run("the funnel plot", func(t *testing.T) {
		doc := mustHTML(t, page.body)
		fig := findFirst(doc, `figure.funnel#funnel-department`)
		if fig == nil {
			t.Fatalf("no funnel plot for the departments")
		}
		if n := len(findAll(fig, `[class^=funnel-unit]`)); n != len(dep.Ranked) {
			t.Errorf("%d units on the plot, want the %d ranked", n, len(dep.Ranked))
		}
		got := map[string]string{}
		for _, li := range findAll(doc, `#funnel-outliers-department li[data-code]`) {
			// "<name>: <index>, <where>"
			_, rest, _ := strings.Cut(textOf(li), ": ")
			_, where, _ := strings.Cut(rest, ", ")
			got[attrOf(li, "data-code")] = where
		}
		want := map[string]string{"so-tu-phap": ms.T("funnel.pos.above95"), "so-giao-thong": ms.T("funnel.pos.below998")}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("named outside the limits: %v, want %v", got, want)
		}
		// The table: every ranked unit with its limits at its effective n.
		// Each row: the agency's code, then its index, n, 95 % and 99.8 % limits, position.
		var rows [][]string
		for _, tr := range findAll(doc, `#funnel-table-department tbody tr[data-code]`) {
			cells := []string{outerHTML(tr), attrOf(tr, "data-code")}
			if findFirst(tr, `th[scope=row]`) == nil {
				t.Errorf("funnel table row %s has no row header", cells[0])
			}
			cells = append(cells, textsOf(tr, "td")...)
			if len(cells) != 7 {
				t.Fatalf("funnel table row %s has %d cells, want 5", cells[0], len(cells)-2)
			}
			rows = append(rows, cells)
		}
		if len(rows) != len(dep.Ranked) {
			t.Fatalf("the funnel's table has %d rows, want %d", len(rows), len(dep.Ranked))
		}
		for _, x := range dep.Ranked {
			n := survey.EffectiveN(x.Overall)
			p := api.Province.Index / 100
			se := 100 * math.Sqrt(p*(1-p)/n)
			w95 := ms.Pct(math.Max(0, api.Province.Index-1.959964*se)) + " – " + ms.Pct(math.Min(100, api.Province.Index+1.959964*se))
			found := false
			for _, r := range rows {
				if r[1] == x.Agency {
					found = true
					if r[2] != ms.Pct(x.Overall.Index) || r[4] != w95 {
						t.Errorf("%s in the table: %q, 95 %% limits %q; want %q and %q", x.Agency, r[2], r[4], ms.Pct(x.Overall.Index), w95)
					}
				}
			}
			if !found {
				t.Errorf("%s is not in the funnel's table", x.Agency)
			}
		}
	})

	t.Run("trend months under the minimum", func(t *testing.T) {
		q := url.Values{"from": {now.Add(-1).String()}, "to": {now.String()}}
		r := insp.api(t, http.MethodGet, "/api/v1/reports/agencies/so-xay-dung?"+q.Encode(), nil)
		if r.status != http.StatusOK {
			t.Fatalf("report: %s", r)
		}
		var rep ReportJSON
		if err := json.Unmarshal([]byte(r.body), &rep); err != nil {
			t.Fatal(err)
		}
		if len(rep.Trend) != 2 || !rep.Trend[0].TooFew || rep.Trend[0].Responses != 2 || rep.Trend[1].TooFew || rep.Trend[1].Responses != 6 {
			t.Fatalf("trend %+v, want last month too few (2), this month not (6)", rep.Trend)
		}
		if !strings.Contains(r.body, `"tooFew":true`) {
			t.Errorf("the JSON does not say tooFew")
		}
		p := insp.get(t, "/dashboard?agency=so-xay-dung&"+q.Encode())
		if p.status != http.StatusOK {
			t.Fatalf("dashboard: %s", p)
		}
		if n := strings.Count(p.body, `<circle class="too-few"`); n != 1 {
			t.Errorf("%d hollow points on the trend, want 1 (last month)", n)
		}
		if !hasElement(p.body, "tr[data-month=\""+now.Add(-1).String()+"\"][class=\"too-few\"]") ||
			hasElement(p.body, "tr[data-month=\""+now.String()+"\"][class=\"too-few\"]") {
			t.Errorf("the trend table does not flag last month alone")
		}
	})

	t.Run("weakest first", func(t *testing.T) {
		q := url.Values{"from": {now.String()}, "to": {now.String()}}
		// so-tn-mt: 2 responses, every criterion under the minimum of 3:
		// none ordered, all listed apart.
		p := insp.get(t, "/dashboard?agency=so-tn-mt&"+q.Encode())
		if p.status != http.StatusOK {
			t.Fatalf("dashboard: %s", p)
		}
		crit := p.body[strings.Index(p.body, `<table id="criteria">`):]
		crit = crit[:strings.Index(crit, "</table>")]
		head := strings.Index(crit, `id="criteria-too-few"`)
		if head < 0 || strings.Contains(crit[:head], "data-code=") {
			t.Errorf("so-tn-mt: criteria ordered before the too-few heading, or no heading")
		}
		// so-xay-dung: every criterion has 6 valid answers: ordered by
		// their upper bounds (equal here, so in the form's order), none apart.
		r := insp.api(t, http.MethodGet, "/api/v1/reports/agencies/so-xay-dung?"+q.Encode(), nil)
		var rep ReportJSON
		if err := json.Unmarshal([]byte(r.body), &rep); err != nil {
			t.Fatal(err)
		}
		want := slices.Clone(rep.Report.Criteria)
		slices.SortStableFunc(want, func(a, b survey.ItemScore) int {
			switch {
			case a.High < b.High:
				return -1
			case a.High > b.High:
				return 1
			}
			return 0
		})
		p = insp.get(t, "/dashboard?agency=so-xay-dung&"+q.Encode())
		order := attrsOf(mustHTML(t, p.body), `tr[data-code]`, "data-code")
		var wantOrder []string
		for _, c := range want {
			wantOrder = append(wantOrder, c.Code)
		}
		if !slices.Equal(order, wantOrder) || hasElement(p.body, "[id=\"criteria-too-few\"]") {
			t.Errorf("so-xay-dung's criteria on the page %v, want %v and no too-few heading", order, wantOrder)
		}
	})
}
