package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"hailong/survey"
)

// Staff entry of paper and phone surveys, over a real embedded FerretDB:
// POST /api/v1/responses with submittedAt, and the /entry pages.

// The entry pages are for agency staff (their agencies) and administrators;
// authzMatrix in authz_test.go has their rows.

// enMonthDay is a day (YYYY-MM-DD) in the month k months before this one.
func enMonthDay(k, day int) (survey.Month, string) {
	m := survey.MonthOf(time.Now()).Add(-k)
	return m, m.Start().AddDate(0, 0, day-1).Format(time.DateOnly)
}

// enEnv is a test server whose staff may enter surveys of any past day, so
// that the tests of the entry rules can date them months back; the limit
// itself (HAILONG_ENTRY_MAX_AGE) is TestEntryMaxAge's.
func enEnv(t *testing.T) *testEnv {
	t.Helper()
	return newTestEnvConfig(t, Config{EntryMaxAge: 3660 * 24 * time.Hour})
}

// enReport reads an agency's report for one month through the report API,
// after the rollups have counted every stored response.
func enReport(t *testing.T, env *testEnv, token, agency string, m survey.Month) ReportJSON {
	t.Helper()
	if err := env.store.FlushRollups(context.Background()); err != nil {
		t.Fatalf("flush rollups: %v", err)
	}
	path := "/api/v1/reports/agencies/" + agency + "?" + url.Values{"from": {m.String()}, "to": {m.String()}}.Encode()
	r := callAPI(t, env, token, http.MethodGet, path, nil)
	if r.status != http.StatusOK {
		t.Fatalf("GET %s: %s", path, r)
	}
	var out ReportJSON
	if err := json.Unmarshal([]byte(r.body), &out); err != nil {
		t.Fatalf("report: %v", err)
	}
	return out
}

// enChannel is the number of responses of the channel in a report.
func enChannel(r ReportJSON, ch survey.Channel) int64 {
	for _, s := range r.ByChannel {
		if s.Code == string(ch) {
			return s.Responses
		}
	}
	return 0
}

func TestEntryAPI(t *testing.T) {
	env := enEnv(t)
	ctx := context.Background()
	admin := newAdmin(t, env)
	staff := loginAs(t, env, "land-staff", insertUser(t, env, "land-staff", survey.RoleStaff, landAgency))
	staff.token = staff.fetchToken(t, "entry")
	other := loginAs(t, env, "justice-staff", insertUser(t, env, "justice-staff", survey.RoleStaff, "so-tu-phap"))
	other.token = other.fetchToken(t, "entry")
	insp := loginAs(t, env, "insp", insertUser(t, env, "insp", survey.RoleInspector))
	insp.token = insp.fetchToken(t, "entry")

	month, day := enMonthDay(2, 15)
	body := func(key, channel, at string) map[string]any {
		b := apiSubmission(landAgency, landArea, key)
		b["channel"] = channel
		b["submittedAt"] = at
		return b
	}
	stored := func() int64 { return env.responseCount(t) }

	t.Run("anonymous caller is refused", func(t *testing.T) {
		r := callAPI(t, env, "", http.MethodPost, responsesPath, body("anon-entry-0001", "paper", day))
		wantFieldError(t, "anonymous with submittedAt", r, survey.FieldSubmittedAt)
		// Without the date the same survey is an ordinary public submission.
		b := body("anon-entry-0002", "paper", "")
		delete(b, "submittedAt")
		if r := callAPI(t, env, "", http.MethodPost, responsesPath, b); r.status != http.StatusCreated {
			t.Fatalf("anonymous without submittedAt: %s", r)
		}
		got, err := env.store.Response(ctx, "anon-entry-0002")
		if err != nil || time.Since(got.SubmittedAt) > time.Minute {
			t.Errorf("anonymous paper survey: %+v, %v; want dated now", got, err)
		}
	})
	before := stored()

	t.Run("staff of another agency get 403", func(t *testing.T) {
		r := other.api(t, http.MethodPost, responsesPath, body("other-entry-001", "paper", day))
		if r.status != http.StatusForbidden || decodeAPIError(t, r).Error.Code != "forbidden" {
			t.Errorf("other agency: %s, want 403 forbidden", r)
		}
	})
	t.Run("inspectors only read", func(t *testing.T) {
		r := insp.api(t, http.MethodPost, responsesPath, body("insp-entry-0001", "paper", day))
		if r.status != http.StatusForbidden {
			t.Errorf("inspector: %s, want 403", r)
		}
	})
	t.Run("bad dates", func(t *testing.T) {
		tomorrow := time.Now().In(survey.Zone()).AddDate(0, 0, 1).Format(time.DateOnly)
		for _, tc := range []struct{ name, at, want string }{
			{"future", tomorrow, "The date cannot be in the future."},
			{"future instant", time.Now().Add(time.Hour).UTC().Format(time.RFC3339), "The date cannot be in the future."},
			{"before the agency started", "2014-12-31", "The date cannot be before the agency started."},
			{"not a date", "2025-13-01", "The interview date must be YYYY-MM-DD or an RFC 3339 time."},
			{"no zone", "2025-03-04T10:00:00", "The interview date must be YYYY-MM-DD or an RFC 3339 time."},
			{"words", "yesterday", "The interview date must be YYYY-MM-DD or an RFC 3339 time."},
		} {
			r := doRequest(t, nil, http.MethodPost, env.http.URL+responsesPath, mustJSON(t, body("bad-date-000001", "paper", tc.at)),
				map[string]string{"Content-Type": "application/json", "Authorization": "Bearer " + staff.token, "Accept-Language": "en"})
			wantFieldError(t, tc.name, r, survey.FieldSubmittedAt)
			if r.status == http.StatusBadRequest {
				if got := decodeAPIError(t, r).Error.Fields[survey.FieldSubmittedAt]; got != tc.want {
					t.Errorf("%s: message %q, want %q", tc.name, got, tc.want)
				}
			}
		}
	})
	t.Run("web and kiosk are never backdated", func(t *testing.T) {
		for _, ch := range []string{"web", "kiosk"} {
			r := staff.api(t, http.MethodPost, responsesPath, body("backdated-"+ch+"-01", ch, day))
			wantFieldError(t, ch, r, survey.FieldChannel)
		}
	})
	if n := stored(); n != before {
		t.Fatalf("refused entries stored %d responses", n-before)
	}

	// The month is empty before the entry.
	if r := enReport(t, env, staff.token, landAgency, month); r.Report.Responses != 0 {
		t.Fatalf("month %s has %d responses before the entry", month, r.Report.Responses)
	}

	t.Run("paper survey counts in the month of its date", func(t *testing.T) {
		r := staff.api(t, http.MethodPost, responsesPath, body("paper-entry-0001", "paper", day))
		if r.status != http.StatusCreated {
			t.Fatalf("entry: %s", r)
		}
		got, err := env.store.Response(ctx, "paper-entry-0001")
		if err != nil {
			t.Fatal(err)
		}
		want, _ := survey.ParseEntryDate(day)
		if got.Channel != survey.ChannelPaper || !got.SubmittedAt.Equal(want) || time.Since(got.ReceivedAt) > time.Minute {
			t.Errorf("stored channel %s, submitted %v, received %v; want paper, %v, now", got.Channel, got.SubmittedAt, got.ReceivedAt, want)
		}
		// A retry is the same response, not a second count.
		if r := staff.api(t, http.MethodPost, responsesPath, body("paper-entry-0001", "paper", day)); r.status != http.StatusOK {
			t.Errorf("retry: %s, want 200", r)
		}
		rep := enReport(t, env, staff.token, landAgency, month)
		if rep.Report.Responses != 1 || len(rep.Trend) != 1 || rep.Trend[0].Responses != 1 || enChannel(rep, survey.ChannelPaper) != 1 {
			t.Errorf("report of %s: %d responses, trend %+v, by channel %+v; want the paper survey", month, rep.Report.Responses, rep.Trend, rep.ByChannel)
		}
		now := survey.MonthOf(time.Now())
		if rep := enReport(t, env, staff.token, landAgency, now); enChannel(rep, survey.ChannelPaper) != 1 {
			// only the anonymous paper survey of today
			t.Errorf("this month: %d paper surveys, want 1 (the entry is counted in %s)", enChannel(rep, survey.ChannelPaper), month)
		}
		es, err := env.store.Audit(ctx, "", 1000)
		if err != nil {
			t.Fatal(err)
		}
		if found := findAudit(es, "response_entered", "paper-entry-0001"); len(found) != 1 || found[0].Actor != "land-staff" {
			t.Errorf("audit of the entry: %+v", found)
		}
	})

	t.Run("phone survey by session, RFC 3339 time read in Vietnamese time", func(t *testing.T) {
		// 17:30 UTC on the last day of a month is 00:30 of the next day in Vietnam.
		m := survey.MonthOf(time.Now()).Add(-4)
		last := m.End().AddDate(0, 0, -1)
		at := time.Date(last.Year(), last.Month(), last.Day(), 17, 30, 0, 0, time.UTC)
		b := body("phone-entry-0001", "phone", at.Format(time.RFC3339))
		// A session is a credential for an API write only with its CSRF header (auth_csrf.go).
		r := doRequest(t, staff.c, http.MethodPost, env.http.URL+responsesPath, mustJSON(t, b), map[string]string{"Content-Type": "application/json"})
		if r.status != http.StatusBadRequest {
			t.Fatalf("entry by session without X-CSRF-Token: %s, want 400 (staff only)", r)
		}
		r = doRequest(t, staff.c, http.MethodPost, env.http.URL+responsesPath, mustJSON(t, b),
			map[string]string{"Content-Type": "application/json", csrfHeader: staff.csrf})
		if r.status != http.StatusCreated {
			t.Fatalf("entry by session: %s", r)
		}
		got, err := env.store.Response(ctx, "phone-entry-0001")
		if err != nil || !got.SubmittedAt.Equal(at) || got.Channel != survey.ChannelPhone {
			t.Fatalf("stored %+v, %v; want phone at %v", got, err, at)
		}
		next := m.Add(1)
		if survey.MonthOf(at) != next {
			t.Fatalf("test setup: %v is in %s, want %s", at, survey.MonthOf(at), next)
		}
		if rep := enReport(t, env, staff.token, landAgency, next); enChannel(rep, survey.ChannelPhone) != 1 {
			t.Errorf("month %s: by channel %+v, want the phone survey", next, rep.ByChannel)
		}
		if rep := enReport(t, env, staff.token, landAgency, m); rep.Report.Responses != 0 {
			t.Errorf("month %s: %d responses, want 0", m, rep.Report.Responses)
		}
	})

	t.Run("administrators enter for any agency", func(t *testing.T) {
		b := apiSubmission("so-tu-phap", "tu-phap", "admin-entry-0001")
		b["channel"], b["submittedAt"] = "postal", day
		if r := admin.api(t, http.MethodPost, responsesPath, b); r.status != http.StatusCreated {
			t.Fatalf("admin entry: %s", r)
		}
		if rep := enReport(t, env, other.token, "so-tu-phap", month); enChannel(rep, survey.ChannelPostal) != 1 {
			t.Errorf("so-tu-phap %s: by channel %+v, want the postal survey", month, rep.ByChannel)
		}
	})
}

func TestEntryAPIMergedAgency(t *testing.T) {
	env := enEnv(t)
	admin := newAdmin(t, env)
	// Merge lam-binh into na-hang on the first day of last month: its staff
	// (now na-hang's) may still enter the interviews lam-binh held before.
	end := survey.MonthOf(time.Now()).Add(-1)
	r := admin.api(t, http.MethodPost, "/api/v1/admin/merges",
		map[string]any{"from": []string{"lam-binh"}, "into": "na-hang", "date": end.Start().Format(time.DateOnly)})
	if r.status >= 300 {
		t.Fatalf("merge through the API: %s", r)
	}
	staff := loginAs(t, env, "nh-staff", insertUser(t, env, "nh-staff", survey.RoleStaff, "na-hang"))
	staff.token = staff.fetchToken(t, "entry")
	send := func(key, at string) httpResult {
		b := apiSubmission("lam-binh", landArea, key)
		b["channel"], b["submittedAt"] = "paper", at
		return staff.api(t, http.MethodPost, responsesPath, b)
	}
	before := end.Add(-1).Start().AddDate(0, 0, 9).Format(time.DateOnly)
	if r := send("merged-entry-001", before); r.status != http.StatusCreated {
		t.Errorf("interview before the merger: %s, want 201", r)
	}
	wantFieldError(t, "interview after the merger", send("merged-entry-002", end.Start().AddDate(0, 0, 1).Format(time.DateOnly)), survey.FieldSubmittedAt)
	// The citizen form of a merged agency stays closed.
	b := apiSubmission("lam-binh", landArea, "merged-citizen-1")
	if r := callAPI(t, env, "", http.MethodPost, responsesPath, b); r.status != http.StatusNotFound {
		t.Errorf("citizen survey of a merged agency: %s, want 404", r)
	}
}

// enFormValues reads every hidden field of an entry page and completes the
// submission with valid answers, the channel and the date.
func enFormValues(t *testing.T, body, channel, date string) url.Values {
	t.Helper()
	vals := validFormValues(landArea, "")
	for name, v := range hiddenFields(t, body) {
		vals.Set(name, v)
	}
	if vals.Get("csrf") == "" || !survey.ValidKey(vals.Get("key")) {
		t.Fatalf("entry page lacks the csrf or key field:\n%s", clip(body))
	}
	vals.Set("channel", channel)
	vals.Set("interviewDate", date)
	return vals
}

func TestEntryPages(t *testing.T) {
	env := enEnv(t)
	ctx := context.Background()
	pw := insertUser(t, env, "land-clerk", survey.RoleStaff, landAgency)
	staff := loginAs(t, env, "land-clerk", pw)
	staff.token = staff.fetchToken(t, "reports")
	path := entryPath(landAgency, landArea)
	month, day := enMonthDay(3, 20)

	t.Run("chooser lists the staff's agency only", func(t *testing.T) {
		r := staff.get(t, "/entry")
		if r.status != http.StatusOK {
			t.Fatalf("GET /entry: %s", r)
		}
		if !hasElement(r.body, "[href=\""+path+"\"]") {
			t.Errorf("chooser lacks a link to %s:\n%s", path, clip(r.body))
		}
		if strings.Contains(r.body, "/entry/so-tu-phap/") {
			t.Errorf("chooser offers another agency")
		}
	})

	page := staff.get(t, path)
	if page.status != http.StatusOK {
		t.Fatalf("GET %s: %s", path, page)
	}
	for _, want := range []string{`select#channel[name=channel][required]`, `option[value=paper]`, `option[value=phone]`,
		`input#interviewDate[type=date][name=interviewDate][value=""][min="2015-01-01"]`, `[name="a_1.1"]`, `textarea#comment`} {
		if !hasElement(page.body, want) {
			t.Errorf("entry page lacks %q", want)
		}
	}
	if hasElement(page.body, "option[value=\"web\"]") || hasElement(page.body, "option[value=\"kiosk\"]") {
		t.Errorf("entry page offers a channel that cannot be backdated")
	}

	t.Run("errors come back at the fields with values kept", func(t *testing.T) {
		vals := enFormValues(t, page.body, "", time.Now().In(survey.Zone()).AddDate(0, 0, 1).Format(time.DateOnly))
		vals.Del("a_1.2")
		vals.Set("comment", "Giữ nguyên <góp ý>")
		r := staff.post(t, path, vals)
		if r.status != http.StatusBadRequest {
			t.Fatalf("POST with errors: %s, want 400", r)
		}
		summary := errorSummary(r.body)
		for _, want := range []string{`a[href="#channel"]`, `a[href="#interviewDate"]`, `a[href="#` + qAnchor("1.2") + `"]`} {
			if !hasElement(summary, want) {
				t.Errorf("error summary lacks %s:\n%s", want, summary)
			}
		}
		for _, want := range []string{
			`<p class="err" id="channel-err">Vui lòng chọn hình thức khảo sát: phiếu giấy hoặc điện thoại.</p>`,
			`<p class="err" id="interviewDate-err">Ngày không được ở tương lai.</p>`,
			`value="` + vals.Get("interviewDate") + `"`,
			`Giữ nguyên &lt;góp ý&gt;</textarea>`,
		} {
			if !strings.Contains(r.body, want) {
				t.Errorf("page lacks %q", want)
			}
		}
		if fs := fieldsets(r.body)["1.2"]; !hasElement(fs, "[class=\"err\"]") {
			t.Errorf("question 1.2 has no message: %s", fs)
		}
		if got := checkedAnswers(r.body); got["1.1"] != vals.Get("a_1.1") {
			t.Errorf("answer 1.1 not kept: %v", got)
		}
		if formKey(t, r.body) != vals.Get("key") {
			t.Errorf("the key changed")
		}

		vals = enFormValues(t, page.body, "phone", "2014-12-31")
		r = staff.post(t, path, vals)
		if r.status != http.StatusBadRequest || !strings.Contains(r.body, "Ngày không được trước khi cơ quan bắt đầu hoạt động.") ||
			!hasElement(r.body, "option[value=\"phone\"][selected]") {
			t.Errorf("date before the agency: %s", r)
		}
		vals.Set("interviewDate", "20/03/2025")
		if r := staff.post(t, path, vals); r.status != http.StatusBadRequest || !strings.Contains(r.body, "Ngày khảo sát không hợp lệ") {
			t.Errorf("malformed date: %s", r)
		}
		vals.Set("interviewDate", "")
		if r := staff.post(t, path, vals); r.status != http.StatusBadRequest || !strings.Contains(r.body, "Vui lòng nhập ngày khảo sát.") {
			t.Errorf("missing date: %s", r)
		}
		vals.Set("interviewDate", day)
		vals.Set("channel", "web")
		if r := staff.post(t, path, vals); r.status != http.StatusBadRequest || !hasElement(r.body, "[id=\"channel-err\"]") {
			t.Errorf("channel web: %s", r)
		}
		if n := env.responseCount(t); n != 0 {
			t.Errorf("invalid entries stored %d responses", n)
		}
	})

	t.Run("without the CSRF token nothing is stored", func(t *testing.T) {
		vals := enFormValues(t, page.body, "paper", day)
		vals.Set("csrf", "")
		if r := staff.post(t, path, vals); r.status != http.StatusForbidden {
			t.Errorf("no csrf: %s, want 403", r)
		}
		if n := env.responseCount(t); n != 0 {
			t.Errorf("stored %d responses", n)
		}
	})

	t.Run("a valid entry is stored, confirmed and counted in its month", func(t *testing.T) {
		vals := enFormValues(t, page.body, "paper", day)
		key := vals.Get("key")
		r := staff.post(t, path, vals)
		if r.status != http.StatusSeeOther || r.location() != path+"/saved?id="+key {
			t.Fatalf("POST: %s, want 303 to %s/saved?id=%s", r, path, key)
		}
		// The same form sent again is the same survey.
		if r2 := staff.post(t, path, vals); r2.status != http.StatusSeeOther {
			t.Errorf("second POST: %s", r2)
		}
		if n := env.responseCount(t); n != 1 {
			t.Errorf("stored %d responses, want 1", n)
		}
		got, err := env.store.Response(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := survey.ParseEntryDate(day)
		if got.Channel != survey.ChannelPaper || !got.SubmittedAt.Equal(want) || got.Agency != landAgency || got.Area != landArea ||
			len(got.Answers) != len(questionCodes(landArea)) || got.Comment != vals.Get("comment") {
			t.Errorf("stored %+v", got)
		}
		conf := staff.get(t, r.location())
		again := path + "?channel=paper"
		if conf.status != http.StatusOK || !hasElement(conf.body, "[href=\""+again+"\"]") ||
			!strings.Contains(conf.body, "Nhập phiếu khác") || !strings.Contains(conf.body, displayMonth(survey.Vi, month)) {
			t.Errorf("confirmation: %s", conf)
		}
		if p := staff.get(t, again); p.status != http.StatusOK || !hasElement(p.body, "option[value=\"paper\"][selected]") ||
			formKey(t, p.body) == key {
			t.Errorf("enter another: %s", p)
		}
		rep := enReport(t, env, staff.token, landAgency, month)
		if rep.Report.Responses != 1 || enChannel(rep, survey.ChannelPaper) != 1 {
			t.Errorf("report of %s: %d responses, by channel %+v", month, rep.Report.Responses, rep.ByChannel)
		}
	})

	t.Run("another agency's form is forbidden", func(t *testing.T) {
		for _, p := range []string{"/entry/so-tu-phap/tu-phap", "/entry/so-tu-phap/tu-phap/saved?id=whatever-key-01"} {
			if r := staff.get(t, p); r.status != http.StatusForbidden {
				t.Errorf("GET %s: %s, want 403", p, r)
			}
		}
		if r := staff.post(t, "/entry/so-tu-phap/tu-phap", validFormValues("tu-phap", survey.NewKey())); r.status != http.StatusForbidden {
			t.Errorf("POST to another agency: %s, want 403", r)
		}
		if r := staff.get(t, "/entry/"+landAgency+"/tu-phap"); r.status != http.StatusNotFound {
			t.Errorf("area not served: %s, want 404", r)
		}
	})

	t.Run("inspectors and visitors cannot enter", func(t *testing.T) {
		insp := loginAs(t, env, "insp", insertUser(t, env, "insp", survey.RoleInspector))
		for _, p := range []string{"/entry", path} {
			if r := insp.get(t, p); r.status != http.StatusForbidden {
				t.Errorf("inspector GET %s: %s, want 403", p, r)
			}
		}
		if r := insp.post(t, path, enFormValues(t, page.body, "paper", day)); r.status != http.StatusForbidden {
			t.Errorf("inspector POST: %s, want 403", r)
		}
		if r := doRequest(t, env.client(t), http.MethodGet, env.http.URL+"/entry", "", nil); r.status != http.StatusSeeOther ||
			!strings.HasPrefix(r.location(), "/login") {
			t.Errorf("visitor: %s, want 303 to /login", r)
		}
	})

	t.Run("administrator", func(t *testing.T) {
		admin := newAdmin(t, env)
		r := admin.get(t, "/entry")
		if r.status != http.StatusOK || !strings.Contains(r.body, "/entry/so-tu-phap/tu-phap") {
			t.Errorf("admin chooser: %s", r)
		}
		p := admin.get(t, "/entry/so-tu-phap/tu-phap?lang=en")
		if p.status != http.StatusOK || !strings.Contains(p.body, "Interview date") {
			t.Errorf("admin form in English: %s", p)
		}
	})
}

// TestEntryMaxAge: agency staff may date an entered survey at most
// HAILONG_ENTRY_MAX_AGE back (31 days by default), through the API and the
// page, with a message in the caller's language; administrators and
// inspectors are not limited. The rated agency's own staff could otherwise
// add to a period already read (issue 14).
func TestEntryMaxAge(t *testing.T) {
	env := newTestEnv(t)
	admin := newAdmin(t, env)
	staff := loginAs(t, env, "land-staff", insertUser(t, env, "land-staff", survey.RoleStaff, landAgency))
	staff.token = staff.fetchToken(t, "entry")
	today := time.Now().In(survey.Zone())
	day := func(back int) string { return today.AddDate(0, 0, -back).Format(time.DateOnly) }
	send := func(u *staffUser, key, at string) httpResult {
		b := apiSubmission(landAgency, landArea, key)
		b["channel"], b["submittedAt"] = "paper", at
		return u.api(t, http.MethodPost, responsesPath, b)
	}
	if r := send(staff, "age-staff-0030", day(30)); r.status != http.StatusCreated {
		t.Errorf("staff, 30 days back: %s, want 201", r)
	}
	r := send(staff, "age-staff-0040", day(40))
	wantFieldError(t, "staff, 40 days back", r, survey.FieldSubmittedAt)
	if !strings.Contains(r.body, "31 ngày") {
		t.Errorf("the message does not give the limit: %s", r.body)
	}
	if r := send(admin, "age-admin-0400", day(400)); r.status != http.StatusCreated {
		t.Errorf("administrator, 400 days back: %s, want 201", r)
	}
	insp := loginAs(t, env, "insp", insertUser(t, env, "insp", survey.RoleInspector))
	insp.token = insp.fetchToken(t, "entry")
	if r := send(insp, "age-insp-0400", day(400)); r.status == http.StatusBadRequest && strings.Contains(r.body, "submittedAt") {
		t.Errorf("inspector, 400 days back: refused on the date: %s", r)
	}

	// The entry page says the same.
	path := entryPath(landAgency, landArea)
	page := staff.get(t, path)
	vals := enFormValues(t, page.body, "paper", day(40))
	if r := staff.post(t, path, vals); r.status != http.StatusBadRequest || !strings.Contains(r.body, "31 ngày gần đây") {
		t.Errorf("entry page, 40 days back: %d, want 400 with the limit", r.status)
	}
	if n := env.responseCount(t); n != 2 {
		t.Errorf("%d responses stored, want 2 (staff at 30 days, the administrator)", n)
	}
}
