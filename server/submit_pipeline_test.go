package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"hailong/survey"
)

// TestErrorPathFieldErrors: field errors become one answer whatever the
// handler: 400 validation_failed with a message per field, worded by the
// area's messages when the handler names one, never a logged 500.
func TestErrorPathFieldErrors(t *testing.T) {
	env := newTestEnv(t)
	vi := env.srv.locales[survey.Vi]
	serve := func(err error) (int, APIError) {
		w := httptest.NewRecorder()
		c, _ := gin.CreateTestContext(w)
		c.Request = httptest.NewRequest(http.MethodPost, "/api/v1/x", nil)
		env.srv.api(func(*gin.Context) error { return err })(c)
		var body APIError
		if jerr := json.Unmarshal(w.Body.Bytes(), &body); jerr != nil {
			t.Fatalf("not JSON: %s", w.Body)
		}
		return w.Code, body
	}
	for _, tc := range []struct {
		name  string
		err   error
		field string
		want  string
	}{
		{"the domain's field errors, bare", survey.FieldErrors{"name": survey.ProblemRequired}, "name", vi.T("err.required")},
		{"wrapped", errors.Join(errors.New("context"), survey.FieldErrors{"name": survey.ProblemTooShort}), "name", vi.T("err.too_short", survey.MinPasswordLen)},
		{"an area's message for the field and problem", fieldErrorsIn("kiosk", survey.FieldErrors{"counter": survey.ProblemUnknown}), "counter", vi.T("kiosk.err.counter.unknown")},
		{"an area's message for the field and problem, not another field's", fieldErrorsIn("rank", survey.FieldErrors{"period": survey.ProblemInvalid}), "period", vi.T("rank.err.period.invalid")},
		{"an area's message with its values", fieldErrorsWith("api", survey.FieldErrors{survey.FieldSubmittedAt: survey.ProblemTooOld}, submitArgs(survey.Form{}, 31*24*time.Hour)), survey.FieldSubmittedAt, vi.T("api.err.submittedAt.too_old", 31)},
		{"the general message with the area's values", fieldErrorsWith("api", survey.FieldErrors{survey.FieldComment: survey.ProblemTooLong}, submitArgs(survey.Form{CommentMax: 1000}, 0)), survey.FieldComment, vi.T("err.too_long", 1000)},
		{"an area's message for the problem", fieldErrorsIn("cchc", survey.FieldErrors{"units.0.points.1.1": "over_max"}), "units.0.points.1.1", vi.T("cchc.err.over_max")},
		{"the general message when the area has none", fieldErrorsIn("pub", survey.FieldErrors{"period": survey.ProblemFuture}), "period", vi.T("err.future")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := serve(tc.err)
			if status != http.StatusBadRequest || body.Error.Code != "validation_failed" {
				t.Fatalf("answer %d %+v, want 400 validation_failed", status, body)
			}
			if got := body.Error.Fields[tc.field]; got != tc.want || strings.Contains(got, "err.") || strings.Contains(got, "%") {
				t.Errorf("message %q, want %q", got, tc.want)
			}
		})
	}
	t.Run("a code error carries its fields", func(t *testing.T) {
		status, body := serve(&apiCodeError{status: http.StatusForbidden, code: "agency_not_allowed", fields: map[string]string{"agency": "x"}})
		if status != http.StatusForbidden || body.Error.Code != "agency_not_allowed" || body.Error.Fields["agency"] != "x" {
			t.Errorf("answer %d %+v", status, body)
		}
	})
}

// TestErrorPathPageError: a page answered instead of the one asked for is
// rendered with its status; a 503 says when to try again.
func TestErrorPathPageError(t *testing.T) {
	env := newTestEnv(t)
	for _, status := range []int{http.StatusBadRequest, http.StatusServiceUnavailable} {
		w := httptest.NewRecorder()
		c, _ := gin.CreateTestContext(w)
		c.Request = httptest.NewRequest(http.MethodGet, "/x", nil)
		env.srv.page(func(c *gin.Context) error {
			b := env.srv.base(c)
			return &pageError{status: status, page: "error", data: ErrorPage{BasePage: b, Title: "the title", Body: "the body"}}
		})(c)
		if w.Code != status || !strings.Contains(w.Body.String(), "the body") {
			t.Errorf("page error %d: answered %d\n%s", status, w.Code, clip(w.Body.String()))
		}
		if retry := w.Header().Get("Retry-After"); (status == http.StatusServiceUnavailable) != (retry != "") {
			t.Errorf("page error %d: Retry-After %q", status, retry)
		}
	}
}

// TestSubmitPipelineOneEntryRule: the entry page and the API apply one rule
// of the interview date and the channel (survey.Resolve).
func TestSubmitPipelineOneEntryRule(t *testing.T) {
	env := enEnv(t)
	ctx := context.Background()
	pw := insertUser(t, env, "land-clerk", survey.RoleStaff, landAgency)
	staff := loginAs(t, env, "land-clerk", pw)
	staff.token = staff.fetchToken(t, "entry")
	path := entryPath(landAgency, landArea)
	_, day := enMonthDay(2, 10)

	t.Run("a postal survey entered on the page is stored, as through the API", func(t *testing.T) {
		page := staff.get(t, path)
		vals := enFormValues(t, page.body, "postal", day)
		r := staff.post(t, path, vals)
		if r.status != http.StatusSeeOther {
			t.Fatalf("postal entry: %s, want 303", r)
		}
		got, err := env.store.Response(ctx, vals.Get("key"))
		want, _ := survey.ParseEntryDate(day)
		if err != nil || got.Channel != survey.ChannelPostal || !got.SubmittedAt.Equal(want) {
			t.Errorf("stored %+v, %v; want postal of %s", got, err, day)
		}
	})
	t.Run("the page never takes a channel answered on the spot", func(t *testing.T) {
		page := staff.get(t, path)
		for _, ch := range []string{"web", "kiosk", "counter", ""} {
			vals := enFormValues(t, page.body, ch, day)
			if r := staff.post(t, path, vals); r.status != http.StatusBadRequest || !strings.Contains(r.body, `id="channel-err"`) {
				t.Errorf("channel %q: %s, want 400 at the channel", ch, r)
			}
		}
	})
	t.Run("the API tells every problem of an entry at once", func(t *testing.T) {
		b := apiSubmission(landAgency, landArea, "entry-both-0001")
		b["channel"], b["submittedAt"], b["formVersion"] = "web", "20/03/2025", 99
		r := staff.api(t, http.MethodPost, responsesPath, b)
		for _, field := range []string{survey.FieldSubmittedAt, survey.FieldChannel, survey.FieldForm} {
			wantFieldError(t, field, r, field)
		}
	})
}
