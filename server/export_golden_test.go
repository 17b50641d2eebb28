package server

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"hailong/survey/export"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files of the exports")

// golden compares got with testdata/exports/name (rewritten with -update).
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "exports", name)
	if *updateGolden {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./server -run TestExportGolden -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) && i < len(wl); i++ {
			if gl[i] != wl[i] {
				t.Fatalf("%s differs at line %d:\ngot  %.300q\nwant %.300q", name, i+1, gl[i], wl[i])
			}
		}
		t.Fatalf("%s differs: %d lines, want %d", name, len(gl), len(wl))
	}
}

// xlsxDump writes a workbook as text: each sheet, then each cell with its
// type (n number, s string, b boolean), its raw value and, for numbers with
// a format, the format's id (10 is 0.00 %).
func xlsxDump(t *testing.T, body []byte) ([]byte, *excelize.File) {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("open the workbook: %v", err)
	}
	var b strings.Builder
	for _, sheet := range f.GetSheetList() {
		fmt.Fprintf(&b, "== %s\n", sheet)
		rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		for r, row := range rows {
			for c, v := range row {
				if v == "" {
					continue
				}
				cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
				typ, _ := f.GetCellType(sheet, cell)
				kind := map[excelize.CellType]string{excelize.CellTypeNumber: "n", excelize.CellTypeBool: "b",
					excelize.CellTypeInlineString: "s", excelize.CellTypeSharedString: "s", excelize.CellTypeUnset: "n"}[typ]
				fmtID := ""
				if style, err := f.GetCellStyle(sheet, cell); err == nil && style != 0 {
					if st, err := f.GetStyle(style); err == nil && st.NumFmt != 0 {
						fmtID = fmt.Sprintf(" fmt%d", st.NumFmt)
					}
				}
				fmt.Fprintf(&b, "%s %s%s %q\n", cell, kind, fmtID, v)
			}
		}
	}
	return []byte(b.String()), f
}

// TestExportGolden: every format of both exports, byte for byte (XLSX as a
// dump of its cells), over the fixture.
func TestExportGolden(t *testing.T) {
	e := newExportEnv(t)
	for _, c := range []struct{ name, path string }{
		{"aggregates.csv", "/api/v1/exports/aggregates?format=csv&from=2025-01&to=2025-03&granularity=month&agency=so-tu-phap"},
		{"aggregates.json", "/api/v1/exports/aggregates?format=json&from=2025-01&to=2025-06&granularity=quarter&agency=lam-binh&area=dat-dai"},
		{"aggregates.xlsx.txt", "/api/v1/exports/aggregates?format=xlsx&from=2025-01&to=2025-12&granularity=year&agency=x-thuong-lam"},
		{"responses.csv", "/api/v1/exports/responses?format=csv&from=2025-01&to=2025-02&comments=1"},
		{"responses.jsonl", "/api/v1/exports/responses?format=jsonl&from=2025-01&to=2025-02&agency=lam-binh"},
		{"responses.xlsx.txt", "/api/v1/exports/responses?format=xlsx&from=2025-01&to=2025-02&comments=1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := e.get(t, e.inspector, c.path, "vi")
			if r.status != http.StatusOK {
				t.Fatalf("%s: %s", c.path, r)
			}
			body := []byte(r.body)
			if strings.HasSuffix(c.name, ".xlsx.txt") {
				body, _ = xlsxDump(t, body)
			}
			golden(t, c.name, body)
		})
	}
}

// reportOf reads the report API for an agency, period and area.
func (e *exportEnv) reportOf(t *testing.T, agency, from, to, area string) ReportJSON {
	t.Helper()
	path := fmt.Sprintf("/api/v1/reports/agencies/%s?from=%s&to=%s", agency, from, to)
	if area != "*" {
		path += "&area=" + area
	}
	r := e.get(t, e.inspector, path, "")
	if r.status != http.StatusOK {
		t.Fatalf("%s: %s", path, r)
	}
	var rep ReportJSON
	if err := json.Unmarshal([]byte(r.body), &rep); err != nil {
		t.Fatal(err)
	}
	return rep
}

// expectedCells lists, for a row of the aggregates, the value of every
// figure the report API gives for the same agency, period and area (indices
// in percent, empty when there is no data).
func expectedCells(rep ReportJSON) map[string]string {
	num := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	out := map[string]string{"responses": strconv.FormatInt(rep.Report.Responses, 10),
		"too_few": strconv.FormatBool(rep.Report.TooFew), "rule": rep.Report.Rule, "form_id": rep.FormID,
		"form_version": strconv.Itoa(rep.Version)}
	score := func(prefix string, noData bool, idx, lo, hi, mean float64) {
		if noData {
			idx, lo, hi, mean = math.NaN(), math.NaN(), math.NaN(), math.NaN()
		}
		for k, v := range map[string]float64{"_index": idx, "_low": lo, "_high": hi, "_mean": mean} {
			out[prefix+k] = ""
			if !math.IsNaN(v) {
				out[prefix+k] = num(v)
			}
		}
	}
	o := rep.Report.Overall
	score("overall", o.NoData, o.Index, o.Low, o.High, o.Mean)
	for _, f := range rep.Report.Factors {
		score("f_"+f.Code, f.NoData, f.Index, f.Low, f.High, f.Mean)
	}
	for _, c := range append(rep.Report.Criteria, rep.Report.Extras...) {
		for v, n := range c.Counts {
			out[fmt.Sprintf("c_%s_n%d", c.Code, v)] = strconv.FormatInt(n, 10)
		}
		score("c_"+c.Code, c.NoData, c.Index, c.Low, c.High, c.Mean)
	}
	return out
}

// close15 reports whether two numbers agree to the 15 significant digits an
// XLSX keeps (excelize writes numbers as Excel does, to 15 digits).
func close15(a, b float64) bool {
	return math.Abs(a-b) <= 1e-14*math.Max(math.Abs(a), math.Abs(b))
}

// TestExportAggregatesMatchReportAPI reads the CSV back with encoding/csv
// and the XLSX with excelize and compares every figure of every row with
// the report API for the same agency, period and area: number for number,
// the CSV exactly, the XLSX to Excel's 15 significant digits (percentages
// as index/100).
func TestExportAggregatesMatchReportAPI(t *testing.T) {
	e := newExportEnv(t)
	const q = "from=2025-01&to=2025-03&granularity=month"
	r := e.get(t, e.inspector, "/api/v1/exports/aggregates?format=csv&"+q, "")
	if r.status != http.StatusOK || !strings.HasPrefix(r.body, export.UTF8BOM) {
		t.Fatalf("csv: %s", r)
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.body, export.UTF8BOM))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	head := recs[0]
	col := map[string]int{}
	for i, h := range head {
		col[h] = i
	}
	checked, withData := 0, 0
	for _, rec := range recs[1:] {
		ag, area, from, to := rec[col["agency"]], rec[col["area"]], rec[col["period_from"]], rec[col["period_to"]]
		rep := e.reportOf(t, ag, from, to, area)
		want := countsOnly(expectedCells(rep), rep.Report.Responses)
		for name, w := range want {
			if got := rec[col[name]]; got != w {
				t.Errorf("%s %s %s..%s: %s = %q, report API %q", ag, area, from, to, name, got, w)
			}
		}
		checked++
		if want["responses"] != "0" {
			withData++
		}
	}
	if withData < 8 || checked < 3*withData {
		t.Errorf("checked %d rows, %d with data: the fixture should give more", checked, withData)
	}

	// The XLSX: same rows, numbers as numbers, percentages as fractions.
	x := e.get(t, e.inspector, "/api/v1/exports/aggregates?format=xlsx&"+q, "en")
	if x.status != http.StatusOK {
		t.Fatalf("xlsx: %s", x)
	}
	f, err := excelize.OpenReader(strings.NewReader(x.body))
	if err != nil {
		t.Fatal(err)
	}
	sheets := f.GetSheetList()
	wantSheets := []string{"Provincial departments", "District people's committees", "Commune people's committees", "Method"}
	if strings.Join(sheets, "|") != strings.Join(wantSheets, "|") {
		t.Errorf("sheets %q, want %q", sheets, wantSheets)
	}
	rows := 0
	for _, sheet := range sheets[:len(sheets)-1] {
		all, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		for i, row := range all[1:] {
			get := func(name string) string {
				if c := col[name]; c < len(row) {
					return row[c]
				}
				return ""
			}
			if all[0][col["overall_index"]] != "overall_index" {
				t.Fatalf("%s: header differs from the CSV's", sheet)
			}
			rep := e.reportOf(t, get("agency"), get("period_from"), get("period_to"), get("area"))
			want := countsOnly(expectedCells(rep), rep.Report.Responses)
			for name, w := range want {
				got := get(name)
				cell, _ := excelize.CoordinatesToCellName(col[name]+1, i+2)
				if strings.HasSuffix(name, "_index") || strings.HasSuffix(name, "_low") || strings.HasSuffix(name, "_high") {
					if (got == "") != (w == "") {
						t.Errorf("%s %s: %q, want %q", sheet, cell, got, w)
						continue
					}
					if w == "" {
						continue
					}
					g, _ := strconv.ParseFloat(got, 64)
					wv, _ := strconv.ParseFloat(w, 64)
					if !close15(g, wv/100) {
						t.Errorf("%s %s (%s): %v, want %v/100", sheet, cell, name, g, wv)
					}
					if st, _ := f.GetCellStyle(sheet, cell); st == 0 {
						t.Errorf("%s %s: a percentage without a percent format", sheet, cell)
					} else if s, _ := f.GetStyle(st); s.NumFmt != 10 {
						t.Errorf("%s %s: number format %d, want 10 (0.00%%)", sheet, cell, s.NumFmt)
					}
					continue
				}
				if name == "too_few" {
					w = map[string]string{"true": "1", "false": "0"}[w]
				}
				if strings.HasSuffix(name, "_mean") && got != "" && w != "" {
					g, _ := strconv.ParseFloat(got, 64)
					wv, _ := strconv.ParseFloat(w, 64)
					if !close15(g, wv) {
						t.Errorf("%s %s (%s): %v, want %v", sheet, cell, name, g, wv)
					}
					continue
				}
				if got != w {
					t.Errorf("%s %s (%s): %q, want %q", sheet, cell, name, got, w)
				}
				if typ, _ := f.GetCellType(sheet, cell); w != "" && name == "responses" && typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
					t.Errorf("%s %s: responses stored as type %v, want a number", sheet, cell, typ)
				}
			}
			rows++
		}
	}
	if rows != len(recs)-1 {
		t.Errorf("XLSX has %d rows, CSV %d", rows, len(recs)-1)
	}
}
