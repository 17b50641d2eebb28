package server

// Browser test of administration (issue 3): an administrator, in Chromium,
// creates an agency, makes, edits, publishes and assigns a new questionnaire
// version, and citizens get it; a staff member is refused the admin pages.
// Helpers (newBrowser, do, run, eval) are in browser_test.go.

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hailong/survey"
)

// browserLogin logs in through the /login form, as a person types, and
// returns the path of the page the browser lands on.
func browserLogin(t *testing.T, ctx context.Context, env *testEnv, username, password string) string {
	t.Helper()
	do(t, ctx, "open the login page", chromedp.Navigate(env.http.URL+"/login"))
	do(t, ctx, "type the user name and password",
		chromedp.SendKeys(chromedp.ID("username"), username),
		chromedp.SendKeys(chromedp.ID("password"), password),
	)
	status := browserClick(t, ctx, "log in as "+username, `form[action="/login"] button[type=submit]`)
	if status != 200 {
		t.Fatalf("logging in as %s ends on status %d, want 200 (after the 303)", username, status)
	}
	return browserPath(t, ctx, env)
}

// browserLogout clicks the log-out button of the staff navigation.
func browserLogout(t *testing.T, ctx context.Context, env *testEnv) {
	t.Helper()
	if status := browserClick(t, ctx, "log out", `nav.staff form[action="/logout"] button[type=submit]`); status != 200 {
		t.Fatalf("logging out ends on status %d, want 200", status)
	}
	if p := browserPath(t, ctx, env); p != "/login" {
		t.Fatalf("after logging out the browser is at %s, want /login", p)
	}
}

// browserClick clicks an element that loads a page (a submit button) and
// returns the HTTP status of the page that loads, after redirects.
func browserClick(t *testing.T, ctx context.Context, what, css string) int64 {
	t.Helper()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(css)))
	if err != nil {
		t.Fatalf("%s: click %s: %v", what, css, err)
	}
	return resp.Status
}

// browserOpen opens a page and returns its HTTP status.
func browserOpen(t *testing.T, ctx context.Context, env *testEnv, path string) int64 {
	t.Helper()
	resp := run(t, ctx, "open "+path, chromedp.NavigateResponse(env.http.URL+path))
	return resp.Status
}

// browserPath is the path (and query) the browser is at.
func browserPath(t *testing.T, ctx context.Context, env *testEnv) string {
	t.Helper()
	return strings.TrimPrefix(run(t, ctx, "location", chromedp.Location()), env.http.URL)
}

// browserText is the visible text of the first element matching css.
func browserText(t *testing.T, ctx context.Context, css string) string {
	t.Helper()
	return strings.TrimSpace(run(t, ctx, "text of "+css, chromedp.Text(chromedp.CSS(css))))
}

// viMessage is a Vietnamese message of the service; the test fails when the
// key is missing, so that a renamed key is not compared as its own name.
func viMessage(t *testing.T, env *testEnv, key string, args ...any) string {
	t.Helper()
	m := env.srv.locales[survey.Vi].T(key, args...)
	if m == key || m == "" {
		t.Fatalf("no Vietnamese message %q", key)
	}
	return m
}

// expectForbiddenPage opens a page and checks that the browser shows the
// 403 error page: its status, its title and its heading.
func expectForbiddenPage(t *testing.T, ctx context.Context, env *testEnv, path string) {
	t.Helper()
	status := browserOpen(t, ctx, env, path)
	want := viMessage(t, env, "error.forbidden.title")
	if status != 403 {
		t.Errorf("GET %s in the browser: status %d, want 403", path, status)
	}
	if title := run(t, ctx, "page title", chromedp.Title()); !strings.HasPrefix(title, want+" · ") {
		t.Errorf("GET %s: the page title is %q, want the forbidden page's %q", path, title, want+" · …")
	}
	if h := browserText(t, ctx, "main h1"); h != want {
		t.Errorf("GET %s: the heading is %q, want %q", path, h, want)
	}
	if body := browserText(t, ctx, "main"); !strings.Contains(body, viMessage(t, env, "error.forbidden.body")) {
		t.Errorf("GET %s: the page does not explain the refusal:\n%s", path, body)
	}
}

func TestBrowserAdminFlow(t *testing.T) {
	ctx := newBrowser(t)
	env := newTestEnv(t)
	bg := context.Background()
	const adminPassword = "browser-admin-password-1"
	if _, err := env.store.EnsureAdmin(bg, adminPassword); err != nil {
		t.Fatalf("ensure admin: %v", err)
	}

	if p := browserLogin(t, ctx, env, "admin", adminPassword); p != "/admin" {
		t.Fatalf("the administrator lands on %s after logging in, want /admin", p)
	}

	const (
		v1Text = "Nơi ngồi chờ có đủ chỗ ngồi"
		edited = "Nơi ngồi chờ rộng rãi, thoáng mát và sạch sẽ"
		field  = `textarea[name="factors.0.criteria.0.text.vi"]`
	)
	const (
		code   = "so-van-hoa"
		nameVi = "Sở Văn hóa, Thể thao và Du lịch"
		nameEn = "Department of Culture, Sports and Tourism"
		level  = survey.LevelProvinceBody
		area   = "tu-phap"
	)

	step(t, "a new agency", func(t *testing.T) {
		if s := browserOpen(t, ctx, env, "/admin/agencies"); s != 200 {
			t.Fatalf("GET /admin/agencies as administrator: %d, want 200", s)
		}
		do(t, ctx, "fill the new agency form",
			chromedp.SendKeys(chromedp.ID("code"), code),
			chromedp.SendKeys(chromedp.ID("nameVi"), nameVi),
			chromedp.SendKeys(chromedp.ID("nameEn"), nameEn),
			chromedp.SetValue(chromedp.ID("level"), string(level)),
			chromedp.Click(chromedp.CSS(`#areas input[type=checkbox][value="`+area+`"]`)),
		)
		if !eval[bool](t, ctx, `document.querySelector('#areas input[value="`+area+`"]').checked`) {
			t.Fatalf("the area checkbox %s is not checked after clicking it", area)
		}
		if s := browserClick(t, ctx, "create the agency", `form[action="/admin/agencies"] button[type=submit]`); s != 200 {
			t.Fatalf("creating the agency ends on status %d, want 200 (after the 303); errors: %s", s,
				eval[string](t, ctx, `(document.querySelector('#errors') || {innerText: ''}).innerText`))
		}
		if p := browserPath(t, ctx, env); p != "/admin/agencies/"+code {
			t.Errorf("after creating the agency the browser is at %s, want /admin/agencies/%s", p, code)
		}
		browserOpen(t, ctx, env, "/admin/agencies")
		row := eval[[]string](t, ctx, `(() => {
			const a = document.querySelector('main table a[href="/admin/agencies/`+code+`"]');
			return a ? Array.from(a.closest('tr').cells).map(c => c.innerText.trim()) : [];
		})()`)
		wantRow := []string{code, nameVi, viMessage(t, env, "level."+string(level)), "Tư pháp – hộ tịch – chứng thực", viMessage(t, env, "admin.active")}
		if strings.Join(row, " | ") != strings.Join(wantRow, " | ") {
			t.Errorf("the agency list shows the new agency as\n  %q\nwant\n  %q", row, wantRow)
		}
	})

	step(t, "a new version of the questionnaire", func(t *testing.T) {
		if s := browserOpen(t, ctx, env, "/admin/forms"); s != 200 {
			t.Fatalf("GET /admin/forms: %d", s)
		}
		if s := browserClick(t, ctx, "new draft from v1", `form[action="/admin/forms/sipas-2017/1/draft"] button[type=submit]`); s != 200 {
			t.Fatalf("making a draft from v1 ends on status %d, want 200", s)
		}
		if p := browserPath(t, ctx, env); p != "/admin/forms/sipas-2017/2?done=draft" {
			t.Fatalf("after making a draft the browser is at %s, want /admin/forms/sipas-2017/2?done=draft", p)
		}
		if n := browserText(t, ctx, "p.notice"); n != viMessage(t, env, "forms.notice.draft") {
			t.Errorf("the draft page's notice is %q", n)
		}
		if v := run(t, ctx, "criterion text", chromedp.Value(chromedp.CSS(field))); v != v1Text {
			t.Fatalf("the draft's first criterion reads %q, want v1's %q", v, v1Text)
		}
		// Select the old text, as a double click would, and type over it.
		eval[bool](t, ctx, `(() => { const e = document.querySelector('`+field+`'); e.focus(); e.select(); return true; })()`)
		do(t, ctx, "edit the first criterion", chromedp.SendKeys(chromedp.CSS(field), edited))
		if v := run(t, ctx, "criterion text", chromedp.Value(chromedp.CSS(field))); v != edited {
			t.Fatalf("after typing, the first criterion reads %q, want %q", v, edited)
		}
		if s := browserClick(t, ctx, "save the draft", `form[action="/admin/forms/sipas-2017/2"] > button[type=submit]`); s != 200 {
			t.Fatalf("saving the draft ends on status %d, want 200; errors: %s", s,
				eval[string](t, ctx, `(document.querySelector('#errors') || {innerText: ''}).innerText`))
		}
		if p := browserPath(t, ctx, env); p != "/admin/forms/sipas-2017/2?done=saved" {
			t.Fatalf("after saving the browser is at %s, want /admin/forms/sipas-2017/2?done=saved", p)
		}
		if v := run(t, ctx, "criterion text", chromedp.Value(chromedp.CSS(field))); v != edited {
			t.Fatalf("after saving, the first criterion reads %q, want %q", v, edited)
		}
		if s := browserClick(t, ctx, "publish v2", `form[action="/admin/forms/sipas-2017/2/publish"] button[type=submit]`); s != 200 {
			t.Fatalf("publishing ends on status %d, want 200; errors: %s", s,
				eval[string](t, ctx, `(document.querySelector('#errors') || {innerText: ''}).innerText`))
		}
		if p := browserPath(t, ctx, env); p != "/admin/forms/sipas-2017/2?done=published" {
			t.Fatalf("after publishing the browser is at %s, want /admin/forms/sipas-2017/2?done=published", p)
		}
		if n := eval[int](t, ctx, `document.querySelectorAll('form[action="/admin/forms/sipas-2017/2"]').length`); n != 0 {
			t.Errorf("the published version still shows its edit form")
		}
		if !strings.Contains(browserText(t, ctx, "main"), edited) {
			t.Errorf("the published version does not show the edited criterion %q", edited)
		}
	})

	step(t, "assigned to the justice area from today", func(t *testing.T) {
		if s := browserOpen(t, ctx, env, "/admin/assignments"); s != 200 {
			t.Fatalf("GET /admin/assignments: %d", s)
		}
		today := time.Now().In(hcm).Format("2006-01-02")
		if v := run(t, ctx, "start date", chromedp.Value(chromedp.ID("from"))); v != today {
			t.Errorf("the start date defaults to %q, want today %q", v, today)
		}
		do(t, ctx, "choose the area and the version",
			chromedp.SetValue(chromedp.ID("area"), area),
			chromedp.SetValue(chromedp.ID("form"), "sipas-2017@2"),
		)
		if v := run(t, ctx, "chosen version", chromedp.Value(chromedp.ID("form"))); v != "sipas-2017@2" {
			t.Fatalf("version 2 is not offered for assignment (select holds %q)", v)
		}
		if s := browserClick(t, ctx, "save the assignment", `form[action="/admin/assignments"] button[type=submit]`); s != 200 {
			t.Fatalf("assigning ends on status %d, want 200; errors: %s", s,
				eval[string](t, ctx, `(document.querySelector('#errors') || {innerText: ''}).innerText`))
		}
		if p := browserPath(t, ctx, env); p != "/admin/assignments?done=saved" {
			t.Fatalf("after assigning the browser is at %s, want /admin/assignments?done=saved", p)
		}
		inForce := eval[string](t, ctx, `(() => {
			const r = Array.from(document.querySelectorAll('main table tbody tr')).find(r => r.querySelector('th').innerText.trim() === 'Tư pháp – hộ tịch – chứng thực');
			return r ? r.cells[1].innerText.trim() : '';
		})()`)
		if want := viMessage(t, env, "forms.formversion", "sipas-2017", 2); inForce != want {
			t.Errorf("the justice area's version in force is shown as %q, want %q", inForce, want)
		}
	})

	step(t, "citizens of that area get version 2", func(t *testing.T) {
		const citizenPage = "/s/so-tu-phap/tu-phap"
		if s := browserOpen(t, ctx, env, citizenPage); s != 200 {
			t.Fatalf("GET %s: %d", citizenPage, s)
		}
		if v := run(t, ctx, "form version", chromedp.Value(chromedp.CSS(`input[type=hidden][name=formVersion]`))); v != "2" {
			t.Errorf("the justice survey offers form version %q, want 2", v)
		}
		text := browserText(t, ctx, "main form")
		if !strings.Contains(text, edited) {
			t.Errorf("the justice survey does not show the edited criterion %q", edited)
		}
		if strings.Contains(text, v1Text) {
			t.Errorf("the justice survey still shows v1's criterion %q", v1Text)
		}
		// Another area keeps version 1.
		browserOpen(t, ctx, env, surveyPage)
		if v := run(t, ctx, "form version", chromedp.Value(chromedp.CSS(`input[type=hidden][name=formVersion]`))); v != "1" {
			t.Errorf("the land survey offers form version %q, want 1 (only tu-phap was assigned)", v)
		}
	})

	step(t, "a staff member may not administer", func(t *testing.T) {
		browserOpen(t, ctx, env, "/admin")
		browserLogout(t, ctx, env)
		hash, err := survey.HashPassword("browser-staff-password-1")
		if err != nil {
			t.Fatal(err)
		}
		if err := env.store.InsertUser(bg, survey.User{
			Username: "nv-tu-phap", Name: "Nhân viên Sở Tư pháp", Role: survey.RoleStaff,
			Agencies: []string{"so-tu-phap"}, PasswordHash: hash,
		}); err != nil {
			t.Fatalf("insert staff user: %v", err)
		}
		if p := browserLogin(t, ctx, env, "nv-tu-phap", "browser-staff-password-1"); p != "/dashboard" {
			t.Errorf("the staff member lands on %s after logging in, want /dashboard", p)
		}
		if n := eval[int](t, ctx, `document.querySelectorAll('nav.staff a[href="/admin"]').length`); n != 0 {
			t.Errorf("the staff member's navigation links to /admin")
		}
		expectForbiddenPage(t, ctx, env, "/admin")
		expectForbiddenPage(t, ctx, env, "/admin/agencies")
	})
}
