package survey

// Response rates from invitations (issue 18, docs/invitations.md): every
// invitation is counted issued in the month it is issued, used in the month
// its response is stored and expired in the month it expires unused. The
// counts are kept per agency, area and month (InvitationCount), so that
// expired invitations can be deleted once counted.

// DefaultResponseRateMin is the response rate under which an agency is
// flagged, when HAILONG_RESPONSE_RATE_MIN does not say otherwise: 20 %.
const DefaultResponseRateMin = 0.20

// InvitationTally is what happened to invitations over a period.
type InvitationTally struct {
	Issued  int `bson:"issued" json:"issued"`
	Used    int `bson:"used" json:"used"`
	Expired int `bson:"expired" json:"expired"`
}

// Add returns the sum of two tallies.
func (t InvitationTally) Add(o InvitationTally) InvitationTally {
	return InvitationTally{Issued: t.Issued + o.Issued, Used: t.Used + o.Used, Expired: t.Expired + o.Expired}
}

// ResponseRate is used ÷ (used + expired): the share of the invitations
// whose fate is known that were answered. Invitations still open count for
// neither. ok is false when there is nothing to rate (none used or expired).
func (t InvitationTally) ResponseRate() (rate float64, ok bool) {
	n := t.Used + t.Expired
	if n <= 0 {
		return 0, false
	}
	return float64(t.Used) / float64(n), true
}

// Coverage is issued ÷ completed: the share of the completed dossiers the
// one-stop-shop reported that were given an invitation. ok is false without
// completed dossiers.
func Coverage(issued, completed int) (coverage float64, ok bool) {
	if completed <= 0 {
		return 0, false
	}
	return float64(issued) / float64(completed), true
}

// InvitationCount is one agency's, area's and month's tally as stored.
type InvitationCount struct {
	Agency string `bson:"agency"`
	Area   string `bson:"area"`
	// Month is "YYYY-MM" (Month.String).
	Month           string `bson:"month"`
	InvitationTally `bson:",inline"`
}

// ResponseRateJSON is the response rate of a row of the rankings or of
// the dashboard: the counts, the rate (null when there is nothing to rate)
// and whether it is under the installation's minimum.
type ResponseRateJSON struct {
	Issued  int      `json:"issued"`
	Used    int      `json:"used"`
	Expired int      `json:"expired"`
	Rate    *float64 `json:"rate"`
	Low     bool     `json:"low"`
	// Coverage (issued ÷ completed) and Completed are set on the dashboard
	// when the one-stop-shop reported dossier counts; never in JSON.
	Coverage  *float64 `json:"-"`
	Completed int      `json:"-"`
}

// CoveragePercent is the coverage in percent, for pages.
func (r ResponseRateJSON) CoveragePercent() float64 {
	if r.Coverage == nil {
		return 0
	}
	return *r.Coverage * 100
}

// RateOf returns the JSON form of a tally with min as the flag's minimum.
func RateOf(t InvitationTally, min float64) ResponseRateJSON {
	out := ResponseRateJSON{Issued: t.Issued, Used: t.Used, Expired: t.Expired}
	if r, ok := t.ResponseRate(); ok {
		out.Rate = &r
		out.Low = r < min
	}
	return out
}

// Percent is the rate in percent (0 when there is none), for pages.
func (r ResponseRateJSON) Percent() float64 {
	if r.Rate == nil {
		return 0
	}
	return *r.Rate * 100
}
