package survey

import (
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// CCHCYear holds a year's appraised points, every unit's in one document,
// so that a whole entry (a CSV file, a PUT) is stored at once or not at all.
// Rev counts the writes: a write is conditional on the revision it read.
type CCHCYear struct {
	Year  int              `bson:"_id" json:"year"`
	Rev   int64            `bson:"rev" json:"-"`
	Units []CCHCUnitPoints `bson:"units" json:"units"`
}

// CCHCUnitPoints are one unit's appraised points in a year.
type CCHCUnitPoints struct {
	// Agency is a catalog agency's code, or the code of a unit outside
	// the catalog, which then needs Name and Group.
	Agency string `bson:"agency" json:"agency"`
	Name   *Text  `bson:"name,omitempty" json:"name,omitempty"`
	Group  Level  `bson:"group,omitempty" json:"group,omitempty"`
	// Illustrative marks points that are not the appraisal's own (demo
	// units around the ones the fixture reproduces).
	Illustrative bool        `bson:"illustrative,omitempty" json:"illustrative,omitempty"`
	Points       []CCHCPoint `bson:"points" json:"points"`
	// NotApplicable are sub-criteria that do not apply to the unit: their
	// maxima are taken off the unit's maximum.
	NotApplicable []string `bson:"notApplicable,omitempty" json:"notApplicable,omitempty"`
	// SurveyIndex is a satisfaction index (0–100) entered for the year,
	// used by the survey component when the service has no index of its
	// own for the unit that year (a survey made outside the service).
	SurveyIndex *float64 `bson:"surveyIndex,omitempty" json:"surveyIndex,omitempty"`
}

// CCHCPoint is the points appraised for one sub-criterion.
type CCHCPoint struct {
	Code   string  `bson:"code" json:"code"`
	Points float64 `bson:"points" json:"points"`
}

// Problem codes of appraised points.
const (
	// ProblemOverMax: more points than the sub-criterion's maximum.
	ProblemOverMax = "over_max"
	// ProblemNoGroup: the unit's group has no method in the framework.
	ProblemNoGroup = "no_group"
	// ProblemBoth: points for a sub-criterion marked not applicable.
	ProblemBoth = "both"
)

// UnitGroup is the group a unit is ranked in: the group it declares (a
// province-level body is ranked with the departments, as provinces do),
// else its catalog level.
func (u CCHCUnitPoints) UnitGroup(cat *Catalog) Level {
	if u.Group != "" {
		return u.Group
	}
	if a, err := cat.Agency(u.Agency); err == nil {
		return a.Level
	}
	return ""
}

// UnitName is the unit's name: its own when given, else the catalog's, else its code.
func (u CCHCUnitPoints) UnitName(cat *Catalog) Text { return u.UnitNameIn(cat, 0) }

// UnitNameIn is the unit's name as it was at the end of the year (a renamed
// agency keeps its former names with their end dates); year 0 is today's.
func (u CCHCUnitPoints) UnitNameIn(cat *Catalog, year int) Text {
	if u.Name != nil {
		return *u.Name
	}
	a, err := cat.Agency(u.Agency)
	if err != nil {
		return Text{Vi: u.Agency, En: u.Agency}
	}
	if year > 0 {
		end := time.Date(year+1, 1, 1, 0, 0, 0, 0, Zone())
		for _, f := range a.FormerNames { // oldest first
			if f.Until.After(end) || f.Until.Equal(end) {
				return f.Name
			}
		}
	}
	return a.Name
}

// Point returns the points of a sub-criterion, ok false when none were entered.
func (u CCHCUnitPoints) Point(code string) (float64, bool) {
	for _, p := range u.Points {
		if p.Code == code {
			return p.Points, true
		}
	}
	return 0, false
}

// CheckCCHCUnit applies the rules of a unit's points under a framework: a
// well-formed agency code; outside the catalog a name in both languages and
// a group (a catalog agency's group is its level unless it declares one);
// a group the framework ranks; each point for a sub-criterion of that group,
// once, between 0 and its maximum; not-applicable codes of that group, once,
// never with points; a survey index between 0 and 100. Problems are named
// "agency", "name.vi", "group", "points.<code>", "notApplicable.<code>",
// "surveyIndex".
func CheckCCHCUnit(u CCHCUnitPoints, fw CCHCFramework, cat *Catalog) FieldErrors {
	fe := FieldErrors{}
	if !ValidCode(u.Agency) {
		fe["agency"] = ProblemInvalid
		return fe
	}
	group := u.UnitGroup(cat)
	if u.Group != "" && !slices.Contains(Levels, u.Group) {
		fe["group"] = ProblemInvalid
	}
	_, err := cat.Agency(u.Agency)
	switch {
	case u.Name != nil:
		checkText(fe, "name", *u.Name, MaxNameLen, true)
	case err != nil:
		fe["name.vi"], fe["name.en"] = ProblemRequired, ProblemRequired
	}
	if err != nil && group == "" {
		fe["group"] = ProblemRequired
	}
	gf, ok := fw.Group(group)
	if group != "" && !ok {
		if _, set := fe["group"]; !set {
			fe["group"] = ProblemNoGroup
		}
		return fe
	}
	seen := map[string]bool{}
	for _, p := range u.Points {
		f := "points." + p.Code
		c, known := gf.Criterion(p.Code)
		switch {
		case !utf8.ValidString(p.Code) || !known:
			fe[f] = ProblemUnknown
		case seen[p.Code]:
			fe[f] = ProblemDuplicate
		case math.IsNaN(p.Points) || p.Points < 0:
			fe[f] = ProblemInvalid
		case p.Points > c.Max+1e-9:
			fe[f] = ProblemOverMax
		}
		seen[p.Code] = true
	}
	na := map[string]bool{}
	for _, code := range u.NotApplicable {
		f := "notApplicable." + code
		_, known := gf.Criterion(code)
		switch {
		case !utf8.ValidString(code) || !known:
			fe[f] = ProblemUnknown
		case na[code]:
			fe[f] = ProblemDuplicate
		case seen[code]:
			fe[f] = ProblemBoth
		}
		na[code] = true
	}
	if s := u.SurveyIndex; s != nil && !(*s >= 0 && *s <= 100) {
		fe["surveyIndex"] = ProblemInvalid
	}
	if len(fe) == 0 {
		return nil
	}
	return fe
}

// MergeCCHC returns the year's units with each of units replacing the
// unit of the same agency, or added after them.
func MergeCCHC(have []CCHCUnitPoints, units []CCHCUnitPoints) []CCHCUnitPoints {
	out := slices.Clone(have)
	for _, u := range units {
		u.Agency = strings.TrimSpace(u.Agency)
		i := slices.IndexFunc(out, func(x CCHCUnitPoints) bool { return x.Agency == u.Agency })
		if i >= 0 {
			out[i] = u
		} else {
			out = append(out, u)
		}
	}
	return out
}

// Unit returns the unit of the agency in the year, ok false when it has none.
func (y CCHCYear) Unit(agency string) (CCHCUnitPoints, bool) {
	for _, u := range y.Units {
		if u.Agency == agency {
			return u, true
		}
	}
	return CCHCUnitPoints{}, false
}
