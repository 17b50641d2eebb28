package export

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
)

func TestNeutralise(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{"=1+1", "'=1+1"},
		{"+84 912", "'+84 912"},
		{"-5", "'-5"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\t=cmd", "'\t=cmd"},
		{"\r=cmd", "'\r=cmd"},
		{`=HYPERLINK("http://x","y")`, `'=HYPERLINK("http://x","y")`},
		{"Tốt", "Tốt"},
		{"a=1", "a=1"},
		{" =1", " =1"},
		{"'=1", "'=1"},
		{"so-tu-phap", "so-tu-phap"},
	} {
		if got := Neutralise(c.in); got != c.want {
			t.Errorf("Neutralise(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// FuzzNeutralise: whatever the text, the cell written to CSV and read back
// never starts with a formula character, keeps the text after the quote it
// may have gained, and leaves harmless text alone.
func FuzzNeutralise(f *testing.F) {
	for _, s := range []string{"", "=1+1", "-", "@", "\t", "\r\n=x", "a,b\"c", "Phường Phan Thiết", "'=x", "\x00="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Neutralise(s)
		dangerous := s != "" && strings.ContainsRune(formulaStarts, rune(s[0]))
		switch {
		case dangerous && got != "'"+s:
			t.Fatalf("Neutralise(%q) = %q, want a quote in front", s, got)
		case !dangerous && got != s:
			t.Fatalf("Neutralise(%q) = %q, want it unchanged", s, got)
		}
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		w.UseCRLF = true
		if err := w.Write([]string{got, "x"}); err != nil {
			t.Fatal(err)
		}
		w.Flush()
		rec, err := csv.NewReader(&buf).Read()
		if err != nil {
			// encoding/csv cannot carry a lone CR inside a field exactly;
			// that is the writer's business, not a formula.
			return
		}
		if c := rec[0]; c != "" && strings.ContainsRune(formulaStarts, rune(c[0])) {
			t.Fatalf("cell %q read back as %q starts with a formula character", s, c)
		}
	})
}
