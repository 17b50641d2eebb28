package server

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"hailong/survey"
)

// RankingsJSON is the ranking as GET /api/v1/rankings returns it: the same
// figures as the page.
type RankingsJSON struct {
	Rule        survey.Rule `json:"rule"`
	FormID      string      `json:"formId"`
	FormVersion int         `json:"formVersion"`
	From        string      `json:"from"`
	To          string      `json:"to"`
	Period      string      `json:"period"`
	// Previous is the period the changes compare with (null before year 1).
	Previous *PeriodJSON `json:"previous"`
	Area     string      `json:"area,omitempty"`
	// VerifiedOnly: only responses given through verified invitations count.
	VerifiedOnly bool `json:"verifiedOnly"`
	// Basis is the responses ranked: all, verified or independent.
	Basis survey.Basis `json:"basis"`
	// Scope is "all" for inspectors and administrators, "own" for agency
	// staff, who get only their agencies' rows and no summary.
	Scope  string             `json:"scope"`
	Levels []RankingLevelJSON `json:"levels"`
	// Province is the overall score of every unit pooled: the mean the
	// funnel plot's limits are drawn around.
	Province survey.Score `json:"province"`
	// Versions are the questionnaire versions the period's responses were
	// given on; each unit is scored with its own.
	Versions []survey.VersionUse `json:"versions"`
}

// PeriodJSON is a period by its months.
type PeriodJSON struct {
	From   string `json:"from"`
	To     string `json:"to"`
	Period string `json:"period"`
}

// RankingLevelJSON is the ranking of one level.
type RankingLevelJSON struct {
	Level       survey.Level `json:"level"`
	Name        survey.Text  `json:"name"`
	RankedUnits int          `json:"rankedUnits"`
	// Summary names the leader and the last in each language; null when
	// nobody is ranked or for agency staff.
	Summary  *survey.Text     `json:"summary"`
	Ranked   []RankingRowJSON `json:"ranked"`
	Unranked []RankingRowJSON `json:"unranked"`
}

// RankingRowJSON is one unit of a ranking.
type RankingRowJSON struct {
	// Rank is 1 for the best, shared by ties; 0 in the unranked list.
	Rank      int          `json:"rank"`
	Agency    string       `json:"agency"`
	Name      survey.Text  `json:"name"`
	Overall   survey.Score `json:"overall"`
	Responses int64        `json:"responses"`
	TooFew    bool         `json:"tooFew"`
	// Reason says why a unit of the unranked list is not ranked:
	// too_few, incomplete (a factor without a valid answer), no_data, or
	// not_comparable (scored on other factors and criteria, after the
	// crosswalk, than the level's reference set).
	Reason string `json:"reason,omitempty"`
	// Versions are the questionnaire versions a not_comparable unit's
	// responses were given on (absent otherwise).
	Versions []survey.VersionUse `json:"versions,omitempty"`
	// Includes are the merged agencies whose responses the row includes.
	Includes []string `json:"includes,omitempty"`
	// Dissolved is the day (YYYY-MM-DD) a dissolved agency stopped serving.
	Dissolved string `json:"dissolved,omitempty"`
	// Previous is the standing over the previous period (null when there
	// is none); Change is the index minus the previous one, in percentage
	// points, with its interval and Holm-adjusted test (survey.Change),
	// null when either period is not ranked.
	Previous *PreviousJSON  `json:"previous"`
	Change   *survey.Change `json:"change"`
	// RankRange is the 90 % range of the rank over 2,000 simulated
	// surveys, [best, worst]; absent in the unranked list.
	RankRange *survey.RankRange `json:"rankRange,omitempty"`
	// Attention is the unit's attention queue now (whatever the period),
	// its merged agencies' items included: attention.go.
	Attention *survey.AttentionCounts `json:"attention,omitempty"`
	// ResponseRate is used ÷ (used + expired) of the unit's invitations
	// over the period, null when none was used or expired; Invitations the
	// counts and whether the rate is under HAILONG_RESPONSE_RATE_MIN.
	// Live rankings only (response_rates.go).
	ResponseRate json.RawMessage          `json:"responseRate,omitempty"`
	Invitations  *survey.ResponseRateJSON `json:"invitations,omitempty"`
	// Coverage is issued ÷ completed dossiers over the period, present
	// only when the one-stop-shop reported dossier counts for the unit
	// (PUT /api/v1/dossier-counts); null when they add up to none.
	Coverage json.RawMessage `json:"coverage,omitempty"`
	// ChangeNote is "not_comparable" when both periods are ranked but do
	// not share the same factors and criteria: change is then null.
	ChangeNote string `json:"changeNote,omitempty"`
}

// PreviousJSON is a unit's standing over the previous period.
type PreviousJSON struct {
	Rank      int      `json:"rank"`
	Index     *float64 `json:"index"`
	Responses int64    `json:"responses"`
	TooFew    bool     `json:"tooFew"`
	// Low, High and EffectiveN are the interval of the previous index
	// and its effective sample size, when it was ranked.
	Low        *float64 `json:"low"`
	High       *float64 `json:"high"`
	EffectiveN *float64 `json:"effectiveN,omitempty"`
}

func (s *Server) apiRankings(c *gin.Context) error {
	ctx := c.Request.Context()
	cat, err := s.store.Catalog(ctx)
	if err != nil {
		return err
	}
	q, fe := parseRankingQuery(c.Query, cat, s.rankingBasis())
	if fe != nil {
		return fieldErrorsIn("rank", fe)
	}
	r, err := s.ranking(ctx, userOf(c), cat, q)
	if err != nil {
		return err
	}
	out := s.rankingsJSON(r)
	// The attention counts are the queue as it is now, whatever the
	// period: served with the live ranking, never frozen in a publication.
	s.rankingAttention(c.Request.Context(), out.Levels)
	s.rankingRates(c.Request.Context(), q, out.Levels)
	c.JSON(http.StatusOK, out)
	return nil
}

// rankingsJSON is the ranking as the API writes it; publications freeze it
// as it is (publications.go).
func (s *Server) rankingsJSON(r *RankingResult) RankingsJSON {
	q := r.Query
	out := RankingsJSON{
		Rule: r.Rule, FormID: r.Form.ID, FormVersion: r.Form.Version,
		From: q.Period.From.String(), To: q.Period.To.String(), Period: q.Period.String(), Area: q.Area, VerifiedOnly: q.Basis == survey.BasisVerified, Basis: q.Basis,
		Scope: "all", Levels: []RankingLevelJSON{}, Province: r.Province, Versions: versionsOrEmpty(r.Versions),
	}
	if r.Scoped {
		out.Scope = "own"
	}
	if r.HasPrevious {
		out.Previous = &PeriodJSON{r.Previous.From.String(), r.Previous.To.String(), r.Previous.String()}
	}
	vi, en := s.locales[survey.Vi], s.locales[survey.En]
	for _, lr := range r.Levels {
		key := "level." + string(lr.Level)
		l := RankingLevelJSON{
			Level: lr.Level, Name: survey.Text{Vi: vi.T(key), En: en.T(key)}, RankedUnits: lr.RankedUnits,
			Ranked: []RankingRowJSON{}, Unranked: []RankingRowJSON{},
		}
		if lr.Summary.Vi != "" {
			sum := lr.Summary
			l.Summary = &sum
		}
		for _, x := range lr.Ranked {
			l.Ranked = append(l.Ranked, rankingRowJSON(x))
		}
		for _, x := range lr.Unranked {
			l.Unranked = append(l.Unranked, rankingRowJSON(x))
		}
		out.Levels = append(out.Levels, l)
	}
	return out
}

func rankingRowJSON(x survey.RankingRow) RankingRowJSON {
	a := x.Unit.Agency
	j := RankingRowJSON{
		Rank: x.Standing.Rank, Agency: a.Code, Name: a.Name, Overall: x.Overall,
		Responses: x.Standing.Responses, TooFew: x.Standing.TooFew, Reason: x.Standing.Reason, Includes: x.Pooled,
	}
	if x.Standing.Rank > 0 {
		rr := x.Standing.RankRange
		j.RankRange = &rr
	}
	if x.Dissolved() && !a.Until.IsZero() {
		j.Dissolved = a.Until.In(survey.Zone()).Format(time.DateOnly)
	}
	if x.HasPrevious {
		p := &PreviousJSON{Rank: x.Previous.Rank, Responses: x.Previous.Responses, TooFew: x.Previous.TooFew}
		if !x.Previous.NoData {
			idx := x.Previous.Index
			p.Index = &idx
		}
		if x.Previous.Rank > 0 && !x.PreviousOverall.NoData {
			lo, hi, n := x.PreviousOverall.Low, x.PreviousOverall.High, x.PreviousOverall.EffectiveN
			p.Low, p.High, p.EffectiveN = &lo, &hi, &n
		}
		j.Previous = p
	}
	if x.HasChange {
		ch := x.Delta
		j.Change = &ch
	}
	j.ChangeNote = x.ChangeNote
	if x.Standing.Reason == survey.ReasonNotComparable {
		j.Versions = x.Versions
	}
	return j
}
