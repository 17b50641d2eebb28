package server

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"hailong/survey"
)

// disclosureRow is one response of the disclosure tests, every
// quasi-identifier given.
type disclosureRow struct {
	agency, area, month string
	channel             survey.Channel
	verified            bool
	who                 survey.Respondent
}

// rows repeats a row n times.
func rows(n int, r disclosureRow) []disclosureRow {
	out := make([]disclosureRow, n)
	for i := range out {
		out[i] = r
	}
	return out
}

var (
	demoD1 = resp("female", "25to34", "university", "civil_servant")
	demoD2 = resp("male", "50to64", "secondary", "farmer")
)

// disclosureRows are the three examples of the issue, each in a month of
// its own in 2024 (the shared fixture has 2025), and a month that shows
// every level of the rule.
func disclosureRows() []disclosureRow {
	var out []disclosureRow
	add := func(rs ...[]disclosureRow) {
		for _, r := range rs {
			out = append(out, r...)
		}
	}
	// September: six share their demographics, one of them is the only
	// paper response in the area. It cannot show alone, so its five look-
	// alikes are suppressed with it; ten others show whole.
	add(rows(5, disclosureRow{"so-tu-phap", "tu-phap", "2024-09", survey.ChannelWeb, false, demoD1}),
		rows(1, disclosureRow{"so-tu-phap", "tu-phap", "2024-09", survey.ChannelPaper, false, demoD1}),
		rows(10, disclosureRow{"so-tu-phap", "tu-phap", "2024-09", survey.ChannelWeb, false, demoD2}))
	// October: one row left over would be the only blank one; the smallest
	// group shown (D1, before D2 among equals) is suppressed with it.
	add(rows(5, disclosureRow{"x-thuong-lam", "lao-dong", "2024-10", survey.ChannelWeb, false, demoD1}),
		rows(5, disclosureRow{"x-thuong-lam", "lao-dong", "2024-10", survey.ChannelWeb, false, demoD2}),
		rows(1, disclosureRow{"x-thuong-lam", "lao-dong", "2024-10", survey.ChannelWeb, false, resp("other", "under25", "", "student")}))
	// November: every level, from whole rows to the questionnaire only.
	lb := func(area string, ch survey.Channel, v bool, who survey.Respondent) disclosureRow {
		return disclosureRow{"lam-binh", area, "2024-11", ch, v, who}
	}
	add(rows(6, lb("dat-dai", survey.ChannelWeb, false, demoD1))) // whole
	for _, occ := range []string{"farmer", "worker", "retired", "student", "business"} {
		add(rows(1, lb("dat-dai", survey.ChannelWeb, false, resp("male", "35to49", "high_school", occ)))) // three answers
	}
	for _, g := range []string{"female", "female", "male", "male", "other"} {
		add(rows(1, lb("dat-dai", survey.ChannelKiosk, false, resp(g, "65plus", "", "")))) // area and channel
	}
	for _, ch := range []survey.Channel{survey.ChannelPaper, survey.ChannelPhone, survey.ChannelPostal, survey.ChannelCounter, survey.ChannelWeb} {
		add(rows(1, lb("tu-phap", ch, false, resp("female", "under25", "", "")))) // area only
	}
	for i, area := range []string{"dat-dai", "tu-phap", "lao-dong", "lao-dong", "tu-phap"} {
		add(rows(1, lb(area, survey.Channels[i], true, survey.Respondent{}))) // the questionnaire only
	}
	// December: three verified respondents share their demographics with
	// six unverified ones. Over all responses nine are alike, but among the
	// verified only three: no export shows them, and the export of all
	// responses, filtered to verified=true, shows no more than verified=1.
	add(rows(3, disclosureRow{"so-tu-phap", "tu-phap", "2024-12", survey.ChannelWeb, true, demoD1}),
		rows(6, disclosureRow{"so-tu-phap", "tu-phap", "2024-12", survey.ChannelWeb, false, demoD1}),
		rows(5, disclosureRow{"so-tu-phap", "tu-phap", "2024-12", survey.ChannelWeb, false, demoD2}))
	return out
}

// storeDisclosureRows stores the rows (comment "row-<n>", so exports can be
// joined on it) and rebuilds the rollups.
func storeDisclosureRows(t *testing.T, env *testEnv, drs []disclosureRow) {
	t.Helper()
	ctx := context.Background()
	cat, err := env.store.Catalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var rs []survey.Response
	for i, d := range drs {
		m, err := survey.ParseMonth(d.month)
		if err != nil {
			t.Fatal(err)
		}
		f, err := cat.FormFor(d.area, exportFixedNow)
		if err != nil {
			t.Fatal(err)
		}
		var answers []survey.Answer
		for j, q := range f.Questions(d.area) {
			answers = append(answers, survey.Answer{Code: q.Code, Value: 1 + (i*7+j*3)%5})
		}
		at := m.Start().Add(time.Duration(i+1) * 5 * time.Hour)
		rs = append(rs, survey.Response{
			ID: fmt.Sprintf("disclosure-%04d", i), Agency: d.agency, Area: d.area, FormID: f.ID, FormVersion: f.Version,
			Channel: d.channel, Verified: d.verified, Lang: survey.Vi, Answers: answers,
			Comment: fmt.Sprintf("row-%d", i), Respondent: d.who, SubmittedAt: at, ReceivedAt: at,
		})
	}
	if n, err := env.store.ImportResponses(ctx, rs); err != nil || n != len(rs) {
		t.Fatalf("import: %d, %v", n, err)
	}
	if err := env.store.RebuildRollups(ctx, nil); err != nil {
		t.Fatal(err)
	}
}

// quasi is what a CSV row shows of its quasi-identifiers.
func quasi(row map[string]string) string {
	return strings.Join([]string{row["agency"], row["month"], row["area"], row["channel"], row["verified"], row["form_id"],
		row["form_version"], row["gender"], row["age_band"], row["education"], row["occupation"]}, "|")
}

// TestExportDisclosure: the three examples through the API, the CSV
// read back with encoding/csv. In every export (all responses or verified
// only, every area or one) each pattern printed is shared by five rows or
// more, and a row prints exactly what it prints in the export of all
// responses.
func TestExportDisclosure(t *testing.T) {
	e := newExportEnv(t)
	drs := disclosureRows()
	storeDisclosureRows(t, e.testEnv, drs)
	base := "/api/v1/exports/responses?format=csv&comments=1"
	get := func(query string) []map[string]string {
		t.Helper()
		if !strings.Contains(query, "from=") {
			query += "&from=2024-09&to=2024-12"
		}
		r := e.get(t, e.inspector, base+query, "")
		if r.status != http.StatusOK {
			t.Fatalf("%s: %s", query, r)
		}
		return csvRows(t, r.body)
	}
	full := map[string]string{} // comment → quasi-identifiers printed
	for _, row := range get("") {
		full[row["comment"]] = quasi(row)
	}
	if len(full) != len(drs) {
		t.Fatalf("%d rows, want %d", len(full), len(drs))
	}
	row := func(i int) string { return full[fmt.Sprintf("row-%d", i)] }

	// The lone paper response: the six alike are suppressed, the ten
	// others show whole.
	for i := range 6 {
		if got := row(i); got != "so-tu-phap|2024-09|*|*||*|||||" {
			t.Errorf("September row %d: %s, want suppressed", i, got)
		}
	}
	if got := row(6); got != "so-tu-phap|2024-09|tu-phap|web|false|sipas-2017|1|male|50to64|secondary|farmer" {
		t.Errorf("September row 6: %s", got)
	}
	// The lone leftover is not alone.
	suppressed := 0
	for i := 16; i < 27; i++ {
		if strings.HasSuffix(row(i), "|*|*||*|||||") {
			suppressed++
		}
	}
	if suppressed != 6 || !strings.HasSuffix(row(26), "|*|*||*|||||") {
		t.Errorf("October: %d rows suppressed (want 6), the leftover %s", suppressed, row(26))
	}
	// November shows every level.
	for i, want := range map[int]string{
		27: "lam-binh|2024-11|dat-dai|web|false|sipas-2017|1|female|25to34|university|civil_servant",
		33: "lam-binh|2024-11|dat-dai|web|false|sipas-2017|1|male|35to49|high_school|",
		38: "lam-binh|2024-11|dat-dai|kiosk|false|sipas-2017|1||||",
		43: "lam-binh|2024-11|tu-phap|*|false|sipas-2017|1||||",
		48: "lam-binh|2024-11|*|*|true|sipas-2017|1||||",
	} {
		if got := row(i); got != want {
			t.Errorf("November row %d: %s, want %s", i, got, want)
		}
	}
	// December: the verified look-alikes show nothing, in any export.
	for i := 53; i < 56; i++ {
		if got := row(i); got != "so-tu-phap|2024-12|*|*||*|||||" {
			t.Errorf("December verified row %d: %s, want suppressed", i, got)
		}
	}

	exports := map[string][]map[string]string{"": nil}
	for _, q := range []string{"&verified=1", "&agency=lam-binh&area=dat-dai", "&area=tu-phap", "&area=tu-phap&verified=1",
		"&from=2024-11&to=2024-11&verified=1", "&agency=so-tu-phap"} {
		exports[q] = get(q)
	}
	exports[""] = get("")
	for q, rs := range exports {
		printed := map[string]int{}
		listed := map[string]int{} // rows of each agency-month
		for _, r := range rs {
			listed[r["agency"]+"|"+r["month"]]++
			p := quasi(r)
			if want := full[r["comment"]]; p != want {
				t.Errorf("export %q: %s prints %s, the export of all responses %s", q, r["comment"], p, want)
			}
			if strings.Contains(q, "area=") && r["area"] == "*" {
				t.Errorf("export %q lists %s, whose area is hidden", q, r["comment"])
			}
			printed[p]++
		}
		for p, n := range printed {
			// A small agency-month, wholly suppressed, prints its agency
			// and month only (here: December's three verified rows).
			small := strings.HasSuffix(p, "|*|*||*|||||") && !strings.Contains(q, "area=") && listed[strings.Join(strings.Split(p, "|")[:2], "|")] == n
			if n < survey.KAnonymity && !small {
				t.Errorf("export %q: %s printed for %d rows", q, p, n)
			}
		}
	}
	if n := len(exports["&verified=1"]); n != 3+5 {
		t.Errorf("verified export: %d rows, want 8", n)
	}
	if n := len(exports["&agency=lam-binh&area=dat-dai"]); n != 16 {
		t.Errorf("land export: %d rows, want 16 (the rows of land that show their area)", n)
	}
}

// TestExportDisclosureGolden: the disclosure months of the responses
// export, byte for byte.
func TestExportDisclosureGolden(t *testing.T) {
	e := newExportEnv(t)
	storeDisclosureRows(t, e.testEnv, disclosureRows())
	r := e.get(t, e.inspector, "/api/v1/exports/responses?format=csv&from=2024-09&to=2024-12&comments=1", "vi")
	if r.status != http.StatusOK {
		t.Fatalf("%s", r)
	}
	golden(t, "responses_disclosure.csv", []byte(r.body))
}

// countsOnly blanks the expected figures of an aggregates row of some but
// fewer than k responses, which shows its counts only.
func countsOnly(want map[string]string, responses int64) map[string]string {
	if responses == 0 || responses >= survey.KAnonymity {
		return want
	}
	for name := range want {
		switch name {
		case "responses", "too_few", "rule", "form_id", "form_version":
		default:
			want[name] = ""
		}
	}
	return want
}

// TestExportAggregatesDisclosure: an aggregates row of fewer than k
// responses shows its counts only; in November Lâm Bình's labour area (two
// responses) does, and so does its justice area (seven), since the row of
// all areas less land would otherwise be labour's. The row of all areas
// and land keep their figures; an export of the justice area alone
// withholds it alike.
func TestExportAggregatesDisclosure(t *testing.T) {
	e := newExportEnv(t)
	storeDisclosureRows(t, e.testEnv, disclosureRows())
	get := func(query string) map[string]map[string]string {
		t.Helper()
		r := e.get(t, e.inspector, "/api/v1/exports/aggregates?format=csv&from=2024-11&to=2024-11&granularity=month&agency=lam-binh"+query, "")
		if r.status != http.StatusOK {
			t.Fatalf("%s: %s", query, r)
		}
		out := map[string]map[string]string{}
		for _, row := range csvRows(t, r.body) {
			out[row["area"]] = row
		}
		return out
	}
	rows := get("")
	for area, want := range map[string]struct {
		responses string
		figures   bool
	}{"*": {"26", true}, "dat-dai": {"17", true}, "tu-phap": {"7", false}, "lao-dong": {"2", false}} {
		row := rows[area]
		if row == nil {
			t.Fatalf("no row for %s: %v", area, rows)
		}
		if row["responses"] != want.responses || row["too_few"] != "true" {
			t.Errorf("%s: responses %q too_few %q, want %s true", area, row["responses"], row["too_few"], want.responses)
		}
		for _, col := range []string{"overall_index", "overall_mean", "c_1.1_n4", "c_1.1_valid", "c_1.1_index"} {
			if (row[col] != "") != want.figures {
				t.Errorf("%s: %s = %q, figures shown: want %v", area, col, row[col], want.figures)
			}
		}
	}
	if row := get("&area=tu-phap")["tu-phap"]; row == nil || row["responses"] != "7" || row["overall_index"] != "" || row["c_1.1_n4"] != "" {
		t.Errorf("the justice area alone: %v", row)
	}
}
