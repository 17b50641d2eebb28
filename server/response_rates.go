package server

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"

	"hailong/survey"
)

// Response rates from invitations (issue 18, docs/invitations.md): the
// invitation counts of a period (store.InvitationCounts) summed per unit,
// its merged agencies included, and shown with the rankings' rows, on the
// dashboard and in the aggregate exports, flagged under
// HAILONG_RESPONSE_RATE_MIN.

// invitationTallies sums the counts of the period by agency; only the
// area's when area is set.
func (s *Server) invitationTallies(ctx context.Context, p survey.Period, area string) (map[string]survey.InvitationTally, error) {
	cs, err := s.store.InvitationCounts(ctx, p.From, p.To)
	if err != nil {
		return nil, err
	}
	out := map[string]survey.InvitationTally{}
	for _, c := range cs {
		if area == "" || c.Area == area {
			out[c.Agency] = out[c.Agency].Add(c.InvitationTally)
		}
	}
	return out, nil
}

// tallyOfUnits sums the tallies of the units (each once).
func tallyOfUnits(by map[string]survey.InvitationTally, units []string) survey.InvitationTally {
	var t survey.InvitationTally
	for _, u := range slices.Compact(slices.Sorted(slices.Values(units))) {
		t = t.Add(by[u])
	}
	return t
}

// rateJSON is a rate as a JSON number, or null when there is none.
func rateJSON(r *float64) json.RawMessage {
	if r == nil {
		return json.RawMessage("null")
	}
	return json.RawMessage(strconv.FormatFloat(*r, 'f', -1, 64))
}

// completedDossiers sums the completed dossiers the one-stop-shop reported
// for the period by agency (only the area's when area is set); an agency
// without any report is absent.
func (s *Server) completedDossiers(ctx context.Context, p survey.Period, area string) (map[string]int, error) {
	ds, err := s.store.DossierCounts(ctx, p.From, p.To)
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	for _, d := range ds {
		if area == "" || d.Area == area {
			out[d.Agency] += d.Completed
		}
	}
	return out, nil
}

// coverageOfUnits is issued ÷ completed of the units; reported is false
// when none of them has a dossier count.
func coverageOfUnits(completed map[string]int, issued int, units []string) (cov *float64, reported bool) {
	n := 0
	for _, u := range slices.Compact(slices.Sorted(slices.Values(units))) {
		if c, ok := completed[u]; ok {
			n, reported = n+c, true
		}
	}
	if v, ok := survey.Coverage(issued, n); ok {
		cov = &v
	}
	return cov, reported
}

// rankingRates adds each row's response rate over the ranking's period
// (and area): served with the live ranking, like the attention counts,
// never frozen in a publication. A store failure leaves them out.
func (s *Server) rankingRates(ctx context.Context, q rankingQuery, levels []RankingLevelJSON) {
	by, err := s.invitationTallies(ctx, q.Period, q.Area)
	if err != nil {
		s.log.Warn("response rates left out of the rankings", "err", err)
		return
	}
	completed, err := s.completedDossiers(ctx, q.Period, q.Area)
	if err != nil {
		s.log.Warn("coverage left out of the rankings", "err", err)
	}
	for i := range levels {
		for _, list := range [][]RankingRowJSON{levels[i].Ranked, levels[i].Unranked} {
			for j := range list {
				units := append([]string{list[j].Agency}, list[j].Includes...)
				r := survey.RateOf(tallyOfUnits(by, units), s.cfg.Rates.RateMin)
				list[j].Invitations = &r
				list[j].ResponseRate = rateJSON(r.Rate)
				if cov, reported := coverageOfUnits(completed, r.Issued, units); reported {
					list[j].Coverage = rateJSON(cov)
				}
			}
		}
	}
}

// dashboardRate is the response rate of a dashboard's units over its
// period and area; nil when the store cannot tell (left out of the page).
func (s *Server) dashboardRate(ctx context.Context, q reportQuery, units []string) *survey.ResponseRateJSON {
	by, err := s.invitationTallies(ctx, q.Period, q.Area)
	if err != nil {
		s.log.Warn("response rate left out of the dashboard", "err", err)
		return nil
	}
	r := survey.RateOf(tallyOfUnits(by, units), s.cfg.Rates.RateMin)
	if completed, err := s.completedDossiers(ctx, q.Period, q.Area); err == nil {
		cov, reported := coverageOfUnits(completed, r.Issued, units)
		if reported {
			r.Coverage, r.Completed = cov, 0
			for _, u := range slices.Compact(slices.Sorted(slices.Values(units))) {
				r.Completed += completed[u]
			}
		}
	}
	return &r
}

// rowTally sums the invitation counts of an aggregates export's row: its
// agency, its area (every area for the "*" row) and its period's months.
func rowTally(counts []survey.InvitationCount, u survey.AggregateUnit) survey.InvitationTally {
	var t survey.InvitationTally
	for _, c := range counts {
		if c.Agency != u.Agency.Code || (u.Area != nil && c.Area != u.Area.Code) {
			continue
		}
		if m, err := survey.ParseMonth(c.Month); err == nil && u.Period.Contains(m) {
			t = t.Add(c.InvitationTally)
		}
	}
	return t
}

// rowCompleted sums the completed dossiers of an aggregates export's row,
// or -1 when none was reported for it.
func rowCompleted(ds []survey.DossierCount, u survey.AggregateUnit) int {
	n, reported := 0, false
	for _, d := range ds {
		if d.Agency != u.Agency.Code || (u.Area != nil && d.Area != u.Area.Code) {
			continue
		}
		if m, err := survey.ParseMonth(d.Month); err == nil && u.Period.Contains(m) {
			n, reported = n+d.Completed, true
		}
	}
	if !reported {
		return -1
	}
	return n
}
