package server

import (
	"archive/zip"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"hailong/survey"
)

// xlsxMaxRows is how many data rows one sheet takes (Excel's limit is
// 1,048,576 rows, the header included); more go on to a next sheet.
const xlsxMaxRows = 1<<20 - 1

// xlsxWriter writes a workbook with excelize: a sheet per table, rows
// through its StreamWriter, numbers as numbers, percentages as fractions
// with a percent format, text neutralised against formulas, and a last
// sheet describing the method, the period, the filters and every column.
//
// Memory: excelize's StreamWriter keeps at most 16 MB of a sheet's XML in
// memory and spills the rest to a temporary file (in os.TempDir), so a
// large sheet costs disk, about 1.3 KB per row of the responses export,
// not memory. The workbook is zipped only at Close, straight into the
// response (SetZipWriter), so nothing reaches the client before the last
// row is read, and the temporary files are removed afterwards.
type xlsxWriter struct {
	s     *Server
	out   io.Writer
	meta  *exportMeta
	f     *excelize.File
	sw    *excelize.StreamWriter
	cols  []survey.Column
	name  string // of the table
	part  int    // sheet of the table, from 1
	row   int    // last row written in the sheet
	pct   int    // style of percentages
	bold  int
	cells []any
	names map[string]bool
}

func newXLSXWriter(s *Server, w io.Writer, meta *exportMeta) (tableWriter, error) {
	f := excelize.NewFile()
	x := &xlsxWriter{s: s, out: w, meta: meta, f: f, names: map[string]bool{}}
	var err error
	if x.pct, err = f.NewStyle(&excelize.Style{NumFmt: 10}); err != nil { // 0.00%
		return nil, err
	}
	if x.bold, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}}); err != nil {
		return nil, err
	}
	return x, nil
}

func (x *xlsxWriter) Table(name string, cols []survey.Column) error {
	x.name, x.cols, x.part = name, cols, 1
	return x.sheet()
}

// sheet starts the next sheet of the table.
func (x *xlsxWriter) sheet() error {
	if err := x.endSheet(); err != nil {
		return err
	}
	name := x.name
	if x.part > 1 {
		name = fmt.Sprintf("%s (%d)", name, x.part)
	}
	name = x.uniqueName(name)
	if len(x.names) == 1 {
		if err := x.f.SetSheetName("Sheet1", name); err != nil {
			return err
		}
	} else if _, err := x.f.NewSheet(name); err != nil {
		return err
	}
	sw, err := x.f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	head := make([]any, len(x.cols))
	for i, c := range x.cols {
		head[i] = excelize.Cell{StyleID: x.bold, Value: c.Name}
	}
	if err := sw.SetRow("A1", head); err != nil {
		return err
	}
	x.sw, x.row = sw, 1
	return nil
}

// uniqueName makes a valid sheet name (31 characters at most, none of
// : \ / ? * [ ]) that no other sheet has.
func (x *xlsxWriter) uniqueName(name string) string {
	name = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`:\/?*[]`, r) {
			return '-'
		}
		return r
	}, name)
	for utf8.RuneCountInString(name) > 31 {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	base := name
	for i := 2; x.names[strings.ToLower(name)]; i++ {
		name = fmt.Sprintf("%.27s %d", base, i)
	}
	x.names[strings.ToLower(name)] = true
	return name
}

func (x *xlsxWriter) endSheet() error {
	if x.sw == nil {
		return nil
	}
	err := x.sw.Flush()
	x.sw = nil
	return err
}

func (x *xlsxWriter) Row(vals []survey.Value) error {
	if len(vals) != len(x.cols) {
		return rowMismatch(len(vals), len(x.cols))
	}
	if x.row > xlsxMaxRows {
		x.part++
		if err := x.sheet(); err != nil {
			return err
		}
	}
	x.cells = x.cells[:0]
	for i, v := range vals {
		var c any
		switch v.Kind {
		case survey.Str:
			c = survey.Neutralise(v.S)
		case survey.Int:
			c = v.I
		case survey.Num:
			c = v.F
			if x.cols[i].Type == survey.ColPercent {
				c = excelize.Cell{StyleID: x.pct, Value: v.F / 100}
			}
		case survey.Bool:
			c = v.I != 0
		}
		x.cells = append(x.cells, c)
	}
	x.row++
	cell, err := excelize.CoordinatesToCellName(1, x.row)
	if err != nil {
		return err
	}
	return x.sw.SetRow(cell, x.cells)
}

// Flush has nothing to push: the workbook is written out at Close.
func (x *xlsxWriter) Flush() error { return nil }

func (x *xlsxWriter) Close() error {
	defer x.f.Close() // removes the temporary files
	if err := x.endSheet(); err != nil {
		return err
	}
	if err := x.methodSheet(); err != nil {
		return err
	}
	// The first sheet is the active one already. (SetActiveSheet would
	// parse every streamed sheet back into memory.)
	// Zip straight into the response: File.Write would build the whole
	// zipped workbook in a buffer first.
	x.f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return zip.NewWriter(x.out) })
	_, err := x.f.WriteToBuffer()
	return err
}

// Abort removes the temporary files of an unfinished workbook.
func (x *xlsxWriter) Abort() {
	_ = x.endSheet()
	_ = x.f.Close()
}

// methodSheet describes the export: rule, period, filters, then the data
// dictionary, in the language of the request.
func (x *xlsxWriter) methodSheet() error {
	ms := x.s.locales[x.meta.Lang]
	name := x.uniqueName(ms.T("export.sheet.method"))
	if _, err := x.f.NewSheet(name); err != nil {
		return err
	}
	m := x.meta
	rows := [][]any{
		{ms.T("export.title." + m.Kind)},
		{},
		{ms.T("export.meta.rule"), m.Rule.ID},
		{ms.T("export.meta.rule_text"), ms.T("export.rule." + m.Rule.ID)},
		{ms.T("export.meta.min_sample"), m.Rule.MinSample},
		{ms.T("export.meta.from"), m.Period.From.String()},
		{ms.T("export.meta.to"), m.Period.To.String()},
	}
	if m.Granularity != "" {
		rows = append(rows, []any{ms.T("export.meta.granularity"), ms.T("export.granularity." + string(m.Granularity))})
	}
	if m.Basis != "" {
		rows = append(rows, []any{ms.T("basis.method"), ms.T("basis."+string(m.Basis)) + ": " + ms.T("basis.desc."+string(m.Basis))})
	}
	if m.Kind == "aggregates" {
		rows = append(rows, []any{ms.T("versions.method"), ms.VersionsText(m.versions())})
	}
	for _, f := range m.Filters {
		v := f.Value
		if v == "" {
			v = ms.T("export.meta.all")
		}
		rows = append(rows, []any{ms.T("export.filter." + f.Name), survey.Neutralise(v)})
	}
	rows = append(rows,
		[]any{ms.T("export.meta.generated"), m.GeneratedAt.In(survey.Zone()).Format("2006-01-02 15:04:05 (UTC-07:00)")},
		[]any{ms.T("export.meta.notes"), ms.T("export.notes." + m.Kind)},
		[]any{},
		[]any{ms.T("export.meta.column"), ms.T("export.meta.type"), ms.T("export.meta.description")},
	)
	for _, c := range m.Columns {
		rows = append(rows, []any{c.Name, ms.T("export.type." + string(c.Type)), survey.Neutralise(c.Description.In(m.Lang))})
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := x.f.SetSheetRow(name, cell, &r); err != nil {
			return err
		}
	}
	if err := x.f.SetCellStyle(name, "A1", "A1", x.bold); err != nil {
		return err
	}
	return x.f.SetColWidth(name, "A", "A", 28)
}
