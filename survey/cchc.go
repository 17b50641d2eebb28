package survey

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The CCHC index (Chỉ số cải cách hành chính, administrative reform) is the
// composite index provinces publish for their departments and people's
// committees: appraised points per component and sub-criterion, plus a
// survey component in which the satisfaction the service measures counts;
// index = points ÷ maximum points × 100, two decimals, ranked "of N" per
// group (shared/domain/SIPAS.md §1). Its method is a versioned framework,
// edited as a draft, then published and immutable, like questionnaires.

// CCHC survey rule kinds: how the survey component turns a satisfaction
// index into points.
const (
	// CCHCLinear: points = max × index ÷ fullFrom, at most max (fullFrom
	// 100 is plainly proportional; 90 gives full points from 90 %).
	CCHCLinear = "linear"
	// CCHCThresholds: the points of the first step (highest minimum first)
	// whose minimum the index reaches; 0 below every step.
	CCHCThresholds = "thresholds"
)

// CCHCFramework is one version of the CCHC method: per group of units, the
// components with their sub-criteria and maxima. It applies to the years
// from FromYear on, until a published version with a later FromYear.
type CCHCFramework struct {
	Key         string           `bson:"_id" json:"-"`
	Version     int              `bson:"version" json:"version"`
	Title       Text             `bson:"title" json:"title"`
	FromYear    int              `bson:"fromYear" json:"fromYear"`
	Groups      []CCHCGroupFrame `bson:"groups" json:"groups"`
	Published   bool             `bson:"published" json:"published"`
	PublishedAt time.Time        `bson:"publishedAt" json:"-"`
}

// CCHCGroupFrame is the method of one group: the units of one level
// (departments, districts, communes) are ranked together.
type CCHCGroupFrame struct {
	Group      Level           `bson:"group" json:"group"`
	Components []CCHCComponent `bson:"components" json:"components"`
}

// CCHCComponent is a component (lĩnh vực) of the index: either appraised
// sub-criteria, or, when Survey is set, the survey component whose points
// come from the unit's satisfaction index.
type CCHCComponent struct {
	Code     string          `bson:"code" json:"code"`
	Name     Text            `bson:"name" json:"name"`
	Criteria []CCHCCriterion `bson:"criteria,omitempty" json:"criteria,omitempty"`
	Survey   *CCHCSurveyRule `bson:"survey,omitempty" json:"survey,omitempty"`
}

// CCHCCriterion is an appraised sub-criterion with its maximum points.
type CCHCCriterion struct {
	Code string  `bson:"code" json:"code"`
	Name Text    `bson:"name" json:"name"`
	Max  float64 `bson:"max" json:"max"`
}

// CCHCSurveyRule declares how a satisfaction index (0–100) becomes points.
type CCHCSurveyRule struct {
	Kind string  `bson:"kind" json:"kind"`
	Max  float64 `bson:"max" json:"max"`
	// FullFrom is the index from which a linear rule gives full points.
	FullFrom float64 `bson:"fullFrom,omitempty" json:"fullFrom,omitempty"`
	// Steps are the thresholds of a thresholds rule, highest minimum first.
	Steps []CCHCStep `bson:"steps,omitempty" json:"steps,omitempty"`
}

// CCHCStep gives Points from an index of Min on.
type CCHCStep struct {
	Min    float64 `bson:"min" json:"min"`
	Points float64 `bson:"points" json:"points"`
}

// CCHCKey is the _id of a framework version.
func CCHCKey(version int) string { return "cchc@" + strconv.Itoa(version) }

// Round2 rounds to two decimals, as the index is published.
func Round2(v float64) float64 { return math.Round(v*100) / 100 }

// Points is what the rule gives for a satisfaction index, to two decimals.
func (r CCHCSurveyRule) Points(index float64) float64 {
	switch r.Kind {
	case CCHCLinear:
		full := r.FullFrom
		if full <= 0 {
			full = 100
		}
		return Round2(min(r.Max, r.Max*index/full))
	case CCHCThresholds:
		for _, s := range r.Steps {
			if index >= s.Min {
				return s.Points
			}
		}
	}
	return 0
}

// Max is the component's maximum points: its sub-criteria's, or the survey rule's.
func (c CCHCComponent) Max() float64 {
	if c.Survey != nil {
		return c.Survey.Max
	}
	m := 0.0
	for _, k := range c.Criteria {
		m += k.Max
	}
	return m
}

// Group returns the method of a group, ok false when the framework has none.
func (f CCHCFramework) Group(g Level) (CCHCGroupFrame, bool) {
	for _, gf := range f.Groups {
		if gf.Group == g {
			return gf, true
		}
	}
	return CCHCGroupFrame{}, false
}

// Criterion finds an appraised sub-criterion of the group by code.
func (g CCHCGroupFrame) Criterion(code string) (CCHCCriterion, bool) {
	for _, c := range g.Components {
		for _, k := range c.Criteria {
			if k.Code == code {
				return k, true
			}
		}
	}
	return CCHCCriterion{}, false
}

// SurveyComponent is the group's survey component, nil when it has none.
func (g CCHCGroupFrame) SurveyComponent() *CCHCComponent {
	for i := range g.Components {
		if g.Components[i].Survey != nil {
			return &g.Components[i]
		}
	}
	return nil
}

// Max is the group's maximum points when every sub-criterion applies.
func (g CCHCGroupFrame) Max() float64 {
	m := 0.0
	for _, c := range g.Components {
		m += c.Max()
	}
	return m
}

// NewCCHCDraft returns an unpublished copy of from as the given version.
func NewCCHCDraft(from CCHCFramework, version int) CCHCFramework {
	d := cloneCCHC(from)
	d.Version, d.Key = version, CCHCKey(version)
	d.Published, d.PublishedAt = false, time.Time{}
	return d
}

// NextCCHCVersion is one more than the highest existing version.
func NextCCHCVersion(fs []CCHCFramework) int {
	n := 0
	for _, f := range fs {
		n = max(n, f.Version)
	}
	return n + 1
}

// EditCCHC replaces a draft's content (title, first year, groups), trimming
// codes and texts; ErrPublished when the version is published. The result is
// not checked: call CheckCCHC.
func EditCCHC(f CCHCFramework, title Text, fromYear int, groups []CCHCGroupFrame) (CCHCFramework, error) {
	if f.Published {
		return f, ErrPublished
	}
	f.Title, f.FromYear = trimText(title), fromYear
	f.Groups = cloneCCHC(CCHCFramework{Groups: groups}).Groups
	for i := range f.Groups {
		for j := range f.Groups[i].Components {
			c := &f.Groups[i].Components[j]
			c.Code, c.Name = strings.TrimSpace(c.Code), trimText(c.Name)
			for k := range c.Criteria {
				c.Criteria[k].Code = strings.TrimSpace(c.Criteria[k].Code)
				c.Criteria[k].Name = trimText(c.Criteria[k].Name)
			}
		}
	}
	return f, nil
}

// PublishCCHC returns the draft published now, after CheckCCHC.
func PublishCCHC(f CCHCFramework, now time.Time) (CCHCFramework, error) {
	if f.Published {
		return f, ErrPublished
	}
	if fe := CheckCCHC(f); fe != nil {
		return f, fe
	}
	f = cloneCCHC(f)
	f.Published, f.PublishedAt = true, now
	return f, nil
}

// Limits of a framework.
const (
	MinCCHCYear   = 2000
	MaxCCHCYear   = 2100
	MaxCCHCPoints = 1000
)

// CheckCCHC applies the rules of a framework: a title in both languages, a
// first year; at least one group, each a known level once; in each group at
// least one component; components with a code, a name in both languages and
// either sub-criteria or a survey rule (at most one survey component per
// group); codes well formed and unique within the group (components and
// sub-criteria together); maxima above 0 and at most MaxCCHCPoints; a linear
// rule's fullFrom in 0–100; thresholds with at least one step, minima in
// 0–100 strictly decreasing, points within the maximum. Problems are named
// by their path in the JSON shape ("groups.0.components.2.criteria.1.max").
func CheckCCHC(f CCHCFramework) FieldErrors {
	fe := FieldErrors{}
	checkText(fe, "title", f.Title, MaxTitleLen, true)
	if f.FromYear < MinCCHCYear || f.FromYear > MaxCCHCYear {
		fe["fromYear"] = ProblemInvalid
	}
	if len(f.Groups) == 0 {
		fe["groups"] = ProblemRequired
	}
	seenGroups := map[Level]bool{}
	badMax := func(v float64) bool { return !(v > 0 && v <= MaxCCHCPoints) || math.IsNaN(v) }
	for i, g := range f.Groups {
		gp := "groups." + strconv.Itoa(i) + "."
		switch {
		case !slices.Contains(Levels, g.Group):
			fe[gp+"group"] = ProblemInvalid
		case seenGroups[g.Group]:
			fe[gp+"group"] = ProblemDuplicate
		default:
			seenGroups[g.Group] = true
		}
		if len(g.Components) == 0 {
			fe[gp+"components"] = ProblemRequired
		}
		codes := map[string]bool{}
		code := func(field, c string) {
			switch {
			case !ValidItemCode(c):
				fe[field] = ProblemInvalid
			case codes[c]:
				fe[field] = ProblemDuplicate
			default:
				codes[c] = true
			}
		}
		surveys := 0
		for j, c := range g.Components {
			cp := gp + "components." + strconv.Itoa(j) + "."
			code(cp+"code", c.Code)
			checkText(fe, cp+"name", c.Name, MaxNameLen, true)
			switch {
			case c.Survey != nil && len(c.Criteria) > 0:
				fe[cp+"survey"] = ProblemInvalid
			case c.Survey != nil:
				surveys++
				if surveys > 1 {
					fe[cp+"survey"] = ProblemDuplicate
				}
				checkSurveyRule(fe, cp+"survey.", *c.Survey, badMax)
			case len(c.Criteria) == 0:
				fe[cp+"criteria"] = ProblemRequired
			}
			for k, cr := range c.Criteria {
				kp := cp + "criteria." + strconv.Itoa(k) + "."
				code(kp+"code", cr.Code)
				checkText(fe, kp+"name", cr.Name, MaxItemLen, true)
				if badMax(cr.Max) {
					fe[kp+"max"] = ProblemInvalid
				}
			}
		}
	}
	if len(fe) == 0 {
		return nil
	}
	return fe
}

func checkSurveyRule(fe FieldErrors, p string, r CCHCSurveyRule, badMax func(float64) bool) {
	if badMax(r.Max) {
		fe[p+"max"] = ProblemInvalid
	}
	switch r.Kind {
	case CCHCLinear:
		if r.FullFrom < 0 || r.FullFrom > 100 || len(r.Steps) > 0 {
			fe[p+"fullFrom"] = ProblemInvalid
		}
	case CCHCThresholds:
		if len(r.Steps) == 0 {
			fe[p+"steps"] = ProblemRequired
		}
		for i, s := range r.Steps {
			sp := p + "steps." + strconv.Itoa(i) + "."
			if !(s.Min >= 0 && s.Min <= 100) || (i > 0 && s.Min >= r.Steps[i-1].Min) {
				fe[sp+"min"] = ProblemInvalid
			}
			if !(s.Points >= 0 && s.Points <= r.Max) {
				fe[sp+"points"] = ProblemInvalid
			}
		}
	default:
		fe[p+"kind"] = ProblemInvalid
	}
}

// CCHCFor returns the framework that applies to a year: the published
// version with the latest FromYear not after the year (the highest version
// among equals); ok false when none applies.
func CCHCFor(fs []CCHCFramework, year int) (CCHCFramework, bool) {
	var best CCHCFramework
	ok := false
	for _, f := range fs {
		if !f.Published || f.FromYear > year {
			continue
		}
		if !ok || f.FromYear > best.FromYear || (f.FromYear == best.FromYear && f.Version > best.Version) {
			best, ok = f, true
		}
	}
	return best, ok
}

func cloneCCHC(f CCHCFramework) CCHCFramework {
	if f.Groups == nil {
		return f
	}
	gs := make([]CCHCGroupFrame, len(f.Groups))
	for i, g := range f.Groups {
		cs := make([]CCHCComponent, len(g.Components))
		for j, c := range g.Components {
			c.Criteria = slices.Clone(c.Criteria)
			if c.Survey != nil {
				r := *c.Survey
				r.Steps = slices.Clone(r.Steps)
				c.Survey = &r
			}
			cs[j] = c
		}
		g.Components = cs
		gs[i] = g
	}
	f.Groups = gs
	return f
}
