package server

import (
	"strconv"
	"strings"

	"hailong/survey"
)

// Pct formats a percentage the way the language writes it: "94,3 %" in
// Vietnamese, "94.3%" in English, one decimal.
func (ms *Messages) Pct(v float64) string {
	s := strconv.FormatFloat(survey.Shown(v), 'f', 1, 64) // the precision ties are ranked at
	if ms.lang == survey.Vi {
		return strings.Replace(s, ".", ",", 1) + " %"
	}
	return s + "%"
}

// Dec formats a number with two decimals ("4,12" in Vietnamese).
func (ms *Messages) Dec(v float64) string {
	s := strconv.FormatFloat(v, 'f', 2, 64)
	if ms.lang == survey.Vi {
		return strings.Replace(s, ".", ",", 1)
	}
	return s
}

// Int formats a count with thousands separators ("1.234" in Vietnamese,
// "1,234" in English).
func (ms *Messages) Int(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	sep := ","
	if ms.lang == survey.Vi {
		sep = "."
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
