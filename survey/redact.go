package survey

import (
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// RedactionMark stands in a stored comment for each personal detail removed
// from it. It is one neutral token for every language, because a comment is
// stored once and read in either language (the comments page, the API, the
// exports): a Vietnamese or English word would read as the citizen's own in
// the other. It is ASCII and shorter than anything it replaces (at least six
// characters), so a redacted comment is never longer than the one typed and
// stays within the form's limit; and it holds no digit, "@" or separator, so
// it can neither be redacted again nor join two numbers into one.
const RedactionMark = "[***]"

// minRedactedDigits is the fewest digits a number must have to be taken for
// an identifier: a 9-digit CMND, a 10-digit phone or tax code, a 12-digit
// CCCD. Shorter numbers (years, dates, counters, hotlines) stay.
const minRedactedDigits = 9

var (
	// emailRE finds e-mail addresses.
	emailRE = regexp.MustCompile(`[\p{L}\p{N}._%+\-]+@[\p{L}\p{N}\-]+(?:\.[\p{L}\p{N}\-]+)*\.\p{L}{2,}`)
	// dossierRE finds dossier codes as the one-stop-shop systems issue them:
	// an agency code, the receiving day (YYMMDD) and a sequence number, as
	// "000.00.17.H61-240115-0001" or "H61.22-240101-0003".
	dossierRE = regexp.MustCompile(`[0-9A-Za-z]{1,8}(?:\.[0-9A-Za-z]{1,8}){0,6}-\p{Nd}{6}-\p{Nd}{3,8}`)
)

// Redact replaces the personal details in a comment with RedactionMark and
// returns the text and how many details it replaced. It removes what could
// name the writer to anyone holding the agency's records:
//
//   - e-mail addresses;
//   - dossier codes ("000.00.17.H61-240115-0001");
//   - numbers of 9 digits or more, with or without spaces, dots or dashes
//     between groups: phone numbers ("0912 345 678", "+84 912 345 678",
//     "(024) 3825 1234"), CCCD (12 digits), CMND (9), tax codes
//     ("0101234567", "0101234567-001"), bank accounts.
//
// Ordinary numbers stay: amounts written with thousands separators
// ("1.500.000.000 đồng", "1,500,000", "500.000-1.000.000"), years, dates,
// times, counters, percentages, hotlines of 8 digits and public procedure
// codes ("1.012753.H19"). A run of 9 or more digits never survives, even as
// an amount written without separators. Adjacent details become one mark.
//
// Redact is idempotent (redacting its result changes nothing) and keeps
// valid UTF-8 valid; the result is never longer than s.
func Redact(s string) (string, int) {
	total := 0
	for {
		out, n := redactOnce(s)
		if n == 0 {
			return s, total
		}
		// Each productive pass shortens the text (every span replaced is
		// longer than the mark), so this ends; looping to a fixed point makes
		// Redact idempotent by construction.
		total += n
		s = out
	}
}

// span is a byte range [start, end) of a text.
type span struct{ start, end int }

// redactOnce replaces every detail found in s, in one pass.
func redactOnce(s string) (string, int) {
	spans := numberSpans(s, nil)
	if strings.IndexByte(s, '@') >= 0 {
		for _, m := range emailRE.FindAllStringIndex(s, -1) {
			spans = append(spans, span{m[0], m[1]})
		}
	}
	if strings.IndexByte(s, '-') >= 0 {
		for _, m := range dossierRE.FindAllStringIndex(s, -1) {
			spans = append(spans, span{m[0], m[1]})
		}
	}
	if len(spans) == 0 {
		return s, 0
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].start < spans[j].start })
	var b strings.Builder
	b.Grow(len(s))
	n, at := 0, 0
	for i := 0; i < len(spans); {
		cur := spans[i]
		for i++; i < len(spans) && spans[i].start <= cur.end; i++ {
			cur.end = max(cur.end, spans[i].end)
		}
		b.WriteString(s[at:cur.start])
		b.WriteString(RedactionMark)
		at = cur.end
		n++
	}
	b.WriteString(s[at:])
	return b.String(), n
}

// numGroup is one group of digits of a number as written: a run of digits,
// or digits in parentheses ("(024)"); sep is the separator before it (0 for
// the first group, or a group right after a closing parenthesis).
type numGroup struct {
	start, end int  // bytes, parentheses included
	digits     int  // how many digits
	zero       bool // its first digit is an ASCII 0
	paren      bool
	sep        rune
}

// numberSpans appends to dst the spans of the numbers in s that are
// identifiers. A number is a run of groups of digits (or digits in
// parentheses) joined by one separator each, optionally after a "+": a dot,
// comma or dash; or a space between a group of 2–4 digits (or the "+84" or
// parenthesised group) and one of 2 digits or more, as phone numbers are
// grouped, so that "quầy số 3 0912345678" keeps its counter number.
func numberSpans(s string, dst []span) []span {
	var groups []numGroup
	for i := 0; i < len(s); {
		plus := false
		j := i
		if s[j] == '+' {
			plus, j = true, j+1
		}
		g, ok := readGroup(s, j)
		if !ok {
			_, w := utf8.DecodeRuneInString(s[i:])
			i += w
			continue
		}
		groups = append(groups[:0], g)
		end := g.end
		for end < len(s) {
			prev := groups[len(groups)-1]
			sep, w := utf8.DecodeRuneInString(s[end:])
			switch {
			case prev.paren && (isDigitAt(s, end) || s[end] == '('):
				sep, w = 0, 0 // a group right after another in parentheses: "(024)38251234"
			case sep == '.' || sep == ',' || sep == '-':
			case isSpace(sep):
				if !prev.paren && !(plus && len(groups) == 1) && (prev.digits < 2 || prev.digits > 4) {
					sep = -1
				}
			default:
				sep = -1
			}
			if sep < 0 {
				break
			}
			next, ok := readGroup(s, end+w)
			if !ok || isSpace(sep) && next.digits < 2 {
				break
			}
			next.sep = sep
			groups = append(groups, next)
			end = next.end
		}
		start := groups[0].start
		if plus {
			start = i
		}
		dst = identifierSpans(s, start, plus, groups, dst)
		i = end
	}
	return dst
}

// readGroup reads a group of digits at s[i:]: digits, or "(" digits ")"
// with an optional "+" inside.
func readGroup(s string, i int) (numGroup, bool) {
	g := numGroup{start: i}
	j := i
	if j < len(s) && s[j] == '(' {
		g.paren = true
		j++
		if j < len(s) && s[j] == '+' {
			j++
		}
	}
	d0 := j
	for j < len(s) {
		r, w := utf8.DecodeRuneInString(s[j:])
		if !unicode.IsDigit(r) {
			break
		}
		g.digits++
		j += w
	}
	if g.digits == 0 {
		return g, false
	}
	g.zero = s[d0] == '0'
	if g.paren {
		if j >= len(s) || s[j] != ')' {
			// Not a parenthesised group: read the digits alone, if the
			// parenthesis opened them directly.
			if s[i+1] == '+' {
				return g, false
			}
			return readGroup(s, i+1)
		}
		j++
	}
	g.end = j
	return g, true
}

// isSpace reports whether r separates groups of a number as a space does.
func isSpace(r rune) bool { return r == ' ' || r == '\u00a0' }

// isDigitAt reports whether s[i:] starts with a digit.
func isDigitAt(s string, i int) bool {
	r, _ := utf8.DecodeRuneInString(s[i:])
	return unicode.IsDigit(r)
}

// identifierSpans appends the spans of a number that are identifiers. A
// number written with a "+", parentheses, a leading 0, or as 84 and a
// phone number is one identifier when it has 9 digits or more. Otherwise
// spaces may separate several numbers ("năm 2024 0912345678"), so each
// space-separated part is judged alone: an identifier when it has 9 digits
// or more and is not an amount.
func identifierSpans(s string, start int, plus bool, groups []numGroup, dst []span) []span {
	digits, spaced, paren := 0, false, false
	for _, g := range groups {
		digits += g.digits
		spaced = spaced || isSpace(g.sep)
		paren = paren || g.paren
	}
	if digits < minRedactedDigits {
		return dst
	}
	end := groups[len(groups)-1].end
	first := groups[0]
	if plus || paren || first.zero || (spaced && s[first.start:first.end] == "84" && (digits == 11 || digits == 12)) {
		return append(dst, span{start, end})
	}
	if !spaced {
		if !isAmounts(s, groups) {
			dst = append(dst, span{start, end})
		}
		return dst
	}
	from := 0
	for k := 1; k <= len(groups); k++ {
		if k < len(groups) && !isSpace(groups[k].sep) {
			continue
		}
		part := groups[from:k]
		n := 0
		for _, g := range part {
			n += g.digits
		}
		if n >= minRedactedDigits && (part[0].zero || !isAmounts(s, part)) {
			dst = append(dst, span{part[0].start, part[len(part)-1].end})
		}
		from = k
	}
	return dst
}

// isAmounts reports whether groups (joined by dots, commas or dashes) are
// an amount or a range of amounts: each written with thousands separators,
// a first group of 1–3 digits not starting with 0, then groups of exactly
// 3 digits, and at most a decimal part of 1–3 digits after the other mark
// ("1.500.000", "1,500,000.50", "500.000-1.000.000").
func isAmounts(s string, groups []numGroup) bool {
	from := 0
	for k := 1; k <= len(groups); k++ {
		if k < len(groups) && groups[k].sep != '-' {
			continue
		}
		if !isAmount(s, groups[from:k]) {
			return false
		}
		from = k
	}
	return true
}

// isAmount reports whether groups (joined by dots or commas) are one amount.
func isAmount(s string, groups []numGroup) bool {
	g0 := groups[0]
	if g0.paren || g0.digits > 3 || g0.zero && g0.digits > 1 {
		return false
	}
	var thousands rune
	for k := 1; k < len(groups); k++ {
		g := groups[k]
		if g.paren {
			return false
		}
		if thousands == 0 {
			thousands = g.sep
		}
		switch {
		case g.sep == thousands && g.digits == 3:
		case k == len(groups)-1 && k > 1 && g.digits <= 3 && g.sep != thousands && (g.sep == '.' || g.sep == ','):
			// the decimal part, after the other mark
		default:
			return false
		}
	}
	return true
}
