package server

import (
	"strconv"
	"strings"

	"hailong/survey"
)

// CrosswalkView is a version's crosswalk on its page: for a draft, the
// earlier version to relate to and, per criterion, the code it maps to
// there (empty: not comparable); for a published version, the same read
// only.
type CrosswalkView struct {
	From SelectField
	Rows []TextField
	// Error is a problem of the whole crosswalk (a criterion not listed).
	Error string
	// Declared is set when the version has a crosswalk; FromVersion names
	// the earlier version and Entries its rows (for a published version).
	Declared    bool
	FromVersion int
	Entries     []survey.CrosswalkEntry
}

// crosswalkTo is the field of the code a criterion maps to.
func crosswalkTo(code string) string { return survey.FieldCrosswalk + ".to." + code }

// readCrosswalkPost reads the crosswalk of the edit form: none when no
// earlier version is chosen, else one entry per criterion of the edit.
func readCrosswalkPost(get func(string) string, e survey.FormEdit) *survey.Crosswalk {
	from := strings.TrimSpace(get(survey.FieldCrosswalk + ".from"))
	if from == "" {
		return nil
	}
	n, err := strconv.Atoi(from)
	if err != nil {
		n = -1 // refused by the check as unknown
	}
	cw := &survey.Crosswalk{From: n, Items: []survey.CrosswalkEntry{}}
	for _, fa := range e.Factors {
		for _, c := range fa.Criteria {
			if code := strings.TrimSpace(c.Code); code != "" {
				cw.Items = append(cw.Items, survey.CrosswalkEntry{Code: code, To: get(crosswalkTo(code))})
			}
		}
	}
	return cw
}

// crosswalkView lays out the crosswalk fields of a version with their
// messages, adding them to the page's error summary.
func crosswalkView(p *AdminFormPage, cat *survey.Catalog, f survey.Form, errs map[string]string) CrosswalkView {
	L := p.L
	v := CrosswalkView{From: SelectField{ID: survey.FieldCrosswalk + ".from", Label: L.T("forms.crosswalk_from")}}
	note := func(id, label, field string) string {
		msg, ok := errs[field]
		if ok {
			p.ErrorList = append(p.ErrorList, ErrorItem{Anchor: id, Label: label, Message: msg})
			p.Errors[field] = msg
		}
		return msg
	}
	from := 0
	mapped := map[string]string{}
	index := map[string]int{}
	if cw := f.Crosswalk; cw != nil {
		v.Declared, v.FromVersion, v.Entries, from = true, cw.From, cw.Items, cw.From
		for i, e := range cw.Items {
			mapped[e.Code] = e.To
			index[e.Code] = i
		}
	}
	v.From.Options = []SelectOption{{Value: "", Label: L.T("forms.crosswalk_none"), Selected: from == 0}}
	for _, o := range sortedForms(cat.Forms) {
		if o.ID == f.ID && o.Published && o.Version < f.Version {
			v.From.Options = append(v.From.Options, SelectOption{Value: strconv.Itoa(o.Version), Label: L.T("forms.version", o.Version), Selected: o.Version == from})
		}
	}
	v.From.Error = note(v.From.ID, L.T("forms.crosswalk_from"), survey.FieldCrosswalk+".from")
	v.Error = note("crosswalk", L.T("forms.crosswalk"), survey.FieldCrosswalk+".items")
	for _, fa := range f.Factors {
		for _, c := range fa.Criteria {
			id := crosswalkTo(c.Code)
			tf := TextField{ID: id, Label: c.Code + " → " + L.T("forms.crosswalk_to"), Value: mapped[c.Code], Max: 16}
			if i, ok := index[c.Code]; ok {
				tf.Error = note(id, tf.Label, survey.CrosswalkField(i, "to"))
				if tf.Error == "" {
					tf.Error = note(id, tf.Label, survey.CrosswalkField(i, "code"))
				}
			}
			v.Rows = append(v.Rows, tf)
		}
	}
	return v
}
