package export

import "hailong/survey"

// Columns of the responses export that a release may hide, besides the
// demographics (NewResponseLayout puts them there; a test pins them).
const (
	colArea        = 1
	colChannel     = 3
	colVerified    = 4
	colFormID      = 5
	colFormVersion = 6
)

// Mask hides, in a row made by ResponseLayout.Row (with the demographics
// already as l.Respondent shows them), the area, channel, verified flag and
// questionnaire that the level does not show.
func Mask(l survey.Release, row []Value) {
	if !l.ShowsChannel() {
		row[colChannel] = StrValue(survey.Hidden)
	}
	if !l.ShowsArea() {
		row[colArea] = StrValue(survey.Hidden)
	}
	if !l.ShowsForm() {
		row[colVerified], row[colFormID], row[colFormVersion] = Value{}, StrValue(survey.Hidden), Value{}
	}
}
