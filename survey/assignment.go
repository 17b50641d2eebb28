package survey

import (
	"slices"
	"time"
)

// AllAreas is the area of the default assignment: the questionnaire of every
// area that has no assignment of its own in force.
const AllAreas = "*"

// Assignment says which questionnaire version applies to surveys of a
// procedure area from a date on. An area's assignments form a timeline: the
// one in force at a time is the latest whose From is not after it.
type Assignment struct {
	Area    string    `bson:"area" json:"area"`
	FormID  string    `bson:"formId" json:"formId"`
	Version int       `bson:"version" json:"version"`
	From    time.Time `bson:"from" json:"from"`
}

// InForce returns the assignment of the area in force at a time.
func InForce(as []Assignment, area string, at time.Time) (Assignment, bool) {
	var best Assignment
	found := false
	for _, a := range as {
		if a.Area != area || a.From.After(at) {
			continue
		}
		if !found || !a.From.Before(best.From) {
			best, found = a, true
		}
	}
	return best, found
}

// AreaAssignments returns the area's assignments, oldest first.
func AreaAssignments(as []Assignment, area string) []Assignment {
	var out []Assignment
	for _, a := range as {
		if a.Area == area {
			out = append(out, a)
		}
	}
	sortAssignments(out)
	return out
}

// AddAssignment returns an area's timeline with a added: an entry from the
// same instant is replaced, the rest kept, oldest first.
func AddAssignment(timeline []Assignment, a Assignment) []Assignment {
	out := make([]Assignment, 0, len(timeline)+1)
	for _, e := range timeline {
		if !e.From.Equal(a.From) {
			out = append(out, e)
		}
	}
	out = append(out, a)
	sortAssignments(out)
	return out
}

func sortAssignments(as []Assignment) {
	slices.SortStableFunc(as, func(x, y Assignment) int { return x.From.Compare(y.From) })
}

// CheckAssignment applies the rules of an assignment: a known area (or
// AllAreas), a published version of an existing form, a date.
func CheckAssignment(a Assignment, cat *Catalog) FieldErrors {
	fe := FieldErrors{}
	if a.Area != AllAreas {
		if _, err := cat.Area(a.Area); err != nil {
			fe[FieldArea] = ProblemUnknown
		}
	}
	found, published := false, false
	for _, f := range cat.Forms {
		if f.ID == a.FormID && f.Version == a.Version {
			found, published = true, f.Published
		}
	}
	switch {
	case !found:
		fe[FieldVersion] = ProblemUnknownForm
	case !published:
		fe[FieldVersion] = ProblemDraft
	}
	if a.From.IsZero() {
		fe[FieldFrom] = ProblemRequired
	}
	if len(fe) == 0 {
		return nil
	}
	return fe
}

// DefaultForm is the questionnaire of an area without any assignment: the
// newest published version of the default form.
func (c *Catalog) DefaultForm() (Form, error) {
	var best Form
	found := false
	for _, f := range c.Forms {
		if f.ID != DefaultFormID || !f.Published {
			continue
		}
		if !found || f.Version > best.Version {
			best, found = f, true
		}
	}
	if !found {
		return Form{}, ErrNotFound
	}
	return best, nil
}

// PinBeforePublish returns the default assignment to store before f is
// published, so that publishing a new version of the default form does not
// by itself change what citizens get: until an administrator assigns the new
// version, areas without an assignment keep the version they had. ok is false
// when nothing needs pinning (f is not the default form, or a default
// assignment already exists, or there is no published version yet).
func PinBeforePublish(c *Catalog, f Form) (Assignment, bool) {
	if f.ID != DefaultFormID {
		return Assignment{}, false
	}
	for _, a := range c.Assignments {
		if a.Area == AllAreas {
			return Assignment{}, false
		}
	}
	cur, err := c.DefaultForm()
	if err != nil {
		return Assignment{}, false
	}
	return Assignment{Area: AllAreas, FormID: cur.ID, Version: cur.Version, From: cur.PublishedAt}, true
}
