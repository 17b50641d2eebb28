package server

import (
	"fmt"
	"io"
	"time"

	"hailong/survey"
)

// tableWriter writes an export in one format. Every table of an export has
// the same columns: CSV and JSON write them once and take the rows of every
// table under them; XLSX makes a sheet per table.
type tableWriter interface {
	// Table starts a table named for people (an XLSX sheet).
	Table(name string, cols []survey.Column) error
	// Row writes one row; vals is aligned with the columns.
	Row(vals []survey.Value) error
	// Flush pushes what is buffered towards the client.
	Flush() error
	// Close finishes the file; XLSX writes the whole workbook out only now.
	Close() error
	// Abort gives up an unfinished file, releasing what it holds (the
	// temporary files of an XLSX).
	Abort()
}

// exportMeta describes an export: what the JSON header and the XLSX method
// sheet say beside the rows.
type exportMeta struct {
	Kind string // "aggregates" or "responses"
	// Basis is the responses an aggregates export counts ("" for the
	// responses export).
	Basis       survey.Basis
	Rule        survey.Rule
	Period      survey.Period
	Granularity survey.Granularity // aggregates only
	Filters     []metaItem         // in order: name, value ("" when not set)
	GeneratedAt time.Time
	Lang        survey.Lang
	Columns     []survey.Column
	// Versions counts the responses of an aggregates export per
	// questionnaire version (by survey.FormKey), filled as rows are
	// scored; the XLSX method sheet and the end of the JSON list them.
	Versions survey.Tally
}

// versions lists the questionnaire versions the export counted.
func (m *exportMeta) versions() []survey.VersionUse {
	return versionsOrEmpty(survey.VersionsOf(survey.Tally{Versions: m.Versions.Versions}))
}

// metaItem is one named value of the description.
type metaItem struct{ Name, Value string }

// exportFormat is one output format of an export.
type exportFormat struct {
	ext, contentType string
	// compressible formats are gzipped when the client accepts it.
	compressible bool
	open         func(s *Server, w io.Writer, meta *exportMeta) (tableWriter, error)
}

var exportFormats = map[string]exportFormat{
	"csv":   {"csv", "text/csv; charset=utf-8", true, newCSVWriter},
	"xlsx":  {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", false, newXLSXWriter},
	"json":  {"json", "application/json; charset=utf-8", true, newJSONWriter},
	"jsonl": {"jsonl", "application/x-ndjson; charset=utf-8", true, newJSONLWriter},
}

// rowMismatch is the error of a row that does not match its columns.
func rowMismatch(got, want int) error {
	return fmt.Errorf("export row has %d values for %d columns", got, want)
}
