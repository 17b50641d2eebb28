package server

import (
	"errors"

	"hailong/survey"
)

// The scoring rule of a report, a ranking or an aggregates export:
// rule=<id> names one of survey.RuleIDs (sipas-2017-v2 by default, v1 stays
// selectable); the response echoes the rule used.

// problemUnknownRule is the field problem, and the API error code, of a
// rule= that names no rule (messages err.unknown_rule, api.unknown_rule).
const problemUnknownRule = "unknown_rule"

// parseRule reads rule= into *id ("" for the default), or records the
// problem in fe.
func parseRule(get func(string) string, id *string, fe survey.FieldErrors) {
	v := get("rule")
	if v == "" {
		return
	}
	if _, ok := survey.RuleByID(v); !ok {
		fe["rule"] = problemUnknownRule
		return
	}
	*id = v
}

// ruleNamed is the rule of the id ("" is the default), with the configured
// minimum sample; the id has been checked by parseRule.
func (s *Server) ruleNamed(id string) survey.Rule {
	r, ok := survey.RuleByID(id)
	if !ok {
		r = survey.DefaultRule()
	}
	if s.cfg.MinSample > 0 {
		r.MinSample = s.cfg.MinSample
	}
	return r
}

// fieldErrorsCode is the API code of field errors: unknown_rule when rule=
// names no rule (a client tells that apart from other bad input), else
// validation_failed. serveAPIError answers every field error with it.
func fieldErrorsCode(err error) string {
	var fe survey.FieldErrors
	if errors.As(err, &fe) && fe["rule"] == problemUnknownRule {
		return problemUnknownRule
	}
	return "validation_failed"
}

// ChangeText is how a page writes a change: "▲ +5,0" or "▼ −5,0" when it is
// significant, else "no clear change" in the page's language.
func (ms *Messages) ChangeText(c survey.Change) string {
	if !c.Significant {
		return ms.T("stat.no_clear_change")
	}
	if c.Points > 0 {
		return "▲ " + ms.Delta(c.Points)
	}
	return "▼ " + ms.Delta(c.Points)
}

// compareYear is compare=year: the changes of a ranking compare with the
// same period a year earlier instead of the period just before.
const compareYear = "year"

// parseCompare reads compare= ("" or "previous": the period just before;
// "year": the same period a year earlier) into *into.
func parseCompare(get func(string) string, into *string, fe survey.FieldErrors) {
	switch v := get("compare"); v {
	case "", "previous":
	case compareYear:
		*into = compareYear
	default:
		fe["compare"] = "invalid_compare" // message err.invalid_compare
	}
}

// comparedPeriod is the period a ranking's changes compare with; ok is
// false when it would start before year 1.
func comparedPeriod(p survey.Period, compare string) (survey.Period, bool) {
	if compare != compareYear {
		return previousPeriod(p)
	}
	from := p.From.Add(-12)
	if from.Year() < 1 {
		return survey.Period{}, false
	}
	prev, err := survey.RangePeriod(from, p.To.Add(-12))
	return prev, err == nil
}
