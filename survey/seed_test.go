package survey

import (
	"reflect"
	"strings"
	"testing"
)

func TestSeedAreas(t *testing.T) {
	areas := map[string]Area{}
	for _, a := range SeedAreas() {
		if _, dup := areas[a.Code]; dup {
			t.Errorf("area code %q twice", a.Code)
		}
		areas[a.Code] = a
		if a.Name.Vi == "" || a.Name.En == "" {
			t.Errorf("area %q lacks a name: %+v", a.Code, a.Name)
		}
	}
	for _, code := range []string{"dat-dai", "moi-truong", "xay-dung", "tu-phap", "kinh-doanh", "lao-dong", "giao-thong"} {
		if _, ok := areas[code]; !ok {
			t.Errorf("area %q missing", code)
		}
	}
}

// TestSeedAgencies: the legacy list (the fixture of most tests) is whole:
// unique codes, names, known areas and parents, every agency serving.
func TestSeedAgencies(t *testing.T) {
	areas := map[string]bool{}
	for _, a := range SeedAreas() {
		areas[a.Code] = true
	}
	agencies := map[string]Agency{}
	for _, a := range LegacySeedAgencies() {
		if _, dup := agencies[a.Code]; dup {
			t.Errorf("agency code %q twice", a.Code)
		}
		agencies[a.Code] = a
		if a.Name.Vi == "" || a.Name.En == "" {
			t.Errorf("agency %q lacks a name: %+v", a.Code, a.Name)
		}
		if !a.Active {
			t.Errorf("seed agency %q is inactive", a.Code)
		}
		if len(a.Areas) == 0 {
			t.Errorf("agency %q serves no area", a.Code)
		}
		for _, ar := range a.Areas {
			if !areas[ar] {
				t.Errorf("agency %q serves unknown area %q", a.Code, ar)
			}
		}
	}
	for _, a := range agencies {
		if a.Parent != "" {
			if _, ok := agencies[a.Parent]; !ok {
				t.Errorf("agency %q has unknown parent %q", a.Code, a.Parent)
			}
		}
	}
	want := map[string]Level{
		"so-tu-phap": LevelDepartment, "so-cong-thuong": LevelDepartment, "so-nn-ptnt": LevelDepartment,
		"so-xay-dung": LevelDepartment, "so-tn-mt": LevelDepartment,
		"tp-tuyen-quang": LevelDistrict, "lam-binh": LevelDistrict, "na-hang": LevelDistrict,
		"chiem-hoa": LevelDistrict, "ham-yen": LevelDistrict, "yen-son": LevelDistrict, "son-duong": LevelDistrict,
		"tt-son-duong": LevelCommune,
	}
	for code, level := range want {
		a, ok := agencies[code]
		if !ok {
			t.Errorf("agency %q missing", code)
			continue
		}
		if a.Level != level {
			t.Errorf("agency %q is at level %q, want %q", code, a.Level, level)
		}
	}
}

func TestSIPAS2017Shape(t *testing.T) {
	f := SIPAS2017()
	if len(f.Factors) != 5 {
		t.Errorf("%d factors, want 5", len(f.Factors))
	}
	seen := map[string]string{}
	note := func(code, where string) {
		if code == "" {
			t.Errorf("empty code in %s", where)
		}
		if prev, dup := seen[code]; dup {
			t.Errorf("code %q in %s and %s", code, prev, where)
		}
		seen[code] = where
	}
	criteria := 0
	for _, fa := range f.Factors {
		note(fa.Code, "factors")
		if fa.Name.Vi == "" || fa.Name.En == "" {
			t.Errorf("factor %s lacks a name", fa.Code)
		}
		for _, c := range fa.Criteria {
			criteria++
			note(c.Code, "factor "+fa.Code)
			if c.Text.Vi == "" || c.Text.En == "" {
				t.Errorf("criterion %s lacks a text", c.Code)
			}
		}
	}
	if criteria != 22 {
		t.Errorf("%d criteria, want 22", criteria)
	}
	areas := map[string]bool{}
	for _, a := range SeedAreas() {
		areas[a.Code] = true
	}
	for _, s := range f.AreaItems {
		if !areas[s.Area] {
			t.Errorf("area items for unknown area %q", s.Area)
		}
		for _, c := range s.Items {
			note(c.Code, "area "+s.Area)
			if c.Text.Vi == "" || c.Text.En == "" {
				t.Errorf("item %s lacks a text", c.Code)
			}
		}
	}
	if len(f.Scale) != 5 || f.MaxValue() != 5 {
		t.Errorf("scale = %+v, want 5 levels up to 5", f.Scale)
	}
	for _, l := range f.Scale {
		if l.Value == NotApplicable {
			t.Errorf("scale level %d collides with not applicable", l.Value)
		}
	}
	if f.Key != FormKey(f.ID, f.Version) || f.ID != DefaultFormID || !f.Published || f.CommentMax != 2000 {
		t.Errorf("form identity = %q %q v%d published=%v commentMax=%d", f.Key, f.ID, f.Version, f.Published, f.CommentMax)
	}
	codes := map[string]bool{}
	for _, d := range f.Demographics {
		if codes[d.Code] {
			t.Errorf("demographic %q twice", d.Code)
		}
		codes[d.Code] = true
		// Respondent.Get must know every demographic the form asks, or
		// Check could never refuse an invalid answer to it.
		probe := Respondent{AgeBand: "x-" + d.Code, Gender: "x-" + d.Code, Occupation: "x-" + d.Code, Education: "x-" + d.Code}
		if probe.Get(d.Code) != "x-"+d.Code {
			t.Errorf("Respondent.Get does not know demographic %q", d.Code)
		}
		opts := map[string]bool{}
		for _, o := range d.Options {
			if opts[o.Code] || o.Code == "" {
				t.Errorf("demographic %q: option %q empty or twice", d.Code, o.Code)
			}
			opts[o.Code] = true
		}
	}
}

// No code or key the service stores (or may one day use as a field name, as
// rollups keyed by area or option would) may contain "$": it would read as
// an operator. Field names must not contain "." either (FerretDB refuses
// them), which is why criterion codes such as "1.1" are only ever values.
func TestNoOperatorLikeNames(t *testing.T) {
	check := func(what, s string, dotOK bool) {
		if strings.Contains(s, "$") {
			t.Errorf("%s %q contains $", what, s)
		}
		if !dotOK && strings.Contains(s, ".") {
			t.Errorf("%s %q contains .", what, s)
		}
	}
	for _, a := range SeedAreas() {
		check("area code", a.Code, false)
	}
	for _, a := range SeedAgencies() {
		check("agency code", a.Code, false)
	}
	for _, f := range SeedForms() {
		check("form key", f.Key, true) // a value (_id), never a field name
		check("form id", f.ID, false)
		for _, fa := range f.Factors {
			check("factor code", fa.Code, false)
			for _, c := range fa.Criteria {
				check("criterion code", c.Code, true) // stored as a value in answers[].c
			}
		}
		for _, s := range f.AreaItems {
			for _, c := range s.Items {
				check("area item code", c.Code, true)
			}
		}
		for _, d := range f.Demographics {
			check("demographic code", d.Code, false)
			for _, o := range d.Options {
				check("option code", o.Code, false)
			}
		}
	}
	for _, c := range Channels {
		check("channel", string(c), false)
	}
	// The bson field names of every stored type.
	for _, v := range []any{Area{}, Agency{}, Form{}, Response{}} {
		walkBSONNames(reflect.TypeOf(v), map[reflect.Type]bool{}, func(name string) {
			check("bson field of "+reflect.TypeOf(v).Name(), name, false)
		})
	}
}

func walkBSONNames(typ reflect.Type, seen map[reflect.Type]bool, visit func(string)) {
	for typ.Kind() == reflect.Slice || typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Map {
		typ = typ.Elem()
	}
	if typ.Kind() != reflect.Struct || seen[typ] || typ.PkgPath() != reflect.TypeOf(Area{}).PkgPath() {
		return
	}
	seen[typ] = true
	for i := 0; i < typ.NumField(); i++ {
		fld := typ.Field(i)
		name, _, _ := strings.Cut(fld.Tag.Get("bson"), ",")
		if name == "" && !fld.Anonymous {
			name = strings.ToLower(fld.Name)
		}
		if name != "" && name != "-" {
			visit(name)
		}
		walkBSONNames(fld.Type, seen, visit)
	}
}
