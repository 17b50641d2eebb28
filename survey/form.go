package survey

import (
	"strconv"
	"time"
)

// DefaultFormID names the questionnaire citizens get unless an area says otherwise.
const DefaultFormID = "sipas-2017"

// NotApplicable is the answer value for "not applicable / no opinion"; it is
// excluded from every index.
const NotApplicable = 0

// Form is a versioned questionnaire. A published version is never edited: a
// change is a new version, and responses record the version they answered.
type Form struct {
	// Key is the stored identity, "<id>@<version>".
	Key       string    `bson:"_id" json:"-"`
	ID        string    `bson:"formId" json:"id"`
	Version   int       `bson:"version" json:"version"`
	Title     Text      `bson:"title" json:"title"`
	Intro     Text      `bson:"intro" json:"intro"`
	Scale     []Level5  `bson:"scale" json:"scale"`
	NALabel   Text      `bson:"naLabel" json:"notApplicable"`
	Factors   []Factor  `bson:"factors" json:"factors"`
	AreaItems []AreaSet `bson:"areaItems" json:"areaItems,omitempty"`
	// CommentMax is the longest comment accepted, in characters.
	CommentMax   int           `bson:"commentMax" json:"commentMax"`
	Demographics []Demographic `bson:"demographics" json:"demographics"`
	// Crosswalk, when set, relates the criteria to those of an earlier
	// version (versions.go); edited in the draft, immutable once published.
	Crosswalk   *Crosswalk `bson:"crosswalk,omitempty" json:"crosswalk,omitempty"`
	Published   bool       `bson:"published" json:"published"`
	PublishedAt time.Time  `bson:"publishedAt" json:"publishedAt"`
}

// FormKey is the stored identity of a form version.
func FormKey(id string, version int) string {
	return id + "@" + strconv.Itoa(version)
}

// Level5 is one point of the answer scale.
type Level5 struct {
	Value int  `bson:"value" json:"value"`
	Label Text `bson:"label" json:"label"`
}

// Factor groups criteria; the SIPAS model has five.
type Factor struct {
	Code     string      `bson:"code" json:"code"`
	Name     Text        `bson:"name" json:"name"`
	Criteria []Criterion `bson:"criteria" json:"criteria"`
}

// Criterion is one rated statement.
type Criterion struct {
	Code string `bson:"code" json:"code"`
	Text Text   `bson:"text" json:"text"`
}

// AreaSet holds the extra items a procedure area asks besides the standard ones.
type AreaSet struct {
	Area  string      `bson:"area" json:"area"`
	Items []Criterion `bson:"items" json:"items"`
}

// Demographic is an optional question about the respondent, answered by
// choosing one option code.
type Demographic struct {
	Code    string   `bson:"code" json:"code"`
	Label   Text     `bson:"label" json:"label"`
	Options []Option `bson:"options" json:"options"`
}

// Option is one choice of a demographic question.
type Option struct {
	Code  string `bson:"code" json:"code"`
	Label Text   `bson:"label" json:"label"`
}

// Question is a rated item as a respondent sees it: a criterion of a factor
// or an extra item of the area.
type Question struct {
	Criterion
	// Factor is the factor code, or "" for an area's extra item.
	Factor string
}

// Questions lists every rated item of the form for the area, in order: the
// criteria of each factor, then the area's own items.
func (f Form) Questions(area string) []Question {
	var qs []Question
	for _, fa := range f.Factors {
		for _, c := range fa.Criteria {
			qs = append(qs, Question{Criterion: c, Factor: fa.Code})
		}
	}
	qs = append(qs, f.Extras(area)...)
	return qs
}

// Extras lists the area's own items.
func (f Form) Extras(area string) []Question {
	var qs []Question
	for _, s := range f.AreaItems {
		if s.Area == area {
			for _, c := range s.Items {
				qs = append(qs, Question{Criterion: c})
			}
		}
	}
	return qs
}

// MaxValue is the top of the answer scale.
func (f Form) MaxValue() int {
	m := 0
	for _, l := range f.Scale {
		if l.Value > m {
			m = l.Value
		}
	}
	return m
}

// Demographic returns the demographic question with the code.
func (f Form) Demographic(code string) (Demographic, bool) {
	for _, d := range f.Demographics {
		if d.Code == code {
			return d, true
		}
	}
	return Demographic{}, false
}

// HasOption reports whether code is one of the question's options.
func (d Demographic) HasOption(code string) bool {
	for _, o := range d.Options {
		if o.Code == code {
			return true
		}
	}
	return false
}
