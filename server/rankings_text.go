package server

import (
	"math"
	"strconv"
	"strings"
	"time"

	"hailong/survey"
)

// leaderSentence names the leader and the last of a level in the language,
// in the words provinces publish their rankings with: "Sở Tư pháp dẫn đầu
// với chỉ số 91,8 %; Sở Công Thương đứng cuối với 66,8 %." Tied units are
// named together. Empty when no unit is ranked.
func leaderSentence(ms *Messages, lr survey.LevelRanking) string {
	lead, last := lr.Leaders(), lr.Last()
	if len(lead) == 0 {
		return ""
	}
	idx := func(rows []survey.RankingRow) string { return ms.Pct(rows[0].Standing.Index) }
	switch {
	case len(lr.Ranked) == 1:
		return ms.T("rank.only", names(ms, lead), idx(lead))
	case len(lead) == len(lr.Ranked):
		return ms.T("rank.all_tied", len(lead), idx(lead))
	}
	key := func(base string, rows []survey.RankingRow) string {
		if len(rows) > 1 {
			return base + ".many"
		}
		return base + ".one"
	}
	return ms.T(key("rank.lead", lead), names(ms, lead), idx(lead)) + "; " +
		ms.T(key("rank.last", last), names(ms, last), idx(last)) + "."
}

// names joins the agencies' names: "A", "A và B", "A, B và C".
func names(ms *Messages, rows []survey.RankingRow) string {
	ns := make([]string, len(rows))
	for i, r := range rows {
		ns[i] = r.Unit.Agency.Name.In(ms.Lang())
	}
	if len(ns) == 1 {
		return ns[0]
	}
	return strings.Join(ns[:len(ns)-1], ", ") + ms.T("rank.and") + ns[len(ns)-1]
}

// Delta formats a change in percentage points with its sign and one decimal:
// "+2,1" or "−0,4" in Vietnamese, "+2.1" in English; "0,0" when it rounds to
// nothing.
func (ms *Messages) Delta(v float64) string {
	r := math.Round(v*10) / 10
	s := strconv.FormatFloat(math.Abs(r), 'f', 1, 64)
	if ms.lang == survey.Vi {
		s = strings.Replace(s, ".", ",", 1)
	}
	switch {
	case r > 0:
		return "+" + s
	case r < 0:
		return "−" + s
	}
	return s
}

// Day formats a date in Vietnamese time: "01/06/2025", or "2025-06-01" in English.
func (ms *Messages) Day(t time.Time) string {
	t = t.In(survey.Zone())
	if ms.lang == survey.Vi {
		return t.Format("02/01/2006")
	}
	return t.Format(time.DateOnly)
}
