package export

import (
	"encoding/csv"
	"io"
)

// UTF8BOM opens every CSV export, so that Excel reads it as UTF-8 and keeps
// the Vietnamese diacritics; LibreOffice and encoding/csv readers skip it.
const UTF8BOM = "\uFEFF"

// csvWriter writes RFC 4180 CSV: a header row of column names, a comma
// between fields, CRLF line ends, text neutralised against formulas, numbers
// in the shortest form that reads back exactly, percentages as 0–100.
type csvWriter struct {
	w      *csv.Writer
	cols   int
	header bool
	rec    []string
}

func newCSVWriter(_ Locales, w io.Writer, _ *Meta) (TableWriter, error) {
	if _, err := io.WriteString(w, UTF8BOM); err != nil {
		return nil, err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	return &csvWriter{w: cw}, nil
}

func (c *csvWriter) Table(_ string, cols []Column) error {
	if c.header {
		return nil // one header for every table: they share the columns
	}
	c.header, c.cols = true, len(cols)
	names := make([]string, len(cols))
	for i, col := range cols {
		names[i] = col.Name
	}
	return c.w.Write(names)
}

func (c *csvWriter) Row(vals []Value) error {
	if len(vals) != c.cols {
		return rowMismatch(len(vals), c.cols)
	}
	c.rec = c.rec[:0]
	for _, v := range vals {
		if v.Kind == Str {
			c.rec = append(c.rec, Neutralise(v.S))
		} else {
			c.rec = append(c.rec, v.Text())
		}
	}
	return c.w.Write(c.rec)
}

func (c *csvWriter) Flush() error {
	c.w.Flush()
	return c.w.Error()
}

func (c *csvWriter) Close() error { return c.Flush() }

func (c *csvWriter) Abort() {}
