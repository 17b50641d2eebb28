package server

import (
	"slices"
	"testing"
)

// The test kit's HTML helpers are held to what they promise: selectors find
// what they name and nothing else, text and attributes are read unescaped,
// and a form gives what a browser would send.

const kitPage = `<!doctype html><html lang="vi"><head><meta name="csrf-token" content="tok&amp;1"></head><body>
<div id="errors" class="errors" role="alert"><a href="#q-1">Thiếu &lt;câu&gt;</a></div>
<table><tr data-code="a" class="row odd"><td class="num rank">1</td><td>  x
  y </td></tr><tr data-code="b" class="row"><td class="num">2</td></tr></table>
<form method="post" action="/save"><input type="hidden" name="csrf" value="c1">
<input type="checkbox" name="on" value="1" checked><input type="checkbox" name="off" value="1">
<input type="radio" name="r" value="a"><input type="radio" name="r" value="b" checked>
<textarea name="t">
line &amp; more</textarea><select name="s"><option value="1">1</option><option value="2" selected>2</option></select>
<button type="submit" name="go" value="x">Go</button></form></body></html>`

// TestKitSelectors: each selector form finds exactly the elements it names.
func TestKitSelectors(t *testing.T) {
	doc := mustHTML(t, kitPage)
	for _, tc := range []struct {
		sel  string
		want int
	}{
		{"tr", 2}, {"tr[data-code]", 2}, {"tr[data-code=a]", 1}, {"tr.row", 2}, {"tr.row.odd", 1},
		{"tr.odd td.num.rank", 1}, {"table td.num", 2}, {"[data-code^=a]", 1}, {"[data-code*=b]", 1},
		{"form[action=/save] input[name=csrf]", 1}, {`form[action="/other"] input`, 0}, {"#errors a", 1},
		{"div#errors.errors[role=alert]", 1}, {"span", 0}, {"tr.missing", 0},
	} {
		if got := len(findAll(doc, tc.sel)); got != tc.want {
			t.Errorf("findAll(%q) = %d elements, want %d", tc.sel, got, tc.want)
		}
	}
	for _, bad := range []string{"tr[", "tr[a=b", "tr!", `tr[a="b]`} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("parseSelector(%q) accepted a malformed selector", bad)
				}
			}()
			parseSelector(bad)
		}()
	}
}

// TestKitTextAndAttributes: text is what the page shows, unescaped, white
// space collapsed; attributes are read unescaped.
func TestKitTextAndAttributes(t *testing.T) {
	doc := mustHTML(t, kitPage)
	if got := textOf(findFirst(doc, "tr[data-code=a]")); got != "1 x y" {
		t.Errorf("textOf = %q, want white space collapsed", got)
	}
	if got := textOf(findFirst(doc, "#errors")); got != "Thiếu <câu>" {
		t.Errorf("textOf = %q, want the text unescaped", got)
	}
	if got := csrfOf(kitPage); got != "c1" {
		t.Errorf("csrfOf = %q, want the form's token c1", got)
	}
	if got := attrOf(findFirst(doc, "meta[name=csrf-token]"), "content"); got != "tok&1" {
		t.Errorf("attrOf = %q, want tok&1", got)
	}
	if got := attrsOf(doc, "html", "lang"); !slices.Equal(got, []string{"vi"}) {
		t.Errorf("attrsOf(html, lang) = %v", got)
	}
}

// TestKitFormValues: a form gives what a browser would send: checked boxes
// and radios only, textareas, the selected option, no buttons.
func TestKitFormValues(t *testing.T) {
	vals := formValues(t, kitPage, "/save")
	want := map[string]string{"csrf": "c1", "on": "1", "r": "b", "t": "line & more", "s": "2"}
	if len(vals) != len(want) {
		t.Errorf("formValues = %v, want %v", vals, want)
	}
	for k, v := range want {
		if vals.Get(k) != v {
			t.Errorf("formValues[%s] = %q, want %q", k, vals.Get(k), v)
		}
	}
}

// TestKitPageChecks: the error summary, plain text and the one-line checks.
func TestKitPageChecks(t *testing.T) {
	if got := errorSummary(kitPage); got != `<a href="#q-1">Thiếu &lt;câu&gt;</a>` {
		t.Errorf("errorSummary = %q", got)
	}
	if got := plainText(errorSummary(kitPage)); got != "Thiếu <câu>" {
		t.Errorf("plainText = %q", got)
	}
	if !hasElement(kitPage, `option[value="2"][selected]`) || hasElement(kitPage, `option[value="1"][selected]`) {
		t.Errorf("hasElement does not tell the selected option")
	}
	if !hasText(kitPage, "td.rank", "1") || hasText(kitPage, "td.rank", "2") || !hasTextPrefix(kitPage, "#errors", "Thiếu") {
		t.Errorf("hasText / hasTextPrefix do not read the cell and the summary")
	}
}
