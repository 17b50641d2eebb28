package server

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"sync"

	"github.com/gin-gonic/gin"

	"hailong/survey"
)

// errNoCCHCFramework: points are entered for a year no published framework
// applies to.
var errNoCCHCFramework = errors.New("no published CCHC framework applies to the year")

// cchcContext is what an entry of points is checked against.
type cchcContext struct {
	cat *survey.Catalog
	fw  survey.CCHCFramework
}

// cchcEntryContext reads the catalog and the framework of the year.
func (s *Server) cchcEntryContext(ctx context.Context, year int) (cchcContext, error) {
	cat, err := s.store.Catalog(ctx)
	if err != nil {
		return cchcContext{}, err
	}
	fws, err := s.store.CCHCFrameworks(ctx)
	if err != nil {
		return cchcContext{}, err
	}
	fw, ok := survey.CCHCFor(fws, year)
	if !ok {
		return cchcContext{}, errNoCCHCFramework
	}
	return cchcContext{cat: cat, fw: fw}, nil
}

// cchcWrites serialises the process's writes of points. The write is
// conditional on the revision read, which MongoDB applies atomically; the
// embedded FerretDB does not promise it under concurrent writers (it loses
// concurrent updates of one document: shared/DESIGN.md §2), and one process
// is the only writer of an embedded database. Entries are rare and small.
var cchcWrites sync.Mutex

// saveCCHCUnits stores the units build makes from the year's stored points:
// read, build, check, write conditionally on the revision read, again when
// another write came between. build's error (problems of the entry) is
// returned as it is, and nothing is written.
func (s *Server) saveCCHCUnits(c *gin.Context, year int, build func(cchcContext, survey.CCHCYear) ([]survey.CCHCUnitPoints, error)) ([]survey.CCHCUnitPoints, error) {
	ctx := c.Request.Context()
	cchcWrites.Lock()
	defer cchcWrites.Unlock()
	cc, err := s.cchcEntryContext(ctx, year)
	if err != nil {
		return nil, err
	}
	for range 5 {
		have, err := s.store.CCHCYear(ctx, year)
		if err != nil {
			return nil, err
		}
		units, err := build(cc, have)
		if err != nil {
			return nil, err
		}
		fe := survey.FieldErrors{}
		for i, u := range units {
			for f, p := range survey.CheckCCHCUnit(u, cc.fw, cc.cat) {
				fe["units."+strconv.Itoa(i)+"."+f] = p
			}
		}
		if len(fe) > 0 {
			return nil, fe
		}
		y := have
		y.Units = survey.MergeCCHC(have.Units, units)
		switch err := s.store.SaveCCHCYear(ctx, y); {
		case err == nil:
			codes := make([]string, len(units))
			for i, u := range units {
				codes[i] = u.Agency
			}
			s.audit(c, actor(c), "cchc_points", strconv.Itoa(year), nil, gin.H{"units": codes})
			return units, nil
		case !errors.Is(err, survey.ErrConflict):
			return nil, err
		}
	}
	return nil, fmt.Errorf("save cchc points of %d: %w", year, survey.ErrConflict)
}

// CCHCPointsJSON is a unit's points as the API takes and gives them: points
// by sub-criterion code.
type CCHCPointsJSON struct {
	Agency        string             `json:"agency"`
	Name          *survey.Text       `json:"name,omitempty"`
	Group         survey.Level       `json:"group,omitempty"`
	Illustrative  bool               `json:"illustrative,omitempty"`
	Points        map[string]float64 `json:"points"`
	NotApplicable []string           `json:"notApplicable,omitempty"`
	SurveyIndex   *float64           `json:"surveyIndex,omitempty"`
}

// cchcPointsRequest is the body of PUT /api/v1/cchc/{year}/points: each
// unit given replaces that unit's points; the others are kept.
type cchcPointsRequest struct {
	Units []CCHCPointsJSON `json:"units"`
}

func (p CCHCPointsJSON) unit() survey.CCHCUnitPoints {
	u := survey.CCHCUnitPoints{Agency: p.Agency, Name: p.Name, Group: p.Group, Illustrative: p.Illustrative,
		NotApplicable: p.NotApplicable, SurveyIndex: p.SurveyIndex}
	codes := make([]string, 0, len(p.Points))
	for code := range p.Points {
		codes = append(codes, code)
	}
	sort.Strings(codes)
	for _, code := range codes {
		u.Points = append(u.Points, survey.CCHCPoint{Code: code, Points: p.Points[code]})
	}
	return u
}

func cchcPointsJSON(u survey.CCHCUnitPoints) CCHCPointsJSON {
	j := CCHCPointsJSON{Agency: u.Agency, Name: u.Name, Group: u.Group, Illustrative: u.Illustrative,
		NotApplicable: u.NotApplicable, SurveyIndex: u.SurveyIndex, Points: map[string]float64{}}
	for _, p := range u.Points {
		j.Points[p.Code] = p.Points
	}
	return j
}

// cchcProblems words the problems of a points entry: "units.0.points.1.1"
// keeps its name, with the message of its problem.
func cchcProblems(ms *Messages, fe survey.FieldErrors) map[string]string {
	out := make(map[string]string, len(fe))
	for f, p := range fe {
		out[f] = ms.T("cchc.err." + p)
	}
	return out
}

// cchcRowMessages words the problems of a points file, one per bad line:
// "Dòng 4: ...".
func cchcRowMessages(ms *Messages, ps []survey.CCHCRowProblem) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		var msg string
		switch p.Problem {
		case survey.CSVProblemRange:
			msg = ms.T("cchc.csv.range", p.Detail, ms.Num(p.Max))
		case survey.CSVProblemAgency, survey.CSVProblemGroup, survey.CSVProblemCriterion,
			survey.CSVProblemNumber, survey.CSVProblemDuplicate, survey.CSVProblemColumns:
			msg = ms.T("cchc.csv."+p.Problem, p.Detail)
		default:
			msg = ms.T("cchc.csv." + p.Problem)
		}
		out[i] = ms.T("cchc.csv.line", p.Line, msg)
	}
	return out
}

// Num formats a number of points: no decimals when whole, else up to two
// ("9,5" in Vietnamese).
func (ms *Messages) Num(v float64) string {
	s := strconv.FormatFloat(survey.Round2(v), 'f', -1, 64)
	if ms.lang == survey.Vi {
		return replaceDot(s)
	}
	return s
}

func replaceDot(s string) string {
	b := []byte(s)
	for i := range b {
		if b[i] == '.' {
			b[i] = ','
		}
	}
	return string(b)
}

// cchcRowsError carries the problems of a points file.
type cchcRowsError struct{ problems []survey.CCHCRowProblem }

func (e *cchcRowsError) Error() string { return "invalid points file" }
