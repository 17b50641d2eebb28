package server

import (
	"bufio"
	"encoding/json"
	"io"
	"strconv"
	"time"
	"unicode/utf8"

	"hailong/survey"
)

// jsonWriter writes one JSON document: what was exported (rule, period,
// filters), the data dictionary (every column with its type and meaning in
// Vietnamese and English), then the rows as objects, streamed one by one.
// Every row has every column; null is an empty cell.
type jsonWriter struct {
	w     *bufio.Writer
	cols  []survey.Column
	names [][]byte // each column's name, quoted, with its colon
	rows  int
	head  *exportMeta
	s     *Server
	buf   []byte
}

// jsonlWriter writes JSON Lines: one object per row, shaped as the rows of
// the JSON document.
type jsonlWriter struct{ jsonWriter }

func newJSONWriter(s *Server, w io.Writer, meta *exportMeta) (tableWriter, error) {
	return &jsonWriter{w: bufio.NewWriterSize(w, 64<<10), head: meta, s: s}, nil
}

func newJSONLWriter(_ *Server, w io.Writer, _ *exportMeta) (tableWriter, error) {
	return &jsonlWriter{jsonWriter{w: bufio.NewWriterSize(w, 64<<10)}}, nil
}

// jsonHead is the start of the JSON document.
type jsonHead struct {
	Export      string   `json:"export"`
	Rule        jsonRule `json:"rule"`
	From        string   `json:"from"`
	To          string   `json:"to"`
	Granularity string   `json:"granularity,omitempty"`
	// Basis is the responses counted (aggregates): all, verified or
	// independent.
	Basis       string            `json:"basis,omitempty"`
	Filters     map[string]string `json:"filters"`
	GeneratedAt time.Time         `json:"generatedAt"`
	Columns     []survey.Column   `json:"columns"`
}

type jsonRule struct {
	ID          string      `json:"id"`
	MinSample   int64       `json:"minSample"`
	Description survey.Text `json:"description"`
}

func (j *jsonWriter) Table(_ string, cols []survey.Column) error {
	if j.cols != nil {
		return nil
	}
	j.setColumns(cols)
	m := j.head
	filters := map[string]string{}
	for _, f := range m.Filters {
		filters[f.Name] = f.Value
	}
	h := jsonHead{
		Export: m.Kind, From: m.Period.From.String(), To: m.Period.To.String(), Granularity: string(m.Granularity), Basis: string(m.Basis),
		Filters: filters, GeneratedAt: m.GeneratedAt, Columns: cols,
		Rule: jsonRule{ID: m.Rule.ID, MinSample: m.Rule.MinSample, Description: survey.Text{
			Vi: j.s.locales[survey.Vi].T("export.rule." + m.Rule.ID), En: j.s.locales[survey.En].T("export.rule." + m.Rule.ID)}},
	}
	b, err := json.Marshal(h)
	if err != nil {
		return err
	}
	// Reopen the object to append the rows to it.
	_, err = j.w.Write(append(b[:len(b)-1], `,"rows":[`...))
	return err
}

func (j *jsonlWriter) Table(_ string, cols []survey.Column) error {
	if j.cols == nil {
		j.setColumns(cols)
	}
	return nil
}

func (j *jsonWriter) setColumns(cols []survey.Column) {
	j.cols = cols
	for _, c := range cols {
		j.names = append(j.names, append(appendJSONString(nil, c.Name), ':'))
	}
}

// object appends the row as a JSON object.
func (j *jsonWriter) object(b []byte, vals []survey.Value) []byte {
	b = append(b, '{')
	for i, v := range vals {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, j.names[i]...)
		switch v.Kind {
		case survey.Empty:
			b = append(b, "null"...)
		case survey.Str:
			b = appendJSONString(b, v.S)
		case survey.Int:
			b = strconv.AppendInt(b, v.I, 10)
		case survey.Num:
			b = strconv.AppendFloat(b, v.F, 'f', -1, 64)
		case survey.Bool:
			b = strconv.AppendBool(b, v.I != 0)
		}
	}
	return append(b, '}')
}

func (j *jsonWriter) Row(vals []survey.Value) error {
	if len(vals) != len(j.cols) {
		return rowMismatch(len(vals), len(j.cols))
	}
	j.buf = j.buf[:0]
	if j.rows > 0 {
		j.buf = append(j.buf, ',')
	}
	j.buf = append(j.object(j.buf, vals), '\n')
	j.rows++
	_, err := j.w.Write(j.buf)
	return err
}

func (j *jsonlWriter) Row(vals []survey.Value) error {
	if len(vals) != len(j.cols) {
		return rowMismatch(len(vals), len(j.cols))
	}
	j.buf = append(j.object(j.buf[:0], vals), '\n')
	_, err := j.w.Write(j.buf)
	return err
}

func (j *jsonWriter) Flush() error { return j.w.Flush() }

func (j *jsonWriter) Close() error {
	end := []byte("]}\n")
	if j.head != nil && j.head.Kind == "aggregates" {
		// The versions are known once every row is scored: they end the object.
		vs, err := json.Marshal(j.head.versions())
		if err != nil {
			return err
		}
		end = append(append([]byte(`],"versions":`), vs...), "}\n"...)
	}
	if _, err := j.w.Write(end); err != nil {
		return err
	}
	return j.w.Flush()
}

func (j *jsonlWriter) Close() error { return j.w.Flush() }

func (j *jsonWriter) Abort() {}

// appendJSONString appends s as a JSON string, byte for byte as
// json.Marshal writes it (<, > and & escaped, invalid UTF-8 as U+FFFD,
// U+2028 and U+2029 escaped), without allocating: every text cell of a
// JSON export goes through it.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
