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

// counterOrder lists the counter labels of the agencies' kiosks, in their
// order, for sorting the counts, and the ids of those kiosks that serve
// the area (nil without an area).
func (s *Server) counterOrder(c *gin.Context, agencies []string, area string) (order, kiosks []string, err error) {
	ks, err := s.store.Kiosks(c.Request.Context())
	if err != nil {
		return nil, nil, err
	}
	if area != "" {
		kiosks = []string{}
	}
	for _, k := range ks {
		if !slices.Contains(agencies, k.Agency) {
			continue
		}
		if area != "" && slices.Contains(k.Areas, area) {
			kiosks = append(kiosks, k.ID)
		}
		for _, ct := range k.Counters {
			if !slices.Contains(order, ct) {
				order = append(order, ct)
			}
		}
	}
	return order, kiosks, nil
}

// agencyRatings reads the agency's quick ratings over the period with the
// report API's filters: lineage=1 adds the agencies merged into it; area
// keeps the ratings given at kiosks serving that area (a rating carries no
// area of its own: store.RatingMonthsOf).
func (s *Server) agencyRatings(c *gin.Context, q reportQuery) ([]survey.MonthRatings, error) {
	units := []string{q.Agency}
	if q.Lineage {
		cat, err := s.store.Catalog(c.Request.Context())
		if err != nil {
			return nil, err
		}
		units = survey.Lineage(cat, q.Agency)
	}
	order, kiosks, err := s.counterOrder(c, units, q.Area)
	if err != nil {
		return nil, err
	}
	if len(units) == 1 && q.Area == "" {
		return s.store.RatingMonths(c.Request.Context(), q.Agency, q.Period, order)
	}
	return s.store.RatingMonthsOf(c.Request.Context(), units, kiosks, q.Period, order)
}

// dashboardRatings is the dashboard's ratings section, nil when the agency
// has no rating in the period.
func (s *Server) dashboardRatings(c *gin.Context, ms *Messages, q reportQuery) (*RatingsView, error) {
	months, err := s.agencyRatings(c, q)
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
	Agency string `json:"agency"`
	From   string `json:"from"`
	To     string `json:"to"`
	// Area and Lineage are the filters applied, as the report API's: the
	// ratings of kiosks serving the area; the merged agencies' included.
	Area    string            `json:"area,omitempty"`
	Lineage bool              `json:"lineage,omitempty"`
	Topic   string            `json:"topic"`
	Levels  []string          `json:"levels"`
	Months  []RatingMonthJSON `json:"months"`
	Total   RatingCountJSON   `json:"total"`
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
	q, fe := agencyReportQuery(c)
	if fe != nil {
		return fe
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
	months, err := s.agencyRatings(c, q)
	if err != nil {
		return err
	}
	out := RatingsJSON{Agency: q.Agency, From: q.Period.From.String(), To: q.Period.To.String(), Area: q.Area, Lineage: q.Lineage,
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
