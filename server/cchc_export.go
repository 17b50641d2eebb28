package server

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
	"github.com/xuri/excelize/v2"

	"hailong/survey"
	"hailong/survey/export"
)

// CCHC exports: a year's index as CSV (one row per unit), XLSX (the same
// rows in a "Results" sheet, the framework in a "Method" sheet) or JSON (the
// API's answer). The tables are small (a province's units), so each is built
// in memory and sent whole.

// cchcColumns are the export's fixed columns; one column per component
// code follows ("c:<code>"), in the framework's order.
var cchcColumns = []string{
	"group", "rank", "of", "agency", "name_vi", "name_en", "points", "max", "index",
	"previous_rank", "rank_change", "new", "illustrative",
	"survey_source", "survey_index", "survey_responses", "survey_points",
}

// cchcComponentCodes lists the framework's component codes, each once.
func cchcComponentCodes(fw survey.CCHCFramework) []string {
	var out []string
	seen := map[string]bool{}
	for _, g := range fw.Groups {
		for _, c := range g.Components {
			if !seen[c.Code] {
				seen[c.Code] = true
				out = append(out, c.Code)
			}
		}
	}
	return out
}

// cchcRows are the export's rows (header first): numbers as float64 or
// int, absent values as nil, text neutralised against formulas.
func cchcRows(j CCHCJSON) [][]any {
	codes := cchcComponentCodes(j.Framework.CCHCFramework)
	head := make([]any, 0, len(cchcColumns)+len(codes))
	for _, c := range cchcColumns {
		head = append(head, c)
	}
	for _, c := range codes {
		head = append(head, "c:"+c)
	}
	rows := [][]any{head}
	opt := func(p *int) any {
		if p == nil {
			return nil
		}
		return *p
	}
	for _, g := range j.Groups {
		for _, u := range g.Units {
			var si any
			if u.Survey.Index != nil {
				si = *u.Survey.Index
			}
			row := []any{
				string(g.Group), u.Rank, u.Of, u.Agency, export.Neutralise(u.Name.Vi), export.Neutralise(u.Name.En),
				u.Points, u.Max, u.Index, opt(u.PreviousRank), opt(u.RankChange), u.New, u.Illustrative,
				u.Survey.Source, si, u.Survey.Responses, u.Survey.Points,
			}
			for _, code := range codes {
				var v any
				for _, c := range u.Components {
					if c.Code == code {
						v = c.Points
					}
				}
				row = append(row, v)
			}
			rows = append(rows, row)
		}
	}
	return rows
}

// apiCCHCExport answers GET /api/v1/cchc/{year}/export?format=csv|xlsx|json.
func (s *Server) apiCCHCExport(c *gin.Context) error {
	year, err := cchcYearParam(c.Param("year"))
	if err != nil {
		return err
	}
	format := c.DefaultQuery("format", "json")
	if format != "csv" && format != "xlsx" && format != "json" {
		return fieldErrorsIn("cchc", survey.FieldErrors{"format": survey.ProblemInvalid})
	}
	r, err := s.CCHCResult(c.Request.Context(), year)
	if err != nil {
		return err
	}
	j := s.cchcJSON(r)
	name := fmt.Sprintf("cchc-%d.%s", year, format)
	var body []byte
	var ctype string
	switch format {
	case "csv":
		body, err = cchcCSV(j)
		ctype = "text/csv; charset=utf-8"
	case "xlsx":
		body, err = s.cchcXLSX(j)
		ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	default:
		body, err = json.Marshal(j)
		ctype = "application/json; charset=utf-8"
	}
	if err != nil {
		return err
	}
	c.Header("Content-Disposition", `attachment; filename="`+name+`"`)
	c.Data(http.StatusOK, ctype, body)
	return nil
}

func cchcCSV(j CCHCJSON) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(export.UTF8BOM) // as every CSV export: Excel then reads UTF-8
	w := csv.NewWriter(&buf)
	for _, row := range cchcRows(j) {
		rec := make([]string, len(row))
		for i, v := range row {
			switch v := v.(type) {
			case nil:
			case string:
				rec[i] = v
			case float64:
				rec[i] = strconv.FormatFloat(v, 'f', -1, 64)
			default:
				rec[i] = fmt.Sprint(v)
			}
		}
		if err := w.Write(rec); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// cchcXLSX writes the Results and Method sheets.
func (s *Server) cchcXLSX(j CCHCJSON) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", "Results"); err != nil {
		return nil, err
	}
	for i, row := range cchcRows(j) {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Results", cell, &row); err != nil {
			return nil, err
		}
	}
	if _, err := f.NewSheet("Method"); err != nil {
		return nil, err
	}
	fw := j.Framework
	method := [][]any{
		{"framework", fw.Version, export.Neutralise(fw.Title.Vi), export.Neutralise(fw.Title.En)},
		{"fromYear", fw.FromYear},
		{"year", j.Year},
		{"index", "points ÷ max × 100, 2 decimals; sub-criteria that do not apply are taken off max; rank per group, ties share a rank"},
		{},
		{"group", "component", "criterion", "name_vi", "name_en", "max", "survey_rule"},
	}
	for _, g := range fw.Groups {
		for _, c := range g.Components {
			rule := ""
			if c.Survey != nil {
				b, _ := json.Marshal(c.Survey)
				rule = string(b)
			}
			method = append(method, []any{string(g.Group), c.Code, "", export.Neutralise(c.Name.Vi), export.Neutralise(c.Name.En), c.Max(), rule})
			for _, k := range c.Criteria {
				method = append(method, []any{string(g.Group), c.Code, k.Code, export.Neutralise(k.Name.Vi), export.Neutralise(k.Name.En), k.Max, ""})
			}
		}
	}
	for i, row := range method {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Method", cell, &row); err != nil {
			return nil, err
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
