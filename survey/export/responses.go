package export

import (
	"time"

	"hailong/survey"
)

// formVersion names a questionnaire version.
type formVersion struct {
	id      string
	version int
}

// ResponseLayout fixes the columns of the anonymised responses export: where
// and when (by month only) and how the response came, the answer to every
// item of the forms given (0 = not applicable, empty = not asked), the
// comment when asked for, and the demographics as the k-anonymity rule lets
// them show. The idempotency key, the exact times, the language and anything
// about the respondent's device or link are never columns.
type ResponseLayout struct {
	Columns  []Column
	comments bool
	// byForm is the column of each item's answer by questionnaire version
	// and code; byName by the column's code, for a version the layout was
	// not made for (one published during the export).
	byForm map[formVersion]map[string]int
	byName map[string]int
	// last is the previous row's version and its columns: rows mostly
	// come in runs of one version.
	last     formVersion
	lastCols map[string]int
	demo     int // first demographic column

	// months are the months met by Row, as it writes them.
	months map[survey.Month]string
}

// demographicColumns names the demographic columns, in survey.DemographicOrder.
var demographicColumns = map[string]Column{
	"gender":     col("gender", ColText, "Giới tính (mã lựa chọn); trống khi không trả lời hoặc bị ẩn để bảo đảm k-ẩn danh", "Gender (option code); empty when not answered or hidden for k-anonymity"),
	"ageBand":    col("age_band", ColText, "Độ tuổi (mã lựa chọn); trống khi không trả lời hoặc bị ẩn", "Age band (option code); empty when not answered or hidden"),
	"education":  col("education", ColText, "Trình độ học vấn (mã lựa chọn); trống khi không trả lời hoặc bị ẩn", "Education (option code); empty when not answered or hidden"),
	"occupation": col("occupation", ColText, "Nghề nghiệp (mã lựa chọn); trống khi không trả lời hoặc bị ẩn", "Occupation (option code); empty when not answered or hidden"),
}

// NewResponseLayout lays out the columns for responses given on the
// questionnaire versions used (ExportItems: a column per reporting
// criterion, an answer in the column of the criterion it counts in), or on
// the fallback forms when none is known.
func NewResponseLayout(fs *survey.FormSet, used []survey.VersionUse, fallback []survey.Form, comments bool) *ResponseLayout {
	l := &ResponseLayout{comments: comments, byForm: map[formVersion]map[string]int{}, byName: map[string]int{}}
	l.Columns = []Column{
		col("agency", ColText, "Mã cơ quan được đánh giá", "Code of the agency rated"),
		col("area", ColText, "Mã lĩnh vực thủ tục; * khi bị ẩn để bảo đảm k-ẩn danh", "Procedure area code; * when hidden for k-anonymity"),
		col("month", ColText, "Tháng trả lời (YYYY-MM, giờ Việt Nam)", "Month of the response (YYYY-MM, Vietnam time)"),
		col("channel", ColText, "Kênh: web, kiosk, counter, postal, phone, paper; * khi bị ẩn", "Channel: web, kiosk, counter, postal, phone, paper; * when hidden"),
		col("verified", ColBool, "Phiếu qua đường dẫn đã xác thực; trống khi bị ẩn", "Came through a verified link; empty when hidden"),
		col("form_id", ColText, "Mã bộ câu hỏi; * khi bị ẩn", "Questionnaire id; * when hidden"),
		col("form_version", ColInt, "Phiên bản bộ câu hỏi; trống khi bị ẩn", "Questionnaire version; empty when hidden"),
	}
	_, items := fs.ExportItems(used, fallback)
	for _, it := range items {
		at := len(l.Columns)
		l.Columns = append(l.Columns, col("q_"+it.Name, ColInt,
			"Câu "+it.Describe(true)+": 1–5, 0 = không áp dụng, trống = không được hỏi",
			"Item "+it.Describe(false)+": 1–5, 0 = not applicable, empty = not asked"))
		l.byName[it.Name] = at
		for _, a := range it.Asked {
			id, v, _ := survey.ParseFormKey(a.FormKey)
			k := formVersion{id, v}
			if l.byForm[k] == nil {
				l.byForm[k] = map[string]int{}
			}
			l.byForm[k][a.Code] = at
		}
	}
	if comments {
		l.Columns = append(l.Columns, col("comment", ColText, "Ý kiến góp ý (nguyên văn)", "Comment (as written)"))
	}
	l.demo = len(l.Columns)
	for _, code := range survey.DemographicOrder {
		l.Columns = append(l.Columns, demographicColumns[code])
	}
	return l
}

// Row fills dst (reused) with the row of a response whose demographics
// have already been through a Disclosure (shown). It allocates nothing
// once dst has grown to the columns: an export calls it for every row.
func (l *ResponseLayout) Row(dst []Value, r survey.Response, shown survey.Respondent) []Value {
	if cap(dst) < len(l.Columns) {
		dst = make([]Value, len(l.Columns))
	}
	dst = dst[:len(l.Columns)]
	clear(dst)
	dst[0], dst[1], dst[2], dst[3] = StrValue(r.Agency), StrValue(r.Area), StrValue(l.monthText(r.SubmittedAt)), StrValue(string(r.Channel))
	dst[4], dst[5], dst[6] = BoolValue(r.Verified), StrValue(r.FormID), IntValue(int64(r.FormVersion))
	if k := (formVersion{r.FormID, r.FormVersion}); k != l.last || l.lastCols == nil {
		cols, ok := l.byForm[k]
		if !ok {
			cols = l.byName
		}
		l.last, l.lastCols = k, cols
	}
	for _, a := range r.Answers {
		if at, ok := l.lastCols[a.Code]; ok {
			dst[at] = IntValue(int64(a.Value))
		}
	}
	if l.comments {
		dst[l.demo-1] = StrValue(r.Comment)
	}
	for i, code := range survey.DemographicOrder {
		dst[l.demo+i] = StrValue(shown.Get(code))
	}
	return dst
}

// monthText is the month of t as Row writes it, formatted once per month
// of an export (rows need not come in order of month).
func (l *ResponseLayout) monthText(t time.Time) string {
	m := survey.MonthOf(t)
	s, ok := l.months[m]
	if !ok {
		if l.months == nil {
			l.months = map[survey.Month]string{}
		}
		s = m.String()
		l.months[m] = s
	}
	return s
}
