package server

import (
	"bytes"
	"encoding/csv"
	"strconv"

	"hailong/survey"
)

// publicationCSVHeader names the columns of a publication's CSV: one row
// per unit of every level, ranked ones first in rank order, then the
// unranked ones; indices and bounds as percentages (0–100), empty when
// there is none (rank_low/rank_high and effective_n too, when the
// ranking's rule has none).
var publicationCSVHeader = []string{
	"period", "basis", "revision", "provisional", "rule", "sha256",
	"level", "rank", "rank_low", "rank_high", "agency", "name_vi", "name_en",
	"index", "low", "high", "effective_n", "responses", "ranked", "reason",
}

// publicationCSV writes a revision's snapshot as CSV (UTF-8 with a BOM,
// CRLF, text neutralised against formulas, as the other exports).
func publicationCSV(p survey.Publication) ([]byte, error) {
	_, r, err := survey.ParsePublishedRankings([]byte(p.Content))
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.WriteString(utf8BOM)
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	if err := w.Write(publicationCSVHeader); err != nil {
		return nil, err
	}
	num := func(v *float64) string {
		if v == nil {
			return ""
		}
		return strconv.FormatFloat(*v, 'f', -1, 64)
	}
	for _, l := range r.Levels {
		for _, rows := range [][]survey.PublishedRow{l.Ranked, l.Unranked} {
			for _, x := range rows {
				lo, hi := "", ""
				if len(x.RankRange) == 2 {
					lo, hi = strconv.FormatFloat(x.RankRange[0], 'f', -1, 64), strconv.FormatFloat(x.RankRange[1], 'f', -1, 64)
				}
				rank := ""
				if x.Rank > 0 {
					rank = strconv.Itoa(x.Rank)
				}
				rec := []string{
					p.Period, string(p.Basis), strconv.Itoa(p.Revision), strconv.FormatBool(p.Provisional), p.Rule, p.SHA256,
					string(l.Level), rank, lo, hi, survey.Neutralise(x.Agency), survey.Neutralise(x.Name.Vi), survey.Neutralise(x.Name.En),
					num(x.Overall.Index), num(x.Overall.Low), num(x.Overall.High), num(x.EffN()),
					strconv.FormatInt(x.Responses, 10), strconv.FormatBool(x.Rank > 0), x.Reason,
				}
				if err := w.Write(rec); err != nil {
					return nil, err
				}
			}
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}
