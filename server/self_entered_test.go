package server

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"hailong/survey"
)

// Issue 14, item 4: surveys the rated agency's own staff enter are marked
// self-entered, and rankings may leave them out. Helpers are prefixed se.

// seAggregates reads the "all areas" row of an agency from the JSON
// aggregates export, with the basis the export says it used.
func seAggregates(t *testing.T, env *testEnv, token, agency string, q url.Values) (responses float64, basis string) {
	t.Helper()
	q.Set("format", "json")
	q.Set("agency", agency)
	r := callAPI(t, env, token, http.MethodGet, "/api/v1/exports/aggregates?"+q.Encode(), nil)
	if r.status != http.StatusOK {
		t.Fatalf("aggregates %s: %s", q.Encode(), r)
	}
	var out struct {
		Basis string           `json:"basis"`
		Rows  []map[string]any `json:"rows"`
	}
	if err := json.Unmarshal([]byte(r.body), &out); err != nil {
		t.Fatalf("decode aggregates: %v", err)
	}
	for _, row := range out.Rows {
		if row["agency"] == agency && row["area"] == "*" {
			n, _ := row["responses"].(float64)
			responses += n
		}
	}
	return responses, out.Basis
}

// TestSelfEnteredResponsesAndBasis is the example, through the API
// against the embedded database, every answer of a response equal (so an
// index is the share of satisfied responses), minimum sample 1, this month:
//
//	so-tu-phap, justice: 40 web responses, 30 × 5 and 10 × 1   → 75 %
//	                     40 paper surveys its staff entered, all 5
//	all:         70 satisfied of 80 → 87,5 %
//	independent: 30 of 40           → 75 %   (the default basis of rankings)
//
// The dashboard's own figures stay over all 80 responses, with 40 (50 %)
// self-entered, while its rank is the /rankings rank on the independent
// basis. An administrator's entry is not self-entered; a staff member's
// entry for an agency merged into theirs is.
func TestSelfEnteredResponsesAndBasis(t *testing.T) {
	env := newTestEnvMin(t, 1)
	admin := newAdmin(t, env)
	staff := newStaff(t, env, "staff-tp", survey.RoleStaff, "so-tu-phap")
	today := time.Now().In(survey.Zone())
	day := today.Format(time.DateOnly)
	for i := range 40 {
		v := 5
		if i%4 == 3 {
			v = 1
		}
		submitAt(t, env, "", "so-tu-phap", "tu-phap", "web", "", uniformAnswers(t, env, "tu-phap", v, nil))
		submitAt(t, env, staff.token, "so-tu-phap", "tu-phap", "paper", day, uniformAnswers(t, env, "tu-phap", 5, nil))
	}
	// An administrator's entry, for so-xay-dung, before it is merged.
	submitAt(t, env, admin.token, "so-xay-dung", "xay-dung", "phone", day, uniformAnswers(t, env, "xay-dung", 5, nil))
	flushCounts(t, env)
	now := survey.MonthOf(today)
	month := url.Values{"from": {now.String()}, "to": {now.String()}}

	with := func(q url.Values, kv ...string) url.Values {
		out := url.Values{}
		for k, v := range q {
			out[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			out.Set(kv[i], kv[i+1])
		}
		return out
	}
	for _, tc := range []struct {
		query     url.Values
		basis     string
		index     float64
		responses int64
	}{
		{month, "independent", 75, 40},
		{with(month, "basis", "independent"), "independent", 75, 40},
		{with(month, "basis", "all"), "all", 87.5, 80},
		{with(month, "basis", "verified"), "verified", 0, 0},
		{with(month, "verified", "1"), "verified", 0, 0},
	} {
		r := fetchRankings(t, env, admin.token, tc.query)
		if string(r.Basis) != tc.basis {
			t.Errorf("rankings %s: basis %q, want %q", tc.query.Encode(), r.Basis, tc.basis)
		}
		row, _, ok := ivRankOf(t, r, survey.LevelDepartment, "so-tu-phap")
		if tc.responses == 0 {
			if ok && row.Responses != 0 {
				t.Errorf("rankings %s: so-tu-phap has %d responses, want none", tc.query.Encode(), row.Responses)
			}
			continue
		}
		if !ok || row.Responses != tc.responses || !closeTo(row.Overall.Index, tc.index) {
			t.Errorf("rankings %s: so-tu-phap %+v, want %d responses at %.1f %%", tc.query.Encode(), row, tc.responses, tc.index)
		}
	}
	// Carried from step to step.
	var (
		of  int
		row RankingRowJSON
	)

	step(t, "The report: own figures over all responses unless basis is given; the rank as the rankings page gives it on the default basis", func(t *testing.T) {
		rep := fetchReport(t, env, admin.token, "so-tu-phap", month)
		if rep.Basis != survey.BasisAll || rep.RankBasis != survey.BasisIndependent {
			t.Errorf("report: basis %q, rank basis %q, want all and independent", rep.Basis, rep.RankBasis)
		}
		if rep.Report.Responses != 80 || !closeTo(rep.Report.Overall.Index, 87.5) {
			t.Errorf("report: %d responses at %.2f, want 80 at 87.5", rep.Report.Responses, rep.Report.Overall.Index)
		}
		if rep.SelfEntered != (SelfEnteredJSON{Responses: 40, Of: 80, Percent: 50}) {
			t.Errorf("report: self-entered %+v, want 40 of 80 (50 %%)", rep.SelfEntered)
		}
		ranked := fetchRankings(t, env, admin.token, month)
		row, of, _ = ivRankOf(t, ranked, survey.LevelDepartment, "so-tu-phap")
		if rep.Standing.Rank != row.Rank || rep.Peers != of || rep.Standing.Responses != 40 {
			t.Errorf("report: rank %d of %d over %d responses, /rankings %d of %d over %d", rep.Standing.Rank, rep.Peers, rep.Standing.Responses, row.Rank, of, row.Responses)
		}
		ind := fetchReport(t, env, admin.token, "so-tu-phap", with(month, "basis", "independent"))
		if ind.Basis != survey.BasisIndependent || ind.Report.Responses != 40 || !closeTo(ind.Report.Overall.Index, 75) || ind.SelfEntered.Responses != 0 {
			t.Errorf("report basis=independent: %s, %d responses at %.2f, %d self-entered; want 40 at 75, none", ind.Basis, ind.Report.Responses, ind.Report.Overall.Index, ind.SelfEntered.Responses)
		}
	})

	step(t, "Aggregate exports: all by default, the basis when given", func(t *testing.T) {
		if n, b := seAggregates(t, env, admin.token, "so-tu-phap", with(month)); n != 80 || b != "all" {
			t.Errorf("aggregates: %v responses on %q, want 80 on all", n, b)
		}
		if n, b := seAggregates(t, env, admin.token, "so-tu-phap", with(month, "basis", "independent")); n != 40 || b != "independent" {
			t.Errorf("aggregates basis=independent: %v responses on %q, want 40 on independent", n, b)
		}
	})

	step(t, "An administrator's entry is not self-entered; after so-xay-dung is merged into so-tn-mt, an entry by so-tn-mt's staff for so-xay-dung (of its lineage) is", func(t *testing.T) {
		xd := fetchReport(t, env, admin.token, "so-xay-dung", month)
		if xd.Report.Responses != 1 || xd.SelfEntered.Responses != 0 {
			t.Errorf("so-xay-dung after an administrator's entry: %d responses, %d self-entered; want 1, 0", xd.Report.Responses, xd.SelfEntered.Responses)
		}
		mergeInto(t, admin, "so-tn-mt", "so-xay-dung")
		tn := newStaff(t, env, "staff-tn", survey.RoleStaff, "so-tn-mt")
		yesterday := today.AddDate(0, 0, -1)
		submitAt(t, env, tn.token, "so-xay-dung", "xay-dung", "paper", yesterday.Format(time.DateOnly), uniformAnswers(t, env, "xay-dung", 5, nil))
		flushCounts(t, env)
		two := url.Values{"from": {survey.MonthOf(yesterday).String()}, "to": {now.String()}}
		xd = fetchReport(t, env, admin.token, "so-xay-dung", two)
		if xd.Report.Responses != 2 || xd.SelfEntered != (SelfEnteredJSON{Responses: 1, Of: 2, Percent: 50}) {
			t.Errorf("so-xay-dung after its successor's staff entry: %d responses, self-entered %+v; want 2, 1 of 2", xd.Report.Responses, xd.SelfEntered)
		}
	})

	step(t, "A bad basis is a 400 naming the field, in the caller's language", func(t *testing.T) {
		for _, tc := range []struct{ path, lang, want string }{
			{"/api/v1/rankings?basis=most", "vi", "Cơ sở tính"},
			{"/api/v1/rankings?basis=most&lang=en", "en", "The basis must be"},
			{"/api/v1/reports/agencies/so-tu-phap?basis=most&lang=en", "en", "The basis must be"},
			{"/api/v1/reports/agencies/so-tu-phap?basis=most", "vi", "Cơ sở tính"},
			{"/api/v1/exports/aggregates?format=json&basis=most", "vi", "basis nhận giá trị"},
		} {
			r := callAPI(t, env, admin.token, http.MethodGet, tc.path, nil)
			if r.status != http.StatusBadRequest {
				t.Errorf("%s: %s, want 400", tc.path, r)
				continue
			}
			if e := decodeAPIError(t, r); !strings.HasPrefix(e.Error.Fields["basis"], tc.want) {
				t.Errorf("%s: fields.basis = %q, want it to start with %q", tc.path, e.Error.Fields["basis"], tc.want)
			}
		}
	})

	step(t, "The pages: the rankings say their basis and pass it to the downloads; the dashboard shows the self-entered share", func(t *testing.T) {
		page := admin.get(t, "/rankings?"+month.Encode())
		if page.status != http.StatusOK {
			t.Fatalf("/rankings: %s", page)
		}
		for _, want := range []string{`option[value=independent][selected]`, `[data-basis=independent]`} {
			if !hasElement(page.body, want) {
				t.Errorf("/rankings: no %s", want)
			}
		}
		for _, want := range []string{env.srv.locales[survey.Vi].T("basis.desc.independent"), "basis=independent&amp;format=csv"} {
			if !strings.Contains(page.body, want) {
				t.Errorf("/rankings: no %q", want)
			}
		}
		page = admin.get(t, "/rankings?lang=en&verified=1&"+month.Encode())
		if !hasElement(page.body, "option[value=\"verified\"][selected]") || !strings.Contains(page.body, env.srv.locales[survey.En].T("basis.desc.verified")) {
			t.Errorf("/rankings?verified=1: the basis is not verified")
		}
		if page = admin.get(t, "/rankings?basis=most"); page.status != http.StatusBadRequest {
			t.Errorf("/rankings?basis=most: %d, want 400", page.status)
		}
		page = admin.get(t, "/dashboard?lang=vi&agency=so-tu-phap&"+month.Encode())
		if page.status != http.StatusOK || !hasElement(page.body, "[id=\"self-entered\"][data-count=\"40\"]") || !strings.Contains(page.body, "40 trên 80 phiếu (50,0 %)") {
			t.Errorf("/dashboard: no self-entered share of 40 of 80 (status %d)", page.status)
		}
	})
}

// TestRankingBasisConfig: HAILONG_RANKING_BASIS is checked at start.
func TestRankingBasisConfig(t *testing.T) {
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == "HAILONG_RANKING_BASIS" {
				return v
			}
			return ""
		}
	}
	cfg, err := LoadConfig(env(""))
	if err != nil || cfg.RankingBasis != survey.BasisIndependent {
		t.Errorf("default: %q, %v; want independent", cfg.RankingBasis, err)
	}
	cfg, err = LoadConfig(env("all"))
	if err != nil || cfg.RankingBasis != survey.BasisAll {
		t.Errorf("all: %q, %v", cfg.RankingBasis, err)
	}
	if _, err := LoadConfig(env("most")); err == nil || !strings.Contains(err.Error(), "HAILONG_RANKING_BASIS") {
		t.Errorf("most: %v, want an error naming HAILONG_RANKING_BASIS", err)
	}
}
