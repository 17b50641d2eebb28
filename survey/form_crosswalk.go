package survey

import (
	"slices"
	"strconv"
)

// Problems of a crosswalk (besides the common ones).
const (
	// ProblemOtherFactor: a criterion mapped to one of another factor.
	ProblemOtherFactor = "other_factor"
	// ProblemCrosswalkMissing: a criterion the crosswalk does not list.
	ProblemCrosswalkMissing = "crosswalk_missing"
)

// FieldCrosswalk names the crosswalk of a draft; its problems are named
// "crosswalk.from", "crosswalk.items" and "crosswalk.items.<i>.code|to".
const FieldCrosswalk = "crosswalk"

// CrosswalkField names a field of the i-th entry ("code", "to").
func CrosswalkField(i int, sub string) string {
	return FieldCrosswalk + ".items." + strconv.Itoa(i) + "." + sub
}

// checkCrosswalk applies the rules of a crosswalk: From an earlier published
// version of the form (checked for being earlier only when cat is nil);
// every criterion of the form listed once; each mapped to a criterion of
// From in the same factor, at most one criterion to each, or marked not
// comparable (To empty).
func checkCrosswalk(fe FieldErrors, f Form, cat *Catalog) {
	cw := f.Crosswalk
	if cw == nil {
		return
	}
	var from Form
	fromOK := cw.From > 0 && cw.From < f.Version
	if fromOK && cat != nil {
		var err error
		from, err = cat.FormVersion(f.ID, cw.From)
		fromOK = err == nil
	}
	if !fromOK {
		fe[FieldCrosswalk+".from"] = ProblemUnknown
	}
	factorOf := func(g Form, code string) (string, bool) {
		for _, fa := range g.Factors {
			if slices.ContainsFunc(fa.Criteria, func(c Criterion) bool { return c.Code == code }) {
				return fa.Code, true
			}
		}
		return "", false
	}
	listed, targets := map[string]bool{}, map[string]bool{}
	for i, e := range cw.Items {
		factor, ok := factorOf(f, e.Code)
		switch {
		case !ok:
			fe[CrosswalkField(i, "code")] = ProblemUnknown
		case listed[e.Code]:
			fe[CrosswalkField(i, "code")] = ProblemDuplicate
		}
		listed[e.Code] = true
		if e.To == "" || !fromOK || cat == nil {
			continue
		}
		tf, ok := factorOf(from, e.To)
		switch {
		case !ok:
			fe[CrosswalkField(i, "to")] = ProblemUnknown
		case tf != factor:
			fe[CrosswalkField(i, "to")] = ProblemOtherFactor
		case targets[e.To]:
			fe[CrosswalkField(i, "to")] = ProblemDuplicate
		}
		targets[e.To] = true
	}
	for _, fa := range f.Factors {
		for _, c := range fa.Criteria {
			if !listed[c.Code] {
				fe[FieldCrosswalk+".items"] = ProblemCrosswalkMissing
			}
		}
	}
}

func cloneCrosswalk(cw *Crosswalk) *Crosswalk {
	if cw == nil {
		return nil
	}
	out := *cw
	out.Items = slices.Clone(cw.Items)
	return &out
}
