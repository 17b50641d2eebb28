package server

import (
	"html"
	"math"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"hailong/survey"
)

// TestRankingChanges: a change carries its interval and Holm-adjusted
// test, previous its interval; the page shows ▲ only for a significant
// rise and "không thay đổi rõ rệt" otherwise; compare=year compares with
// the same month a year earlier.
func TestRankingChanges(t *testing.T) {
	env := newTestEnvMin(t, 3)
	admin := newAdmin(t, env)
	now := survey.MonthOf(time.Now())
	lastMonth := now.Add(-1).Start().AddDate(0, 0, 14).Format(time.DateOnly)
	seed := func(at, agency, area string, fives, ones int) {
		token, channel := "", "web"
		if at != "" {
			token, channel = admin.token, "paper"
		}
		for i := range fives + ones {
			v := 5
			if i >= fives {
				v = 1
			}
			submitAt(t, env, token, agency, area, channel, at, uniformAnswers(t, env, area, v, nil))
		}
	}
	seed(lastMonth, "so-tu-phap", "tu-phap", 15, 15) // 50 % → 93,3 %: a clear rise
	seed("", "so-tu-phap", "tu-phap", 28, 2)
	seed(lastMonth, "so-xay-dung", "xay-dung", 5, 5) // 50 % → 60 %: no clear change
	seed("", "so-xay-dung", "xay-dung", 6, 4)
	flushCounts(t, env)
	insp := newStaff(t, env, "inspector", survey.RoleInspector)
	month := url.Values{"from": {now.String()}, "to": {now.String()}}

	api := fetchRankings(t, env, insp.token, month)
	rows := map[string]RankingRowJSON{}
	for _, l := range api.Levels {
		for _, r := range l.Ranked {
			rows[r.Agency] = r
		}
	}
	up, flat := rows["so-tu-phap"], rows["so-xay-dung"]
	if up.Change == nil || flat.Change == nil || up.Previous == nil || flat.Previous == nil {
		t.Fatalf("changes %+v, %+v: want both", up.Change, flat.Change)
	}
	for _, r := range []RankingRowJSON{up, flat} {
		c, p := r.Change, r.Previous
		if c.Low > c.Points || c.Points > c.High || c.P < 0 || c.P > 1 || c.Significant != (c.P < 0.05) {
			t.Errorf("%s: change %+v", r.Agency, c)
		}
		if p.Low == nil || p.High == nil || p.Index == nil || *p.Low > *p.Index || *p.Index > *p.High || p.EffectiveN == nil {
			t.Errorf("%s: previous %+v without its interval", r.Agency, p)
		}
	}
	if !up.Change.Significant || up.Change.Points < 40 || up.Change.Low <= 0 {
		t.Errorf("50 → 93 %% over 30 responses: %+v, want a significant rise", up.Change)
	}
	if flat.Change.Significant || flat.Change.Low >= 0 || flat.Change.High <= 0 {
		t.Errorf("50 → 60 %% over 10 responses: %+v, want no clear change", flat.Change)
	}
	// Holm over the level's two changes: the larger p is at least its own.
	if own := survey.CompareScores(flat.Overall, survey.Score{Index: *flat.Previous.Index, Low: *flat.Previous.Low, High: *flat.Previous.High, EffectiveN: *flat.Previous.EffectiveN}); flat.Change.P < own.P-1e-12 {
		t.Errorf("adjusted p %.4f below the unadjusted %.4f", flat.Change.P, own.P)
	}

	page := insp.get(t, "/rankings?"+month.Encode())
	if page.status != http.StatusOK {
		t.Fatalf("page: %s", page)
	}
	ms := env.srv.locales[survey.Vi]
	for _, tc := range []struct {
		agency, want string
	}{{"so-tu-phap", "▲ " + ms.Delta(up.Change.Points)}, {"so-xay-dung", "không thay đổi rõ rệt"}} {
		found := false
		for _, r := range rankingPageRows(page.body, "ranked-department") {
			if r.Agency == tc.agency {
				found = true
				if r.Change != tc.want {
					t.Errorf("%s: the page shows %q, want %q", tc.agency, r.Change, tc.want)
				}
			}
		}
		if !found {
			t.Errorf("%s not on the page", tc.agency)
		}
	}
	if strings.Contains(page.body, "▼") {
		t.Errorf("the page shows a fall, none is significant")
	}

	// The dashboard and its API give the agency's own change since the
	// previous period, tested alone (no Holm adjustment: one test), with the
	// points the ranking gives.
	for _, agency := range []string{"so-tu-phap", "so-xay-dung"} {
		rep := fetchReport(t, env, insp.token, agency, month)
		if rep.Change == nil || rep.Previous == nil || rep.Previous.From != now.Add(-1).String() ||
			rep.Previous.Overall.Index != *rows[agency].Previous.Index {
			t.Fatalf("report of %s: change %+v previous %+v", agency, rep.Change, rep.Previous)
		}
		want := survey.CompareScores(rep.Report.Overall, rep.Previous.Overall)
		if *rep.Change != want || math.Abs(rep.Change.Points-rows[agency].Change.Points) > 1e-9 {
			t.Errorf("report of %s: change %+v, want %+v (ranked points %v)", agency, *rep.Change, want, rows[agency].Change.Points)
		}
		text := "không thay đổi rõ rệt"
		if want.Significant {
			text = "▲ " + ms.Delta(want.Points)
			if want.Points < 0 {
				text = "▼ " + ms.Delta(want.Points)
			}
		}
		dash := insp.get(t, "/dashboard?"+url.Values{"agency": {agency}, "from": {now.String()}, "to": {now.String()}}.Encode())
		if !strings.Contains(html.UnescapeString(dash.body), `<strong id="change-value">`+text+`</strong>`) {
			t.Errorf("dashboard of %s does not show %q", agency, text)
		}
	}

	// compare=year: the same month a year earlier, without data.
	month.Set("compare", "year")
	year := fetchRankings(t, env, insp.token, month)
	if year.Previous == nil || year.Previous.From != now.Add(-12).String() || year.Previous.To != now.Add(-12).String() {
		t.Fatalf("compare=year compares with %+v, want %s", year.Previous, now.Add(-12))
	}
	for _, l := range year.Levels {
		for _, r := range l.Ranked {
			if r.Change != nil || (r.Previous != nil && r.Previous.Rank != 0) {
				t.Errorf("%s: a change %+v against a year without data", r.Agency, r.Change)
			}
		}
	}
	if rep := fetchReport(t, env, insp.token, "so-tu-phap", month); rep.Change != nil || rep.Previous == nil || rep.Previous.From != now.Add(-12).String() {
		t.Errorf("report with compare=year: change %+v previous %+v", rep.Change, rep.Previous)
	}
	month.Set("compare", "decade")
	wantFieldError(t, "compare=decade", callAPI(t, env, insp.token, http.MethodGet, "/api/v1/rankings?"+month.Encode(), nil), "compare")
}

// ChangeText writes a rise or a fall only when significant.
func TestChangeText(t *testing.T) {
	env := newTestEnv(t)
	vi, en := env.srv.locales[survey.Vi], env.srv.locales[survey.En]
	for _, tc := range []struct {
		c      survey.Change
		vi, en string
	}{
		{survey.Change{Points: 5.04, Significant: true}, "▲ +5,0", "▲ +5.0"},
		{survey.Change{Points: -12.35, Significant: true}, "▼ −12,4", "▼ −12.4"},
		{survey.Change{Points: 5, Significant: false}, "không thay đổi rõ rệt", "no clear change"},
	} {
		if got := vi.ChangeText(tc.c); got != tc.vi {
			t.Errorf("vi %+v: %q, want %q", tc.c, got, tc.vi)
		}
		if got := en.ChangeText(tc.c); got != tc.en {
			t.Errorf("en %+v: %q, want %q", tc.c, got, tc.en)
		}
	}
}
