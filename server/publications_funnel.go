package server

import (
	"hailong/survey"
)

// publishedFunnel draws a published level's funnel plot from its frozen
// rows: each ranked unit's index against its effective sample size, around
// the published province index. A row without its own effective sample
// size (a snapshot of rule sipas-2017) is placed by the one its interval
// implies (survey.EffectiveN). Nil when there is nothing to draw.
func publishedFunnel(ms *Messages, province *survey.PublishedScore, l survey.PublishedLevel) *FunnelView {
	if province == nil || province.Index == nil || len(l.Ranked) == 0 {
		return nil
	}
	units := make([]FunnelUnit, 0, len(l.Ranked))
	for _, r := range l.Ranked {
		if r.Overall.Index == nil {
			continue
		}
		u := FunnelUnit{Code: r.Agency, Name: r.Name.In(ms.Lang()), Index: *r.Overall.Index}
		if n := r.EffN(); n != nil {
			u.EffectiveN = *n
		} else {
			sc := survey.Score{Index: u.Index, N: float64(r.Responses)}
			if r.Overall.Low != nil && r.Overall.High != nil {
				sc.Low, sc.High = *r.Overall.Low, *r.Overall.High
			}
			u.EffectiveN = survey.EffectiveN(sc)
		}
		units = append(units, u)
	}
	if len(units) == 0 {
		return nil
	}
	f := buildFunnel(ms, string(l.Level), ms.T("funnel.title", l.Name.In(ms.Lang())), *province.Index, units)
	f.TableRef = "ranked-" + string(l.Level)
	return &f
}
