package server

import (
	"html/template"
	"strconv"
	"strings"
	"time"

	"hailong/survey"
)

// FormPage is the questionnaire as a citizen sees it, with what was entered
// and a message at each wrong field.
type FormPage struct {
	BasePage
	Title, Intro string
	Agency, Area string
	Action       string
	Key          string
	Version      int
	Sections     []Section
	Comment      string
	CommentMax   int
	CommentHint  string
	CommentError string
	Demographics []DemoField
	// Questions, when set, is the blank form's questions already rendered
	// (form_cache.go), shown instead of rendering Sections and Demographics.
	Questions   template.HTML
	Unavailable bool
	// Verified marks the form of a verified invitation (invitation_pages.go).
	Verified bool
	// Entry holds the channel and interview date of a survey entered by
	// staff (entry.html); nil on the citizen form.
	Entry *EntryFields
	// Contact is the optional "contact me" block (attention_contact.go);
	// nil when no contact key is configured.
	Contact *ContactBlock
}

// Section is a factor's questions under its heading.
type Section struct {
	Title     string
	Questions []QuestionView
}

// QuestionView is one rated question: a fieldset with a radio per level.
type QuestionView struct {
	Code, Text, Anchor, Error string
	Options                   []OptionView
}

// OptionView is one radio button.
type OptionView struct {
	Name, ID, Label string
	Value           int
	Checked         bool
	Described       bool
}

// DemoField is one optional demographic select.
type DemoField struct {
	ID, Name, Label, Error string
	Options                []DemoOption
}

// DemoOption is one option of a demographic select.
type DemoOption struct {
	Code, Label string
	Selected    bool
}

// formEntry is what a citizen entered, kept to show the form again.
type formEntry struct {
	Answers    map[string]int
	Comment    string
	Respondent survey.Respondent
	Contact    contactEntry
}

// answerName is the HTML field name of a question's radio group.
func answerName(code string) string { return "a_" + code }

// anchorOf is the HTML id of a question's first radio, where the error
// summary links to.
func anchorOf(code string) string { return "q-" + strings.ReplaceAll(code, ".", "-") }

// formPage builds the page for a form, what was entered and the field errors
// (by survey field name, already translated).
func (s *Server) formPage(b BasePage, ag survey.Agency, ar survey.Area, f survey.Form, key string, in formEntry, errs map[string]string) FormPage {
	lang := b.Lang
	p := FormPage{
		BasePage:   b,
		Title:      f.Title.In(lang),
		Intro:      f.Intro.In(lang),
		Agency:     ag.Name.In(lang),
		Area:       ar.Name.In(lang),
		Action:     surveyPath(ag.Code, ar.Code),
		Key:        key,
		Version:    f.Version,
		Comment:    in.Comment,
		CommentMax: f.CommentMax,
	}
	p.CommentHint = b.L.T("form.comment.hint", f.CommentMax)
	// The general errors (questionnaire changed, form expired) come first.
	for _, field := range []string{survey.FieldForm, survey.FieldKey} {
		if msg, ok := errs[field]; ok {
			p.ErrorList = append(p.ErrorList, ErrorItem{Anchor: "main", Label: b.L.T("form.submit"), Message: msg})
		}
	}
	question := func(q survey.Question) QuestionView {
		qv := QuestionView{Code: q.Code, Text: q.Text.In(lang), Anchor: anchorOf(q.Code), Error: errs[survey.QuestionField(q.Code)]}
		if qv.Error != "" {
			p.ErrorList = append(p.ErrorList, ErrorItem{Anchor: qv.Anchor, Label: b.L.T("form.question", q.Code), Message: qv.Error})
		}
		v, answered := in.Answers[q.Code]
		levels := append(append([]survey.Level5{}, f.Scale...), survey.Level5{Value: survey.NotApplicable, Label: f.NALabel})
		for _, l := range levels {
			qv.Options = append(qv.Options, OptionView{
				Name: answerName(q.Code), ID: qv.Anchor, Label: l.Label.In(lang), Value: l.Value,
				Checked: answered && v == l.Value, Described: qv.Error != "",
			})
		}
		return qv
	}
	for _, fa := range f.Factors {
		sec := Section{Title: fa.Name.In(lang)}
		for _, c := range fa.Criteria {
			sec.Questions = append(sec.Questions, question(survey.Question{Criterion: c, Factor: fa.Code}))
		}
		p.Sections = append(p.Sections, sec)
	}
	if extras := f.Extras(ar.Code); len(extras) > 0 {
		sec := Section{Title: b.L.T("form.extras") + ": " + ar.Name.In(lang)}
		for _, q := range extras {
			sec.Questions = append(sec.Questions, question(q))
		}
		p.Sections = append(p.Sections, sec)
	}
	if msg := errs[survey.FieldComment]; msg != "" {
		p.CommentError = msg
		p.ErrorList = append(p.ErrorList, ErrorItem{Anchor: "comment", Label: b.L.T("form.comment"), Message: msg})
	}
	for _, d := range f.Demographics {
		df := DemoField{ID: "d-" + d.Code, Name: d.Code, Label: d.Label.In(lang), Error: errs[survey.DemographicField(d.Code)]}
		if df.Error != "" {
			p.ErrorList = append(p.ErrorList, ErrorItem{Anchor: df.ID, Label: df.Label, Message: df.Error})
		}
		chosen := in.Respondent.Get(d.Code)
		for _, o := range d.Options {
			df.Options = append(df.Options, DemoOption{Code: o.Code, Label: o.Label.In(lang), Selected: o.Code == chosen})
		}
		p.Demographics = append(p.Demographics, df)
	}
	p.Contact = s.contactBlock(b, in.Contact, errs, &p.ErrorList)
	p.Errors = errs
	return p
}

// readFormEntry reads the posted answers. A value that is not a number is
// kept as out of scale (-1) so the domain check names it.
func readFormEntry(get func(string) (string, bool), f survey.Form, area string) formEntry {
	in := formEntry{Answers: map[string]int{}}
	for _, q := range f.Questions(area) {
		raw, ok := get(answerName(q.Code))
		if !ok || raw == "" {
			continue
		}
		v, err := strconv.Atoi(raw)
		if err != nil {
			v = -1
		}
		in.Answers[q.Code] = v
	}
	in.Comment, _ = get("comment")
	in.Respondent.AgeBand, _ = get("ageBand")
	in.Respondent.Gender, _ = get("gender")
	in.Respondent.Occupation, _ = get("occupation")
	in.Respondent.Education, _ = get("education")
	return in
}

// submitArgs are the values of a submission's messages: the form's longest
// comment, and the days an entry may go back (maxAge; zero for a citizen).
func submitArgs(f survey.Form, maxAge time.Duration) problemArgs {
	return problemArgs{
		survey.ProblemTooLong:                                {f.CommentMax},
		survey.FieldSubmittedAt + "." + survey.ProblemTooOld: {int(maxAge.Hours() / 24)},
	}
}
