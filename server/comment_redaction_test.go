package server

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"hailong/survey"
)

// Integration tests of comment redaction (issue 15, item 4) over a real
// server and embedded FerretDB: a comment is stored without the personal
// details it held, whichever way it came in; the citizen is told; the
// metrics count it; and comments show their day, never their time.

// redactionsMetric reads hailong_comment_redactions_total as the
// administrator sees it.
func redactionsMetric(t testing.TB, admin *staffUser) float64 {
	t.Helper()
	r := admin.get(t, "/metrics")
	if r.status != http.StatusOK {
		t.Fatalf("GET /metrics: %s", r)
	}
	return sample(r.body, "hailong_comment_redactions_total")
}

// rawComments lists an agency's comments of the month as the API writes
// them, each as a map of its JSON fields.
func rawComments(t testing.TB, u *staffUser, agency, month string) []map[string]any {
	t.Helper()
	r := u.api(t, http.MethodGet, "/api/v1/comments?agency="+agency+"&from="+month+"&to="+month, nil)
	if r.status != http.StatusOK {
		t.Fatalf("comments API: %s", r)
	}
	var out struct{ Comments []map[string]any }
	if err := json.Unmarshal([]byte(r.body), &out); err != nil {
		t.Fatalf("comments API: %v in %s", err, r.body)
	}
	return out.Comments
}

func TestCommentRedactedThroughForm(t *testing.T) {
	env := newTestEnv(t)
	admin := newAdmin(t, env)
	if n := redactionsMetric(t, admin); n != 0 {
		t.Fatalf("hailong_comment_redactions_total = %v before any comment, want 0", n)
	}
	c := env.client(t)
	vals := env.openSurvey(t, c, landPath, landArea)
	vals.Set("comment", "Cán bộ hẹn gọi lại số 0912 345 678 nhưng không gọi. Lệ phí 1.500.000 đồng, quầy số 3.")
	const stored = "Cán bộ hẹn gọi lại số [***] nhưng không gọi. Lệ phí 1.500.000 đồng, quầy số 3."

	r := env.postSurvey(t, c, landPath, vals)
	thanks := landPath + "/thanks?redacted=1"
	if r.status != http.StatusSeeOther || r.header.Get("Location") != thanks {
		t.Fatalf("POST: %d to %q, want 303 to %q", r.status, r.header.Get("Location"), thanks)
	}
	got, err := env.store.Response(context.Background(), vals.Get("key"))
	if err != nil || got.Comment != stored {
		t.Fatalf("stored comment = %q (%v), want %q", got.Comment, err, stored)
	}
	// A repeat of the same form is thanked the same way, and not counted again.
	if r := env.postSurvey(t, c, landPath, vals); r.status != http.StatusSeeOther || r.header.Get("Location") != thanks {
		t.Errorf("repeat: %d to %q, want 303 to %q", r.status, r.header.Get("Location"), thanks)
	}

	t.Run("the thank-you page says so", func(t *testing.T) {
		p := env.getPage(t, c, thanks)
		if p.status != http.StatusOK || !hasElement(p.body, "[id=\"redacted\"]") ||
			!strings.Contains(p.body, "góp ý đã được lưu sau khi thay 1 thông tin cá nhân") || !strings.Contains(p.body, "[***]") {
			t.Errorf("thank-you page: %d, want the notice in Vietnamese:\n%s", p.status, clip(p.body))
		}
		p = env.getPage(t, env.client(t), thanks+"&lang=en")
		if !strings.Contains(p.body, "your comment was stored with 1 personal detail(s)") {
			t.Errorf("thank-you page in English lacks the notice:\n%s", clip(p.body))
		}
		for _, q := range []string{"", "?redacted=0", "?redacted=-1", "?redacted=abc", "?redacted=100000"} {
			if p := env.getPage(t, c, landPath+"/thanks"+q); p.status != http.StatusOK || hasElement(p.body, "[id=\"redacted\"]") {
				t.Errorf("thanks%s: %d, want 200 without the notice", q, p.status)
			}
		}
	})

	t.Run("the comments API has it redacted", func(t *testing.T) {
		if err := env.store.FlushComments(context.Background()); err != nil {
			t.Fatal(err)
		}
		month := survey.MonthOf(got.SubmittedAt).String()
		cs := rawComments(t, admin, landAgency, month)
		if len(cs) != 1 || cs[0]["text"] != stored {
			t.Fatalf("comments = %v, want one with %q", cs, stored)
		}
	})

	if n := redactionsMetric(t, admin); n != 1 {
		t.Errorf("hailong_comment_redactions_total = %v, want 1", n)
	}

	t.Run("a comment without details thanks plainly", func(t *testing.T) {
		vals := env.openSurvey(t, c, landPath, landArea)
		r := env.postSurvey(t, c, landPath, vals)
		if r.status != http.StatusSeeOther || r.header.Get("Location") != landPath+"/thanks" {
			t.Errorf("POST: %d to %q, want 303 to %s/thanks", r.status, r.header.Get("Location"), landPath)
		}
		if n := redactionsMetric(t, admin); n != 1 {
			t.Errorf("hailong_comment_redactions_total = %v, want still 1", n)
		}
	})
}

func TestCommentRedactedThroughAPI(t *testing.T) {
	env := newTestEnv(t)
	admin := newAdmin(t, env)
	key := survey.NewKey()
	in := apiSubmission(landAgency, landArea, key)
	in["comment"] = "CCCD 001234567890, hồ sơ 000.00.17.H61-240115-0001, email lan@example.vn. Mã thủ tục 1.012753.H19."
	body := mustJSON(t, in)
	for i, want := range []int{http.StatusCreated, http.StatusOK} {
		r := env.postAPI(t, &http.Client{}, responsesPath, body, nil)
		var out map[string]any
		if err := json.Unmarshal([]byte(r.body), &out); err != nil || r.status != want || out["id"] != key || out["redacted"] != 3.0 {
			t.Errorf("POST %d: %d %s, want %d with id and \"redacted\":3", i, r.status, clip(r.body), want)
		}
	}
	got, err := env.store.Response(context.Background(), key)
	if want := "CCCD [***], hồ sơ [***], email [***]. Mã thủ tục 1.012753.H19."; err != nil || got.Comment != want {
		t.Errorf("stored comment = %q (%v), want %q", got.Comment, err, want)
	}
	if n := redactionsMetric(t, admin); n != 3 {
		t.Errorf("hailong_comment_redactions_total = %v, want 3", n)
	}
	// Nothing removed: the answer is the id alone, as before.
	r := env.postAPI(t, &http.Client{}, responsesPath, mustJSON(t, apiSubmission(landAgency, landArea, survey.NewKey())), nil)
	if r.status != http.StatusCreated || strings.Contains(r.body, "redacted") {
		t.Errorf("plain comment: %d %s, want 201 without \"redacted\"", r.status, clip(r.body))
	}
}

var (
	timeOfDayRE = regexp.MustCompile(`\d{1,2}:\d{2}`)
)

// TestCommentsShowDateOnly: the page and the API give a comment's day, not
// its time, which a counter's queue log could match; and a comment stored
// before redaction existed is shown redacted.
func TestCommentsShowDateOnly(t *testing.T) {
	env := newTestEnv(t)
	admin := newAdmin(t, env)
	const legacy = "Gọi tôi 0912.345.678 hoặc lan@example.vn"
	// Stored directly, as an older version of the service stored comments.
	cmStore(t, env, "resp-tp-00001", "so-tu-phap", "tu-phap", "2025-07", 3, 2, legacy, time.Now())
	if err := env.store.FlushComments(context.Background()); err != nil {
		t.Fatal(err)
	}
	m, _ := survey.ParseMonth("2025-07")
	at := m.Start().Add(3*24*time.Hour + 9*time.Hour).In(hcm)

	r := admin.get(t, "/comments?agency=so-tu-phap&from=2025-07&to=2025-07")
	rows := findIn(t, r.body, `tr[id^=c-][data-id]`)
	if r.status != http.StatusOK || len(rows) != 1 {
		t.Fatalf("page: %s, want one row", r)
	}
	if want, got := at.Format("02/01/2006"), textOf(findFirst(rows[0], "td")); got != want {
		t.Errorf("page shows %q, want the day %q only", got, want)
	}
	if strings.Contains(r.body, "0912") || strings.Contains(r.body, "lan@example.vn") || !strings.Contains(r.body, "Gọi tôi [***] hoặc [***]") {
		t.Errorf("page shows the stored details:\n%s", clip(r.body))
	}

	cs := rawComments(t, admin, "so-tu-phap", "2025-07")
	if len(cs) != 1 {
		t.Fatalf("API: %v, want one comment", cs)
	}
	if _, ok := cs[0]["at"]; ok {
		t.Errorf("API comment has a timestamp: %v", cs[0])
	}
	if d, _ := cs[0]["date"].(string); d != at.Format(time.DateOnly) {
		t.Errorf("API date = %q, want %q", d, at.Format(time.DateOnly))
	}
	if text, _ := cs[0]["text"].(string); text != "Gọi tôi [***] hoặc [***]" {
		t.Errorf("API text = %q, want it redacted", text)
	}
	for k, v := range cs[0] {
		if s, ok := v.(string); ok && timeOfDayRE.MatchString(s) {
			t.Errorf("API field %s = %q holds a time of day", k, s)
		}
	}
}
