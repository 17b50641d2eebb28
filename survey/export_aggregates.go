package survey

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// AggregateArea is the area code of a row that covers every area of its
// agency (the figure the dashboard and the rankings show).
const AggregateArea = "*"

// AggregateLayout fixes the columns of an aggregates export for the forms
// its rows are scored with: the unit and its period, the rule and the form,
// the overall index, then every factor and every item (the criteria, then
// the areas' own items) of those forms, each once, in the forms' order.
type AggregateLayout struct {
	Columns []Column
	rate    int            // first column of the response rate (export_rate_columns.go)
	factors map[string]int // first column of each factor
	items   map[string]int // first column of each item
}

// AggregateUnit is what one row describes: an agency, one of its areas (nil
// for all of them) and a period, scored with a form.
type AggregateUnit struct {
	Agency Agency
	Area   *Area
	Period Period
	Form   Form
	// Withheld says that the row shows its counts only even with k
	// responses or more, so that its agency's row of all areas, less the
	// rows shown, does not give away an area of fewer than k (see
	// WithheldAreas).
	Withheld bool
}

// WithheldAreas says which areas of one agency and period show their
// counts only in an aggregates export, given every area's number of
// responses (all of them, whatever the export's area filter, so that every
// export withholds the same): an area of fewer than k responses (but some)
// always; and when those add up to fewer than k, the smallest of the
// others as well until they reach k, since the row of all areas minus the
// rows shown would otherwise be theirs.
func WithheldAreas(responses map[string]int64, k int64) map[string]bool {
	out := map[string]bool{}
	var withheld int64
	var others []string
	for area, n := range responses {
		switch {
		case n > 0 && n < k:
			out[area] = true
			withheld += n
		case n >= k:
			others = append(others, area)
		}
	}
	if withheld == 0 || withheld >= k {
		return out
	}
	slices.SortFunc(others, func(a, b string) int {
		return cmp.Or(cmp.Compare(responses[a], responses[b]), strings.Compare(a, b))
	})
	for _, area := range others {
		if withheld >= k {
			break
		}
		out[area] = true
		withheld += responses[area]
	}
	return out
}

// NewAggregateLayout lays out the columns for rows scored with the forms.
func NewAggregateLayout(forms []Form) *AggregateLayout {
	l := &AggregateLayout{factors: map[string]int{}, items: map[string]int{}}
	l.Columns = []Column{
		col("level", ColText, "Cấp của cơ quan: department (sở, ngành), province_body, district (UBND cấp huyện), commune (UBND cấp xã)",
			"Level of the agency: department, province_body, district (district committee), commune (commune committee)"),
		col("agency", ColText, "Mã cơ quan", "Agency code"),
		col("agency_name_vi", ColText, "Tên cơ quan (tiếng Việt)", "Agency name (Vietnamese)"),
		col("agency_name_en", ColText, "Tên cơ quan (tiếng Anh)", "Agency name (English)"),
		col("area", ColText, "Mã lĩnh vực thủ tục; * là mọi lĩnh vực của cơ quan", "Procedure area code; * is every area of the agency"),
		col("area_name_vi", ColText, "Tên lĩnh vực (tiếng Việt)", "Area name (Vietnamese)"),
		col("area_name_en", ColText, "Tên lĩnh vực (tiếng Anh)", "Area name (English)"),
		col("period", ColText, "Kỳ: YYYY (năm), YYYY-Qn (quý), YYYY-MM (tháng) hoặc YYYY-MM..YYYY-MM khi kỳ bị cắt theo khoảng xuất",
			"Period: YYYY (year), YYYY-Qn (quarter), YYYY-MM (month) or YYYY-MM..YYYY-MM when clipped to the range exported"),
		col("period_from", ColText, "Tháng đầu của kỳ (YYYY-MM, giờ Việt Nam)", "First month of the period (YYYY-MM, Vietnam time)"),
		col("period_to", ColText, "Tháng cuối của kỳ (YYYY-MM)", "Last month of the period (YYYY-MM)"),
		col("rule", ColText, "Mã phương pháp tính điểm", "Scoring rule id"),
		col("form_id", ColText, "Mã bộ câu hỏi dùng để tính điểm", "Questionnaire used for scoring"),
		col("form_version", ColInt, "Phiên bản bộ câu hỏi", "Questionnaire version"),
		col("min_sample", ColInt, "Số phiếu tối thiểu để được xếp hạng", "Minimum responses to be ranked"),
		col("responses", ColInt, "Số phiếu khảo sát; dòng dưới "+strconv.Itoa(KAnonymity)+" phiếu (hoặc bị giữ lại để không suy ra được lĩnh vực nhỏ) chỉ có số phiếu, không có chỉ số hay số liệu từng tiêu chí",
			"Number of responses; a row of fewer than "+strconv.Itoa(KAnonymity)+" (or withheld so that a small area cannot be worked out) shows its counts only, no index and no per-criterion figure"),
		col("too_few", ColBool, "Ít hơn số phiếu tối thiểu: chỉ để tham khảo, không xếp hạng", "Fewer than the minimum: indicative only, not ranked"),
	}
	l.addScore("overall", Text{"Chỉ số hài lòng chung (trung bình các yếu tố)", "Overall satisfaction index (mean of the factors)"})
	for _, f := range forms {
		for _, fa := range f.Factors {
			if _, ok := l.factors[fa.Code]; !ok {
				l.factors[fa.Code] = len(l.Columns)
				l.addScore("f_"+fa.Code, Text{"Yếu tố " + fa.Code + " (" + fa.Name.Vi + ")", "Factor " + fa.Code + " (" + fa.Name.En + ")"})
			}
		}
	}
	for _, f := range forms {
		for _, q := range f.allItems() {
			if _, ok := l.items[q.Code]; !ok {
				l.items[q.Code] = len(l.Columns)
				l.addItem(q)
			}
		}
	}
	l.addRate()
	return l
}

// allItems lists the form's criteria, then every area's own items.
func (f Form) allItems() []Criterion {
	var out []Criterion
	for _, fa := range f.Factors {
		out = append(out, fa.Criteria...)
	}
	for _, set := range f.AreaItems {
		out = append(out, set.Items...)
	}
	return out
}

// addScore adds the four columns of a score.
func (l *AggregateLayout) addScore(prefix string, what Text) {
	l.Columns = append(l.Columns,
		col(prefix+"_index", ColPercent, what.Vi+": chỉ số (%), trống khi không có dữ liệu", what.En+": index (%), empty without data"),
		col(prefix+"_low", ColPercent, what.Vi+": cận dưới khoảng tin cậy Wilson 95 % (%)", what.En+": lower bound of the Wilson 95 % interval (%)"),
		col(prefix+"_high", ColPercent, what.Vi+": cận trên khoảng tin cậy Wilson 95 % (%)", what.En+": upper bound of the Wilson 95 % interval (%)"),
		col(prefix+"_mean", ColNumber, what.Vi+": điểm trung bình (1–5)", what.En+": mean score (1–5)"),
	)
}

// addItem adds the columns of a criterion or an area item.
func (l *AggregateLayout) addItem(q Criterion) {
	p := "c_" + q.Code
	vi, en := "Tiêu chí "+q.Code+" ("+q.Text.Vi+")", "Criterion "+q.Code+" ("+q.Text.En+")"
	l.Columns = append(l.Columns, col(p+"_n0", ColInt, vi+": số câu trả lời “không áp dụng” (0)", en+`: answers "not applicable" (0)`))
	for v := 1; v <= 5; v++ {
		l.Columns = append(l.Columns, col(fmt.Sprintf("%s_n%d", p, v), ColInt,
			fmt.Sprintf("%s: số câu trả lời mức %d", vi, v), fmt.Sprintf("%s: answers at level %d", en, v)))
	}
	l.Columns = append(l.Columns, col(p+"_valid", ColInt, vi+": số câu trả lời hợp lệ (1–5)", en+": valid answers (1–5)"))
	l.addScore(p, Text{vi + " – tỷ lệ trả lời 4–5 trên số câu hợp lệ", en + " – share of answers 4–5 among valid ones"})
}

// Row fills dst (reused) with the row of the unit scored as rep. A row of
// some but fewer than KAnonymity responses, or withheld, shows its counts
// only (the number of responses and whether it is too few to rank): no
// index, no score and no per-criterion figure, which for a handful of
// respondents would tell their answers.
func (l *AggregateLayout) Row(dst []Value, u AggregateUnit, rep Report) []Value {
	dst = append(dst[:0], make([]Value, len(l.Columns))...)
	area, areaVi, areaEn := AggregateArea, "Tất cả lĩnh vực", "All areas"
	if u.Area != nil {
		area, areaVi, areaEn = u.Area.Code, u.Area.Name.Vi, u.Area.Name.En
	}
	copy(dst, []Value{
		StrValue(string(u.Agency.Level)), StrValue(u.Agency.Code), StrValue(u.Agency.Name.Vi), StrValue(u.Agency.Name.En),
		StrValue(area), StrValue(areaVi), StrValue(areaEn),
		StrValue(u.Period.String()), StrValue(u.Period.From.String()), StrValue(u.Period.To.String()),
		StrValue(rep.Rule), StrValue(u.Form.ID), IntValue(int64(u.Form.Version)), IntValue(rep.MinSample),
		IntValue(rep.Responses), BoolValue(rep.TooFew),
	})
	if u.Withheld || rep.Responses > 0 && rep.Responses < KAnonymity {
		return dst
	}
	putScore(dst[16:], rep.Overall)
	for _, f := range rep.Factors {
		if at, ok := l.factors[f.Code]; ok {
			putScore(dst[at:], f.Score)
		}
	}
	for _, items := range [][]ItemScore{rep.Criteria, rep.Extras} {
		for _, it := range items {
			at, ok := l.items[it.Code]
			if !ok {
				continue
			}
			for v, n := range it.Counts {
				dst[at+v] = IntValue(n)
			}
			dst[at+6] = IntValue(it.Counts.Valid())
			putScore(dst[at+7:], it.Score)
		}
	}
	return dst
}

// putScore writes a score's four cells; without data they stay empty.
func putScore(dst []Value, s Score) {
	if s.NoData {
		return
	}
	dst[0], dst[1], dst[2], dst[3] = NumValue(s.Index), NumValue(s.Low), NumValue(s.High), NumValue(s.Mean)
}
