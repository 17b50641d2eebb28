package export

import (
	"strings"
	"testing"

	"hailong/survey"
)

// Mask hides the columns NewResponseLayout puts where it expects them.
func TestDisclosureMask(t *testing.T) {
	l := NewResponseLayout(survey.NewFormSet(nil, survey.Form{}), nil, nil, false)
	for at, name := range map[int]string{colArea: "area", colChannel: "channel", colVerified: "verified", colFormID: "form_id", colFormVersion: "form_version"} {
		if l.Columns[at].Name != name {
			t.Errorf("column %d is %s, want %s", at, l.Columns[at].Name, name)
		}
	}
	r := survey.Response{Agency: "ag", Area: "land", Channel: "paper", Verified: true, FormID: "f", FormVersion: 3,
		Respondent: survey.Respondent{Gender: "male", AgeBand: "a1"}}
	row := l.Row(nil, r, survey.ReleaseArea.Respondent(r.Respondent))
	Mask(survey.ReleaseArea, row)
	var got []string
	for _, v := range row {
		got = append(got, v.Text())
	}
	if s := strings.Join(got, ","); !strings.HasPrefix(s, "ag,land,") || !strings.Contains(s, ",*,true,f,3,,,,") {
		t.Errorf("ReleaseArea row %s", s)
	}
	row = l.Row(row, r, survey.ReleaseNone.Respondent(r.Respondent))
	Mask(survey.ReleaseNone, row)
	got = got[:0]
	for _, v := range row {
		got = append(got, v.Text())
	}
	if s := strings.Join(got, ","); !strings.HasPrefix(s, "ag,*,") || !strings.HasSuffix(s, ",*,,*,,,,,") {
		t.Errorf("ReleaseNone row %s", s)
	}
}
