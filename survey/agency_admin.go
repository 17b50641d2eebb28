package survey

import (
	"regexp"
	"slices"
	"strings"
	"time"
)

// Field names of an agency's problems.
const (
	FieldCode   = "code"
	FieldNameVi = "nameVi"
	FieldNameEn = "nameEn"
	FieldLevel  = "level"
	FieldParent = "parent"
	FieldAreas  = "areas"
	FieldFrom   = "from"
	FieldInto   = "into"
	FieldDate   = "date"
	FieldActive = "active"
)

// codeRE is the shape of agency and area codes: they appear in URLs and, on
// the rollup side, in field names, so they are kept to a safe alphabet.
var codeRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,39}$`)

// ValidCode reports whether s can be an agency or area code.
func ValidCode(s string) bool { return codeRE.MatchString(s) }

// ValidLevel reports whether l is a known level.
func ValidLevel(l Level) bool { return slices.Contains(Levels, l) }

// CheckAgency applies the rules of an agency record against the catalog:
// a well-formed code unique among agencies when new, both names, a known
// level, an existing parent that does not make a cycle, known areas.
func CheckAgency(a Agency, isNew bool, cat *Catalog) FieldErrors {
	fe := FieldErrors{}
	if !ValidCode(a.Code) {
		fe[FieldCode] = ProblemInvalid
	} else if _, err := cat.Agency(a.Code); isNew && err == nil {
		fe[FieldCode] = ProblemDuplicate
	}
	if strings.TrimSpace(a.Name.Vi) == "" {
		fe[FieldNameVi] = ProblemRequired
	}
	if strings.TrimSpace(a.Name.En) == "" {
		fe[FieldNameEn] = ProblemRequired
	}
	if !ValidLevel(a.Level) {
		fe[FieldLevel] = ProblemInvalid
	}
	if a.Active && a.MergedInto != "" {
		fe[FieldActive] = ProblemMerged // it lives on in its successor
	}
	if a.Parent != "" {
		if _, err := cat.Agency(a.Parent); err != nil {
			fe[FieldParent] = ProblemUnknown
		} else if parentCycle(a, cat) {
			fe[FieldParent] = ProblemCycle
		}
	}
	if len(a.Areas) == 0 {
		fe[FieldAreas] = ProblemRequired
	}
	for _, ar := range a.Areas {
		if _, err := cat.Area(ar); err != nil {
			fe[FieldAreas] = ProblemUnknown
		}
	}
	if len(fe) == 0 {
		return nil
	}
	return fe
}

// parentCycle reports whether following parents from a's new parent leads
// back to a.
func parentCycle(a Agency, cat *Catalog) bool {
	seen := map[string]bool{a.Code: true}
	for p := a.Parent; p != ""; {
		if seen[p] {
			return true
		}
		seen[p] = true
		next, err := cat.Agency(p)
		if err != nil {
			return false
		}
		p = next.Parent
	}
	return false
}

// Rename gives the agency a new name from a date, keeping the old one.
func Rename(a Agency, name Text, at time.Time) Agency {
	if name == a.Name {
		return a
	}
	a.FormerNames = append(slices.Clone(a.FormerNames), FormerName{Name: a.Name, Until: at})
	a.Name = name
	return a
}

// Merge merges agencies into another from a date: each merged agency stops
// serving (its past responses stay its own) and the survivor takes over its
// areas and lists it as a predecessor. It returns every changed agency.
//
// The survivor's level decides where the pooled unit ranks, so merging an
// agency of another level (a district into a commune) would rank the
// district's responses among communes: it is refused unless crossLevel says
// that is what is meant.
func Merge(cat *Catalog, from []string, into string, at time.Time, crossLevel bool) ([]Agency, FieldErrors) {
	fe := FieldErrors{}
	survivor, err := cat.Agency(into)
	switch {
	case err != nil:
		fe[FieldInto] = ProblemUnknown
	case !survivor.Active:
		fe[FieldInto] = ProblemInactive
	}
	if len(from) == 0 {
		fe[FieldFrom] = ProblemRequired
	}
	if at.IsZero() {
		fe[FieldDate] = ProblemRequired
	}
	var merged []Agency
	seen := map[string]bool{}
	for _, code := range from {
		if seen[code] {
			continue
		}
		seen[code] = true
		a, err := cat.Agency(code)
		switch {
		case code == into:
			fe[FieldFrom] = ProblemSelfMerge
		case err != nil:
			fe[FieldFrom] = ProblemUnknown
		case !a.Active:
			fe[FieldFrom] = ProblemInactive
		case survivor.Code != "" && a.Level != survivor.Level && !crossLevel:
			fe[FieldFrom] = ProblemCrossLevel
		default:
			merged = append(merged, a)
		}
	}
	if len(fe) > 0 {
		return nil, fe
	}
	survivor.Predecessors = slices.Clone(survivor.Predecessors)
	survivor.Areas = slices.Clone(survivor.Areas)
	out := make([]Agency, 0, len(merged)+1)
	for _, a := range merged {
		a.Active, a.MergedInto, a.Until = false, into, at
		survivor.Predecessors = append(survivor.Predecessors, a.Code)
		for _, ar := range a.Areas {
			if !slices.Contains(survivor.Areas, ar) {
				survivor.Areas = append(survivor.Areas, ar)
			}
		}
		out = append(out, a)
	}
	return append(out, survivor), nil
}

// Dissolve ends an agency from a date; its past responses stay reportable.
func Dissolve(a Agency, at time.Time) Agency {
	a.Active, a.Until = false, at
	return a
}

// Lineage returns the agency and every agency merged into it, directly or
// through earlier mergers, the agency first.
func Lineage(cat *Catalog, code string) []string {
	out := []string{code}
	seen := map[string]bool{code: true}
	for i := 0; i < len(out); i++ {
		a, err := cat.Agency(out[i])
		if err != nil {
			continue
		}
		for _, p := range a.Predecessors {
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	return out
}

// CheckArea applies the rules of a procedure area.
func CheckArea(a Area, isNew bool, cat *Catalog) FieldErrors {
	fe := FieldErrors{}
	if !ValidCode(a.Code) {
		fe[FieldCode] = ProblemInvalid
	} else if _, err := cat.Area(a.Code); isNew && err == nil {
		fe[FieldCode] = ProblemDuplicate
	}
	if strings.TrimSpace(a.Name.Vi) == "" {
		fe[FieldNameVi] = ProblemRequired
	}
	if strings.TrimSpace(a.Name.En) == "" {
		fe[FieldNameEn] = ProblemRequired
	}
	if len(fe) == 0 {
		return nil
	}
	return fe
}
