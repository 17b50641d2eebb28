package survey

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// CCHC points arrive as CSV from the inspectors' spreadsheets, one row per
// sub-criterion: agency,criterion,points. points is a number (a decimal
// comma is accepted: "9,5" in a quoted cell or with ";" as separator) or
// "na" for a sub-criterion that does not apply; the criterion "surveyIndex"
// sets the unit's entered satisfaction index. The separator is "," or ";"
// (read from the header). The file is checked row by row: every bad row is
// reported with its line number, and a file with any problem stores nothing.

// CCHCSurveyIndexColumn is the criterion code of a row that sets the
// unit's entered satisfaction index.
const CCHCSurveyIndexColumn = "surveyIndex"

// MaxCCHCRows bounds the rows of a points file.
const MaxCCHCRows = 20000

// Problems of a points file's rows.
const (
	CSVProblemSyntax    = "syntax"    // not readable as CSV
	CSVProblemEmpty     = "empty"     // no header
	CSVProblemHeader    = "header"    // the header is not agency,criterion,points
	CSVProblemColumns   = "columns"   // a row with another number of cells
	CSVProblemAgency    = "agency"    // an agency neither in the catalog nor in the year
	CSVProblemGroup     = "group"     // the agency's group has no method in the framework
	CSVProblemCriterion = "criterion" // a code not of the unit's group
	CSVProblemNumber    = "number"    // points that are not a number
	CSVProblemRange     = "range"     // points below 0 or above the maximum
	CSVProblemDuplicate = "duplicate" // the same agency and criterion twice
	CSVProblemTooMany   = "too_many"  // more than MaxCCHCRows rows
	CSVProblemNoRows    = "no_rows"   // a header without rows
)

// CCHCRowProblem is a problem of one line of a points file; Detail is the
// offending value (a code, a number), Max the maximum broken.
type CCHCRowProblem struct {
	Line    int
	Problem string
	Detail  string
	Max     float64
}

// ParseCCHCPoints reads a points file against the year's framework, the
// catalog and the units already entered (whose names and groups serve units
// outside the catalog). It returns the units the file sets, each being the
// existing unit with its points and not-applicable list replaced by the
// file's (its entered survey index too when the file has one), or every
// problem found, in line order.
func ParseCCHCPoints(data []byte, fw CCHCFramework, cat *Catalog, have CCHCYear) ([]CCHCUnitPoints, []CCHCRowProblem) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		return nil, []CCHCRowProblem{{Line: 1, Problem: CSVProblemSyntax}}
	}
	r := csv.NewReader(bytes.NewReader(data))
	first, _, _ := bytes.Cut(data, []byte("\n"))
	if bytes.Contains(first, []byte(";")) && !bytes.Contains(first, []byte(",")) {
		r.Comma = ';'
	}
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, []CCHCRowProblem{{Line: 1, Problem: CSVProblemEmpty}}
	}
	if err != nil {
		return nil, []CCHCRowProblem{{Line: csvLine(err, 1), Problem: CSVProblemSyntax}}
	}
	want := []string{"agency", "criterion", "points"}
	if len(header) != 3 || !slices.EqualFunc(header, want, func(a, b string) bool { return strings.EqualFold(strings.TrimSpace(a), b) }) {
		return nil, []CCHCRowProblem{{Line: 1, Problem: CSVProblemHeader}}
	}
	var problems []CCHCRowProblem
	units := map[string]*CCHCUnitPoints{}
	var order []string
	seen := map[[2]string]bool{}
	rows := 0
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := r.FieldPos(0)
		if err != nil {
			problems = append(problems, CCHCRowProblem{Line: csvLine(err, line), Problem: CSVProblemSyntax})
			break
		}
		if rows++; rows > MaxCCHCRows {
			problems = append(problems, CCHCRowProblem{Line: line, Problem: CSVProblemTooMany})
			break
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // a blank line
		}
		if len(rec) != 3 {
			problems = append(problems, CCHCRowProblem{Line: line, Problem: CSVProblemColumns, Detail: strconv.Itoa(len(rec))})
			continue
		}
		agency, code, value := strings.TrimSpace(rec[0]), strings.TrimSpace(rec[1]), strings.TrimSpace(rec[2])
		u, ok := units[agency]
		if !ok {
			base, known := have.Unit(agency)
			if _, err := cat.Agency(agency); err == nil {
				known, base.Agency = true, agency
			}
			if !known || !ValidCode(agency) {
				problems = append(problems, CCHCRowProblem{Line: line, Problem: CSVProblemAgency, Detail: agency})
				continue
			}
			base.Points, base.NotApplicable = nil, nil
			u = &base
			units[agency] = u
			order = append(order, agency)
		}
		gf, ok := fw.Group(u.UnitGroup(cat))
		if !ok {
			problems = append(problems, CCHCRowProblem{Line: line, Problem: CSVProblemGroup, Detail: agency})
			continue
		}
		key := [2]string{agency, code}
		if seen[key] {
			problems = append(problems, CCHCRowProblem{Line: line, Problem: CSVProblemDuplicate, Detail: code})
			continue
		}
		seen[key] = true
		if code == CCHCSurveyIndexColumn {
			v, ok := csvNumber(value)
			switch {
			case !ok:
				problems = append(problems, CCHCRowProblem{Line: line, Problem: CSVProblemNumber, Detail: value})
			case v < 0 || v > 100:
				problems = append(problems, CCHCRowProblem{Line: line, Problem: CSVProblemRange, Detail: value, Max: 100})
			default:
				u.SurveyIndex = &v
			}
			continue
		}
		c, ok := gf.Criterion(code)
		if !ok {
			problems = append(problems, CCHCRowProblem{Line: line, Problem: CSVProblemCriterion, Detail: code})
			continue
		}
		if strings.EqualFold(value, "na") {
			u.NotApplicable = append(u.NotApplicable, c.Code)
			continue
		}
		v, ok := csvNumber(value)
		switch {
		case !ok:
			problems = append(problems, CCHCRowProblem{Line: line, Problem: CSVProblemNumber, Detail: value})
		case v < 0 || v > c.Max+1e-9:
			problems = append(problems, CCHCRowProblem{Line: line, Problem: CSVProblemRange, Detail: value, Max: c.Max})
		default:
			u.Points = append(u.Points, CCHCPoint{Code: c.Code, Points: v})
		}
	}
	if len(problems) > 0 {
		return nil, problems
	}
	if len(order) == 0 {
		return nil, []CCHCRowProblem{{Line: 2, Problem: CSVProblemNoRows}}
	}
	out := make([]CCHCUnitPoints, 0, len(order))
	for _, a := range order {
		out = append(out, *units[a])
	}
	return out, nil
}

// csvNumber reads a number written with a decimal point or comma.
func csvNumber(s string) (float64, bool) {
	if strings.Count(s, ",") == 1 && !strings.Contains(s, ".") {
		s = strings.Replace(s, ",", ".", 1)
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v != v {
		return 0, false
	}
	return v, true
}

// csvLine is the line a CSV parse error names, or def.
func csvLine(err error, def int) int {
	var pe *csv.ParseError
	if errors.As(err, &pe) && pe.Line > 0 {
		return pe.Line
	}
	return def
}
