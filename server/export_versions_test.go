package server

import (
	"bytes"
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"hailong/survey"
	"hailong/survey/export"
)

// exportVersionsFixture: version 2 of the default questionnaire (published
// 2025-06-30) reuses code 1.1 with new wording and adds 1.5 and 1.6 in place
// of 1.1–1.4. The justice department has 40 responses in March 2024 and 40
// in March 2025 on version 1 (every YT1 answer 5), and 40 in September
// 2025 on version 2 (every YT1 answer 2); other answers are 4.
func exportVersionsFixture(t *testing.T, env *testEnv) {
	t.Helper()
	ctx := context.Background()
	cat, err := env.store.Catalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	v1, err := cat.FormVersion(survey.DefaultFormID, 1)
	if err != nil {
		t.Fatal(err)
	}
	if v1.Factors[0].Criteria[0].Code != "1.1" || len(v1.Factors[0].Criteria) != 4 {
		t.Fatalf("version 1's YT1 is %+v, want 1.1–1.4", v1.Factors[0].Criteria)
	}
	v2 := survey.NewDraft(v1, 2)
	v2.Factors[0].Criteria = []survey.Criterion{
		{Code: "1.1", Text: survey.Text{Vi: "Tiêu chí 1.1 diễn đạt lại", En: "Criterion 1.1 reworded"}},
		{Code: "1.5", Text: survey.Text{Vi: "Tiêu chí mới 1.5", En: "New criterion 1.5"}},
		{Code: "1.6", Text: survey.Text{Vi: "Tiêu chí mới 1.6", En: "New criterion 1.6"}},
	}
	v2.Published, v2.PublishedAt = true, time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)
	if err := env.store.InsertForm(ctx, v2); err != nil {
		t.Fatal(err)
	}
	n := 0
	put := func(f survey.Form, month string, yt1 int) {
		m, _ := survey.ParseMonth(month)
		for range 40 {
			var as []survey.Answer
			for _, q := range f.Questions("tu-phap") {
				switch q.Factor {
				case "":
				case "YT1":
					as = append(as, survey.Answer{Code: q.Code, Value: yt1})
				default:
					as = append(as, survey.Answer{Code: q.Code, Value: 4})
				}
			}
			n++
			r := survey.Response{ID: "exv-" + strconv.Itoa(n), Agency: "so-tu-phap", Area: "tu-phap", FormID: f.ID, FormVersion: f.Version,
				Channel: survey.ChannelCounter, Lang: survey.Vi, Answers: as,
				SubmittedAt: m.Start().Add(48 * time.Hour), ReceivedAt: m.Start().Add(48 * time.Hour)}
			if created, err := env.store.InsertResponse(ctx, r); err != nil || !created {
				t.Fatalf("insert %s: %v %v", r.ID, created, err)
			}
		}
	}
	put(v1, "2024-03", 5)
	put(v1, "2025-03", 5)
	put(v2, "2025-09", 2)
	if err := env.store.FlushRollups(ctx); err != nil {
		t.Fatal(err)
	}
}

// xlsxTable reads the first sheet of a workbook whose first row's first
// cell is first, as rows of maps by column, and the method sheet's
// description of each column.
func xlsxTable(t *testing.T, body []byte, first string) (rows []map[string]string, header []string, desc map[string]string) {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("open the workbook: %v", err)
	}
	desc = map[string]string{}
	for _, sheet := range f.GetSheetList() {
		all, err := f.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range all {
			if len(r) >= 3 && (strings.HasPrefix(r[0], "q_") || strings.HasPrefix(r[0], "c_")) {
				desc[r[0]] = r[2]
			}
		}
		if header != nil || len(all) == 0 || len(all[0]) == 0 || all[0][0] != first {
			continue
		}
		header = all[0]
		for _, r := range all[1:] {
			m := map[string]string{}
			for i, name := range header {
				if i < len(r) {
					m[name] = r[i]
				}
			}
			rows = append(rows, m)
		}
	}
	if header == nil {
		t.Fatalf("no sheet starts with %q", first)
	}
	return rows, header, desc
}

// headerOf is the CSV's first line as column names.
func headerOf(body string) []string {
	line, _, _ := strings.Cut(strings.TrimPrefix(body, export.UTF8BOM), "\n")
	return strings.Split(strings.TrimRight(line, "\r"), ",")
}

// itemColumns keeps the columns with the prefix, in order.
func itemColumns(header []string, prefix string) []string {
	var out []string
	for _, h := range header {
		if strings.HasPrefix(h, prefix) {
			out = append(out, h)
		}
	}
	return out
}

// The criterion columns of the exports are those of the versions the rows
// were given on. Over 2025 (versions 1 and 2): version 2's criteria in its
// order (1.1 reworded, 1.5, 1.6), then version 1's that version 2 does not
// have, the old 1.1 as "1.1@1" since version 2 reuses its code; an answer
// lands in the column of its version's criterion, never pooled by code.
// Over 2024 (version 1 only): version 1's columns, 1.1 under its own code,
// no column of version 2. Read back from CSV and from XLSX alike.
func TestExportColumnsFollowTheVersionsExported(t *testing.T) {
	env := newTestEnv(t)
	exportVersionsFixture(t, env)
	tok := versionsToken(t, env, "export-versions-password-1")
	get := func(path string) []byte {
		t.Helper()
		r := doRequest(t, nil, http.MethodGet, env.http.URL+path, "", map[string]string{"Authorization": "Bearer " + tok, "Accept-Encoding": "identity"})
		if r.status != http.StatusOK {
			t.Fatalf("GET %s: %s", path, r)
		}
		return []byte(r.body)
	}
	yt1For2025 := []string{"q_1.1", "q_1.5", "q_1.6", "q_1.1@1", "q_1.2", "q_1.3", "q_1.4", "q_2.1"}

	for _, format := range []string{"csv", "xlsx"} {
		t.Run("responses "+format, func(t *testing.T) {
			body := get("/api/v1/exports/responses?format=" + format + "&from=2025-01&to=2025-12&agency=so-tu-phap")
			var rows []map[string]string
			var header []string
			desc := map[string]string{}
			if format == "csv" {
				rows, header = csvRows(t, string(body)), headerOf(string(body))
			} else {
				rows, header, desc = xlsxTable(t, body, "agency")
			}
			if got := itemColumns(header, "q_"); len(got) < len(yt1For2025) || !slices.Equal(got[:len(yt1For2025)], yt1For2025) {
				t.Errorf("item columns %v, want them to start %v", got, yt1For2025)
			}
			if len(rows) != 80 {
				t.Fatalf("%d rows, want 80", len(rows))
			}
			byVersion := map[string]int{}
			for _, r := range rows {
				byVersion[r["form_version"]]++
				want := map[string]map[string]string{
					"1": {"q_1.1@1": "5", "q_1.2": "5", "q_1.1": "", "q_1.5": "", "q_2.1": "4"},
					"2": {"q_1.1": "2", "q_1.5": "2", "q_1.6": "2", "q_1.1@1": "", "q_1.2": "", "q_2.1": "4"},
				}[r["form_version"]]
				for c, v := range want {
					if r[c] != v {
						t.Fatalf("a version %s row has %s = %q, want %q: %v", r["form_version"], c, r[c], v, r)
					}
				}
			}
			if byVersion["1"] != 40 || byVersion["2"] != 40 {
				t.Errorf("rows by version %v, want 40 and 40", byVersion)
			}
			if format == "xlsx" {
				if d := desc["q_1.1@1"]; !strings.Contains(d, "v1 1.1") {
					t.Errorf("q_1.1@1 described %q, without its version", d)
				}
				if d := desc["q_1.1"]; !strings.Contains(d, "diễn đạt lại") && !strings.Contains(d, "reworded") {
					t.Errorf("q_1.1 described %q, not with version 2's wording", d)
				}
			}
		})
	}

	t.Run("responses of 2024", func(t *testing.T) {
		body := string(get("/api/v1/exports/responses?format=csv&from=2024-01&to=2024-12&agency=so-tu-phap"))
		got := itemColumns(headerOf(body), "q_")
		if want := []string{"q_1.1", "q_1.2", "q_1.3", "q_1.4", "q_2.1"}; len(got) < 5 || !slices.Equal(got[:5], want) ||
			slices.Contains(got, "q_1.5") || slices.Contains(got, "q_1.1@1") {
			t.Errorf("2024 item columns %v, want version 1's only, starting %v", got, want)
		}
		for _, r := range csvRows(t, body) {
			if r["q_1.1"] != "5" || r["form_version"] != "1" {
				t.Fatalf("2024 row %v, want q_1.1 = 5 on version 1", r)
			}
		}
	})

	for _, format := range []string{"csv", "xlsx"} {
		t.Run("aggregates "+format, func(t *testing.T) {
			body := get("/api/v1/exports/aggregates?format=" + format + "&from=2025-01&to=2025-12&granularity=year&agency=so-tu-phap")
			var rows []map[string]string
			var header []string
			if format == "csv" {
				rows, header = csvRows(t, string(body)), headerOf(string(body))
			} else {
				rows, header, _ = xlsxTable(t, body, "level")
			}
			var crit []string
			for _, h := range itemColumns(header, "c_") {
				if strings.HasSuffix(h, "_n5") {
					crit = append(crit, strings.TrimSuffix(strings.TrimPrefix(h, "c_"), "_n5"))
				}
			}
			if want := []string{"1.1", "1.5", "1.6", "1.1@1", "1.2", "1.3", "1.4", "2.1"}; len(crit) < len(want) || !slices.Equal(crit[:len(want)], want) {
				t.Errorf("criterion columns %v, want them to start %v", crit, want)
			}
			var all map[string]string
			for _, r := range rows {
				if r["area"] == export.AggregateArea {
					all = r
				}
			}
			if all == nil {
				t.Fatalf("no row of all areas: %v", rows)
			}
			// By hand: 40 answers at 2 on version 2's 1.1, 40 at 5 on
			// version 1's, none crossed; the responses 80 of both versions.
			for c, v := range map[string]string{"responses": "80", "form_version": "2",
				"c_1.1_n2": "40", "c_1.1_n5": "0", "c_1.1@1_n5": "40", "c_1.1@1_n2": "0", "c_1.5_n2": "40", "c_1.2_n5": "40", "c_2.1_n4": "80"} {
				if all[c] != v {
					t.Errorf("%s = %q, want %q", c, all[c], v)
				}
			}
		})
	}
}
