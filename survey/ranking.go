package survey

// RankingUnit is what a ranking ranks: an agency together with the agencies
// merged into it, so that a merged agency is never ranked twice.
type RankingUnit struct {
	Agency Agency
	// Units are the agency and the agencies pooled into it, the agency first.
	Units []string
}

// RankingUnits lists the units of a ranking in catalog order: each agency
// not merged into another (serving or dissolved) with its lineage. Every
// agency belongs to exactly one unit: one claimed by two lineages (a catalog
// that disagrees with itself) counts in the first only, and a merged agency
// that no lineage claims stands alone.
func RankingUnits(cat *Catalog) []RankingUnit {
	claimed := map[string]bool{}
	var out []RankingUnit
	claim := func(a Agency) {
		u := RankingUnit{Agency: a}
		for _, code := range Lineage(cat, a.Code) {
			if !claimed[code] {
				claimed[code] = true
				u.Units = append(u.Units, code)
			}
		}
		out = append(out, u)
	}
	for _, a := range cat.Agencies {
		if a.MergedInto == "" && !claimed[a.Code] {
			claim(a)
		}
	}
	for _, a := range cat.Agencies {
		if !claimed[a.Code] {
			claim(a)
		}
	}
	return out
}

// RankingRow is one unit's line in a ranking.
type RankingRow struct {
	Unit RankingUnit
	// Pooled are the units other than the agency that had responses in the
	// period: the predecessors whose responses the row includes.
	Pooled []string
	// Standing holds the rank (0: not ranked), the index and the responses.
	Standing Standing
	Overall  Score
	// Versions are the questionnaire versions the unit's responses were
	// given on in the period (those of its report).
	Versions []VersionUse
	// Previous is the unit's standing over the previous period of the same
	// length; HasPrevious is false when there is no such period.
	Previous    Standing
	HasPrevious bool
	// Change is the index minus that of the previous period, in percentage
	// points; HasChange is set only when both periods are ranked.
	Change    float64
	HasChange bool
	// PreviousOverall is the overall score of the previous period (with
	// its interval) when it was ranked; Delta tests the change (change.go).
	PreviousOverall Score
	Delta           Change
	// ChangeNote is ChangeNotComparable when both periods are ranked but do
	// not share the same factors and criteria (after the crosswalk): then
	// there is no change.
	ChangeNote string
}

// Dissolved reports whether the unit's agency no longer serves and was not
// merged into another: it is listed for the responses it had, and says so.
func (r RankingRow) Dissolved() bool { return !r.Unit.Agency.Active && r.Unit.Agency.MergedInto == "" }

// LevelRanking ranks the units of one level.
type LevelRanking struct {
	Level Level
	// Ranked are in rank order; Unranked (under the minimum sample,
	// incomplete, without data, or not comparable with the level's
	// reference set of criteria: Rank) follow apart, never ranked.
	Ranked   []RankingRow
	Unranked []RankingRow
}

// Leaders are the rows ranked first (several when tied).
func (l LevelRanking) Leaders() []RankingRow {
	var out []RankingRow
	for _, r := range l.Ranked {
		if r.Standing.Rank == 1 {
			out = append(out, r)
		}
	}
	return out
}

// Last are the rows ranked last (several when tied).
func (l LevelRanking) Last() []RankingRow {
	if len(l.Ranked) == 0 {
		return nil
	}
	last := l.Ranked[len(l.Ranked)-1].Standing.Rank
	var out []RankingRow
	for _, r := range l.Ranked {
		if r.Standing.Rank == last {
			out = append(out, r)
		}
	}
	return out
}

// Rankings ranks the units of each level over a period (optionally narrowed
// to one area) from every agency's tally: cur for the period, prev for the
// previous period of the same length (nil when there is none). A unit is
// listed when it had responses in the period, or serves (the area) without
// any; a dissolved one only with responses. Levels without a unit are left
// out; the others come in the order of Levels.
//
// Each unit is scored with the questionnaire versions its responses were
// given on (ScoreVersions); units whose factors and reporting criteria
// differ from the level's reference set are listed apart as not
// comparable (Rank, comparableReference).
func (r Rule) Rankings(cat *Catalog, fs *FormSet, area string, cur, prev map[string]Tally) []LevelRanking {
	type scored struct {
		row    RankingRow
		report Report
	}
	byLevel := map[Level][]scored{}
	prevReports := map[Level]map[string]Report{}
	for _, u := range RankingUnits(cat) {
		t := Pool(cur, u.Units)
		a := u.Agency
		serves := a.Active && (area == "" || a.Serves(area))
		if prev != nil {
			if pt := Pool(prev, u.Units); pt.Responses > 0 {
				if prevReports[a.Level] == nil {
					prevReports[a.Level] = map[string]Report{}
				}
				prevReports[a.Level][a.Code] = r.ScoreVersions(fs, pt)
			}
		}
		if t.Responses == 0 && !serves {
			continue
		}
		row := RankingRow{Unit: u}
		for _, p := range u.Units[1:] {
			if cur[p].Responses > 0 {
				row.Pooled = append(row.Pooled, p)
			}
		}
		byLevel[a.Level] = append(byLevel[a.Level], scored{row, r.ScoreVersions(fs, t)})
	}
	var out []LevelRanking
	for _, level := range Levels {
		units := byLevel[level]
		if len(units) == 0 {
			continue
		}
		reports := make(map[string]Report, len(units))
		rows := make(map[string]RankingRow, len(units))
		for _, s := range units {
			reports[s.row.Unit.Agency.Code] = s.report
			rows[s.row.Unit.Agency.Code] = s.row
		}
		before := Rank(prevReports[level])
		lr := LevelRanking{Level: level}
		for _, st := range Rank(reports) {
			row := rows[st.Unit]
			row.Standing, row.Overall, row.Versions = st, reports[st.Unit].Overall, reports[st.Unit].Versions
			if prev != nil {
				row.HasPrevious = true
				row.Previous = Standing{Unit: st.Unit, NoData: true}
				if p, ok := RankOf(before, st.Unit); ok {
					row.Previous = p
					row.PreviousOverall = prevReports[level][st.Unit].Overall
				}
				if st.Rank > 0 && row.Previous.Rank > 0 {
					if Comparable(reports[st.Unit], prevReports[level][st.Unit]) {
						row.Change, row.HasChange = st.Index-row.Previous.Index, true
					} else {
						row.ChangeNote = ChangeNotComparable
					}
				}
			}
			if st.Rank > 0 {
				lr.Ranked = append(lr.Ranked, row)
			} else {
				lr.Unranked = append(lr.Unranked, row)
			}
		}
		testChanges(&lr)
		out = append(out, lr)
	}
	return out
}
