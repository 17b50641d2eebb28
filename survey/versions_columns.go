package survey

import (
	"strconv"
	"strings"
)

// Export columns per questionnaire version.
//
// The criterion columns of the exports are those of the questionnaire
// versions the exported rows were given on, never today's form alone: one
// column per reporting criterion (the same criterion the scores pool,
// after the crosswalk), named with its code in the newest of those
// versions having it, an older criterion whose code a newer one reuses
// being suffixed "@<version>" (as the scoring form shows it). So a column
// is one question throughout, an answer given on an older version lands in
// the column of the criterion it was counted in, and the per-criterion
// figures of an aggregates export can be recomputed from the responses
// export column by column. Each column's description names the versions,
// codes and wordings it holds when they differ; every row says the version
// it was given on (form_id, form_version).

// ExportItem is one criterion or area item column of an export.
type ExportItem struct {
	// Root is the reporting criterion (a VersionedCode); Name the code
	// shown; Factor its factor ("" for an area item).
	Root, Name, Factor string
	// Text is the newest wording; Asked lists every version, code and
	// wording pooled into the column, newest first.
	Text  Text
	Asked []AskedAs
}

// AskedAs is one version's code and wording of an export item.
type AskedAs struct {
	FormKey, Code string
	Text          Text
}

// ExportItems lays out the items of the versions used (criteria, then the
// areas' own items, in the newest version's order) and the factors' codes
// and names. Without any version used it lays out the fallback forms (the
// forms in force, for an export without responses).
func (fs *FormSet) ExportItems(used []VersionUse, fallback []Form) (factors []Factor, items []ExportItem) {
	if len(used) == 0 {
		for _, f := range fallback {
			used = append(used, VersionUse{FormID: f.ID, Version: f.Version})
		}
	}
	out, display, _ := fs.scoringLayout(used)
	byRoot := map[string]int{}
	add := func(factor string, c Criterion) {
		for root, d := range display {
			if d == c.Code {
				byRoot[root] = len(items)
				items = append(items, ExportItem{Root: root, Name: d, Factor: factor, Text: c.Text})
				return
			}
		}
	}
	for _, fa := range out.Factors {
		factors = append(factors, Factor{Code: fa.Code, Name: fa.Name})
		for _, c := range fa.Criteria {
			add(fa.Code, c)
		}
	}
	for _, set := range out.AreaItems {
		for _, c := range set.Items {
			add("", c)
		}
	}
	for _, u := range newestFirst(used) {
		key := FormKey(u.FormID, u.Version)
		f, ok := fs.forms[key]
		if !ok {
			continue
		}
		for _, c := range f.AllItems() {
			if i, ok := byRoot[fs.Root(VersionedCode(key, c.Code))]; ok {
				items[i].Asked = append(items[i].Asked, AskedAs{FormKey: key, Code: c.Code, Text: c.Text})
			}
		}
	}
	return factors, items
}

// newestFirst sorts a copy of the versions, newest first.
func newestFirst(used []VersionUse) []VersionUse {
	out := append([]VersionUse(nil), used...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].Version > out[j-1].Version; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// Same reports whether every version asked the item with the same code and
// wording: its description then needs no versions.
func (it ExportItem) Same() bool {
	for _, a := range it.Asked {
		if a.Code != it.Name || a.Text != it.Text {
			return false
		}
	}
	return true
}

// describe is the column's "<code> (<wording>)" in the language, followed
// by the versions when they asked it differently.
func (it ExportItem) Describe(vi bool) string {
	text := func(t Text) string {
		if vi {
			return t.Vi
		}
		return t.En
	}
	s := it.Name + " (" + text(it.Text) + ")"
	if it.Same() {
		return s
	}
	var parts []string
	for _, a := range it.Asked {
		id, v, _ := ParseFormKey(a.FormKey)
		parts = append(parts, id+" v"+strconv.Itoa(v)+" "+a.Code+": "+text(a.Text))
	}
	if vi {
		return s + " [theo phiên bản: " + strings.Join(parts, "; ") + "]"
	}
	return s + " [by version: " + strings.Join(parts, "; ") + "]"
}
