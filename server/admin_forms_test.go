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

// Integration tests of questionnaire administration (pages and JSON API)
// over a real embedded FerretDB: an administrator makes version 2 of the
// SIPAS form, edits, publishes and assigns it to the land area; citizens of
// that area get it, the other areas keep version 1.

// citizenVersion opens a survey as a citizen and returns the version it
// offers and the page.
func citizenVersion(t *testing.T, env *testEnv, path string) (string, string) {
	t.Helper()
	r := env.getPage(t, env.client(t), path)
	if r.status != http.StatusOK {
		t.Fatalf("GET %s = %d", path, r.status)
	}
	in := findIn(t, r.body, `input[name=formVersion]`)
	if len(in) == 0 {
		t.Fatalf("no formVersion in %s", path)
	}
	return attrOf(in[0], "value"), r.body
}

func yesterdayVN() string { return time.Now().In(hcm).AddDate(0, 0, -1).Format("2006-01-02") }

func TestAdminFormsPagesFlow(t *testing.T) {
	env := newTestEnv(t)
	ensureAdmin(t, env)
	ctx := context.Background()
	admin := loginAs(t, env, "admin", adminPassword)
	c := admin.c

	list := env.getPage(t, c, "/admin/forms")
	if list.status != http.StatusOK || !hasElement(list.body, "[href=\"/admin/forms/sipas-2017/1\"]") {
		t.Fatalf("GET /admin/forms = %d: %s", list.status, clip(list.body))
	}
	// Carried from step to step.
	var (
		r    httpResult
		page httpResult
		vals url.Values
		d    survey.Form
		err  error
		asg  httpResult
		v    string
		body string
	)
	const edited = "Nơi ngồi chờ rộng rãi, thoáng mát"

	step(t, "New draft from version 1", func(t *testing.T) {
		r = admin.post(t, "/admin/forms/sipas-2017/1/draft", nil)
		if r.status != http.StatusSeeOther || r.header.Get("Location") != "/admin/forms/sipas-2017/2?done=draft" {
			t.Fatalf("new draft = %d, Location %q: %s", r.status, r.header.Get("Location"), clip(r.body))
		}
		page = env.getPage(t, c, "/admin/forms/sipas-2017/2?done=draft")
		if page.status != http.StatusOK || !hasElement(page.body, "[role=\"status\"]") {
			t.Fatalf("GET draft = %d: %s", page.status, clip(page.body))
		}
		// Every input has a label.
		doc := mustHTML(t, page.body)
		for _, sel := range []string{"input[id]", "textarea[id]", "select[id]"} {
			for _, f := range findAll(doc, sel) {
				id := attrOf(f, "id")
				if findFirst(doc, `label[for="`+id+`"]`) == nil {
					t.Errorf("field %s has no label", id)
				}
			}
		}
	})

	step(t, "Edit a criterion text and add a criterion to factor 1", func(t *testing.T) {
		vals = formValues(t, page.body, "/admin/forms/sipas-2017/2")
		if vals.Get("factors.0.criteria.0.text.vi") != "Nơi ngồi chờ có đủ chỗ ngồi" {
			t.Fatalf("edit form lacks the criterion text: %q", vals.Get("factors.0.criteria.0.text.vi"))
		}
		vals.Set("factors.0.criteria.0.text.vi", edited)
		vals.Set("factors.0.new.code", "1.5")
		vals.Set("factors.0.new.text.vi", "Có nước uống miễn phí")
		vals.Set("factors.0.new.text.en", "Free drinking water is available")
		r = env.postSurvey(t, c, "/admin/forms/sipas-2017/2", vals)
		if r.status != http.StatusSeeOther {
			t.Fatalf("save draft = %d: %s", r.status, clip(errorSummary(r.body)))
		}
		d, err = env.store.Form(ctx, survey.DefaultFormID, 2)
		if err != nil || d.Factors[0].Criteria[0].Text.Vi != edited || len(d.Factors[0].Criteria) != 5 || d.Factors[0].Criteria[4].Code != "1.5" {
			t.Fatalf("stored draft: %+v, %v", d.Factors[0].Criteria, err)
		}
	})

	step(t, "Remove the added criterion again", func(t *testing.T) {
		page = env.getPage(t, c, "/admin/forms/sipas-2017/2")
		vals = formValues(t, page.body, "/admin/forms/sipas-2017/2")
		vals.Set("factors.0.criteria.4.remove", "1")
		if r = env.postSurvey(t, c, "/admin/forms/sipas-2017/2", vals); r.status != http.StatusSeeOther {
			t.Fatalf("remove criterion = %d: %s", r.status, clip(errorSummary(r.body)))
		}
		if d, _ = env.store.Form(ctx, survey.DefaultFormID, 2); len(d.Factors[0].Criteria) != 4 {
			t.Fatalf("criteria after removal = %d, want 4", len(d.Factors[0].Criteria))
		}
	})

	step(t, "Invalid edits come back with messages, every value kept, nothing stored", func(t *testing.T) {
		page = env.getPage(t, c, "/admin/forms/sipas-2017/2")
		vals = formValues(t, page.body, "/admin/forms/sipas-2017/2")
		vals.Set("title.en", "")
		vals.Set("factors.1.criteria.0.code", "1.1")
		vals.Set("factors.2.criteria.0.text.en", "Kept <b>as typed</b>")
		vals.Set("areaItems.0.items.0.code", "$gt")
		r = env.postSurvey(t, c, "/admin/forms/sipas-2017/2", vals)
		if r.status != http.StatusBadRequest {
			t.Fatalf("invalid save = %d", r.status)
		}
		for _, want := range []string{
			`href="#title.en"`, `href="#factors.1.criteria.0.code"`, `href="#areaItems.0.items.0.code"`,
			"Mã này bị trùng.", "Vui lòng nhập nội dung này.", "Giá trị không hợp lệ.",
			`Kept &lt;b&gt;as typed&lt;/b&gt;`, `value="$gt"`, edited,
		} {
			if !strings.Contains(r.body, want) {
				t.Errorf("invalid save page lacks %q", want)
			}
		}
		if d, _ = env.store.Form(ctx, survey.DefaultFormID, 2); d.Title.En == "" {
			t.Error("an invalid edit was stored")
		}
	})

	step(t, "Publishing alone does not change what citizens get", func(t *testing.T) {
		if r = admin.post(t, "/admin/forms/sipas-2017/2/publish", nil); r.status != http.StatusSeeOther {
			t.Fatalf("publish = %d: %s", r.status, clip(errorSummary(r.body)))
		}
		if d, _ = env.store.Form(ctx, survey.DefaultFormID, 2); !d.Published {
			t.Fatal("v2 not published")
		}
		if v, _ := citizenVersion(t, env, "/s/so-tn-mt/dat-dai"); v != "1" {
			t.Errorf("after publishing, before assigning: land survey is v%s, want v1", v)
		}
	})

	step(t, "Editing the published version is refused with a message, never a 500", func(t *testing.T) {
		page = env.getPage(t, c, "/admin/forms/sipas-2017/2")
		if hasElement(page.body, "[action=\"/admin/forms/sipas-2017/2\"]") {
			t.Error("a published version still shows its edit form")
		}
		vals.Set("csrf", mustCSRF(t, page.body))
		r = env.postSurvey(t, c, "/admin/forms/sipas-2017/2", vals)
		if r.status != http.StatusBadRequest || !strings.Contains(r.body, "Phiên bản đã ban hành không thể sửa") {
			t.Errorf("edit published = %d: %s", r.status, clip(errorSummary(r.body)))
		}
		if r = admin.post(t, "/admin/forms/sipas-2017/2/publish", nil); r.status != http.StatusBadRequest {
			t.Errorf("publish twice = %d", r.status)
		}
	})

	step(t, "Assign v2 to the land area from yesterday", func(t *testing.T) {
		asg = env.getPage(t, c, "/admin/assignments")
		if asg.status != http.StatusOK || !hasElement(asg.body, "option[value=\"sipas-2017@2\"]") {
			t.Fatalf("GET /admin/assignments = %d: %s", asg.status, clip(asg.body))
		}
		r = env.postSurvey(t, c, "/admin/assignments", url.Values{
			"csrf": {mustCSRF(t, asg.body)}, "area": {"dat-dai"}, "form": {"sipas-2017@2"}, "from": {yesterdayVN()},
		})
		if r.status != http.StatusSeeOther {
			t.Fatalf("assign = %d: %s", r.status, clip(errorSummary(r.body)))
		}
		v, body = citizenVersion(t, env, "/s/so-tn-mt/dat-dai")
		if v != "2" || !strings.Contains(body, edited) {
			t.Errorf("land survey after assignment: v%s, edited text shown: %v", v, strings.Contains(body, edited))
		}
		v, body = citizenVersion(t, env, "/s/so-tn-mt/moi-truong")
		if v != "1" || strings.Contains(body, edited) {
			t.Errorf("environment survey: v%s, want v1 with the old text", v)
		}
	})

	step(t, "A citizen who opened v1 before the change may still send it", func(t *testing.T) {
		key := survey.NewKey()
		old := validFormValues(landArea, key)
		old.Set("formVersion", "1")
		if r = env.postSurvey(t, env.client(t), landPath, old); r.status != http.StatusSeeOther {
			t.Fatalf("submit v1 after the change = %d: %s", r.status, clip(errorSummary(r.body)))
		}
		if resp, err := env.store.Response(ctx, key); err != nil || resp.FormVersion != 1 {
			t.Errorf("old response version = %d, %v; want 1", resp.FormVersion, err)
		}
	})

	step(t, "Assignment form errors keep the values", func(t *testing.T) {
		for _, tc := range []struct {
			area, form, from, want string
		}{
			{"dat-dai", "sipas-2017@2", "31/12/2025", "Giá trị không hợp lệ."},
			{"", "sipas-2017@2", yesterdayVN(), "Vui lòng nhập nội dung này."},
			{"khong-co", "sipas-2017@2", yesterdayVN(), "Không có lĩnh vực này."},
			{"dat-dai", "sipas-2017@9", yesterdayVN(), "Không có phiên bản phiếu này."},
		} {
			r = env.postSurvey(t, c, "/admin/assignments", url.Values{"csrf": {mustCSRF(t, asg.body)}, "area": {tc.area}, "form": {tc.form}, "from": {tc.from}})
			if r.status != http.StatusBadRequest || !strings.Contains(r.body, tc.want) || !hasElement(r.body, "[value=\""+tc.from+"\"]") {
				t.Errorf("assign %+v = %d: %s", tc, r.status, clip(errorSummary(r.body)))
			}
		}
		// A draft cannot be assigned.
		if r = admin.post(t, "/admin/forms/sipas-2017/2/draft", nil); r.header.Get("Location") != "/admin/forms/sipas-2017/3?done=draft" {
			t.Fatalf("draft from v2: %d %q", r.status, r.header.Get("Location"))
		}
		r = env.postSurvey(t, c, "/admin/assignments", url.Values{"csrf": {mustCSRF(t, asg.body)}, "area": {"dat-dai"}, "form": {"sipas-2017@3"}, "from": {yesterdayVN()}})
		if r.status != http.StatusBadRequest || !strings.Contains(r.body, "chưa được ban hành") {
			t.Errorf("assign a draft = %d", r.status)
		}
		// The list shows where each version is in force.
		list = env.getPage(t, c, "/admin/forms")
		if !strings.Contains(list.body, "Đất đai") || !strings.Contains(list.body, "Bản nháp") {
			t.Errorf("list page: %s", clip(list.body))
		}
	})

	step(t, "A form without the CSRF token is refused", func(t *testing.T) {
		r = env.postSurvey(t, c, "/admin/forms/sipas-2017/1/draft", url.Values{})
		if r.status != http.StatusForbidden {
			t.Errorf("POST without csrf = %d, want 403", r.status)
		}
		// Unknown versions are 404.
		for _, p := range []string{"/admin/forms/sipas-2017/99", "/admin/forms/sipas-2017/x", "/admin/forms/nope/1"} {
			if r = env.getPage(t, c, p); r.status != http.StatusNotFound {
				t.Errorf("GET %s = %d, want 404", p, r.status)
			}
		}
	})

	step(t, "Every change is in the audit log", func(t *testing.T) {
		entries, err := env.store.Audit(ctx, "", 100)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, e := range entries {
			if e.Actor == "admin" {
				seen[e.Action+" "+e.Target] = true
			}
		}
		for _, want := range []string{"form_draft sipas-2017@2", "form_edit sipas-2017@2", "form_publish sipas-2017@2", "form_assign *", "form_assign dat-dai", "form_draft sipas-2017@3"} {
			if !seen[want] {
				t.Errorf("audit lacks %q (has %v)", want, seen)
			}
		}
	})
}

func TestAdminFormsAPIFlow(t *testing.T) {
	env := newTestEnv(t)
	ensureAdmin(t, env)
	tok := tokenFor(t, env, "admin", adminPassword, "")

	r := callAPI(t, env, tok, http.MethodGet, "/api/v1/admin/forms", nil)
	list := bodyAs[struct{ Forms []AdminFormSummary }](t, r)
	if r.status != http.StatusOK || len(list.Forms) != 1 || list.Forms[0].Criteria != 22 || len(list.Forms[0].InForce) < 8 || list.Forms[0].InForce[0] != "*" {
		t.Fatalf("GET forms = %d: %s", r.status, clip(r.body))
	}

	r = callAPI(t, env, tok, http.MethodPost, "/api/v1/admin/forms/sipas-2017/1/drafts", nil)
	if r.status != http.StatusCreated || r.header.Get("Location") != "/api/v1/admin/forms/sipas-2017/2" {
		t.Fatalf("POST drafts = %d %q: %s", r.status, r.header.Get("Location"), clip(r.body))
	}

	// Read, change, send the whole document back.
	r = callAPI(t, env, tok, http.MethodGet, "/api/v1/admin/forms/sipas-2017/2", nil)
	var doc map[string]any
	if err := json.Unmarshal([]byte(r.body), &doc); err != nil || doc["published"] != false || doc["publishedAt"] != nil {
		t.Fatalf("GET draft = %d: %s", r.status, clip(r.body))
	}
	const edited = "Staff greet every visitor"
	doc["factors"].([]any)[2].(map[string]any)["criteria"].([]any)[0].(map[string]any)["text"].(map[string]any)["en"] = edited
	r = callAPI(t, env, tok, http.MethodPut, "/api/v1/admin/forms/sipas-2017/2", doc)
	if r.status != http.StatusOK {
		t.Fatalf("PUT draft = %d: %s", r.status, r.body)
	}

	// Invalid edits: 400 with a message per field, in the caller's language.
	bad := bodyAs[map[string]any](t, callAPI(t, env, tok, http.MethodGet, "/api/v1/admin/forms/sipas-2017/2", nil))
	crit := bad["factors"].([]any)[0].(map[string]any)["criteria"].([]any)
	crit[1].(map[string]any)["code"] = "$gt"
	crit[2].(map[string]any)["code"] = "1.1"
	bad["title"] = map[string]any{"vi": "Phiếu", "en": ""}
	r = callAPI(t, env, tok, http.MethodPut, "/api/v1/admin/forms/sipas-2017/2?lang=en", bad)
	e := bodyAs[apiErrorBody](t, r)
	if r.status != http.StatusBadRequest || e.Error.Code != "validation_failed" ||
		e.Error.Fields["factors.0.criteria.1.code"] != "This value is not valid." ||
		e.Error.Fields["factors.0.criteria.2.code"] != "This code is used twice." ||
		e.Error.Fields["title.en"] != "Please fill this in." {
		t.Errorf("invalid PUT = %d: %s", r.status, r.body)
	}
	for _, tc := range []struct{ body, code string }{
		{`{"title":{"vi":"a","en":"b"},"unknown":1}`, "invalid_json"},
		{`{"title":`, "invalid_json"},
		{`{"id":"other-form","title":{"vi":"a","en":"b"}}`, "validation_failed"},
	} {
		r = callAPI(t, env, tok, http.MethodPut, "/api/v1/admin/forms/sipas-2017/2", tc.body)
		if r.status != http.StatusBadRequest || bodyAs[apiErrorBody](t, r).Error.Code != tc.code {
			t.Errorf("PUT %s = %d: %s", tc.body, r.status, r.body)
		}
	}

	r = callAPI(t, env, tok, http.MethodPost, "/api/v1/admin/forms/sipas-2017/2/publish", nil)
	if pub := bodyAs[map[string]any](t, r); r.status != http.StatusOK || pub["published"] != true || pub["publishedAt"] == nil {
		t.Fatalf("publish = %d: %s", r.status, r.body)
	}

	// A published version is immutable: 400 with the message at "version".
	for _, p := range []string{"/api/v1/admin/forms/sipas-2017/2", "/api/v1/admin/forms/sipas-2017/1"} {
		r = callAPI(t, env, tok, http.MethodPut, p, doc)
		e = bodyAs[apiErrorBody](t, r)
		if r.status != http.StatusBadRequest || !strings.Contains(e.Error.Fields["version"], "Phiên bản đã ban hành không thể sửa") {
			t.Errorf("PUT %s (published) = %d: %s", p, r.status, r.body)
		}
	}
	r = callAPI(t, env, tok, http.MethodPost, "/api/v1/admin/forms/sipas-2017/2/publish", nil)
	if r.status != http.StatusBadRequest || bodyAs[apiErrorBody](t, r).Error.Fields["version"] == "" {
		t.Errorf("publish twice = %d: %s", r.status, r.body)
	}

	// Assignments.
	for _, tc := range []struct {
		area  string
		body  any
		field string
	}{
		{"khong-co", map[string]any{"formId": "sipas-2017", "version": 2, "from": yesterdayVN()}, "area"},
		{"dat-dai", map[string]any{"formId": "sipas-2017", "version": 7, "from": yesterdayVN()}, "version"},
		{"dat-dai", map[string]any{"formId": "sipas-2017", "version": 2, "from": "2025-13-01"}, "from"},
		{"dat-dai", map[string]any{"formId": "sipas-2017", "version": 2}, "from"},
	} {
		r = callAPI(t, env, tok, http.MethodPut, "/api/v1/admin/assignments/"+tc.area, tc.body)
		if r.status != http.StatusBadRequest || bodyAs[apiErrorBody](t, r).Error.Fields[tc.field] == "" {
			t.Errorf("PUT assignment %v = %d: %s", tc.body, r.status, r.body)
		}
	}
	r = callAPI(t, env, tok, http.MethodPut, "/api/v1/admin/assignments/dat-dai", map[string]any{"formId": "sipas-2017", "version": 2, "from": yesterdayVN()})
	if r.status != http.StatusOK {
		t.Fatalf("PUT assignment = %d: %s", r.status, r.body)
	}
	r = callAPI(t, env, tok, http.MethodGet, "/api/v1/admin/assignments", nil)
	asg := bodyAs[struct {
		Assignments []survey.Assignment
		InForce     []AreaInForce
	}](t, r)
	inForce := map[string]int{}
	for _, a := range asg.InForce {
		inForce[a.Area] = a.Version
	}
	if inForce["dat-dai"] != 2 || inForce["moi-truong"] != 1 || inForce["*"] != 1 || len(asg.Assignments) != 2 {
		t.Errorf("GET assignments: %s", r.body)
	}

	// The public API serves the version in force.
	for area, want := range map[string]int{"dat-dai": 2, "moi-truong": 1} {
		r = callAPI(t, env, "", http.MethodGet, "/api/v1/forms/so-tn-mt/"+area, nil)
		f := bodyAs[FormJSON](t, r)
		if f.Version != want {
			t.Errorf("public form for %s = v%d, want v%d", area, f.Version, want)
		}
		if area == "dat-dai" && f.Factors[2].Criteria[0].Text.En != edited {
			t.Errorf("public form for %s lacks the edit: %q", area, f.Factors[2].Criteria[0].Text.En)
		}
	}
	if r = callAPI(t, env, tok, http.MethodGet, "/api/v1/admin/forms/sipas-2017/x", nil); r.status != http.StatusNotFound {
		t.Errorf("GET bad version = %d", r.status)
	}
}

// Only administrators reach questionnaire administration: staff get 403,
// a caller without login is sent to the login page (pages) or gets 401 (API).
func TestAdminFormsForbidden(t *testing.T) {
	env := newTestEnv(t)
	ensureAdmin(t, env)
	ctx := context.Background()
	hash, err := survey.HashPassword("staff-password-123")
	if err != nil {
		t.Fatal(err)
	}
	if err := env.store.InsertUser(ctx, survey.User{
		Username: "staff1", Name: "Staff", Role: survey.RoleStaff, Agencies: []string{"so-tn-mt"}, PasswordHash: hash, CreatedAt: time.Now(),
	}); err != nil {
		t.Fatal(err)
	}
	staffAcct := loginAs(t, env, "staff1", "staff-password-123")
	staff := staffAcct.c
	staffTok := tokenFor(t, env, "staff1", "staff-password-123", "")
	anon := env.client(t)
	// The staff user's valid CSRF token (the HMAC of its session), so the
	// refusal below is for the role, not for a missing token.
	csrf := staffAcct.csrf
	if csrf == "" {
		t.Fatal("staff has no session cookie")
	}

	pages := []struct{ method, path string }{
		{"GET", "/admin/forms"}, {"GET", "/admin/forms/sipas-2017/1"}, {"GET", "/admin/assignments"},
		{"POST", "/admin/forms/sipas-2017/1"}, {"POST", "/admin/forms/sipas-2017/1/draft"},
		{"POST", "/admin/forms/sipas-2017/1/publish"}, {"POST", "/admin/assignments"},
	}
	for _, p := range pages {
		var r, ra httpResult
		if p.method == "GET" {
			r, ra = env.getPage(t, staff, p.path), env.getPage(t, anon, p.path)
		} else {
			vals := url.Values{"csrf": {csrf}, "area": {"dat-dai"}, "form": {"sipas-2017@1"}, "from": {"2025-01-01"}}
			r, ra = env.postSurvey(t, staff, p.path, vals), env.postSurvey(t, anon, p.path, vals)
		}
		if r.status != http.StatusForbidden {
			t.Errorf("staff %s %s = %d, want 403", p.method, p.path, r.status)
		}
		if ra.status != http.StatusSeeOther || !strings.HasPrefix(ra.header.Get("Location"), "/login") {
			t.Errorf("anonymous %s %s = %d %q, want a redirect to /login", p.method, p.path, ra.status, ra.header.Get("Location"))
		}
	}
	apis := []struct {
		method, path string
		body         any
	}{
		{"GET", "/api/v1/admin/forms", nil}, {"GET", "/api/v1/admin/forms/sipas-2017/1", nil},
		{"PUT", "/api/v1/admin/forms/sipas-2017/1", map[string]any{}}, {"POST", "/api/v1/admin/forms/sipas-2017/1/drafts", nil},
		{"POST", "/api/v1/admin/forms/sipas-2017/1/publish", nil}, {"GET", "/api/v1/admin/assignments", nil},
		{"PUT", "/api/v1/admin/assignments/dat-dai", map[string]any{"formId": "sipas-2017", "version": 1, "from": "2025-01-01"}},
	}
	for _, a := range apis {
		if r := callAPI(t, env, staffTok, a.method, a.path, a.body); r.status != http.StatusForbidden {
			t.Errorf("staff %s %s = %d, want 403", a.method, a.path, r.status)
		}
		if r := callAPI(t, env, "", a.method, a.path, a.body); r.status != http.StatusUnauthorized {
			t.Errorf("anonymous %s %s = %d, want 401", a.method, a.path, r.status)
		}
	}
	// Nothing changed.
	forms, err := env.store.Forms(ctx)
	if err != nil || len(forms) != 1 {
		t.Errorf("forms = %d, %v; want the seeded one only", len(forms), err)
	}
	if as, _ := env.store.Assignments(ctx); len(as) != 0 {
		t.Errorf("assignments = %v, want none", as)
	}
}
