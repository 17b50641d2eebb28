package survey

import (
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// ErrPublished: a published questionnaire version is immutable; a change is
// a new version.
var ErrPublished = errors.New("published form version is immutable")

// Problem codes of questionnaire administration (besides the common ones).
const (
	// ProblemDraft: a version that is not published cannot be put in force.
	ProblemDraft = "draft"
	// ProblemTooMany: more items than a questionnaire may have.
	ProblemTooMany = "too_many"
)

// Field names of a questionnaire's problems. A problem inside the form is
// named by its path in the form's JSON shape, e.g. "title.vi",
// "factors.0.criteria.2.code", "areaItems.1.items.0.text.en"; the field
// helpers below build them.
const (
	FieldFormID  = "formId"
	FieldVersion = "version"
	FieldTitle   = "title"
	FieldIntro   = "intro"
	FieldFactors = "factors"
	FieldExtras  = "areaItems"
)

// Limits of a questionnaire's texts, in characters, and of its size.
const (
	MaxTitleLen = 300
	MaxIntroLen = 2000
	MaxNameLen  = 300
	MaxItemLen  = 500
	// MaxQuestions bounds the questions one area's survey can have (the
	// factors' criteria plus the area's own items).
	MaxQuestions = 150
)

// FactorField names a field of the i-th factor ("name.vi", "code", "criteria").
func FactorField(i int, sub string) string {
	return FieldFactors + "." + strconv.Itoa(i) + "." + sub
}

// CriterionField names a field of the j-th criterion of the i-th factor
// ("code", "text.vi", "text.en").
func CriterionField(i, j int, sub string) string {
	return FactorField(i, "criteria."+strconv.Itoa(j)+"."+sub)
}

// ExtrasField names a field of the k-th area set ("area", "items").
func ExtrasField(k int, sub string) string {
	return FieldExtras + "." + strconv.Itoa(k) + "." + sub
}

// ExtraItemField names a field of the j-th item of the k-th area set.
func ExtraItemField(k, j int, sub string) string {
	return ExtrasField(k, "items."+strconv.Itoa(j)+"."+sub)
}

// itemCodeRE is the shape of factor and criterion codes: they are shown to
// citizens, named in exports and sent back as answer codes.
var itemCodeRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,15}$`)

// ValidItemCode reports whether s can be a factor or criterion code: 1–16
// letters, digits, '.', '_' or '-', starting with a letter or digit (so never
// with "$": no code can become a database operator).
func ValidItemCode(s string) bool {
	return !strings.HasPrefix(s, "$") && itemCodeRE.MatchString(s)
}

// FormEdit is what an administrator may change in a draft: its texts, its
// factors with their criteria, and the extra items of each area. The answer
// scale, the demographic questions and the comment limit are kept from the
// version the draft was made from.
type FormEdit struct {
	Title     Text
	Intro     Text
	Factors   []Factor
	AreaItems []AreaSet
	// Crosswalk relates the criteria to an earlier version (nil: none).
	Crosswalk *Crosswalk
}

// EditOf returns the editable parts of a form.
func EditOf(f Form) FormEdit {
	f = cloneForm(f)
	return FormEdit{Title: f.Title, Intro: f.Intro, Factors: f.Factors, AreaItems: f.AreaItems, Crosswalk: f.Crosswalk}
}

// NewDraft returns a new unpublished version of a form with the content of
// from: the starting point of every change to a questionnaire.
func NewDraft(from Form, version int) Form {
	d := cloneForm(from)
	d.Version = version
	d.Key = FormKey(d.ID, version)
	d.Published = false
	d.PublishedAt = time.Time{}
	d.Crosswalk = nil // it relates from's criteria to another version
	return d
}

// NextVersion is the version number a new draft of the form gets: one more
// than the highest existing version of that form id.
func NextVersion(forms []Form, id string) int {
	n := 0
	for _, f := range forms {
		if f.ID == id && f.Version > n {
			n = f.Version
		}
	}
	return n + 1
}

// ApplyEdit returns the draft with the edit applied, spaces trimmed from
// codes and texts; ErrPublished when f is published. The result is not
// checked: call CheckForm.
func ApplyEdit(f Form, e FormEdit) (Form, error) {
	if f.Published {
		return f, ErrPublished
	}
	e = cloneEdit(e)
	f.Title, f.Intro = trimText(e.Title), trimText(e.Intro)
	f.Factors = e.Factors
	for i := range f.Factors {
		fa := &f.Factors[i]
		fa.Code = strings.TrimSpace(fa.Code)
		fa.Name = trimText(fa.Name)
		trimCriteria(fa.Criteria)
	}
	f.AreaItems = e.AreaItems
	for k := range f.AreaItems {
		s := &f.AreaItems[k]
		s.Area = strings.TrimSpace(s.Area)
		trimCriteria(s.Items)
	}
	f.Crosswalk = e.Crosswalk
	if cw := f.Crosswalk; cw != nil {
		for i := range cw.Items {
			cw.Items[i].Code = strings.TrimSpace(cw.Items[i].Code)
			cw.Items[i].To = strings.TrimSpace(cw.Items[i].To)
		}
	}
	return f, nil
}

func trimText(t Text) Text { return Text{Vi: strings.TrimSpace(t.Vi), En: strings.TrimSpace(t.En)} }

func trimCriteria(cs []Criterion) {
	for j := range cs {
		cs[j].Code = strings.TrimSpace(cs[j].Code)
		cs[j].Text = trimText(cs[j].Text)
	}
}

// CheckForm applies the rules of a questionnaire's content: a title and
// every factor name and item text in both languages, within their lengths;
// at least one factor, each with at least one criterion; well-formed factor
// and criterion codes, criterion codes unique across the factors and every
// area's extra items; extra items only for areas of the catalog, one set per
// area, none empty; at most MaxQuestions questions for any area. cat may be
// nil, in which case area codes are checked for shape only.
func CheckForm(f Form, cat *Catalog) FieldErrors {
	fe := FieldErrors{}
	checkText(fe, FieldTitle, f.Title, MaxTitleLen, true)
	checkText(fe, FieldIntro, f.Intro, MaxIntroLen, false)
	if len(f.Factors) == 0 {
		fe[FieldFactors] = ProblemRequired
	}
	seenCodes := map[string]bool{}
	checkItem := func(c Criterion, field func(string) string) {
		switch {
		case !ValidItemCode(c.Code):
			fe[field("code")] = ProblemInvalid
		case seenCodes[c.Code]:
			fe[field("code")] = ProblemDuplicate
		default:
			seenCodes[c.Code] = true
		}
		checkText(fe, field("text"), c.Text, MaxItemLen, true)
	}
	factorCodes := map[string]bool{}
	standard := 0
	for i, fa := range f.Factors {
		switch {
		case !ValidItemCode(fa.Code):
			fe[FactorField(i, "code")] = ProblemInvalid
		case factorCodes[fa.Code]:
			fe[FactorField(i, "code")] = ProblemDuplicate
		default:
			factorCodes[fa.Code] = true
		}
		checkText(fe, FactorField(i, "name"), fa.Name, MaxNameLen, true)
		if len(fa.Criteria) == 0 {
			fe[FactorField(i, "criteria")] = ProblemRequired
		}
		for j, c := range fa.Criteria {
			checkItem(c, func(sub string) string { return CriterionField(i, j, sub) })
		}
		standard += len(fa.Criteria)
	}
	if standard > MaxQuestions {
		fe[FieldFactors] = ProblemTooMany
	}
	areas := map[string]bool{}
	for k, s := range f.AreaItems {
		switch {
		case s.Area == "":
			fe[ExtrasField(k, "area")] = ProblemRequired
		case !ValidCode(s.Area):
			fe[ExtrasField(k, "area")] = ProblemUnknown
		case areas[s.Area]:
			fe[ExtrasField(k, "area")] = ProblemDuplicate
		case cat != nil && !hasArea(cat, s.Area):
			fe[ExtrasField(k, "area")] = ProblemUnknown
		default:
			areas[s.Area] = true
		}
		if len(s.Items) == 0 {
			fe[ExtrasField(k, "items")] = ProblemRequired
		} else if standard+len(s.Items) > MaxQuestions {
			fe[ExtrasField(k, "items")] = ProblemTooMany
		}
		for j, c := range s.Items {
			checkItem(c, func(sub string) string { return ExtraItemField(k, j, sub) })
		}
	}
	checkCrosswalk(fe, f, cat)
	if len(fe) == 0 {
		return nil
	}
	return fe
}

func hasArea(cat *Catalog, code string) bool {
	_, err := cat.Area(code)
	return err == nil
}

// checkText checks both languages of a text: present when required, valid
// UTF-8, at most max characters. Problems are named field+".vi" / ".en".
func checkText(fe FieldErrors, field string, t Text, max int, required bool) {
	for _, l := range []struct {
		suffix, s string
	}{{".vi", t.Vi}, {".en", t.En}} {
		switch {
		case required && strings.TrimSpace(l.s) == "":
			fe[field+l.suffix] = ProblemRequired
		case !utf8.ValidString(l.s):
			fe[field+l.suffix] = ProblemInvalid
		case utf8.RuneCountInString(l.s) > max:
			fe[field+l.suffix] = ProblemTooLong
		}
	}
}

// Publish returns the draft as published now, after checking it against the
// catalog: ErrPublished when it already is, FieldErrors when its content
// breaks a rule of CheckForm. From then on the version is immutable.
func Publish(f Form, cat *Catalog, now time.Time) (Form, error) {
	if f.Published {
		return f, ErrPublished
	}
	if fe := CheckForm(f, cat); fe != nil {
		return f, fe
	}
	f = cloneForm(f)
	f.Published = true
	f.PublishedAt = now
	return f, nil
}

// cloneForm copies a form deeply, so a draft never shares slices with the
// version it was made from.
func cloneForm(f Form) Form {
	f.Scale = slices.Clone(f.Scale)
	f.Factors = cloneFactors(f.Factors)
	f.AreaItems = cloneSets(f.AreaItems)
	f.Crosswalk = cloneCrosswalk(f.Crosswalk)
	ds := make([]Demographic, len(f.Demographics))
	for i, d := range f.Demographics {
		d.Options = slices.Clone(d.Options)
		ds[i] = d
	}
	if f.Demographics == nil {
		ds = nil
	}
	f.Demographics = ds
	return f
}

func cloneEdit(e FormEdit) FormEdit {
	e.Factors = cloneFactors(e.Factors)
	e.AreaItems = cloneSets(e.AreaItems)
	e.Crosswalk = cloneCrosswalk(e.Crosswalk)
	return e
}

func cloneFactors(in []Factor) []Factor {
	if in == nil {
		return nil
	}
	out := make([]Factor, len(in))
	for i, fa := range in {
		fa.Criteria = slices.Clone(fa.Criteria)
		out[i] = fa
	}
	return out
}

func cloneSets(in []AreaSet) []AreaSet {
	if in == nil {
		return nil
	}
	out := make([]AreaSet, len(in))
	for i, s := range in {
		s.Items = slices.Clone(s.Items)
		out[i] = s
	}
	return out
}

// QuestionCount is the number of questions the form asks in the area.
func (f Form) QuestionCount(area string) int {
	n := 0
	for _, fa := range f.Factors {
		n += len(fa.Criteria)
	}
	for _, s := range f.AreaItems {
		if s.Area == area {
			n += len(s.Items)
		}
	}
	return n
}
