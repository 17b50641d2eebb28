package survey

import "time"

// Area is a procedure area (lĩnh vực thủ tục hành chính) such as land or construction.
type Area struct {
	Code  string `bson:"_id" json:"code"`
	Name  Text   `bson:"name" json:"name"`
	Order int    `bson:"order" json:"order"`
}

// Level is where an agency sits in the administration; agencies are ranked
// only against others of the same level.
type Level string

// Agency levels.
const (
	LevelDepartment   Level = "department"    // sở, ban, ngành of the province
	LevelProvinceBody Level = "province_body" // other province-level body
	LevelDistrict     Level = "district"      // UBND cấp huyện
	LevelCommune      Level = "commune"       // UBND cấp xã
)

// Levels lists the agency levels from the top down.
var Levels = []Level{LevelDepartment, LevelProvinceBody, LevelDistrict, LevelCommune}

// Agency is a public body whose service citizens rate.
type Agency struct {
	Code   string    `bson:"_id" json:"code"`
	Name   Text      `bson:"name" json:"name"`
	Level  Level     `bson:"level" json:"level"`
	Parent string    `bson:"parent,omitempty" json:"parent,omitempty"`
	Areas  []string  `bson:"areas" json:"areas"`
	Active bool      `bson:"active" json:"active"`
	Since  time.Time `bson:"since" json:"since"`
	// Until is when the agency stopped serving (merged or dissolved); zero
	// while it serves.
	Until time.Time `bson:"until,omitempty" json:"until,omitzero"`
	// MergedInto names the agency that took over its work.
	MergedInto string `bson:"mergedInto,omitempty" json:"mergedInto,omitempty"`
	// Predecessors are the agencies merged into this one; its lineage report
	// includes their responses.
	Predecessors []string `bson:"predecessors,omitempty" json:"predecessors,omitempty"`
	// FormerNames keeps every earlier name with the date it stopped being used.
	FormerNames []FormerName `bson:"formerNames,omitempty" json:"formerNames,omitempty"`
}

// FormerName is a name an agency had until a date.
type FormerName struct {
	Name  Text      `bson:"name" json:"name"`
	Until time.Time `bson:"until" json:"until"`
}

// Serves reports whether the agency handles procedures of the area.
func (a Agency) Serves(area string) bool {
	for _, c := range a.Areas {
		if c == area {
			return true
		}
	}
	return false
}

// Catalog is the reference data a survey needs: areas, agencies, the
// questionnaire versions (drafts included: FormVersion and FormFor offer only
// published ones) and which version applies to each area from when. It is
// small and read far more often than written.
type Catalog struct {
	Areas    []Area
	Agencies []Agency
	Forms    []Form
	// Assignments say which form version applies to each area from when.
	Assignments []Assignment
}

// Area returns the area with the code, or ErrNotFound.
func (c *Catalog) Area(code string) (Area, error) {
	for _, a := range c.Areas {
		if a.Code == code {
			return a, nil
		}
	}
	return Area{}, ErrNotFound
}

// Agency returns the agency with the code, or ErrNotFound.
func (c *Catalog) Agency(code string) (Agency, error) {
	for _, a := range c.Agencies {
		if a.Code == code {
			return a, nil
		}
	}
	return Agency{}, ErrNotFound
}

// FormVersion returns the published version of the form, or ErrNotFound.
func (c *Catalog) FormVersion(id string, version int) (Form, error) {
	for _, f := range c.Forms {
		if f.ID == id && f.Version == version && f.Published {
			return f, nil
		}
	}
	return Form{}, ErrNotFound
}

// FormFor returns the questionnaire in force for a survey in the area at a
// time: the version of the area's latest assignment from on or before that
// time; else that of the default assignment (AllAreas); else the newest
// published version of the default form.
func (c *Catalog) FormFor(area string, at time.Time) (Form, error) {
	for _, scope := range []string{area, AllAreas} {
		if a, ok := InForce(c.Assignments, scope, at); ok {
			if f, err := c.FormVersion(a.FormID, a.Version); err == nil {
				return f, nil
			}
		}
	}
	return c.DefaultForm()
}

// Target resolves an agency and area for a survey: ErrNotFound when either is
// unknown or the agency is inactive, ErrAreaNotServed when the agency does not
// handle that area.
func (c *Catalog) Target(agency, area string) (Agency, Area, error) {
	ag, err := c.Agency(agency)
	if err != nil || !ag.Active {
		return Agency{}, Area{}, ErrNotFound
	}
	ar, err := c.Area(area)
	if err != nil {
		return Agency{}, Area{}, ErrNotFound
	}
	if !ag.Serves(area) {
		return ag, ar, ErrAreaNotServed
	}
	return ag, ar, nil
}
