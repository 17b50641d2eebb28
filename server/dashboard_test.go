package server

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"hailong/survey"
	"hailong/survey/store"
)

// The agency dashboard and GET /api/v1/reports/agencies/{agency}, over a real
// server and a real embedded FerretDB: who may read which agency, that the
// figures read from the rollups equal a scoring of the raw responses, the
// scoring at its extremes, bad periods, the area filter and the lineage of
// merged agencies.

// randomAnswers answers every question the area's form asks: satisfied with
// probability p, "not applicable" now and then.
func randomAnswers(rng *rand.Rand, f survey.Form, area string, p float64) map[string]int {
	out := map[string]int{}
	for _, q := range f.Questions(area) {
		switch x := rng.Float64(); {
		case x < 0.07:
			out[q.Code] = survey.NotApplicable
		case rng.Float64() < p:
			out[q.Code] = 4 + rng.IntN(2)
		default:
			out[q.Code] = 1 + rng.IntN(3)
		}
	}
	return out
}

// diffScore describes how got differs from want, or returns "".
func diffScore(got, want survey.Score) string {
	var d []string
	if got.NoData != want.NoData {
		d = append(d, fmt.Sprintf("noData %v≠%v", got.NoData, want.NoData))
	}
	if got.Valid != want.Valid || got.Satisfied != want.Satisfied {
		d = append(d, fmt.Sprintf("valid/satisfied %d/%d≠%d/%d", got.Valid, got.Satisfied, want.Valid, want.Satisfied))
	}
	for _, f := range []struct {
		name string
		g, w float64
	}{
		{"index", got.Index, want.Index}, {"low", got.Low, want.Low}, {"high", got.High, want.High},
		{"mean", got.Mean, want.Mean}, {"n", got.N, want.N},
	} {
		if !closeTo(f.g, f.w) {
			d = append(d, fmt.Sprintf("%s %v≠%v", f.name, f.g, f.w))
		}
	}
	return strings.Join(d, ", ")
}

func sameScore(t testing.TB, what string, got, want survey.Score) {
	t.Helper()
	if d := diffScore(got, want); d != "" {
		t.Errorf("%s: %s", what, d)
	}
}

func sameItems(t testing.TB, what string, got, want []survey.ItemScore) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d items, want %d", what, len(got), len(want))
		return
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Code != w.Code || g.Factor != w.Factor || g.Counts != w.Counts {
			t.Errorf("%s[%d]: %s/%s counts %v, want %s/%s counts %v", what, i, g.Code, g.Factor, g.Counts, w.Code, w.Factor, w.Counts)
			continue
		}
		sameScore(t, what+" "+w.Code, g.Score, w.Score)
	}
}

// sameReport compares every figure of two reports.
func sameReport(t testing.TB, what string, got, want survey.Report) {
	t.Helper()
	if got.Rule != want.Rule || got.MinSample != want.MinSample || got.Responses != want.Responses || got.TooFew != want.TooFew {
		t.Errorf("%s: rule %s min %d responses %d tooFew %v; want %s %d %d %v", what,
			got.Rule, got.MinSample, got.Responses, got.TooFew, want.Rule, want.MinSample, want.Responses, want.TooFew)
	}
	sameScore(t, what+" overall", got.Overall, want.Overall)
	if len(got.Factors) != len(want.Factors) {
		t.Errorf("%s: %d factors, want %d", what, len(got.Factors), len(want.Factors))
	} else {
		for i, w := range want.Factors {
			g := got.Factors[i]
			if g.Code != w.Code || g.Criteria != w.Criteria {
				t.Errorf("%s factor %d: %s with %d criteria, want %s with %d", what, i, g.Code, g.Criteria, w.Code, w.Criteria)
			}
			sameScore(t, what+" factor "+w.Code, g.Score, w.Score)
		}
	}
	sameItems(t, what+" criteria", got.Criteria, want.Criteria)
	sameItems(t, what+" extras", got.Extras, want.Extras)
}

// addCounts adds the counts of o (over the same months) to c.
func addCounts(c, o *store.Counts) {
	c.Total.Merge(o.Total)
	for i := range c.ByMonth {
		c.ByMonth[i].Merge(o.ByMonth[i])
	}
	for _, pair := range []struct{ dst, src map[string]survey.Tally }{{c.ByArea, o.ByArea}, {c.ByChannel, o.ByChannel}} {
		for k, t := range pair.src {
			d := pair.dst[k]
			d.Merge(t)
			pair.dst[k] = d
		}
	}
	c.Verified.Merge(o.Verified)
	c.Province = o.Province // the same for every unit
}

// areaProvince is every agency's tally in one area over the months: what
// a report filtered on the area compares the agency with (issue 14). It is
// read with store.ProvinceTallies, which survey/store's TestProvinceTalliesEqualRecomputation
// checks against a recomputation from the responses, agency by agency.
func areaProvince(t testing.TB, env *testEnv, months []survey.Month, area string) map[string]survey.Tally {
	t.Helper()
	// With the pair sums of sipas-2017-v2, which survey/store's
	// TestPairSumsEqualRecomputation checks against the responses.
	pt, err := env.store.ProvinceTalliesPairs(context.Background(), months, area, survey.BasisAll, true)
	if err != nil {
		t.Fatalf("province tallies of %q: %v", area, err)
	}
	return pt
}

// checkReport checks the API's answer against the scoring of recomputed
// counts (of one agency, or of the units of a lineage merged).
func checkReport(t testing.TB, what string, got ReportJSON, form survey.Form, want *store.Counts) {
	t.Helper()
	rule := survey.DefaultRule()
	fs := survey.NewFormSet([]survey.Form{form}, form) // the only version the responses answered
	sameReport(t, what, got.Report, rule.ScoreVersions(fs, want.Total))
	if got.Report.Rule != survey.DefaultRuleID {
		t.Errorf("%s: rule %q, want %q", what, got.Report.Rule, survey.DefaultRuleID)
	}
	if len(got.Trend) != len(want.Months) {
		t.Errorf("%s: trend of %d months, want %d", what, len(got.Trend), len(want.Months))
	} else {
		for i, m := range want.Months {
			g := got.Trend[i]
			if g.Month != m.String() || g.Responses != want.ByMonth[i].Responses {
				t.Errorf("%s trend %d: %s %d responses, want %s %d", what, i, g.Month, g.Responses, m, want.ByMonth[i].Responses)
			}
			sameScore(t, what+" trend "+m.String(), g.Overall, rule.ScoreVersions(fs, want.ByMonth[i]).Overall)
		}
	}
	checkSlices := func(name string, got []SliceJSON, want map[string]survey.Tally) {
		n := 0
		for _, tl := range want {
			if tl.Responses > 0 {
				n++
			}
		}
		if len(got) != n {
			t.Errorf("%s %s: %d slices %v, want %d", what, name, len(got), got, n)
		}
		for _, s := range got {
			w := rule.ScoreVersions(fs, want[s.Code])
			if s.Responses != w.Responses || s.TooFew != w.TooFew {
				t.Errorf("%s %s %s: %d responses tooFew %v, want %d %v", what, name, s.Code, s.Responses, s.TooFew, w.Responses, w.TooFew)
			}
			sameScore(t, what+" "+name+" "+s.Code, s.Overall, w.Overall)
		}
	}
	checkSlices("byArea", got.ByArea, want.ByArea)
	checkSlices("byChannel", got.ByChannel, want.ByChannel)
	prov := rule.ScoreVersions(fs, survey.Pool(want.Province, nil))
	if got.Province.Responses != prov.Responses {
		t.Errorf("%s: province %d responses, want %d", what, got.Province.Responses, prov.Responses)
	}
	sameScore(t, what+" province", got.Province.Overall, prov.Overall)
	if got.Verified != want.Verified.Responses {
		t.Errorf("%s: %d verified responses, want %d", what, got.Verified, want.Verified.Responses)
	}
}

// ---- (a) role scoping ----

func TestDashboardRoleScoping(t *testing.T) {
	env := newTestEnv(t)
	admin := newAdmin(t, env)
	for _, s := range []struct{ agency, area string }{
		{"so-tu-phap", "tu-phap"}, {"so-tu-phap", "tu-phap"}, {"so-xay-dung", "xay-dung"},
		{"x-thuong-lam", "dat-dai"}, {"lam-binh", "dat-dai"}, {"na-hang", "tu-phap"},
	} {
		responseIDOf(t, submitByAPI(t, env, s.agency, s.area))
	}
	flushCounts(t, env)

	justice := newStaff(t, env, "justice", survey.RoleStaff, "so-tu-phap")
	insp := newStaff(t, env, "inspector", survey.RoleInspector)
	land := newStaff(t, env, "land", survey.RoleStaff, "so-tn-mt")
	build := newStaff(t, env, "build", survey.RoleStaff, "so-xay-dung")
	nahang := newStaff(t, env, "nahang", survey.RoleStaff, "na-hang")
	gone := newStaff(t, env, "gone", survey.RoleStaff, "so-tu-phap")
	if r := gone.get(t, "/dashboard"); r.status != http.StatusOK {
		t.Fatalf("before disabling: %s", r)
	}
	if r := admin.api(t, http.MethodPut, "/api/v1/admin/users/gone",
		map[string]any{"name": "Gone", "role": "staff", "agencies": []string{"so-tu-phap"}, "disabled": true}); r.status != http.StatusOK {
		t.Fatalf("disable gone: %s", r)
	}

	now := survey.MonthOf(time.Now())
	period := reportPeriod(now.Add(-11), now, "", false)
	page := func(agency string, extra url.Values) string {
		q := url.Values{"agency": {agency}}
		for k, v := range period {
			q[k] = v
		}
		for k, v := range extra {
			q[k] = v
		}
		return "/dashboard?" + q.Encode()
	}
	// check asks for the page (session) and the API (token) of an agency.
	check := func(t *testing.T, u *staffUser, agency string, lineage bool, want int) {
		t.Helper()
		extra := url.Values{}
		if lineage {
			extra.Set("lineage", "1")
		}
		p := page(agency, extra)
		r := u.get(t, p)
		if r.status != want {
			t.Errorf("GET %s as %s: %s, want %d", p, u.username, r, want)
		}
		if want == http.StatusOK && !hasElement(r.body, "option[value=\""+agency+"\"][selected]") {
			t.Errorf("GET %s as %s: agency %s not selected on the page", p, u.username, agency)
		}
		q := reportPeriod(now.Add(-11), now, "", lineage)
		a := u.api(t, http.MethodGet, reportPath(agency, q), nil)
		if a.status != want {
			t.Errorf("GET %s as %s: %s, want %d", reportPath(agency, q), u.username, a, want)
		}
		if want == http.StatusForbidden {
			if e := decodeAPIError(t, a); e.Error.Code != "forbidden" {
				t.Errorf("API as %s for %s: code %q, want forbidden", u.username, agency, e.Error.Code)
			}
			if hasElement(r.body, "[id=\"overall\"]") || strings.Contains(a.body, `"report"`) {
				t.Errorf("a refused report shows figures: page %q API %q", clip(r.body), a.body)
			}
		}
	}

	t.Run("staff read their agency only", func(t *testing.T) {
		check(t, justice, "so-tu-phap", false, http.StatusOK)
		check(t, justice, "so-xay-dung", false, http.StatusForbidden)
		check(t, justice, "so-xay-dung", true, http.StatusForbidden)
		check(t, build, "so-tu-phap", false, http.StatusForbidden)
		// The page without an agency shows their own, and offers no other.
		r := justice.get(t, "/dashboard")
		if r.status != http.StatusOK || !hasElement(r.body, "option[value=\"so-tu-phap\"][selected]") {
			t.Errorf("GET /dashboard as justice: %s", r)
		}
		if strings.Count(r.body, "<option value=\"so-") != 1 || hasElement(r.body, "[value=\"so-xay-dung\"]") {
			t.Errorf("the agency choice of justice lists other agencies")
		}
		got := fetchReport(t, env, justice.token, "so-tu-phap", period)
		if got.Agency != "so-tu-phap" || got.Report.Responses != 2 || !slices.Equal(got.Units, []string{"so-tu-phap"}) {
			t.Errorf("justice's report: agency %s units %v responses %d, want so-tu-phap, 2", got.Agency, got.Units, got.Report.Responses)
		}
		if !hasText(r.body, "[id=\"responses\"]", "2") {
			t.Errorf("the page does not show the 2 responses the API counts")
		}
	})
	t.Run("inspectors and administrators read any agency", func(t *testing.T) {
		for _, u := range []*staffUser{insp, admin} {
			for _, ag := range []string{"so-tu-phap", "so-xay-dung", "x-thuong-lam", "so-giao-thong"} {
				check(t, u, ag, false, http.StatusOK)
				check(t, u, ag, true, http.StatusOK)
			}
		}
	})
	t.Run("unknown agency", func(t *testing.T) {
		if r := admin.api(t, http.MethodGet, reportPath("no-such", period), nil); r.status != http.StatusNotFound {
			t.Errorf("unknown agency: %s, want 404", r)
		}
		if r := admin.get(t, page("no-such", nil)); r.status != http.StatusNotFound {
			t.Errorf("unknown agency page: %s, want 404", r)
		}
	})
	t.Run("logged out", func(t *testing.T) {
		p := page("so-tu-phap", nil)
		r := doRequest(t, nil, http.MethodGet, env.http.URL+p, "", nil)
		if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location(), "/login?next=") {
			t.Errorf("GET %s logged out: %s, want 303 to /login", p, r)
		}
		for _, tok := range []string{"", "hl_not-a-real-token-at-all"} {
			r := callAPI(t, env, tok, http.MethodGet, reportPath("so-tu-phap", period), nil)
			if r.status != http.StatusUnauthorized || decodeAPIError(t, r).Error.Code != "unauthorized" {
				t.Errorf("API with token %q: %s, want 401", tok, r)
			}
		}
	})
	t.Run("disabled user", func(t *testing.T) {
		p := page("so-tu-phap", nil)
		r := gone.get(t, p)
		if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location(), "/login") {
			t.Errorf("GET %s as a disabled user: %s, want 303 to /login", p, r)
		}
		if hasElement(r.body, "[id=\"overall\"]") {
			t.Errorf("a disabled user sees figures")
		}
		if r := gone.api(t, http.MethodGet, reportPath("so-tu-phap", period), nil); r.status != http.StatusUnauthorized {
			t.Errorf("API as a disabled user: %s, want 401", r)
		}
		// The token cannot be renewed either.
		r = callAPI(t, env, "", http.MethodPost, "/api/v1/auth/token", map[string]string{"username": "gone", "password": gone.password})
		if r.status == http.StatusCreated {
			t.Errorf("a disabled user got a new token: %s", r)
		}
	})

	t.Run("merger gives the survivor's staff its predecessors", func(t *testing.T) {
		check(t, land, "so-xay-dung", false, http.StatusForbidden) // not yet merged
		mergeInto(t, admin, "so-tn-mt", "so-xay-dung")
		// x-thuong-lam into lam-binh, then lam-binh into na-hang: na-hang's
		// staff read both, through two mergers.
		mergeInto(t, admin, "lam-binh", "x-thuong-lam")
		mergeInto(t, admin, "na-hang", "lam-binh")

		check(t, land, "so-tn-mt", true, http.StatusOK)
		check(t, land, "so-xay-dung", false, http.StatusOK)
		check(t, land, "so-xay-dung", true, http.StatusOK)
		check(t, land, "so-tu-phap", false, http.StatusForbidden)
		check(t, land, "lam-binh", false, http.StatusForbidden)
		// The staff of the merged agency keep their own and gain nothing.
		check(t, build, "so-xay-dung", false, http.StatusOK)
		check(t, build, "so-tn-mt", false, http.StatusForbidden)
		check(t, build, "so-tn-mt", true, http.StatusForbidden)
		for _, ag := range []string{"na-hang", "lam-binh", "x-thuong-lam"} {
			check(t, nahang, ag, false, http.StatusOK)
			check(t, nahang, ag, true, http.StatusOK)
		}
		check(t, nahang, "so-tn-mt", false, http.StatusForbidden)

		got := fetchReport(t, env, land.token, "so-tn-mt", reportPeriod(now.Add(-11), now, "", true))
		if !slices.Equal(got.Units, []string{"so-tn-mt", "so-xay-dung"}) || got.Report.Responses != 1 {
			t.Errorf("so-tn-mt with its lineage: units %v responses %d, want [so-tn-mt so-xay-dung] 1", got.Units, got.Report.Responses)
		}
		got = fetchReport(t, env, nahang.token, "na-hang", reportPeriod(now.Add(-11), now, "", true))
		if !slices.Equal(got.Units, []string{"na-hang", "lam-binh", "x-thuong-lam"}) || got.Report.Responses != 3 {
			t.Errorf("na-hang with its lineage: units %v responses %d, want [na-hang lam-binh x-thuong-lam] 3", got.Units, got.Report.Responses)
		}
		r := nahang.get(t, page("na-hang", url.Values{"lineage": {"1"}}))
		for _, ag := range []string{"na-hang", "lam-binh", "x-thuong-lam"} {
			if !hasElement(r.body, "option[value=\""+ag+"\"]") {
				t.Errorf("na-hang's staff are not offered %s", ag)
			}
		}
		if !hasText(r.body, "[id=\"responses\"]", "3") {
			t.Errorf("na-hang's page with the lineage does not show 3 responses")
		}
	})
}

// ---- (b, e) random data: the rollups equal the raw responses ----

// agencyFixture is an agency of the random data, with how satisfied its people are.
type agencyFixture struct {
	code    string
	quality float64
	staff   *staffUser // enters its paper surveys; the administrator when nil
}

func TestDashboardReportEqualsRecomputation(t *testing.T) {
	env := newTestEnv(t)
	// The staff entries below are self-entered: with the default basis
	// (independent) the province figure and the rank would leave them out,
	// while the recomputation here counts every response.
	env.srv.cfg.RankingBasis = survey.BasisAll
	ctx := context.Background()
	admin := newAdmin(t, env)
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("HAILONG_TEST_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	t.Logf("seed %d (HAILONG_TEST_SEED=%d reproduces the data)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, 0x5eed))

	agencies := []agencyFixture{
		{code: "so-tu-phap", quality: 0.92, staff: newStaff(t, env, "justice", survey.RoleStaff, "so-tu-phap")},
		{code: "so-tn-mt", quality: 0.6},
		{code: "tp-tuyen-quang", quality: 0.75, staff: newStaff(t, env, "city", survey.RoleStaff, "tp-tuyen-quang")},
		{code: "lam-binh", quality: 0.85},
		{code: "x-thuong-lam", quality: 0.5},
		{code: "so-xay-dung", quality: 0.7},
	}
	cat, err := env.store.Catalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	cur := survey.MonthOf(now)
	const spread = 6 // months with data: this one and the five before
	months := make([]survey.Month, spread)
	for k := range months {
		months[k] = cur.Add(k - spread + 1)
	}
	// sent counts what was sent per agency and month, as the trend must show it.
	sent := map[string]map[survey.Month]int64{}
	total := 0
	start := time.Now()
	for i := 0; i < 300; i++ {
		ag := agencies[rng.IntN(len(agencies))]
		a, err := cat.Agency(ag.code)
		if err != nil {
			t.Fatal(err)
		}
		area := a.Areas[rng.IntN(len(a.Areas))]
		k := rng.IntN(spread) // months back
		m := cur.Add(-k)
		var at time.Time
		var atText, channel, token string
		switch {
		case k == 0 && rng.IntN(5) > 0:
			// A citizen now.
			at, channel = now, []string{"web", "postal", "counter"}[rng.IntN(3)]
		case k == 0:
			// Paper survey of today, entered now.
			day := time.Now().In(survey.Zone())
			at = time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, survey.Zone())
			atText = at.Format(time.DateOnly)
		default:
			days := m.End().Add(-time.Hour).Day()
			switch rng.IntN(5) {
			case 0: // the first day, as a date: in UTC the day before, the month before
				at = m.Start()
				atText = at.Format(time.DateOnly)
			case 1: // the first hours of the month written in UTC (the month before in UTC)
				at = m.Start().Add(time.Duration(rng.IntN(7*60)) * time.Minute).UTC()
				atText = at.Format(time.RFC3339)
			case 2: // the last minutes of the month, in Vietnamese time
				at = m.End().Add(-time.Duration(1+rng.IntN(60)) * time.Minute).In(survey.Zone())
				atText = at.Format(time.RFC3339)
			default:
				at = m.Start().AddDate(0, 0, rng.IntN(days))
				atText = at.Format(time.DateOnly)
			}
		}
		if atText != "" {
			channel = []string{"paper", "phone", "postal"}[rng.IntN(3)]
			token = admin.token
			// Agency staff may enter surveys of the last 31 days only
			// (HAILONG_ENTRY_MAX_AGE); older ones are the administrator's.
			if ag.staff != nil && rng.IntN(3) > 0 && time.Since(at) < 30*24*time.Hour {
				token = ag.staff.token
			}
		}
		if got := survey.MonthOf(at); got != m {
			t.Fatalf("test data: %v is in %s, not %s", at, got, m)
		}
		f, err := cat.FormFor(area, at)
		if err != nil {
			t.Fatal(err)
		}
		submitAt(t, env, token, ag.code, area, channel, atText, randomAnswers(rng, f, area, ag.quality))
		if sent[ag.code] == nil {
			sent[ag.code] = map[survey.Month]int64{}
		}
		sent[ag.code][m]++
		total++
	}
	t.Logf("%d responses submitted in %v", total, time.Since(start).Round(time.Millisecond))
	flushCounts(t, env)

	form, err := cat.FormFor("", now)
	if err != nil {
		t.Fatal(err)
	}
	// The recomputation of one agency over a year, then month by month:
	// ranges are sums of months (Tally.Merge is exact). A month in which the
	// year's recomputation finds no response of the agency has nothing of it
	// but the province's figures, the same for every agency, so it is read once.
	year := make([]survey.Month, 12)
	for i := range year {
		year[i] = cur.Add(i - 11)
	}
	recompute := func(agency string, ms []survey.Month, area string) *store.Counts {
		t.Helper()
		c, err := env.store.Recompute(ctx, agency, ms, area)
		if err != nil {
			t.Fatalf("recompute %s %v %q: %v", agency, ms, area, err)
		}
		// The pair sums of sipas-2017-v2, recomputed from the responses too.
		if err := env.store.RecomputePairs(ctx, c, survey.BasisAll); err != nil {
			t.Fatalf("recompute pairs %s %v %q: %v", agency, ms, area, err)
		}
		return c
	}
	perYear := map[string]*store.Counts{}
	perMonth := map[string]*store.Counts{} // by agency and month
	province := map[survey.Month]map[string]survey.Tally{}
	month := func(agency string, m survey.Month) *store.Counts {
		t.Helper()
		key := agency + " " + m.String()
		if c, ok := perMonth[key]; ok {
			return c
		}
		i := slices.Index(year, m)
		if i < 0 {
			t.Fatalf("month %s is outside the year", m)
		}
		var c *store.Counts
		if perYear[agency].ByMonth[i].Responses > 0 || province[m] == nil {
			c = recompute(agency, []survey.Month{m}, "")
			province[m] = c.Province
		} else {
			c = &store.Counts{Agency: agency, Months: []survey.Month{m}, ByMonth: make([]survey.Tally, 1),
				ByArea: map[string]survey.Tally{}, ByChannel: map[string]survey.Tally{}, Province: province[m]}
		}
		perMonth[key] = c
		return c
	}
	// over sums the months' recomputations into the counts of the range.
	over := func(agency string, from, to survey.Month) *store.Counts {
		var ms []survey.Month
		for m := from; !to.Before(m); m = m.Add(1) {
			ms = append(ms, m)
		}
		out := &store.Counts{Agency: agency, Months: ms, ByMonth: make([]survey.Tally, len(ms)),
			ByArea: map[string]survey.Tally{}, ByChannel: map[string]survey.Tally{}, Province: map[string]survey.Tally{}}
		prov := map[string]survey.Tally{}
		for i, m := range ms {
			c := month(agency, m)
			one := &store.Counts{ByMonth: make([]survey.Tally, len(ms)), ByArea: c.ByArea, ByChannel: c.ByChannel, Total: c.Total, Verified: c.Verified}
			one.ByMonth[i] = c.ByMonth[0]
			addCounts(out, one)
			for code, tl := range c.Province {
				p := prov[code]
				p.Merge(tl)
				prov[code] = p
			}
		}
		out.Province = prov
		return out
	}

	t.Run("every agency's report, over any period, equals the recomputation of its responses", func(t *testing.T) {
		var grand int64
		for _, ag := range agencies {
			direct := recompute(ag.code, year, "")
			// The province as the rankings read it, with the pair sums of
			// sipas-2017-v2 (the store's tests check it against a recomputation).
			direct.Province = areaProvince(t, env, year, "")
			perYear[ag.code] = direct
			checkReport(t, ag.code+" year", fetchReport(t, env, admin.token, ag.code, reportPeriod(year[0], cur, "", false)), form, direct)
			grand += direct.Total.Responses
			if ag.staff != nil {
				// Staff see the same figures as the administrator.
				checkReport(t, ag.code+" year (as staff)", fetchReport(t, env, ag.staff.token, ag.code, reportPeriod(year[0], cur, "", false)), form, direct)
			}
			// Every month alone, the six months of data, a year, and ranges
			// that start or end on an empty month.
			periods := [][2]survey.Month{{months[0], cur}, {cur.Add(-11), cur}, {months[1], months[3]}, {cur.Add(-9), months[2]}}
			for _, m := range year[5:] {
				periods = append(periods, [2]survey.Month{m, m})
			}
			for _, p := range periods {
				what := fmt.Sprintf("%s %s..%s", ag.code, p[0], p[1])
				got := fetchReport(t, env, admin.token, ag.code, reportPeriod(p[0], p[1], "", false))
				want := over(ag.code, p[0], p[1])
				want.Province = areaProvince(t, env, want.Months, "")
				checkReport(t, what, got, form, want)
				if len(got.Trend) != len(want.Months) {
					continue
				}
				for i, m := range want.Months {
					if got.Trend[i].Responses != sent[ag.code][m] {
						t.Errorf("%s: %s has %d responses, %d were sent for it", what, m, got.Trend[i].Responses, sent[ag.code][m])
					}
				}
			}
		}
		if grand != int64(total) {
			t.Errorf("the agencies' reports count %d responses, %d were sent", grand, total)
		}
	})

	// (e) The area filter: each area's figures are those of its responses,
	// the areas add up to the whole, and match the breakdown by area.
	t.Run("each area's figures are those of its responses and the areas add up to the whole", func(t *testing.T) {
		for _, code := range []string{"tp-tuyen-quang", "so-tn-mt", "x-thuong-lam"} {
			a, _ := cat.Agency(code)
			all := fetchReport(t, env, admin.token, code, reportPeriod(months[0], cur, "", false))
			var sum int64
			for _, area := range a.Areas {
				what := code + " area " + area
				got := fetchReport(t, env, admin.token, code, reportPeriod(months[0], cur, area, false))
				want := recompute(code, months, area)
				want.Province = areaProvince(t, env, months, area)
				af, err := cat.FormFor(area, now)
				if err != nil {
					t.Fatal(err)
				}
				checkReport(t, what, got, af, want)
				if got.Area != area {
					t.Errorf("%s: area %q", what, got.Area)
				}
				sum += got.Report.Responses
				for _, s := range all.ByArea {
					if s.Code == area && (s.Responses != got.Report.Responses || diffScore(s.Overall, got.Report.Overall) != "") {
						t.Errorf("%s: %d responses overall %+v, but the breakdown by area says %d %+v", what, got.Report.Responses, got.Report.Overall, s.Responses, s.Overall)
					}
				}
				if got.Report.Responses == all.Report.Responses && len(all.ByArea) > 1 {
					t.Errorf("%s: the filter does not narrow the %d responses", what, all.Report.Responses)
				}
				// Area items are scored for their area only.
				for _, x := range got.Report.Extras {
					if !slices.ContainsFunc(af.Questions(area), func(q survey.Question) bool { return q.Code == x.Code }) {
						t.Errorf("%s: extra item %s does not belong to the area", what, x.Code)
					}
				}
			}
			if sum != all.Report.Responses {
				t.Errorf("%s: the areas count %d responses, the agency %d", code, sum, all.Report.Responses)
			}
		}
		// An area the agency does not serve: no data; an unknown one: 404.
		got := fetchReport(t, env, admin.token, "so-tu-phap", reportPeriod(months[0], cur, "dat-dai", false))
		if got.Report.Responses != 0 || !got.Report.Overall.NoData {
			t.Errorf("so-tu-phap in dat-dai: %d responses, overall %+v; want none", got.Report.Responses, got.Report.Overall)
		}
		if r := admin.api(t, http.MethodGet, reportPath("so-tu-phap", reportPeriod(months[0], cur, "no-such-area", false)), nil); r.status != http.StatusNotFound {
			t.Errorf("unknown area: %s, want 404", r)
		}
	})

	// (e) The lineage: after a merger, the survivor's report with its
	// lineage is the scoring of all the units' responses together.
	t.Run("the survivor's report with its lineage scores all the merged units' responses together", func(t *testing.T) {
		before := fetchReport(t, env, admin.token, "so-tn-mt", reportPeriod(months[0], cur, "", false))
		mergeInto(t, admin, "so-tn-mt", "so-xay-dung")
		mergeInto(t, admin, "lam-binh", "x-thuong-lam")
		cat, err := env.store.Catalog(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			into  string
			units []string
		}{{"so-tn-mt", []string{"so-tn-mt", "so-xay-dung"}}, {"lam-binh", []string{"lam-binh", "x-thuong-lam"}}} {
			for _, area := range []string{"", "dat-dai"} {
				what := tc.into + " with its lineage, area " + area
				got := fetchReport(t, env, admin.token, tc.into, reportPeriod(months[0], cur, area, true))
				if !slices.Equal(got.Units, tc.units) {
					t.Errorf("%s: units %v, want %v", what, got.Units, tc.units)
				}
				want := recompute(tc.units[0], months, area)
				for _, u := range tc.units[1:] {
					addCounts(want, recompute(u, months, area))
				}
				want.Province = areaProvince(t, env, months, area)
				af, err := cat.FormFor(area, now)
				if err != nil {
					t.Fatal(err)
				}
				checkReport(t, what, got, af, want)
				var n int64
				for _, u := range tc.units {
					for _, m := range months {
						if area == "" {
							n += sent[u][m]
						}
					}
				}
				if area == "" && got.Report.Responses != n {
					t.Errorf("%s: %d responses, %d were sent to its units", what, got.Report.Responses, n)
				}
			}
		}
		// Without the lineage the survivor's figures do not change.
		after := fetchReport(t, env, admin.token, "so-tn-mt", reportPeriod(months[0], cur, "", false))
		if !slices.Equal(after.Units, []string{"so-tn-mt"}) {
			t.Errorf("so-tn-mt without lineage: units %v", after.Units)
		}
		sameReport(t, "so-tn-mt without lineage, after the merger", after.Report, before.Report)
		with := fetchReport(t, env, admin.token, "so-tn-mt", reportPeriod(months[0], cur, "", true))
		if sent["so-xay-dung"] != nil && with.Report.Responses <= after.Report.Responses {
			t.Errorf("the lineage adds nothing: %d responses with it, %d without", with.Report.Responses, after.Report.Responses)
		}
	})
}

// ---- (c) the scoring at its extremes, through HTTP ----

func TestDashboardScoringExtremes(t *testing.T) {
	env := newTestEnv(t)
	admin := newAdmin(t, env)
	cur := survey.MonthOf(time.Now())
	q := reportPeriod(cur, cur, "", false)
	// The edge cases of sipas-2017-v1, worked by hand (v2's are in
	// survey/variance_test.go); the page below shows the default rule.
	q.Set("rule", survey.RuleSIPAS2017)
	rule := survey.SIPAS2017Rule()
	lo1, hi1 := survey.Wilson(1, 1)
	lo0, hi0 := survey.Wilson(0, 1)

	// One response, all fives.
	submitAt(t, env, "", "so-tu-phap", "tu-phap", "counter", "", uniformAnswers(t, env, "tu-phap", 5, nil))
	// One response, all ones.
	submitAt(t, env, "", "so-xay-dung", "xay-dung", "counter", "", uniformAnswers(t, env, "xay-dung", 1, nil))
	// Not applicable: two responses of all fives but criterion 2.1, once not
	// applicable and once 1; factor YT1 all not applicable in both; a third
	// response not applicable throughout.
	submitAt(t, env, "", "so-lao-dong", "lao-dong", "web", "", uniformAnswers(t, env, "lao-dong", 5, map[string]int{"2.1": 0, "1.1": 0, "1.2": 0, "1.3": 0, "1.4": 0}))
	submitAt(t, env, "", "so-lao-dong", "lao-dong", "web", "", uniformAnswers(t, env, "lao-dong", 5, map[string]int{"2.1": 1, "1.1": 0, "1.2": 0, "1.3": 0, "1.4": 0}))
	submitAt(t, env, "", "so-lao-dong", "lao-dong", "counter", "", uniformAnswers(t, env, "lao-dong", 0, nil))
	// Extra items of an area: all fives but DD1 all ones; not in the overall.
	submitAt(t, env, "", "so-tn-mt", "dat-dai", "web", "", uniformAnswers(t, env, "dat-dai", 5, map[string]int{"DD1": 1, "DD2": 0}))
	flushCounts(t, env)

	t.Run("all fives", func(t *testing.T) {
		r := fetchReport(t, env, admin.token, "so-tu-phap", q).Report
		if r.Responses != 1 || !r.TooFew || r.MinSample != rule.MinSample || r.Rule != survey.RuleSIPAS2017 {
			t.Errorf("responses %d tooFew %v min %d rule %s", r.Responses, r.TooFew, r.MinSample, r.Rule)
		}
		want := survey.Score{Index: 100, Low: 100 * lo1, High: 100 * hi1, Mean: 5, N: 1, Valid: 1, Satisfied: 1}
		// Valid and Satisfied add up the answers behind an index.
		sameScore(t, "overall", r.Overall, survey.Score{Index: 100, Low: 100 * lo1, High: 100 * hi1, Mean: 5, N: 1, Valid: 22, Satisfied: 22})
		for _, f := range r.Factors {
			k := int64(f.Criteria)
			sameScore(t, "factor "+f.Code, f.Score, survey.Score{Index: 100, Low: 100 * lo1, High: 100 * hi1, Mean: 5, N: 1, Valid: k, Satisfied: k})
		}
		for _, c := range r.Criteria {
			sameScore(t, "criterion "+c.Code, c.Score, want)
			if c.Counts != (survey.Counts{0, 0, 0, 0, 0, 1}) {
				t.Errorf("criterion %s counts %v", c.Code, c.Counts)
			}
		}
		if len(r.Criteria) != 22 || len(r.Factors) != 5 {
			t.Errorf("%d criteria in %d factors, want 22 in 5", len(r.Criteria), len(r.Factors))
		}
		if hi1 != 1 || lo1 <= 0 || lo1 >= 1 {
			t.Errorf("Wilson(1, 1) = %v, %v", lo1, hi1)
		}
	})
	t.Run("all ones", func(t *testing.T) {
		r := fetchReport(t, env, admin.token, "so-xay-dung", q).Report
		want := survey.Score{Index: 0, Low: 100 * lo0, High: 100 * hi0, Mean: 1, N: 1, Valid: 1, Satisfied: 0}
		sameScore(t, "overall", r.Overall, survey.Score{Index: 0, Low: 100 * lo0, High: 100 * hi0, Mean: 1, N: 1, Valid: 22})
		for _, c := range r.Criteria {
			sameScore(t, "criterion "+c.Code, c.Score, want)
		}
		if r.Overall.Low != 0 || r.Overall.High <= 0 {
			t.Errorf("interval of 0 %% over one answer: %v – %v", r.Overall.Low, r.Overall.High)
		}
		// The extra items of the area are reported apart.
		if len(r.Extras) != 3 {
			t.Errorf("extras %+v, want XD1–XD3", r.Extras)
		}
	})
	t.Run("not applicable is excluded", func(t *testing.T) {
		r := fetchReport(t, env, admin.token, "so-lao-dong", q).Report
		if r.Responses != 3 {
			t.Errorf("responses %d, want 3 (not applicable still counts as a response)", r.Responses)
		}
		l2, h2 := survey.Wilson(1, 2)
		five := survey.Score{Index: 100, Low: 100 * l2, High: 100 * h2, Mean: 5, N: 2, Valid: 2, Satisfied: 2}
		var yt2 []survey.Score
		for _, c := range r.Criteria {
			switch {
			case strings.HasPrefix(c.Code, "1."):
				if !c.NoData || c.Counts != (survey.Counts{3}) {
					t.Errorf("criterion %s nobody answered: %+v", c.Code, c)
				}
			case c.Code == "2.1":
				sameScore(t, "2.1", c.Score, survey.Score{Index: 0, Low: 100 * lo0, High: 100 * hi0, Mean: 1, N: 1, Valid: 1})
				if c.Counts != (survey.Counts{2, 1}) {
					t.Errorf("2.1 counts %v, want [2 1 0 0 0 0]", c.Counts)
				}
				yt2 = append(yt2, c.Score)
			default:
				sameScore(t, "criterion "+c.Code, c.Score, five)
				if c.Factor == "YT2" {
					yt2 = append(yt2, c.Score)
				}
			}
		}
		var yt2Score, yt1Score survey.FactorScore
		var withData []survey.FactorScore
		for _, f := range r.Factors {
			switch f.Code {
			case "YT1":
				yt1Score = f
			case "YT2":
				yt2Score = f
			}
			if !f.NoData {
				withData = append(withData, f)
			}
		}
		if !yt1Score.NoData || yt1Score.Criteria != 0 {
			t.Errorf("YT1, all not applicable: %+v, want no data", yt1Score)
		}
		// YT2: (0 + 4×100) / 5 = 80, over N = (1 + 4×2) / 5 = 1.8 answers.
		l, h := survey.Wilson(0.8, 1.8)
		sameScore(t, "YT2", yt2Score.Score, survey.Score{Index: 80, Low: 100 * l, High: 100 * h, Mean: (1 + 4*5) / 5.0, N: 1.8, Valid: 9, Satisfied: 8})
		if yt2Score.Criteria != 5 || len(yt2) != 5 {
			t.Errorf("YT2 has %d criteria with data, want 5", yt2Score.Criteria)
		}
		// Overall: YT1 has no valid answer, so there is none (issue 14): the
		// mean of the other four factors, (80 + 3×100) / 4 = 95, would rank
		// this unit on four factors against units scored on five.
		if len(withData) != 4 {
			t.Fatalf("%d factors with data, want 4", len(withData))
		}
		if !r.Overall.NoData || !r.Overall.Incomplete || !slices.Equal(r.Overall.MissingFactors, []string{"YT1"}) || r.Overall.Index != 0 {
			t.Errorf("overall = %+v, want no index, incomplete, missing [YT1]", r.Overall)
		}
	})
	t.Run("area items", func(t *testing.T) {
		r := fetchReport(t, env, admin.token, "so-tn-mt", q).Report
		sameScore(t, "overall", r.Overall, survey.Score{Index: 100, Low: 100 * lo1, High: 100 * hi1, Mean: 5, N: 1, Valid: 22, Satisfied: 22})
		want := map[string]survey.Counts{"DD1": {0, 1}, "DD2": {1}, "DD3": {0, 0, 0, 0, 0, 1}}
		if len(r.Extras) != 3 {
			t.Fatalf("extras %+v, want DD1–DD3", r.Extras)
		}
		for _, x := range r.Extras {
			if x.Counts != want[x.Code] || x.Factor != "" {
				t.Errorf("extra %s: counts %v factor %q, want %v", x.Code, x.Counts, x.Factor, want[x.Code])
			}
		}
		if !r.Extras[1].NoData || r.Extras[0].Index != 0 || r.Extras[2].Index != 100 {
			t.Errorf("extras scored %+v", r.Extras)
		}
	})
	t.Run("the page shows the same", func(t *testing.T) {
		for _, tc := range []struct{ agency, overall string }{{"so-tu-phap", "100"}, {"so-xay-dung", "0"}} {
			r := admin.get(t, "/dashboard?"+url.Values{"agency": {tc.agency}, "from": {cur.String()}, "to": {cur.String()}}.Encode())
			if r.status != http.StatusOK {
				t.Fatalf("dashboard %s: %s", tc.agency, r)
			}
			i := strings.Index(r.body, `<span id="overall">`)
			if i < 0 || !strings.HasPrefix(r.body[i+len(`<span id="overall">`):], tc.overall) {
				t.Errorf("dashboard %s: overall not %s: %q", tc.agency, tc.overall, clip(r.body[max(i, 0):]))
			}
			if !hasText(r.body, "#rule", survey.DefaultRuleID) {
				t.Errorf("dashboard %s does not name the rule", tc.agency)
			}
		}
	})
}

// ---- (d) invalid periods ----

func TestDashboardInvalidPeriod(t *testing.T) {
	env := newTestEnv(t)
	admin := newAdmin(t, env)
	justice := newStaff(t, env, "justice", survey.RoleStaff, "so-tu-phap")
	for _, tc := range []struct {
		name, from, to, field string
	}{
		{"from after to", "2026-05", "2026-01", "to"},
		{"month 13", "2026-13", "2026-12", "from"},
		{"to month 13", "2026-01", "2026-13", "to"},
		{"month 00", "2026-00", "2026-03", "from"},
		{"one digit month", "2026-1", "2026-03", "from"},
		{"words", "last-year", "2026-03", "from"},
		{"121 months", "2015-01", "2025-01", "to"},
		{"a century", "1926-01", "2026-01", "to"},
		{"year 0", "0000-01", "0000-03", "from"},
		{"from in the future, to by default", "2999-01", "", "to"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := url.Values{"from": {tc.from}}
			if tc.to != "" {
				q.Set("to", tc.to)
			}
			for _, u := range []*staffUser{admin, justice} {
				wantFieldError(t, "API as "+u.username, u.api(t, http.MethodGet, reportPath("so-tu-phap", q), nil), tc.field)
				q.Set("agency", "so-tu-phap")
				r := u.get(t, "/dashboard?"+q.Encode())
				q.Del("agency")
				if r.status != http.StatusBadRequest {
					t.Errorf("page as %s: %s, want 400", u.username, r)
					continue
				}
				if !hasElement(r.body, "[id=\"errors\"]") || !hasElement(r.body, "[href=\"#"+tc.field+"\"]") {
					t.Errorf("page as %s: no message on %s: %s", u.username, tc.field, clip(r.body))
				}
				if strings.Contains(r.body, "err.") || hasElement(r.body, "[id=\"overall\"]") {
					t.Errorf("page as %s: untranslated message or figures shown", u.username)
				}
				// The form keeps what was typed, escaped.
				if !hasElement(r.body, `[value="`+tc.from+`"]`) {
					t.Errorf("page as %s: the from field lost %q", u.username, tc.from)
				}
			}
		})
	}
	t.Run("120 months is the longest period", func(t *testing.T) {
		got := fetchReport(t, env, admin.token, "so-tu-phap", url.Values{"from": {"2015-02"}, "to": {"2025-01"}})
		if len(got.Trend) != 120 || got.From != "2015-02" || got.To != "2025-01" {
			t.Errorf("120 months: trend %d from %s to %s", len(got.Trend), got.From, got.To)
		}
		if r := admin.get(t, "/dashboard?agency=so-tu-phap&from=2015-02&to=2025-01"); r.status != http.StatusOK {
			t.Errorf("page over 120 months: %s", r)
		}
	})
	t.Run("no period is the last twelve months", func(t *testing.T) {
		cur := survey.MonthOf(time.Now())
		got := fetchReport(t, env, admin.token, "so-tu-phap", nil)
		if got.From != cur.Add(-11).String() || got.To != cur.String() || len(got.Trend) != 12 {
			t.Errorf("default period %s..%s (%d months), want %s..%s", got.From, got.To, len(got.Trend), cur.Add(-11), cur)
		}
	})
}
