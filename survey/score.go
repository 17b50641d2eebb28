package survey

import "math"

// RuleSIPAS2017 names the first scoring rule, the reconstruction of SIPAS 2017
// in shared/domain/SIPAS.md. Every report and export names the rule it used;
// a change of method is a new rule id, never an edit of this one.
const RuleSIPAS2017 = "sipas-2017-v1"

// DefaultMinSample is the number of responses below which a unit is shown but
// flagged "too few to rank".
const DefaultMinSample = 30

// Rule is a versioned scoring method with its settings.
//
// sipas-2017-v1 computes:
//   - criterion index: answers 4–5 ÷ valid answers 1–5 × 100 ("not applicable"
//     is excluded); mean score: the mean of the valid answers;
//   - factor index: the mean of its criteria's indices, leaving out criteria
//     with no valid answer, and then flagged partial (a factor with none has
//     no data); mean score: the mean of the criteria's means, by the same rule;
//   - overall index: the mean of the factor indices; mean: the mean of means.
//     It needs every factor: when a unit has responses but some factor has no
//     valid answer, the overall index is not computed (incomplete, naming the
//     missing factors), since the mean of the other factors would compare a
//     unit on fewer factors with units scored on all five;
//   - a Wilson 95 % score interval for every index. For a criterion it is the
//     interval of satisfied/valid. For a factor or the overall index, which
//     are means of proportions, it is the Wilson interval of the index taken
//     as a proportion over N = the mean number of valid answers of its parts.
//     This keeps the interval around the reported index (pooling the counts
//     would centre it elsewhere when criteria have unequal counts), and takes
//     as sample size about the number of people who answered rather than the
//     number of answers, which are not independent within one response.
//
// Area extra items are scored like criteria but reported apart, outside every
// factor and the overall index.
type Rule struct {
	ID        string `json:"id"`
	MinSample int64  `json:"minSample"`
}

// SIPAS2017Rule is sipas-2017-v1 with the default minimum sample.
func SIPAS2017Rule() Rule { return Rule{ID: RuleSIPAS2017, MinSample: DefaultMinSample} }

// Score is one index with what stands beside it. Index, Low and High are
// percentages (0–100); Mean is on the 1–5 scale.
type Score struct {
	Index float64 `json:"index"`
	Low   float64 `json:"low"`
	High  float64 `json:"high"`
	Mean  float64 `json:"mean"`
	// N is the sample size of the interval: the valid answers of a
	// criterion, the mean valid answers of a factor's criteria, and so on.
	N float64 `json:"n"`
	// EffectiveN is the sample size the interval is the Wilson interval
	// over: under sipas-2017-v2, I(1−I)/V for a factor or the overall index
	// (variance.go); otherwise N.
	EffectiveN float64 `json:"effectiveN"`
	// ApproxInterval is set under sipas-2017-v2 on a factor or overall
	// index whose rollups lack the pair sums of some responses: its
	// interval is then sipas-2017-v1's.
	ApproxInterval bool `json:"approxInterval,omitempty"`
	// Valid and Satisfied add up the answers behind the index.
	Valid     int64 `json:"valid"`
	Satisfied int64 `json:"satisfied"`
	// NoData is set when there is no index: no valid answer, or an
	// incomplete overall index. Index, Low, High and Mean are then zero here
	// and null in JSON.
	NoData bool `json:"noData"`
	// Incomplete is set on an overall index that is not computed because
	// the factors named in MissingFactors have no valid answer although the
	// unit has responses.
	Incomplete     bool     `json:"incomplete,omitempty"`
	MissingFactors []string `json:"missingFactors,omitempty"`
	// Partial is set on a factor computed from some of its criteria only:
	// those in MissingCriteria have no valid answer.
	Partial         bool     `json:"partial,omitempty"`
	MissingCriteria []string `json:"missingCriteria,omitempty"`
}

// ItemScore scores a criterion, or an area's extra item (Factor "").
type ItemScore struct {
	Code   string `json:"code"`
	Factor string `json:"factor,omitempty"`
	Score
	Counts Counts `json:"counts"`
}

// FactorScore scores a factor; Criteria counts the criteria with data.
type FactorScore struct {
	Code string `json:"code"`
	Score
	Criteria int `json:"criteria"`
}

// Report is the scoring of one unit (an agency, an area, the province...)
// over a period.
type Report struct {
	Rule      string `json:"rule"`
	MinSample int64  `json:"minSample"`
	Responses int64  `json:"responses"`
	// TooFew is set when Responses < MinSample: show it, never rank it.
	TooFew   bool          `json:"tooFew"`
	Overall  Score         `json:"overall"`
	Factors  []FactorScore `json:"factors"`
	Criteria []ItemScore   `json:"criteria"`
	// Extras are the area items that have answers, in the form's order.
	Extras []ItemScore `json:"extras,omitempty"`
	// Versions are the questionnaire versions the tally counted, and
	// Signature its factors and reporting criteria (ScoreVersions); the
	// APIs show Versions beside the report.
	Versions  []VersionUse `json:"-"`
	Signature []string     `json:"-"`
	// display is the code shown for each reporting criterion (by root,
	// ScoreVersions; nil without versions): exports put an item in the
	// column of its reporting criterion (ItemRoot).
	display map[string]string
}

// DisplayCodes is the code shown for each reporting criterion, by root (nil
// without versions).
func (r Report) DisplayCodes() map[string]string { return r.display }

// Score computes the report of a tally for the form's factors and criteria.
func (r Rule) Score(f Form, t Tally) Report {
	rep := Report{Rule: r.ID, MinSample: r.MinSample, Responses: t.Responses, TooFew: t.Responses < r.MinSample}
	var overall []Score
	var missingFactors []string
	for _, fa := range f.Factors {
		var parts []Score
		var missing []string
		for _, c := range fa.Criteria {
			is := scoreItem(c.Code, fa.Code, t.Items[c.Code])
			rep.Criteria = append(rep.Criteria, is)
			if is.NoData {
				missing = append(missing, c.Code)
			} else {
				parts = append(parts, is.Score)
			}
		}
		fs := FactorScore{Code: fa.Code, Score: meanOf(parts), Criteria: len(parts)}
		if !fs.NoData && len(missing) > 0 {
			fs.Partial, fs.MissingCriteria = true, missing
		}
		rep.Factors = append(rep.Factors, fs)
		if fs.NoData {
			missingFactors = append(missingFactors, fa.Code)
		} else {
			overall = append(overall, fs.Score)
		}
	}
	rep.Overall = meanOf(overall)
	if t.Responses > 0 && len(missingFactors) > 0 {
		rep.Overall = Score{NoData: true, Incomplete: true, MissingFactors: missingFactors}
	}
	if r.RespondentLevel() {
		r.applyRespondentLevel(f, t, &rep)
	}
	for _, set := range f.AreaItems {
		for _, c := range set.Items {
			if l := t.Items[c.Code]; l.Answers() > 0 {
				rep.Extras = append(rep.Extras, scoreItem(c.Code, "", l))
			}
		}
	}
	return rep
}

// scoreItem scores one item from its answer counts.
func scoreItem(code, factor string, l Counts) ItemScore {
	is := ItemScore{Code: code, Factor: factor, Counts: l}
	n := l.Valid()
	if n == 0 {
		is.NoData = true
		return is
	}
	p := float64(l.Satisfied()) / float64(n)
	lo, hi := Wilson(p, float64(n))
	is.Score = Score{
		Index: 100 * p, Low: 100 * lo, High: 100 * hi,
		Mean: float64(l.Sum()) / float64(n), N: float64(n), EffectiveN: float64(n),
		Valid: n, Satisfied: l.Satisfied(),
	}
	return is
}

// meanOf combines scores with data into their mean, as the rule describes.
func meanOf(parts []Score) Score {
	if len(parts) == 0 {
		return Score{NoData: true}
	}
	var s Score
	for _, p := range parts {
		s.Index += p.Index
		s.Mean += p.Mean
		s.N += p.N
		s.Valid += p.Valid
		s.Satisfied += p.Satisfied
	}
	k := float64(len(parts))
	s.Index, s.Mean, s.N = s.Index/k, s.Mean/k, s.N/k
	s.EffectiveN = s.N
	lo, hi := Wilson(s.Index/100, s.N)
	s.Low, s.High = 100*lo, 100*hi
	return s
}

// z95 is the two-sided 95 % quantile of the standard normal distribution.
const z95 = 1.959963984540054

// Wilson returns the Wilson score 95 % interval of a proportion p observed
// over n trials, as proportions (0–1). With n = 0 it returns 0, 0.
func Wilson(p, n float64) (low, high float64) {
	if n <= 0 {
		return 0, 0
	}
	z2 := z95 * z95
	d := 1 + z2/n
	centre := (p + z2/(2*n)) / d
	half := z95 / d * math.Sqrt(p*(1-p)/n+z2/(4*n*n))
	return math.Max(0, centre-half), math.Min(1, centre+half)
}
