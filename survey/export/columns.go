package export

import (
	"strconv"

	"hailong/survey"
)

// ColumnType says how an export column's values are written: numbers stay
// numbers in every format; percentages are 0–100 in CSV and JSON and
// fractions with a percent format in XLSX.
type ColumnType string

// Column types.
const (
	ColText    ColumnType = "string"
	ColInt     ColumnType = "integer"
	ColNumber  ColumnType = "number"
	ColPercent ColumnType = "percent"
	ColBool    ColumnType = "boolean"
)

// Column is one column of an export, with its meaning in both languages:
// the data dictionary of the JSON export and of the XLSX method sheet.
type Column struct {
	Name        string      `json:"name"`
	Type        ColumnType  `json:"type"`
	Description survey.Text `json:"description"`
}

// Value is one cell of an export row; a zero Value is an empty cell (no
// data, not asked, or hidden).
type Value struct {
	Kind ValueKind
	S    string
	I    int64
	F    float64
}

// ValueKind says which field of a Value holds it.
type ValueKind uint8

// Value kinds.
const (
	Empty ValueKind = iota
	Str
	Int
	Num
	Bool // I is 0 or 1
)

// StrValue, IntValue, NumValue and BoolValue make cells; StrValue of "" is empty.
func StrValue(s string) Value {
	if s == "" {
		return Value{}
	}
	return Value{Kind: Str, S: s}
}

// IntValue is an integer cell.
func IntValue(i int64) Value { return Value{Kind: Int, I: i} }

// NumValue is a number cell.
func NumValue(f float64) Value { return Value{Kind: Num, F: f} }

// BoolValue is a true/false cell.
func BoolValue(b bool) Value {
	if b {
		return Value{Kind: Bool, I: 1}
	}
	return Value{Kind: Bool}
}

// Text formats the value as CSV writes it: integers in decimal, numbers in
// the shortest form that reads back exactly, booleans as true/false.
func (v Value) Text() string {
	switch v.Kind {
	case Str:
		return v.S
	case Int:
		return strconv.FormatInt(v.I, 10)
	case Num:
		return strconv.FormatFloat(v.F, 'f', -1, 64)
	case Bool:
		if v.I != 0 {
			return "true"
		}
		return "false"
	}
	return ""
}

// col makes a column; the descriptions are formatted with args.
func col(name string, t ColumnType, vi, en string) Column {
	return Column{Name: name, Type: t, Description: survey.Text{Vi: vi, En: en}}
}
