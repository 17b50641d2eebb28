package survey

// Lang is a language the service speaks. Vietnamese comes first.
type Lang string

// Supported languages.
const (
	Vi Lang = "vi"
	En Lang = "en"
)

// Langs lists the supported languages, the default first.
var Langs = []Lang{Vi, En}

// ParseLang returns the supported language named by s, and whether it is one.
func ParseLang(s string) (Lang, bool) {
	switch Lang(s) {
	case Vi, En:
		return Lang(s), true
	}
	return Vi, false
}

// Text is a string in each supported language.
type Text struct {
	Vi string `bson:"vi" json:"vi"`
	En string `bson:"en" json:"en"`
}

// In returns the text in lang, falling back to Vietnamese.
func (t Text) In(lang Lang) string {
	if lang == En && t.En != "" {
		return t.En
	}
	return t.Vi
}
