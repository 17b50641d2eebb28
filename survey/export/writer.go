package export

import (
	"fmt"
	"io"
	"time"

	"hailong/survey"
)

// TableWriter writes an export in one format. Every table of an export has
// the same columns: CSV and JSON write them once and take the rows of every
// table under them; XLSX makes a sheet per table.
type TableWriter interface {
	// Table starts a table named for people (an XLSX sheet).
	Table(name string, cols []Column) error
	// Row writes one row; vals is aligned with the columns.
	Row(vals []Value) error
	// Flush pushes what is buffered towards the client.
	Flush() error
	// Close finishes the file; XLSX writes the whole workbook out only now.
	Close() error
	// Abort gives up an unfinished file, releasing what it holds (the
	// temporary files of an XLSX).
	Abort()
}

// Meta describes an export: what the JSON header and the XLSX method
// sheet say beside the rows.
type Meta struct {
	Kind string // "aggregates" or "responses"
	// Basis is the responses an aggregates export counts ("" for the
	// responses export).
	Basis       survey.Basis
	Rule        survey.Rule
	Period      survey.Period
	Granularity Granularity // aggregates only
	Filters     []MetaItem  // in order: name, value ("" when not set)
	GeneratedAt time.Time
	Lang        survey.Lang
	Columns     []Column
	// Versions counts the responses of an aggregates export per
	// questionnaire version (by survey.FormKey), filled as rows are
	// scored; the XLSX method sheet and the end of the JSON list them.
	Versions survey.Tally
}

// versions lists the questionnaire versions the export counted.
func (m *Meta) versions() []survey.VersionUse {
	vs := survey.VersionsOf(survey.Tally{Versions: m.Versions.Versions})
	if vs == nil {
		return []survey.VersionUse{} // a JSON array, never null
	}
	return vs
}

// MetaItem is one named value of the description.
type MetaItem struct{ Name, Value string }

// Format is one output format of an export.
type Format struct {
	Ext, ContentType string
	// Compressible formats are gzipped when the client accepts it.
	Compressible bool
	// Open starts a file of the format on w; loc gives the messages the
	// JSON header and the XLSX method sheet say.
	Open func(loc Locales, w io.Writer, meta *Meta) (TableWriter, error)
}

// Messages are the user-facing texts of one language (the server's).
type Messages interface {
	T(key string, args ...any) string
	VersionsText(vs []survey.VersionUse) string
}

// Locales gives the messages of a language.
type Locales func(survey.Lang) Messages

// Formats are the output formats, by the name the query gives them.
var Formats = map[string]Format{
	"csv":   {"csv", "text/csv; charset=utf-8", true, newCSVWriter},
	"xlsx":  {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", false, newXLSXWriter},
	"json":  {"json", "application/json; charset=utf-8", true, newJSONWriter},
	"jsonl": {"jsonl", "application/x-ndjson; charset=utf-8", true, newJSONLWriter},
}

// rowMismatch is the error of a row that does not match its columns.
func rowMismatch(got, want int) error {
	return fmt.Errorf("export row has %d values for %d columns", got, want)
}
