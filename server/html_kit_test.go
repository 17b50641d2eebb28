package server

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// HTML assertions of the test kit: pages are parsed (golang.org/x/net/html)
// and elements found with a small selector language, so that a test says
// which element it means, not how the template happens to spell it.
//
// A selector is a list of compound selectors separated by spaces (each a
// descendant of the one before). A compound is an optional tag name followed
// (or *) by any of #id, .class, [attr], [attr=value], [attr^=value] (prefix),
// [attr*=value] (substring); a value may be quoted ("..." or '...').
// Examples: `form[action=/logout] input[name=csrf]`, `tr[data-agency]`,
// `td.num.rank`, `fieldset.q legend`.

// parseHTML parses a page or a fragment.
func parseHTML(body string) (*html.Node, error) {
	return html.Parse(strings.NewReader(body))
}

// mustHTML parses a page; a parse error fails the test.
func mustHTML(t testing.TB, body string) *html.Node {
	t.Helper()
	doc, err := parseHTML(body)
	if err != nil {
		t.Fatalf("parse HTML: %v in %s", err, clip(body))
	}
	return doc
}

// attrSel is one attribute condition of a compound selector.
type attrSel struct {
	name, op, value string // op: "" (present), "=", "^=", "*="
}

// compound is one step of a selector.
type compound struct {
	tag     string
	id      string
	classes []string
	attrs   []attrSel
}

func (c compound) matches(n *html.Node) bool {
	if n.Type != html.ElementNode {
		return false
	}
	if c.tag != "" && n.Data != c.tag {
		return false
	}
	if c.id != "" && attrOf(n, "id") != c.id {
		return false
	}
	if len(c.classes) > 0 {
		have := strings.Fields(attrOf(n, "class"))
		for _, cl := range c.classes {
			if !slices.Contains(have, cl) {
				return false
			}
		}
	}
	for _, a := range c.attrs {
		v, ok := attrLookup(n, a.name)
		if !ok {
			return false
		}
		switch a.op {
		case "=":
			ok = v == a.value
		case "^=":
			ok = strings.HasPrefix(v, a.value)
		case "*=":
			ok = strings.Contains(v, a.value)
		}
		if !ok {
			return false
		}
	}
	return true
}

// parseSelector splits a selector into its compounds; it panics on a
// malformed one (a bug in the test, not in the page).
func parseSelector(sel string) []compound {
	var out []compound
	i := 0
	for i < len(sel) {
		for i < len(sel) && sel[i] == ' ' {
			i++
		}
		if i >= len(sel) {
			break
		}
		var c compound
		start := i
		for i < len(sel) && isNameByte(sel[i]) {
			i++
		}
		c.tag = strings.ToLower(sel[start:i])
		if c.tag == "" && i < len(sel) && sel[i] == '*' { // any element
			i++
		}
		for i < len(sel) && sel[i] != ' ' {
			switch sel[i] {
			case '#', '.':
				kind := sel[i]
				i++
				s := i
				for i < len(sel) && isNameByte(sel[i]) {
					i++
				}
				if kind == '#' {
					c.id = sel[s:i]
				} else {
					c.classes = append(c.classes, sel[s:i])
				}
			case '[':
				i++
				s := i
				for i < len(sel) && isNameByte(sel[i]) {
					i++
				}
				a := attrSel{name: strings.ToLower(sel[s:i])}
				if i < len(sel) && sel[i] != ']' {
					switch {
					case strings.HasPrefix(sel[i:], "^="), strings.HasPrefix(sel[i:], "*="):
						a.op = sel[i : i+2]
						i += 2
					case sel[i] == '=':
						a.op = "="
						i++
					default:
						panic("selector " + sel + ": bad attribute operator")
					}
					if i < len(sel) && (sel[i] == '"' || sel[i] == '\'') {
						q := sel[i]
						end := strings.IndexByte(sel[i+1:], q)
						if end < 0 {
							panic("selector " + sel + ": unclosed quote")
						}
						a.value = sel[i+1 : i+1+end]
						i += end + 2
					} else {
						s := i
						for i < len(sel) && sel[i] != ']' {
							i++
						}
						a.value = sel[s:i]
					}
				}
				if i >= len(sel) || sel[i] != ']' {
					panic("selector " + sel + ": missing ]")
				}
				i++
				c.attrs = append(c.attrs, a)
			default:
				panic("selector " + sel + ": unexpected " + string(sel[i]))
			}
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		panic("empty selector")
	}
	return out
}

func isNameByte(b byte) bool {
	return b == '-' || b == '_' || b == ':' || (b >= '0' && b <= '9') || (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z')
}

// findAll returns, in document order, the elements under root (root
// excluded) that match the selector.
func findAll(root *html.Node, sel string) []*html.Node {
	steps := parseSelector(sel)
	var out []*html.Node
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if matchesChain(c, root, steps) {
				out = append(out, c)
			}
			walk(c)
		}
	}
	walk(root)
	return out
}

// matchesChain: n matches the last step, and its ancestors below root match
// the earlier ones in order.
func matchesChain(n, root *html.Node, steps []compound) bool {
	if !steps[len(steps)-1].matches(n) {
		return false
	}
	k := len(steps) - 2
	for p := n.Parent; k >= 0 && p != nil && p != root; p = p.Parent {
		if steps[k].matches(p) {
			k--
		}
	}
	return k < 0
}

// findFirst returns the first element matching the selector, or nil.
func findFirst(root *html.Node, sel string) *html.Node {
	if all := findAll(root, sel); len(all) > 0 {
		return all[0]
	}
	return nil
}

// findIn parses body and returns the elements matching the selector.
func findIn(t testing.TB, body, sel string) []*html.Node {
	t.Helper()
	return findAll(mustHTML(t, body), sel)
}

// attrLookup returns an attribute's value and whether the element has it.
func attrLookup(n *html.Node, name string) (string, bool) {
	if n == nil {
		return "", false
	}
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val, true
		}
	}
	return "", false
}

// attrOf returns an attribute's value ("" when absent).
func attrOf(n *html.Node, name string) string {
	v, _ := attrLookup(n, name)
	return v
}

// hasAttr reports whether the element has the attribute.
func hasAttr(n *html.Node, name string) bool {
	_, ok := attrLookup(n, name)
	return ok
}

// hasClass reports whether the element has the class.
func hasClass(n *html.Node, class string) bool {
	return slices.Contains(strings.Fields(attrOf(n, "class")), class)
}

// textOf returns the text an element shows, with HTML white space collapsed
// to single spaces and trimmed (collapseSpace).
func textOf(n *html.Node) string {
	if n == nil {
		return ""
	}
	var b strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			b.WriteString(n.Data)
		case html.ElementNode:
			if n.Data == "script" || n.Data == "style" {
				return
			}
			b.WriteByte(' ')
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return collapseSpace(b.String())
}

// collapseSpace collapses runs of HTML white space (space, tab, line feed,
// form feed, carriage return; not the no-break space a number may carry) to
// single spaces, and trims them.
func collapseSpace(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return r == ' ' || r == '\t' || r == '\n' || r == '\f' || r == '\r'
	}), " ")
}

// rawTextOf returns the text inside an element exactly (e.g. a textarea's value).
func rawTextOf(n *html.Node) string {
	if n == nil {
		return ""
	}
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	}
	return b.String()
}

// textsOf returns textOf of every element matching the selector.
func textsOf(root *html.Node, sel string) []string {
	var out []string
	for _, n := range findAll(root, sel) {
		out = append(out, textOf(n))
	}
	return out
}

// attrsOf returns the attribute of every element matching the selector.
func attrsOf(root *html.Node, sel, attr string) []string {
	var out []string
	for _, n := range findAll(root, sel) {
		out = append(out, attrOf(n, attr))
	}
	return out
}

// outerHTML renders an element back to HTML (for messages and for the
// checks that look at an element's markup as a whole).
func outerHTML(n *html.Node) string {
	var b strings.Builder
	if err := html.Render(&b, n); err != nil {
		return "<render error: " + err.Error() + ">"
	}
	return b.String()
}

// innerHTML renders an element's children back to HTML ("" for nil).
func innerHTML(n *html.Node) string {
	if n == nil {
		return ""
	}
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if err := html.Render(&b, c); err != nil {
			return "<render error: " + err.Error() + ">"
		}
	}
	return b.String()
}

// formFields returns what a browser would send from a form element,
// unchanged: named inputs (checked checkboxes and radios only), textareas,
// selects (the selected option, else ""); buttons are not sent.
func formFields(form *html.Node) url.Values {
	vals := url.Values{}
	for _, n := range findAll(form, "input") {
		name, ok := attrLookup(n, "name")
		if !ok || hasAttr(n, "disabled") {
			continue
		}
		switch strings.ToLower(attrOf(n, "type")) {
		case "checkbox", "radio":
			if !hasAttr(n, "checked") {
				continue
			}
		case "submit", "button", "image", "reset":
			continue
		}
		vals.Add(name, attrOf(n, "value"))
	}
	for _, n := range findAll(form, "textarea[name]") {
		vals.Add(attrOf(n, "name"), rawTextOf(n))
	}
	for _, n := range findAll(form, "select[name]") {
		v := ""
		if o := findFirst(n, "option[selected]"); o != nil {
			v = attrOf(o, "value")
		}
		vals.Add(attrOf(n, "name"), v)
	}
	return vals
}

// formValues returns what a browser would send from the page's post form
// with that action; no such form fails the test.
func formValues(t testing.TB, body, action string) url.Values {
	t.Helper()
	for _, f := range findAll(mustHTML(t, body), "form[method=post]") {
		if attrOf(f, "action") == action {
			return formFields(f)
		}
	}
	t.Fatalf("no form with action %s in page: %s", action, clip(body))
	return nil
}

// hasElement reports whether the page (or fragment) has an element matching
// the selector.
func hasElement(body, sel string) bool {
	doc, err := parseHTML(body)
	return err == nil && findFirst(doc, sel) != nil
}

// hasText reports whether an element matching the selector shows exactly
// that text (textOf).
func hasText(body, sel, text string) bool {
	doc, err := parseHTML(body)
	if err != nil {
		return false
	}
	return slices.Contains(textsOf(doc, sel), text)
}

// hasTextPrefix reports whether an element matching the selector shows a
// text (textOf) that begins with prefix.
func hasTextPrefix(body, sel, prefix string) bool {
	doc, err := parseHTML(body)
	if err != nil {
		return false
	}
	for _, s := range textsOf(doc, sel) {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}
