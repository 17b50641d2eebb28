package server

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"hailong/survey"
)

// Integration tests of the comments page and API over a real server and a
// real embedded FerretDB: order, filters, pagination, handled marks, scoping
// by role and agency, escaping, and concurrent submissions.

// cmStore stores a response with a comment for the agency, in the month.
func cmStore(t testing.TB, env *testEnv, id, agency, area, month string, day, v int, text string, recv time.Time) {
	t.Helper()
	m, err := survey.ParseMonth(month)
	if err != nil {
		t.Fatal(err)
	}
	var as []survey.Answer
	for _, code := range questionCodes(area) {
		as = append(as, survey.Answer{Code: code, Value: v})
	}
	r := survey.Response{ID: id, Agency: agency, Area: area, FormID: survey.DefaultFormID, FormVersion: 1,
		Channel: survey.ChannelCounter, Lang: survey.Vi, Answers: as, Comment: text,
		SubmittedAt: m.Start().Add(time.Duration(day)*24*time.Hour + 9*time.Hour), ReceivedAt: recv}
	if created, err := env.store.InsertResponse(context.Background(), r); err != nil || !created {
		t.Fatalf("insert %s: %v %v", id, created, err)
	}
}

// cmJSON is the listing the API returns.
type cmJSON struct {
	Agency   string
	Total    int64
	Handled  int64
	Next     string
	Partial  bool
	Comments []struct {
		ID, Agency, Month, Area, Channel, Band, Text string
		Page                                         int
		Score                                        *float64
		At                                           time.Time
		Handled                                      *struct {
			By string
			At time.Time
		}
	}
}

func cmList(t testing.TB, u *staffUser, query string) (cmJSON, httpResult) {
	t.Helper()
	r := u.api(t, http.MethodGet, "/api/v1/comments?"+query, nil)
	var out cmJSON
	if r.status == http.StatusOK {
		if err := json.Unmarshal([]byte(r.body), &out); err != nil {
			t.Fatalf("listing: %v in %s", err, r.body)
		}
	}
	return out, r
}

func cmIDs(l cmJSON) []string {
	var ids []string
	for _, c := range l.Comments {
		ids = append(ids, c.ID)
	}
	return ids
}

// cmRows lists the data-id of each comment row of the comments page.
func cmRows(t testing.TB, body string) []string {
	t.Helper()
	return attrsOf(mustHTML(t, body), `tr[id^=c-][data-id]`, "data-id")
}

// cmMarks lists the actions of the page's "mark handled" forms.
func cmMarks(t testing.TB, body string) []string {
	t.Helper()
	var out []string
	for _, a := range attrsOf(mustHTML(t, body), `form[method=post][action^=/comments/]`, "action") {
		if strings.HasSuffix(a, "/handled") {
			out = append(out, a)
		}
	}
	return out
}

// cmCount is the text of the page's count element with that id.
func cmCount(t testing.TB, body, id string) string {
	t.Helper()
	return textOf(findFirst(mustHTML(t, body), "#"+id))
}

func TestCommentsPageAndAPI(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	admin := newAdmin(t, env)
	staffA := loginAs(t, env, "staff-a", insertUser(t, env, "staff-a", survey.RoleStaff, "so-tu-phap"))
	staffA.token = staffA.fetchToken(t, "a")
	staffB := loginAs(t, env, "staff-b", insertUser(t, env, "staff-b", survey.RoleStaff, "so-cong-thuong"))
	staffB.token = staffB.fetchToken(t, "b")
	insp := loginAs(t, env, "insp", insertUser(t, env, "insp", survey.RoleInspector))
	insp.token = insp.fetchToken(t, "i")

	t0 := time.Date(2025, 8, 1, 8, 0, 0, 0, hcm)
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Minute) }
	const attack = `<script>alert("x")</script><img src=x onerror=alert(1)>`
	cmStore(t, env, "resp-tp-00001", "so-tu-phap", "tu-phap", "2025-06", 2, 5, "Rất hài lòng", at(1))
	cmStore(t, env, "resp-tp-00002", "so-tu-phap", "tu-phap", "2025-07", 3, 1, "Chờ quá lâu\nhai dòng", at(2))
	cmStore(t, env, "resp-tp-00003", "so-tu-phap", "tu-phap", "2025-07", 4, 3, attack, at(3))
	cmStore(t, env, "resp-tp-00004", "so-tu-phap", "tu-phap", "2025-07", 5, 4, "", at(4)) // no comment
	cmStore(t, env, "resp-ct-00001", "so-cong-thuong", "cong-thuong", "2025-07", 6, 2, "Sở Công Thương chậm", at(5))
	if err := env.store.FlushComments(ctx); err != nil {
		t.Fatal(err)
	}
	period := "agency=so-tu-phap&from=2025-06&to=2025-07"
	// Carried from step to step.
	var (
		r     httpResult
		rows  []string
		marks []string
		l     cmJSON
	)

	step(t, "The page: newest first, escaped, with the mark form for staff", func(t *testing.T) {
		r = staffA.get(t, "/comments?"+period)
		if r.status != http.StatusOK {
			t.Fatalf("GET /comments: %s", r)
		}
		rows = cmRows(t, r.body)
		if strings.Join(rows, ",") != "resp-tp-00003,resp-tp-00002,resp-tp-00001" {
			t.Errorf("rows = %v, want newest first", rows)
		}
		if strings.Contains(r.body, "<script>alert") || strings.Contains(r.body, "<img src=x") {
			t.Errorf("comment text not escaped in the page")
		}
		if !strings.Contains(r.body, html.EscapeString(`<script>alert("x")</script>`)) && !strings.Contains(r.body, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") {
			t.Errorf("escaped comment text not shown")
		}
		if !strings.Contains(r.body, "Chờ quá lâu<br>hai dòng") {
			t.Errorf("line breaks not shown")
		}
		if cmCount(t, r.body, "total") != "3" || cmCount(t, r.body, "handled-count") != "0" {
			t.Errorf("counts not shown")
		}
		marks = cmMarks(t, r.body)
		if len(marks) != 3 {
			t.Fatalf("%d mark forms, want 3", len(marks))
		}
		// A staff member with one agency lands on it without choosing.
		if r := staffA.get(t, "/comments?from=2025-06&to=2025-07"); r.status != http.StatusOK || len(cmRows(t, r.body)) != 3 {
			t.Errorf("default agency: %s", r)
		}
		// The dashboard links to the comments of the same agency and period.
		if r := staffA.get(t, "/dashboard?"+period); !hasElement(r.body, "[id=\"comments-link\"][href=\"/comments?agency=so-tu-phap&from=2025-06&to=2025-07\"]") {
			t.Errorf("dashboard has no link to the comments: %s", r)
		}
	})

	step(t, "The API: the same order, filters, pagination", func(t *testing.T) {
		l, res := cmList(t, staffA, period)
		if res.status != http.StatusOK || strings.Join(cmIDs(l), ",") != "resp-tp-00003,resp-tp-00002,resp-tp-00001" || l.Total != 3 {
			t.Fatalf("API listing: %s", res)
		}
		if c := l.Comments[0]; c.Text != attack || c.Score == nil || *c.Score != 3 || c.Band != "mid" || c.Month != "2025-07" || c.Channel != "counter" || c.Handled != nil {
			t.Errorf("API comment = %+v", c)
		}
		for q, want := range map[string]string{
			"&score=low":                  "resp-tp-00002",
			"&score=mid":                  "resp-tp-00003",
			"&score=high":                 "resp-tp-00001",
			"&area=tu-phap&score=high":    "resp-tp-00001",
			"&area=dat-dai":               "",
			"&unhandled=1&score=low":      "resp-tp-00002",
			"&limit=1&cursor=2025-07.0.1": "resp-tp-00002",
		} {
			l, res := cmList(t, staffA, period+q)
			if res.status != http.StatusOK || strings.Join(cmIDs(l), ",") != want {
				t.Errorf("%s: %v (%s), want %s", q, cmIDs(l), res, want)
			}
		}
		if l, _ := cmList(t, staffA, "agency=so-tu-phap&from=2025-06&to=2025-06"); strings.Join(cmIDs(l), ",") != "resp-tp-00001" || l.Total != 1 {
			t.Errorf("June alone: %v, total %d", cmIDs(l), l.Total)
		}
		var paged []string
		cursor := ""
		for i := 0; i < 10; i++ {
			l, res := cmList(t, staffA, period+"&limit=1&cursor="+url.QueryEscape(cursor))
			if res.status != http.StatusOK {
				t.Fatalf("page %d: %s", i, res)
			}
			paged = append(paged, cmIDs(l)...)
			if cursor = l.Next; cursor == "" {
				break
			}
		}
		if strings.Join(paged, ",") != "resp-tp-00003,resp-tp-00002,resp-tp-00001" {
			t.Errorf("paginated = %v", paged)
		}
		for q, field := range map[string]string{
			"from=2025-06&to=2025-07":            "agency",
			period + "&score=bad":                "score",
			period + "&cursor=nope":              "cursor",
			period + "&cursor=2025-01.0":         "cursor",
			period + "&limit=0":                  "limit",
			"agency=so-tu-phap&from=2025-13":     "from",
			"agency=so-tu-phap&area=not-an-area": "area",
		} {
			_, res := cmList(t, staffA, q)
			wantFieldError(t, q, res, field)
		}
		if r := staffA.get(t, "/comments?"+period+"&score=bad"); r.status != http.StatusBadRequest || !hasElement(r.body, "[id=\"errors\"]") {
			t.Errorf("page with a bad score: %s", r)
		}
	})

	step(t, "Scoping: staff see only their agencies; inspectors and admins all", func(t *testing.T) {
		other := "agency=so-cong-thuong&from=2025-07&to=2025-07"
		if r := staffA.get(t, "/comments?"+other); r.status != http.StatusForbidden {
			t.Errorf("staff A, page of B: %s, want 403", r)
		}
		if _, r := cmList(t, staffA, other); r.status != http.StatusForbidden {
			t.Errorf("staff A, API of B: %s, want 403", r)
		}
		if _, r := cmList(t, staffA, "agency=no-such-agency&from=2025-07&to=2025-07"); r.status != http.StatusNotFound {
			t.Errorf("unknown agency: %s, want 404", r)
		}
		for _, u := range []*staffUser{insp, admin, staffB} {
			if l, r := cmList(t, u, other); r.status != http.StatusOK || strings.Join(cmIDs(l), ",") != "resp-ct-00001" {
				t.Errorf("%s reads B: %s", u.username, r)
			}
		}
		r = insp.get(t, "/comments?"+period)
		if r.status != http.StatusOK || len(cmRows(t, r.body)) != 3 || len(cmMarks(t, r.body)) != 0 {
			t.Errorf("inspector's page: want 3 rows and no mark form: %s", r)
		}
	})

	step(t, "Marking from the page: CSRF checked, who and when kept, back to the list", func(t *testing.T) {
		markURL := marks[1] // resp-tp-00002
		if !strings.Contains(markURL, "/resp-tp-00002/handled") || !strings.HasPrefix(markURL, "/comments/so-tu-phap/2025-07/0/") {
			t.Fatalf("mark URL %q", markURL)
		}
		back := "/comments?" + period
		if r := staffA.post(t, markURL, url.Values{"csrf": {"wrong"}, "back": {back}}); r.status != http.StatusForbidden {
			t.Errorf("mark with a bad CSRF token: %s, want 403", r)
		}
		if r := insp.post(t, markURL, url.Values{"back": {back}}); r.status != http.StatusForbidden {
			t.Errorf("inspector marks: %s, want 403", r)
		}
		if r := staffB.post(t, markURL, url.Values{"back": {back}}); r.status != http.StatusForbidden {
			t.Errorf("staff of another agency marks: %s, want 403", r)
		}
		if l, _ := cmList(t, admin, period+"&score=low"); l.Comments[0].Handled != nil {
			t.Fatalf("marked by a refused request: %+v", l.Comments[0].Handled)
		}
		before := time.Now().Add(-time.Second)
		r = staffA.post(t, markURL, url.Values{"back": {back}})
		if r.status != http.StatusSeeOther || r.location() != back+"#c-resp-tp-00002" {
			t.Fatalf("mark: %s", r)
		}
		if r := staffA.post(t, markURL, url.Values{"back": {"https://evil.example/"}}); r.status != http.StatusSeeOther || !strings.HasPrefix(r.location(), "/comments?") {
			t.Errorf("mark with an outside back URL: redirected to %q", r.location())
		}
		l, _ = cmList(t, insp, period)
		h := l.Comments[1].Handled
		if h == nil || h.By != "staff-a" || h.At.Before(before) || h.At.After(time.Now()) || l.Handled != 1 {
			t.Errorf("after marking: %+v, handled count %d", h, l.Handled)
		}
		r = staffA.get(t, "/comments?"+period)
		if !strings.Contains(r.body, "Đã xử lý: staff-a, ") || len(cmMarks(t, r.body)) != 2 || cmCount(t, r.body, "handled-count") != "1" {
			t.Errorf("page after marking does not show the mark")
		}
		if l, _ := cmList(t, staffA, period+"&unhandled=1"); strings.Join(cmIDs(l), ",") != "resp-tp-00003,resp-tp-00001" {
			t.Errorf("unhandled after marking: %v", cmIDs(l))
		}
	})

	step(t, "Marking through the API", func(t *testing.T) {
		mark := func(u *staffUser, id string, body any) httpResult {
			return u.api(t, http.MethodPost, "/api/v1/comments/"+id+"/handled", body)
		}
		if r := mark(insp, "resp-tp-00003", map[string]any{"agency": "so-tu-phap", "month": "2025-07"}); r.status != http.StatusForbidden {
			t.Errorf("inspector marks through the API: %s, want 403", r)
		}
		if r := mark(staffA, "resp-ct-00001", map[string]any{"agency": "so-cong-thuong", "month": "2025-07"}); r.status != http.StatusForbidden {
			t.Errorf("staff A marks B's comment: %s, want 403", r)
		}
		if r := mark(staffB, "resp-tp-00003", map[string]any{"agency": "so-cong-thuong", "month": "2025-07"}); r.status != http.StatusNotFound {
			t.Errorf("staff B marks A's comment under B: %s, want 404", r)
		}
		wantFieldError(t, "no month", mark(staffB, "resp-ct-00001", map[string]any{"agency": "so-cong-thuong"}), "month")
		wantFieldError(t, "no agency", mark(staffB, "resp-ct-00001", map[string]any{"month": "2025-07"}), "agency")
		if r := mark(staffB, "resp-ct-00001", `{"agency":"so-cong-thuong","month":"2025-07","x":1}`); r.status != http.StatusBadRequest {
			t.Errorf("unknown field: %s", r)
		}
		r = mark(staffB, "resp-ct-00001", map[string]any{"agency": "so-cong-thuong", "month": "2025-07"})
		var res1 struct {
			Changed bool
			Comment struct {
				ID      string
				Handled *struct{ By string }
			}
		}
		if r.status != http.StatusOK || json.Unmarshal([]byte(r.body), &res1) != nil || !res1.Changed || res1.Comment.Handled == nil || res1.Comment.Handled.By != "staff-b" {
			t.Errorf("staff B marks its comment: %s", r)
		}
		r = mark(admin, "resp-ct-00001", map[string]any{"agency": "so-cong-thuong", "month": "2025-07", "page": 0})
		if r.status != http.StatusOK || json.Unmarshal([]byte(r.body), &res1) != nil || res1.Changed || res1.Comment.Handled.By != "staff-b" {
			t.Errorf("second mark keeps the first: %s", r)
		}
		if r := mark(admin, "resp-tp-00009", map[string]any{"agency": "so-tu-phap", "month": "2025-07"}); r.status != http.StatusNotFound {
			t.Errorf("unknown comment: %s, want 404", r)
		}
		if r := mark(admin, "resp-tp-00003", map[string]any{"agency": "so-tu-phap", "month": "2025-07", "page": 3}); r.status != http.StatusOK {
			t.Errorf("admin marks with a wrong page hint: %s", r)
		}
	})

	step(t, "The rebuild keeps the marks", func(t *testing.T) {
		if err := env.store.RebuildComments(ctx, nil); err != nil {
			t.Fatal(err)
		}
		l, _ = cmList(t, admin, period)
		if l.Handled != 2 || l.Comments[0].Handled == nil || l.Comments[0].Handled.By != "admin" || l.Comments[1].Handled.By != "staff-a" || l.Comments[2].Handled != nil {
			t.Errorf("after rebuild: %+v", l)
		}
	})
}

// TestCommentsConcurrentSubmissions: 16 citizens submit at once through the
// API, each with a comment; each comment is listed exactly once.
func TestCommentsConcurrentSubmissions(t *testing.T) {
	env := newTestEnv(t)
	admin := newAdmin(t, env)
	const n = 16
	var wg sync.WaitGroup
	results := make([]httpResult, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := apiSubmission("so-tu-phap", "tu-phap", fmt.Sprintf("concurrent-key-%04d", i))
			body["comment"] = fmt.Sprintf("Ý kiến đồng thời số %d <b>", i)
			results[i] = env.postAPI(t, &http.Client{}, responsesPath, mustJSON(t, body), nil)
		}()
	}
	wg.Wait()
	for i, r := range results {
		if r.status != http.StatusCreated {
			t.Fatalf("submission %d: %d %s", i, r.status, r.body)
		}
	}
	if err := env.store.FlushComments(context.Background()); err != nil {
		t.Fatal(err)
	}
	m := survey.MonthOf(time.Now()).String()
	l, r := cmList(t, admin, "agency=so-tu-phap&from="+m+"&to="+m+"&limit=100")
	if r.status != http.StatusOK {
		t.Fatal(r)
	}
	seen := map[string]int{}
	for _, c := range l.Comments {
		seen[c.Text]++
	}
	for i := range n {
		if k := seen[fmt.Sprintf("Ý kiến đồng thời số %d <b>", i)]; k != 1 {
			t.Errorf("comment %d listed %d times", i, k)
		}
	}
	if len(l.Comments) != n || l.Total != n {
		t.Errorf("%d comments listed, total %d; want %d", len(l.Comments), l.Total, n)
	}
}
