package server

import (
	"context"
	"strings"

	"hailong/survey"
)

// VersionsText lists the questionnaire versions a figure counts, in the
// messages' language: "sipas-2017 phiên bản 1 (120 phiếu), …".
func (ms *Messages) VersionsText(vs []survey.VersionUse) string {
	if len(vs) == 0 {
		return ms.T("versions.none")
	}
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = ms.T("versions.item", v.FormID, v.Version, ms.Int(v.Responses))
	}
	return strings.Join(parts, ", ")
}

// versionsOrEmpty is vs, never nil, for JSON arrays.
func versionsOrEmpty(vs []survey.VersionUse) []survey.VersionUse {
	if vs == nil {
		return []survey.VersionUse{}
	}
	return vs
}

// changeBetween is the change of the overall index from prev to cur in
// percentage points: ok when both have an index and the same factors and
// criteria; note is survey.ChangeNotComparable when both have an index but
// not the same factors and criteria.
func changeBetween(cur, prev survey.Report) (change survey.Change, ok bool, note string) {
	if cur.Overall.NoData || prev.Overall.NoData {
		return survey.Change{}, false, ""
	}
	if !survey.Comparable(cur, prev) {
		return survey.Change{}, false, survey.ChangeNotComparable
	}
	return survey.CompareScores(cur.Overall, prev.Overall), true, ""
}

// compareWithPrevious scores the agency (its units, the area and basis of
// the report) over the period of the same length just before, with that
// period's own questionnaire versions (or the same period a year earlier
// with compare=year), and sets the change of the overall index, with its
// interval and test, when the two periods are comparable.
func (s *Server) compareWithPrevious(ctx context.Context, q reportQuery, fs *survey.FormSet, out *AgencyReport) error {
	prev, ok := comparedPeriod(q.Period, q.Compare)
	if !ok {
		return nil
	}
	rule := s.ruleNamed(q.Rule)
	var total survey.Tally
	for _, unit := range out.Units {
		t, err := s.store.AgencyTally(ctx, unit, prev.Months(), q.Area, out.Basis)
		if err != nil {
			return err
		}
		if rule.RespondentLevel() {
			if err := s.store.AddTallyPairs(ctx, &t, unit, prev.Months(), q.Area, out.Basis); err != nil {
				return err
			}
		}
		total.Merge(t)
	}
	out.Previous, out.HasPrevious = prev, true
	out.PreviousReport = rule.ScoreVersions(fs, total)
	out.Change, out.HasChange, out.ChangeNote = changeBetween(out.Report, out.PreviousReport)
	return nil
}
