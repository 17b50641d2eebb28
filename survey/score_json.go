package survey

import "encoding/json"

// scoreFields are a Score's fields without its methods, so that scoreJSON
// can embed them without taking Score's MarshalJSON.
type scoreFields Score

// scoreJSON is a Score as JSON: an index that does not exist (NoData) is
// null, not a zero that reads like a score of 0 %. Its four pointers shadow
// the embedded fields of the same names; every other field of Score is
// written as it is.
type scoreJSON struct {
	Index *float64 `json:"index"`
	Low   *float64 `json:"low"`
	High  *float64 `json:"high"`
	Mean  *float64 `json:"mean"`
	scoreFields
}

func (s Score) json() scoreJSON {
	j := scoreJSON{scoreFields: scoreFields(s)}
	if !s.NoData {
		j.Index, j.Low, j.High, j.Mean = &s.Index, &s.Low, &s.High, &s.Mean
	}
	return j
}

// UnmarshalJSON reads a Score written by MarshalJSON (a null index is zero).
func (s *Score) UnmarshalJSON(b []byte) error {
	var j scoreJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*s = Score(j.scoreFields)
	for dst, src := range map[*float64]*float64{&s.Index: j.Index, &s.Low: j.Low, &s.High: j.High, &s.Mean: j.Mean} {
		if src != nil {
			*dst = *src
		}
	}
	return nil
}

// MarshalJSON writes the score with null indices when there is none.
func (s Score) MarshalJSON() ([]byte, error) { return json.Marshal(s.json()) }

// The types that embed a Score would otherwise take its MarshalJSON as
// their own and lose their other fields: they spell themselves out.

// MarshalJSON writes the item's code and factor beside its score.
func (is ItemScore) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Code   string `json:"code"`
		Factor string `json:"factor,omitempty"`
		scoreJSON
		Counts Counts `json:"counts"`
	}{is.Code, is.Factor, is.Score.json(), is.Counts})
}

// UnmarshalJSON reads an ItemScore written by MarshalJSON.
func (is *ItemScore) UnmarshalJSON(b []byte) error {
	var j struct {
		Code   string `json:"code"`
		Factor string `json:"factor"`
		Counts Counts `json:"counts"`
	}
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	is.Code, is.Factor, is.Counts = j.Code, j.Factor, j.Counts
	return is.Score.UnmarshalJSON(b)
}

// MarshalJSON writes the factor's code and criteria count beside its score.
func (fs FactorScore) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Code string `json:"code"`
		scoreJSON
		Criteria int `json:"criteria"`
	}{fs.Code, fs.Score.json(), fs.Criteria})
}

// UnmarshalJSON reads a FactorScore written by MarshalJSON.
func (fs *FactorScore) UnmarshalJSON(b []byte) error {
	var j struct {
		Code     string `json:"code"`
		Criteria int    `json:"criteria"`
	}
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	fs.Code, fs.Criteria = j.Code, j.Criteria
	return fs.Score.UnmarshalJSON(b)
}
