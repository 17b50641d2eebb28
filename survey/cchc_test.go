package survey

import (
	"testing"
	"time"
)

// cchcFixtureResult computes the fixture's 2018 result compared with 2017,
// on the seeded catalog.
func cchcFixtureResult(t *testing.T) CCHCResult {
	t.Helper()
	cat := &Catalog{Agencies: SeedAgencies()}
	fw := CCHCFixtureFramework()
	if fe := CheckCCHC(fw); fe != nil {
		t.Fatalf("fixture framework: %v", fe)
	}
	ys := CCHCFixtureYears()
	for _, y := range ys {
		for _, u := range y.Units {
			if fe := CheckCCHCUnit(u, fw, cat); fe != nil {
				t.Fatalf("%d %s: %v", y.Year, u.Agency, fe)
			}
		}
	}
	prev := ComputeCCHC(2017, fw, ys[0], cat, nil)
	cur := ComputeCCHC(2018, fw, ys[1], cat, nil)
	CompareCCHC(&cur, prev, cat)
	return cur
}

func cchcUnit(t *testing.T, r CCHCResult, code string) CCHCUnitResult {
	t.Helper()
	for _, g := range r.Groups {
		for _, u := range g.Units {
			if u.Agency == code {
				return u
			}
		}
	}
	t.Fatalf("no unit %s", code)
	return CCHCUnitResult{}
}

func TestCCHCFixtureFigures(t *testing.T) {
	r := cchcFixtureResult(t)
	if len(r.Groups) != 2 || r.Groups[0].Group != LevelDepartment || r.Groups[1].Group != LevelDistrict {
		t.Fatalf("groups %+v", r.Groups)
	}
	for _, c := range []struct {
		code     string
		index    float64
		rank, of int
	}{
		{"so-tu-phap", 94.30, 1, 19}, {"so-cong-thuong", 66.34, 19, 19},
		{"lam-binh", 85.78, 1, 7}, {"chiem-hoa", 73.65, 7, 7}, {"so-nn-ptnt", 88.76, 5, 19},
	} {
		u := cchcUnit(t, r, c.code)
		if u.Index != c.index || u.Rank != c.rank || u.Of != c.of {
			t.Errorf("%s: index %v rank %d/%d, want %v %d/%d", c.code, u.Index, u.Rank, u.Of, c.index, c.rank, c.of)
		}
		if u.Illustrative {
			t.Errorf("%s is a published figure, marked illustrative", c.code)
		}
		if u.Max != 100 || u.Survey.Source != CCHCEntered {
			t.Errorf("%s: max %v survey %+v", c.code, u.Max, u.Survey)
		}
	}
	nn := cchcUnit(t, r, "so-nn-ptnt")
	if nn.PreviousRank != 15 || nn.RankChange != 10 || nn.New {
		t.Errorf("so-nn-ptnt: previous %d change %d new %v", nn.PreviousRank, nn.RankChange, nn.New)
	}
	if riser, ok := r.Groups[0].Riser(); !ok || riser.Agency != "so-nn-ptnt" {
		t.Errorf("riser %+v", riser)
	}
	if dt := cchcUnit(t, r, "ban-dan-toc"); dt.Max != 95 || !dt.Illustrative {
		t.Errorf("ban-dan-toc: max %v illustrative %v", dt.Max, dt.Illustrative)
	}
}

func TestCCHCSurveyRules(t *testing.T) {
	lin := CCHCSurveyRule{Kind: CCHCLinear, Max: 18, FullFrom: 90}
	th := CCHCSurveyRule{Kind: CCHCThresholds, Max: 18, Steps: []CCHCStep{{90, 18}, {80, 15}, {0, 8}}}
	for _, c := range []struct {
		r    CCHCSurveyRule
		in   float64
		want float64
	}{
		{lin, 95, 18}, {lin, 90, 18}, {lin, 81, 16.2}, {CCHCSurveyRule{Kind: CCHCLinear, Max: 10}, 85.55, 8.56},
		{th, 90, 18}, {th, 89.99, 15}, {th, 10, 8},
	} {
		if got := c.r.Points(c.in); got != c.want {
			t.Errorf("%s %v: %v, want %v", c.r.Kind, c.in, got, c.want)
		}
	}
}

// A sub-criterion that does not apply lowers the unit's maximum; the
// service's own satisfaction index wins over an entered one.
func TestCCHCNotApplicableLowersMax(t *testing.T) {
	cat := &Catalog{Agencies: SeedAgencies()}
	fw := CCHCFixtureFramework()
	si := 50.0
	rec := CCHCYear{Year: 2020, Units: []CCHCUnitPoints{
		{Agency: "so-tu-phap", Points: []CCHCPoint{{"7.1", 8}}, SurveyIndex: &si},
		{Agency: "so-xay-dung", Points: []CCHCPoint{{"7.1", 8}}, NotApplicable: []string{"7.2", "7.3"}, SurveyIndex: &si},
	}}
	r := ComputeCCHC(2020, fw, rec, cat, map[string]CCHCSurveyFigure{"so-tu-phap": {Index: 90, Responses: 40, Rule: RuleSIPAS2017}})
	tp, xd := cchcUnit(t, r, "so-tu-phap"), cchcUnit(t, r, "so-xay-dung")
	if tp.Max != 100 || tp.Points != 26 || tp.Index != 26 || tp.Survey.Source != CCHCFromService {
		t.Errorf("so-tu-phap %+v", tp)
	}
	if xd.Max != 90 || xd.Points != 18 || xd.Index != 20 || xd.Survey.Source != CCHCEntered {
		t.Errorf("so-xay-dung %+v", xd)
	}
}

// Agencies merged between two years are compared through their lineage:
// the survivor takes its best predecessor's rank; a unit with no past is new.
func TestCCHCLineageRankChange(t *testing.T) {
	since := time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)
	ag := func(code string, preds ...string) Agency {
		return Agency{Code: code, Level: LevelDepartment, Name: Text{code, code}, Active: true, Since: since, Predecessors: preds}
	}
	cat := &Catalog{Agencies: []Agency{ag("a"), ag("b"), ag("c"), ag("d"), ag("ab", "a", "b"), ag("e")}}
	fw := CCHCFixtureFramework()
	unit := func(code string, p float64) CCHCUnitPoints {
		return CCHCUnitPoints{Agency: code, Points: []CCHCPoint{{"7.1", p}}}
	}
	prev := ComputeCCHC(2024, fw, CCHCYear{Units: []CCHCUnitPoints{unit("c", 8), unit("a", 7), unit("d", 6), unit("b", 5)}}, cat, nil)
	cur := ComputeCCHC(2025, fw, CCHCYear{Units: []CCHCUnitPoints{unit("ab", 8), unit("c", 7), unit("d", 6), unit("e", 5)}}, cat, nil)
	CompareCCHC(&cur, prev, cat)
	ab, c, e := cchcUnit(t, cur, "ab"), cchcUnit(t, cur, "c"), cchcUnit(t, cur, "e")
	if ab.PreviousRank != 2 || ab.RankChange != 1 || ab.New || len(ab.PreviousVia) != 2 {
		t.Errorf("ab %+v", ab)
	}
	if c.PreviousRank != 1 || c.RankChange != -1 {
		t.Errorf("c %+v", c)
	}
	if !e.New || e.PreviousRank != 0 {
		t.Errorf("e %+v", e)
	}
}

func TestCCHCFrameworkChecks(t *testing.T) {
	fw := NewCCHCDraft(CCHCFixtureFramework(), 2)
	fw.Groups[0].Components[0].Criteria[0].Max = 0
	fw.Groups[1].Components[7].Survey.Steps[1].Min = 95
	fw.Groups = append(fw.Groups, CCHCGroupFrame{Group: LevelDistrict})
	fe := CheckCCHC(fw)
	for _, f := range []string{"groups.0.components.0.criteria.0.max", "groups.1.components.7.survey.steps.1.min", "groups.2.group", "groups.2.components"} {
		if fe[f] == "" {
			t.Errorf("no problem on %s: %v", f, fe)
		}
	}
	if _, err := PublishCCHC(fw, time.Now()); err == nil {
		t.Error("published a framework with problems")
	}
	if _, err := EditCCHC(CCHCFixtureFramework(), Text{}, 2020, nil); err != ErrPublished {
		t.Errorf("edit of a published framework: %v", err)
	}
}

// A points file with bad rows is refused whole, each bad row named by its
// line; a good one sets the units it names.
func TestCCHCPointsCSV(t *testing.T) {
	cat := &Catalog{Agencies: SeedAgencies()}
	fw := CCHCFixtureFramework()
	have := CCHCFixtureYears()[1]
	bad := "agency,criterion,points\n" +
		"so-tu-phap,1.1,3.5\n" +
		"so-unknown,1.1,2\n" +
		"so-tu-phap,9.9,1\n" +
		"so-tu-phap,1.2,abc\n" +
		"so-tu-phap,1.3,7\n" +
		"so-tu-phap,1.1,2\n" +
		"so-tu-phap,1.4\n"
	units, problems := ParseCCHCPoints([]byte(bad), fw, cat, have)
	if units != nil {
		t.Errorf("units from a bad file: %v", units)
	}
	want := []CCHCRowProblem{
		{Line: 3, Problem: CSVProblemAgency, Detail: "so-unknown"},
		{Line: 4, Problem: CSVProblemCriterion, Detail: "9.9"},
		{Line: 5, Problem: CSVProblemNumber, Detail: "abc"},
		{Line: 6, Problem: CSVProblemRange, Detail: "7", Max: 3},
		{Line: 7, Problem: CSVProblemDuplicate, Detail: "1.1"},
		{Line: 8, Problem: CSVProblemColumns, Detail: "2"},
	}
	if len(problems) != len(want) {
		t.Fatalf("problems %+v", problems)
	}
	for i := range want {
		if problems[i] != want[i] {
			t.Errorf("problem %d: %+v, want %+v", i, problems[i], want[i])
		}
	}
	good := "\xef\xbb\xbfAgency;Criterion;Points\nban-dan-toc;1.1;3,5\nban-dan-toc;6.2;na\nban-dan-toc;surveyIndex;88\nlam-binh;7.1;8\n"
	units, problems = ParseCCHCPoints([]byte(good), fw, cat, have)
	if problems != nil || len(units) != 2 {
		t.Fatalf("units %+v problems %+v", units, problems)
	}
	dt := units[0]
	if dt.Name == nil || dt.Name.Vi != "Ban Dân tộc" || len(dt.Points) != 1 || dt.Points[0].Points != 3.5 ||
		len(dt.NotApplicable) != 1 || *dt.SurveyIndex != 88 || !dt.Illustrative {
		t.Errorf("ban-dan-toc %+v", dt)
	}
	if _, problems = ParseCCHCPoints([]byte("a,b\n"), fw, cat, have); len(problems) != 1 || problems[0].Problem != CSVProblemHeader {
		t.Errorf("header: %+v", problems)
	}
}

// A unit renamed since is named as it was in the year.
func TestCCHCNameOfTheYear(t *testing.T) {
	cat := &Catalog{Agencies: SeedAgencies()}
	for i, a := range cat.Agencies {
		if a.Code == "so-nn-ptnt" {
			renamed := Rename(a, Text{Vi: "Sở Nông nghiệp và Môi trường", En: "Department of Agriculture and Environment"}, time.Date(2025, 3, 1, 0, 0, 0, 0, Zone()))
			cat.Agencies[i] = renamed
		}
	}
	u := CCHCUnitPoints{Agency: "so-nn-ptnt"}
	if n := u.UnitNameIn(cat, 2018).Vi; n != "Sở Nông nghiệp và Phát triển nông thôn" {
		t.Errorf("2018: %q", n)
	}
	if n := u.UnitNameIn(cat, 2025).Vi; n != "Sở Nông nghiệp và Môi trường" {
		t.Errorf("2025: %q", n)
	}
	if n := u.UnitName(cat).Vi; n != "Sở Nông nghiệp và Môi trường" {
		t.Errorf("today: %q", n)
	}
}

// A unit may declare the group it is ranked in (a province-level body with
// the departments); a unit outside the catalog must.
func TestCCHCUnitGroup(t *testing.T) {
	cat := &Catalog{Agencies: append(SeedAgencies(), Agency{Code: "thanh-tra", Level: LevelProvinceBody, Name: Text{"Thanh tra tỉnh", "Provincial Inspectorate"}})}
	fw := CCHCFixtureFramework()
	p := []CCHCPoint{{"1.1", 1}}
	if fe := CheckCCHCUnit(CCHCUnitPoints{Agency: "thanh-tra", Points: p}, fw, cat); fe["group"] != ProblemNoGroup {
		t.Errorf("a province body without a group of its own: %v", fe)
	}
	u := CCHCUnitPoints{Agency: "thanh-tra", Group: LevelDepartment, Points: p}
	if fe := CheckCCHCUnit(u, fw, cat); fe != nil || u.UnitGroup(cat) != LevelDepartment {
		t.Errorf("a province body ranked with the departments: %v", fe)
	}
	if fe := CheckCCHCUnit(CCHCUnitPoints{Agency: "x-moi", Points: p}, fw, cat); fe["group"] != ProblemRequired || fe["name.vi"] != ProblemRequired {
		t.Errorf("outside the catalog without name and group: %v", fe)
	}
	if fe := CheckCCHCUnit(CCHCUnitPoints{Agency: "so-tu-phap", Group: "ministry", Points: p}, fw, cat); fe["group"] != ProblemInvalid {
		t.Errorf("an unknown group: %v", fe)
	}
}
