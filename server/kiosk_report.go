package server

import (
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"

	"hailong/survey"
)

// RatingsView is the dashboard's small section on the kiosks' quick ratings
// (staff attitude, three levels; not part of any SIPAS index): counts per
// month and counter, newest month first, only where there are ratings.
type RatingsView struct {
	Rows  []RatingRow
	Total survey.RatingCount
}

// RatingRow is one month and counter.
type RatingRow struct {
	Month, Counter string
	Count          survey.RatingCount
}

// counterOrder lists the counter labels of the agency's kiosks, in their
// order, for sorting the counts.
func (s *Server) counterOrder(c *gin.Context, agency string) ([]string, error) {
	ks, err := s.store.Kiosks(c.Request.Context())
	if err != nil {
		return nil, err
	}
	var order []string
	for _, k := range ks {
		if k.Agency != agency {
			continue
		}
		for _, ct := range k.Counters {
			if !slices.Contains(order, ct) {
				order = append(order, ct)
			}
		}
	}
	return order, nil
}

// agencyRatings reads the agency's quick ratings over the period.
func (s *Server) agencyRatings(c *gin.Context, agency string, p survey.Period) ([]survey.MonthRatings, error) {
	order, err := s.counterOrder(c, agency)
	if err != nil {
		return nil, err
	}
	return s.store.RatingMonths(c.Request.Context(), agency, p, order)
}

// dashboardRatings is the dashboard's ratings section, nil when the agency
// has no rating in the period.
func (s *Server) dashboardRatings(c *gin.Context, ms *Messages, q reportQuery) (*RatingsView, error) {
	months, err := s.agencyRatings(c, q.Agency, q.Period)
	if err != nil {
		return nil, err
	}
	v := &RatingsView{}
	for i := len(months) - 1; i >= 0; i-- {
		for _, cr := range months[i].Counters {
			v.Rows = append(v.Rows, RatingRow{Month: months[i].Month.String(), Counter: counterName(ms, cr.Counter), Count: cr.Count})
			v.Total.VerySatisfied += cr.Count.VerySatisfied
			v.Total.Satisfied += cr.Count.Satisfied
			v.Total.Dissatisfied += cr.Count.Dissatisfied
		}
	}
	if len(v.Rows) == 0 {
		return nil, nil
	}
	return v, nil
}

// RatingsJSON is an agency's quick ratings as the API returns them.
type RatingsJSON struct {
	Agency string            `json:"agency"`
	From   string            `json:"from"`
	To     string            `json:"to"`
	Topic  string            `json:"topic"`
	Levels []string          `json:"levels"`
	Months []RatingMonthJSON `json:"months"`
	Total  RatingCountJSON   `json:"total"`
}

// RatingMonthJSON is one month, by counter ("" for ratings given without
// choosing a counter).
type RatingMonthJSON struct {
	Month    string              `json:"month"`
	Counters []RatingCounterJSON `json:"counters"`
	Total    RatingCountJSON     `json:"total"`
}

// RatingCounterJSON is one counter's ratings in a month.
type RatingCounterJSON struct {
	Counter string `json:"counter"`
	RatingCountJSON
}

// RatingCountJSON is a count per level and their total.
type RatingCountJSON struct {
	survey.RatingCount
	Total int64 `json:"total"`
}

func countJSON(c survey.RatingCount) RatingCountJSON { return RatingCountJSON{c, c.Total()} }

// apiAgencyRatings answers GET /api/v1/reports/agencies/{agency}/ratings:
// the kiosks' quick ratings per month (oldest first) and counter.
func (s *Server) apiAgencyRatings(c *gin.Context) error {
	get := func(k string) string {
		if k == "agency" {
			return c.Param("agency")
		}
		return c.Query(k)
	}
	q, fe := parseReportQuery(get, "")
	if fe != nil {
		return s.apiProblems(c, fe)
	}
	cat, err := s.store.Catalog(c.Request.Context())
	if err != nil {
		return err
	}
	if _, err := cat.Agency(q.Agency); err != nil {
		return err
	}
	if !allowed(userOf(c), cat, q.Agency) {
		return errForbiddenAPI
	}
	months, err := s.agencyRatings(c, q.Agency, q.Period)
	if err != nil {
		return err
	}
	out := RatingsJSON{Agency: q.Agency, From: q.Period.From.String(), To: q.Period.To.String(),
		Topic: survey.TopicStaffAttitude, Months: []RatingMonthJSON{}}
	for _, l := range survey.RatingLevels {
		out.Levels = append(out.Levels, string(l))
	}
	var total survey.RatingCount
	for _, m := range months {
		mj := RatingMonthJSON{Month: m.Month.String(), Counters: []RatingCounterJSON{}, Total: countJSON(m.Total())}
		for _, cr := range m.Counters {
			mj.Counters = append(mj.Counters, RatingCounterJSON{cr.Counter, countJSON(cr.Count)})
		}
		t := m.Total()
		total.VerySatisfied += t.VerySatisfied
		total.Satisfied += t.Satisfied
		total.Dissatisfied += t.Dissatisfied
		out.Months = append(out.Months, mj)
	}
	out.Total = countJSON(total)
	c.JSON(http.StatusOK, out)
	return nil
}
