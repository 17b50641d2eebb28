package server

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"hailong/survey"
	"hailong/survey/store"
)

// Comments for agency staff: newest first, filtered by period, area and
// score band, paginated by cursor; staff of the agency and administrators
// mark a comment handled. Scoped on the server like the dashboard: staff
// see their agencies (and those merged into them), inspectors and
// administrators every agency; inspectors only read.

// commentQuery is what a comments page or API call asks for.
type commentQuery struct {
	reportQuery
	Score     string
	Unhandled bool
	Cursor    string
	Limit     int
}

// parseCommentQuery reads agency, from, to, area (as the dashboard does),
// score (low, mid, high or empty), unhandled, cursor and limit.
func parseCommentQuery(get func(string) string, defaultAgency string) (commentQuery, survey.FieldErrors) {
	rq, fe := parseReportQuery(get, defaultAgency)
	if fe == nil {
		fe = survey.FieldErrors{}
	}
	q := commentQuery{reportQuery: rq, Score: get("score"), Cursor: get("cursor"), Unhandled: truthy(get("unhandled"))}
	q.Lineage = false
	if _, ok := survey.ParseScoreBand(q.Score); !ok {
		fe["score"] = survey.ProblemInvalid
	}
	if q.Cursor != "" && !store.ValidCommentCursor(q.Cursor) {
		fe["cursor"] = survey.ProblemInvalid
	}
	if v := get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			fe["limit"] = survey.ProblemInvalid
		}
		q.Limit = n
	}
	if len(fe) > 0 {
		return q, fe
	}
	return q, nil
}

func truthy(v string) bool { return v == "1" || v == "on" || v == "true" }

// canMark reports whether the user may mark the agency's comments handled:
// staff of the agency (or of the one it was merged into) and administrators.
func canMark(u *survey.User, cat *survey.Catalog, agency string) bool {
	return u != nil && u.Role != survey.RoleInspector && allowed(u, cat, agency)
}

// errBadCursor is a cursor outside its period.
var errBadCursor = survey.FieldErrors{"cursor": survey.ProblemInvalid}

// listComments lists the comments asked for, checking on the server that the
// caller may see the agency and that the area exists.
func (s *Server) listComments(c *gin.Context, cat *survey.Catalog, q commentQuery) (survey.Agency, store.CommentList, error) {
	ag, err := cat.Agency(q.Agency)
	if err != nil {
		return ag, store.CommentList{}, err
	}
	if !allowed(userOf(c), cat, ag.Code) {
		return ag, store.CommentList{}, survey.ErrForbidden
	}
	if q.Area != "" {
		if _, err := cat.Area(q.Area); err != nil {
			return ag, store.CommentList{}, survey.FieldErrors{"area": survey.ProblemInvalid}
		}
	}
	band, _ := survey.ParseScoreBand(q.Score)
	list, err := s.store.Comments(c.Request.Context(), store.CommentQuery{
		Agency: ag.Code, Period: q.Period, Area: q.Area, Band: band, Unhandled: q.Unhandled, Cursor: q.Cursor, Limit: q.Limit,
	})
	if errors.Is(err, store.ErrBadCursor) {
		return ag, list, errBadCursor
	}
	return ag, list, err
}

// values is the query string of a listing (without its cursor).
func (q commentQuery) values() url.Values {
	v := url.Values{"agency": {q.Agency}, "from": {q.Period.From.String()}, "to": {q.Period.To.String()}}
	if q.Area != "" {
		v.Set("area", q.Area)
	}
	if q.Score != "" {
		v.Set("score", q.Score)
	}
	if q.Unhandled {
		v.Set("unhandled", "1")
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	return v
}

// ---- the page ----

// CommentsPage is an agency's comments for a period.
type CommentsPage struct {
	BasePage
	Agencies []Choice
	Areas    []Choice
	Bands    []Choice
	Query    commentQuery
	From, To string
	Agency   *survey.Agency
	List     store.CommentList
	Rows     []CommentRow
	CanMark  bool
	Back     string // this listing, where a mark returns
	NextURL  string
	FirstURL string
	APIURL   string
}

// CommentRow is one comment as the page shows it. Text is plain text: the
// template escapes it, line by line. Date is the day of the response only:
// a time of day could be matched against a counter's queue log.
type CommentRow struct {
	ID        string
	Anchor    string
	Date      string
	Month     string
	Area      string
	Channel   string
	Score     string
	Band      string
	Lines     []string
	HandledBy string
	HandledAt string
	MarkURL   string
}

func (s *Server) commentsPage(c *gin.Context) error {
	ctx := c.Request.Context()
	cat, err := s.store.Catalog(ctx)
	if err != nil {
		return err
	}
	u := userOf(c)
	b := s.staffBase(c)
	p := CommentsPage{BasePage: b}
	for _, a := range cat.Agencies {
		if allowed(u, cat, a.Code) {
			p.Agencies = append(p.Agencies, Choice{a.Code, a.Name.In(b.Lang)})
		}
	}
	if len(p.Agencies) == 0 {
		return survey.ErrForbidden
	}
	for _, a := range cat.Areas {
		p.Areas = append(p.Areas, Choice{a.Code, a.Name.In(b.Lang)})
	}
	for _, band := range survey.ScoreBands {
		p.Bands = append(p.Bands, Choice{string(band), b.L.T("comments.band." + string(band))})
	}
	q, fe := parseCommentQuery(c.Query, p.Agencies[0].Code)
	p.Query, p.From, p.To = q, c.Query("from"), c.Query("to")
	fields := []string{"from", "to", "area", "score", "cursor", "limit"}
	labels := map[string]string{"from": "dash.from", "to": "dash.to", "area": "form.area", "score": "comments.score",
		"cursor": "comments.cursor", "limit": "comments.limit"}
	if fe != nil {
		p.setFieldErrors(problemMessages(b.L, "", fe), fields, labels)
		s.render(c, http.StatusBadRequest, "comments", p)
		return nil
	}
	p.From, p.To = q.Period.From.String(), q.Period.To.String()
	ag, list, err := s.listComments(c, cat, q)
	var bad survey.FieldErrors
	if errors.As(err, &bad) {
		p.setFieldErrors(problemMessages(b.L, "", bad), fields, labels)
		s.render(c, http.StatusBadRequest, "comments", p)
		return nil
	}
	if err != nil {
		return err
	}
	p.Agency, p.List = &ag, list
	p.CanMark = canMark(u, cat, ag.Code)
	p.Back = selfURI(c)
	v := q.values()
	p.FirstURL = "/comments?" + v.Encode()
	p.APIURL = "/api/v1/comments?" + v.Encode()
	if list.Next != "" {
		v.Set("cursor", list.Next)
		p.NextURL = "/comments?" + v.Encode()
	}
	areaNames := map[string]string{}
	for _, a := range p.Areas {
		areaNames[a.Code] = a.Name
	}
	for _, cm := range list.Comments {
		row := CommentRow{
			ID: cm.ID, Anchor: "c-" + cm.ID, Date: dateOnly(b.Lang, cm.At), Month: cm.Month.String(),
			Area: areaNames[cm.Area], Channel: b.L.T("channel." + string(cm.Channel)),
			Score: scoreText(b.L, cm.Score), Band: bandOf(cm.Score), Lines: strings.Split(commentText(cm), "\n"),
		}
		if row.Area == "" {
			row.Area = cm.Area
		}
		if cm.Handled != nil {
			row.HandledBy, row.HandledAt = cm.Handled.By, dateTime(b.Lang, cm.Handled.At)
		} else if p.CanMark {
			row.MarkURL = "/comments/" + url.PathEscape(ag.Code) + "/" + cm.Month.String() + "/" +
				strconv.Itoa(cm.Page) + "/" + url.PathEscape(cm.ID) + "/handled"
		}
		p.Rows = append(p.Rows, row)
	}
	s.render(c, http.StatusOK, "comments", p)
	return nil
}

// commentHandledSubmit marks a comment handled from the page's form, then
// returns to the listing it came from.
func (s *Server) commentHandledSubmit(c *gin.Context) error {
	ctx := c.Request.Context()
	cat, err := s.store.Catalog(ctx)
	if err != nil {
		return err
	}
	u := userOf(c)
	ag, err := cat.Agency(c.Param("agency"))
	if err != nil {
		return err
	}
	if !canMark(u, cat, ag.Code) {
		return survey.ErrForbidden
	}
	m, err := survey.ParseMonth(c.Param("month"))
	if err != nil {
		return survey.ErrNotFound
	}
	page, err := strconv.Atoi(c.Param("page"))
	if err != nil || page < 0 {
		return survey.ErrNotFound
	}
	id := c.Param("id")
	if !validCommentID(id) {
		return survey.ErrNotFound
	}
	if _, _, err := s.store.MarkCommentHandled(ctx, ag.Code, m, page, id, u.Username, time.Now()); err != nil {
		return err
	}
	back := c.PostForm("back")
	if !strings.HasPrefix(back, "/comments?") && back != "/comments" {
		back = "/comments?" + url.Values{"agency": {ag.Code}, "from": {m.String()}, "to": {m.String()}}.Encode()
	}
	c.Redirect(http.StatusSeeOther, back+"#c-"+id)
	return nil
}

// validCommentID reports whether s can be a response id (an idempotency key
// or a verified link's id).
func validCommentID(s string) bool {
	if len(s) == 0 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// scoreText formats a score in tenths with one decimal ("3,5" in
// Vietnamese); "—" when the response had no valid answer.
func scoreText(ms *Messages, tenths int) string {
	if tenths <= 0 {
		return "—"
	}
	s := strconv.Itoa(tenths/10) + "." + strconv.Itoa(tenths%10)
	if ms.Lang() == survey.Vi {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// bandOf names the band of a score ("" for none).
func bandOf(tenths int) string {
	for _, b := range survey.ScoreBands {
		if b.Contains(tenths) {
			return string(b)
		}
	}
	return ""
}

// dateOnly formats the day of an instant in Vietnamese time.
func dateOnly(lang survey.Lang, t time.Time) string {
	if lang == survey.Vi {
		return t.In(hcm).Format("02/01/2006")
	}
	return t.In(hcm).Format("2006-01-02")
}

// commentText is a comment's text as shown: redacted again, for comments
// stored before redaction was introduced (survey.Redact is idempotent, so a
// comment stored redacted is unchanged).
func commentText(cm survey.Comment) string {
	text, _ := survey.Redact(cm.Text)
	return text
}

// dateTime formats an instant in Vietnamese time (a staff member's mark,
// never a respondent's answer).
func dateTime(lang survey.Lang, t time.Time) string {
	if lang == survey.Vi {
		return t.In(hcm).Format("02/01/2006 15:04")
	}
	return t.In(hcm).Format("2006-01-02 15:04")
}

// ---- the API ----

// CommentJSON is a comment as the API returns it. Date is the day of the
// response in Vietnamese time (YYYY-MM-DD), never its time of day.
type CommentJSON struct {
	ID      string       `json:"id"`
	Agency  string       `json:"agency"`
	Month   string       `json:"month"`
	Page    int          `json:"page"`
	Date    string       `json:"date"`
	Area    string       `json:"area"`
	Channel string       `json:"channel"`
	Score   *float64     `json:"score"` // mean of the valid answers, one decimal; null when none
	Band    string       `json:"band,omitempty"`
	Text    string       `json:"text"`
	Handled *HandledJSON `json:"handled"`
}

// HandledJSON says who marked a comment handled, and when.
type HandledJSON struct {
	By string    `json:"by"`
	At time.Time `json:"at"`
}

// CommentsJSON is one screen of comments.
type CommentsJSON struct {
	Agency    string        `json:"agency"`
	From      string        `json:"from"`
	To        string        `json:"to"`
	Area      string        `json:"area,omitempty"`
	Score     string        `json:"score,omitempty"`
	Unhandled bool          `json:"unhandled,omitempty"`
	Total     int64         `json:"total"`
	Handled   int64         `json:"handled"`
	Comments  []CommentJSON `json:"comments"`
	Next      string        `json:"next,omitempty"`
	Partial   bool          `json:"partial,omitempty"`
}

func commentJSON(cm survey.Comment) CommentJSON {
	out := CommentJSON{ID: cm.ID, Agency: cm.Agency, Month: cm.Month.String(), Page: cm.Page,
		Date: cm.At.In(hcm).Format(time.DateOnly), Area: cm.Area, Channel: string(cm.Channel),
		Band: bandOf(cm.Score), Text: commentText(cm)}
	if cm.Score > 0 {
		v := float64(cm.Score) / 10
		out.Score = &v
	}
	if cm.Handled != nil {
		out.Handled = &HandledJSON{By: cm.Handled.By, At: cm.Handled.At}
	}
	return out
}

// apiComments lists comments as JSON; agency is required.
func (s *Server) apiComments(c *gin.Context) error {
	q, fe := parseCommentQuery(c.Query, "")
	if q.Agency == "" {
		if fe == nil {
			fe = survey.FieldErrors{}
		}
		fe["agency"] = survey.ProblemRequired
	}
	if fe != nil {
		return fieldErrorsIn("comments", fe)
	}
	cat, err := s.store.Catalog(c.Request.Context())
	if err != nil {
		return err
	}
	ag, list, err := s.listComments(c, cat, q)
	var bad survey.FieldErrors
	if errors.As(err, &bad) {
		return fieldErrorsIn("comments", bad)
	}
	if err != nil {
		return err
	}
	out := CommentsJSON{Agency: ag.Code, From: q.Period.From.String(), To: q.Period.To.String(), Area: q.Area,
		Score: q.Score, Unhandled: q.Unhandled, Total: list.Total, Handled: list.Handled,
		Comments: make([]CommentJSON, 0, len(list.Comments)), Next: list.Next, Partial: list.Partial}
	for _, cm := range list.Comments {
		out.Comments = append(out.Comments, commentJSON(cm))
	}
	c.JSON(http.StatusOK, out)
	return nil
}

// handledRequest is the body of POST /api/v1/comments/{id}/handled: the
// comment's agency and month (YYYY-MM), and the page the listing gave, if
// known (the month is searched otherwise).
type handledRequest struct {
	Agency string `json:"agency"`
	Month  string `json:"month"`
	Page   *int   `json:"page,omitempty"`
}

// HandledResultJSON answers a mark: the comment, and whether this call
// marked it (false when it was handled already; the first mark stays).
type HandledResultJSON struct {
	Comment CommentJSON `json:"comment"`
	Changed bool        `json:"changed"`
}

func (s *Server) apiCommentHandled(c *gin.Context) error {
	u := userOf(c)
	if u.Role == survey.RoleInspector {
		return errForbiddenAPI // inspectors only read
	}
	var in handledRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	fe := survey.FieldErrors{}
	if in.Agency == "" {
		fe["agency"] = survey.ProblemRequired
	}
	m, err := survey.ParseMonth(in.Month)
	if err != nil {
		fe["month"] = survey.ProblemInvalid
	}
	page := -1
	if in.Page != nil {
		if *in.Page < 0 {
			fe["page"] = survey.ProblemInvalid
		}
		page = *in.Page
	}
	if len(fe) > 0 {
		return fieldErrorsIn("comments", fe)
	}
	id := c.Param("id")
	if !validCommentID(id) {
		return survey.ErrNotFound
	}
	ctx := c.Request.Context()
	cat, err := s.store.Catalog(ctx)
	if err != nil {
		return err
	}
	ag, err := cat.Agency(in.Agency)
	if err != nil {
		return err
	}
	if !canMark(u, cat, ag.Code) {
		return survey.ErrForbidden
	}
	cm, changed, err := s.store.MarkCommentHandled(ctx, ag.Code, m, page, id, u.Username, time.Now())
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, HandledResultJSON{Comment: commentJSON(cm), Changed: changed})
	return nil
}
