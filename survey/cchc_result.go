package survey

import (
	"slices"
	"sort"
)

// CCHC survey figure sources.
const (
	// CCHCFromService: the SIPAS index the service computed from the
	// unit's responses (its lineage's) in the year.
	CCHCFromService = "service"
	// CCHCEntered: the satisfaction index entered with the unit's points.
	CCHCEntered = "entered"
	// CCHCNoSurvey: no index; the survey component gives 0 points.
	CCHCNoSurvey = "none"
)

// CCHCSurveyFigure is a unit's satisfaction index in a year as the service
// computed it.
type CCHCSurveyFigure struct {
	Index     float64
	Responses int64
	Rule      string
}

// CCHCResult is a year's CCHC index: per group, every unit ranked.
type CCHCResult struct {
	Year      int
	Framework CCHCFramework
	Groups    []CCHCGroupResult
	// HasPrevious is set once the previous year's ranks were compared.
	HasPrevious bool
}

// CCHCGroupResult ranks one group's units, in rank order.
type CCHCGroupResult struct {
	Group Level
	Units []CCHCUnitResult
}

// CCHCUnitResult is one unit's line.
type CCHCUnitResult struct {
	Agency       string
	Name         Text
	Illustrative bool
	Points, Max  float64
	// Index is Points ÷ Max × 100, to two decimals.
	Index    float64
	Rank, Of int
	// PreviousRank is the rank the year before (0 when none); through
	// lineage, PreviousVia names the predecessors it is the best rank of.
	PreviousRank int
	PreviousOf   int
	PreviousVia  []string
	// RankChange is PreviousRank − Rank: places gained (negative: lost).
	RankChange int
	// New is set when neither the unit nor any predecessor was ranked the
	// year before.
	New        bool
	Components []CCHCComponentResult
	Survey     CCHCSurveyResult
}

// CCHCComponentResult is a component's points and maximum for a unit.
type CCHCComponentResult struct {
	Code        string
	Points, Max float64
}

// CCHCSurveyResult says where the survey component's points came from.
type CCHCSurveyResult struct {
	Component string
	Rule      *CCHCSurveyRule
	// Source is CCHCFromService, CCHCEntered or CCHCNoSurvey.
	Source      string
	Index       float64
	Responses   int64
	ScoringRule string
	Points, Max float64
}

// ComputeCCHC computes a year's index from its points under the framework:
// each unit in the group its record says (units of groups the framework does
// not rank are left out), its points the sum of its sub-criteria's (missing
// ones count 0) and of the survey component's, its maximum the group's less
// the maxima of the sub-criteria that do not apply to it. figures are the
// service's satisfaction indices by agency; a unit without one uses its
// entered index. A catalog agency is named as it was at the end of the
// year. Units are ranked by index, ties sharing a rank ("1, 1, 3").
func ComputeCCHC(year int, fw CCHCFramework, rec CCHCYear, cat *Catalog, figures map[string]CCHCSurveyFigure) CCHCResult {
	out := CCHCResult{Year: year, Framework: fw}
	for _, gf := range fw.Groups {
		g := CCHCGroupResult{Group: gf.Group}
		for _, u := range rec.Units {
			if u.UnitGroup(cat) != gf.Group {
				continue
			}
			g.Units = append(g.Units, scoreCCHCUnit(year, gf, u, cat, figures))
		}
		rankCCHC(g.Units)
		if len(g.Units) > 0 {
			out.Groups = append(out.Groups, g)
		}
	}
	return out
}

func scoreCCHCUnit(year int, gf CCHCGroupFrame, u CCHCUnitPoints, cat *Catalog, figures map[string]CCHCSurveyFigure) CCHCUnitResult {
	r := CCHCUnitResult{Agency: u.Agency, Name: u.UnitNameIn(cat, year), Illustrative: u.Illustrative}
	for _, c := range gf.Components {
		cr := CCHCComponentResult{Code: c.Code}
		if c.Survey != nil {
			s := CCHCSurveyResult{Component: c.Code, Rule: c.Survey, Source: CCHCNoSurvey, Max: c.Survey.Max}
			if f, ok := figures[u.Agency]; ok {
				s.Source, s.Index, s.Responses, s.ScoringRule = CCHCFromService, f.Index, f.Responses, f.Rule
			} else if u.SurveyIndex != nil {
				s.Source, s.Index = CCHCEntered, *u.SurveyIndex
			}
			if s.Source != CCHCNoSurvey {
				s.Points = c.Survey.Points(s.Index)
			}
			cr.Points, cr.Max = s.Points, s.Max
			r.Survey = s
		}
		for _, k := range c.Criteria {
			if slices.Contains(u.NotApplicable, k.Code) {
				continue
			}
			p, _ := u.Point(k.Code)
			cr.Points += p
			cr.Max += k.Max
		}
		cr.Points, cr.Max = Round2(cr.Points), Round2(cr.Max)
		r.Components = append(r.Components, cr)
		r.Points += cr.Points
		r.Max += cr.Max
	}
	r.Points, r.Max = Round2(r.Points), Round2(r.Max)
	if r.Max > 0 {
		r.Index = Round2(r.Points / r.Max * 100)
	}
	return r
}

// rankCCHC sorts the units by index (then name) and ranks them.
func rankCCHC(us []CCHCUnitResult) {
	sort.SliceStable(us, func(i, j int) bool {
		if us[i].Index != us[j].Index {
			return us[i].Index > us[j].Index
		}
		return us[i].Name.Vi < us[j].Name.Vi
	})
	for i := range us {
		us[i].Of = len(us)
		if i > 0 && us[i].Index == us[i-1].Index {
			us[i].Rank = us[i-1].Rank
		} else {
			us[i].Rank = i + 1
		}
	}
}

// CompareCCHC fills each unit's previous rank and change from the previous
// year's result: the unit's own rank in its group; else, for an agency that
// others were merged into, the best rank of those predecessors (named in
// PreviousVia); else the unit is new.
func CompareCCHC(cur *CCHCResult, prev CCHCResult, cat *Catalog) {
	cur.HasPrevious = true
	for gi := range cur.Groups {
		g := &cur.Groups[gi]
		var before []CCHCUnitResult
		for _, pg := range prev.Groups {
			if pg.Group == g.Group {
				before = pg.Units
			}
		}
		rankOf := func(code string) (CCHCUnitResult, bool) {
			for _, p := range before {
				if p.Agency == code {
					return p, true
				}
			}
			return CCHCUnitResult{}, false
		}
		for i := range g.Units {
			u := &g.Units[i]
			if p, ok := rankOf(u.Agency); ok {
				u.PreviousRank, u.PreviousOf = p.Rank, p.Of
			} else {
				for _, code := range Lineage(cat, u.Agency)[1:] {
					p, ok := rankOf(code)
					if !ok {
						continue
					}
					u.PreviousVia = append(u.PreviousVia, code)
					if u.PreviousRank == 0 || p.Rank < u.PreviousRank {
						u.PreviousRank, u.PreviousOf = p.Rank, p.Of
					}
				}
			}
			if u.PreviousRank == 0 {
				u.New = true
				continue
			}
			u.RankChange = u.PreviousRank - u.Rank
		}
	}
}

// Leaders and Last of a group: the units ranked first and last (several when tied).
func (g CCHCGroupResult) Leaders() []CCHCUnitResult { return g.atRank(1) }

// Last are the units ranked last.
func (g CCHCGroupResult) Last() []CCHCUnitResult {
	if len(g.Units) == 0 {
		return nil
	}
	return g.atRank(g.Units[len(g.Units)-1].Rank)
}

func (g CCHCGroupResult) atRank(r int) []CCHCUnitResult {
	var out []CCHCUnitResult
	for _, u := range g.Units {
		if u.Rank == r {
			out = append(out, u)
		}
	}
	return out
}

// Riser is the unit that gained the most places (the best ranked among
// equals); ok false when no unit gained any.
func (g CCHCGroupResult) Riser() (CCHCUnitResult, bool) {
	var best CCHCUnitResult
	ok := false
	for _, u := range g.Units {
		if !u.New && u.RankChange > 0 && (!ok || u.RankChange > best.RankChange) {
			best, ok = u, true
		}
	}
	return best, ok
}
