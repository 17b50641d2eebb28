package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"hailong/survey"
	"hailong/survey/store"
)

// Integration tests of accounts, sessions and administration, over a real
// server and a real embedded FerretDB. Helpers (az*) are in authz_test.go.

const formCT = "application/x-www-form-urlencoded"

// azAgencyJSON is an agency as the admin API returns it.
type azAgencyJSON struct {
	survey.Agency
	Lineage []string `json:"lineage"`
}

func azGetAgency(t testing.TB, admin *azUser, code string) azAgencyJSON {
	t.Helper()
	r := admin.api(t, http.MethodGet, "/api/v1/admin/agencies/"+code, nil)
	if r.status != http.StatusOK {
		t.Fatalf("GET agency %s: %s", code, r)
	}
	var a azAgencyJSON
	if err := json.Unmarshal([]byte(r.body), &a); err != nil {
		t.Fatalf("agency %s: %v in %s", code, err, r.body)
	}
	return a
}

// azAuditEntries reads the audit log through the admin API, newest first.
func azAuditEntries(t testing.TB, admin *azUser) []survey.AuditEntry {
	t.Helper()
	r := admin.api(t, http.MethodGet, "/api/v1/admin/audit", nil)
	if r.status != http.StatusOK {
		t.Fatalf("GET audit: %s", r)
	}
	var out struct{ Entries []survey.AuditEntry }
	if err := json.Unmarshal([]byte(r.body), &out); err != nil {
		t.Fatalf("audit: %v in %s", err, r.body)
	}
	return out.Entries
}

func azFindAudit(es []survey.AuditEntry, action, target string) []survey.AuditEntry {
	var out []survey.AuditEntry
	for _, e := range es {
		if e.Action == action && e.Target == target {
			out = append(out, e)
		}
	}
	return out
}

// azClientWithSession is a browser holding only the given session cookie.
func azClientWithSession(t testing.TB, env *testEnv, value string) *http.Client {
	t.Helper()
	c := env.client(t)
	base, _ := url.Parse(env.http.URL)
	c.Jar.SetCookies(base, []*http.Cookie{{Name: sessionCookie, Value: value, Path: "/"}})
	return c
}

// azSessionWorks reports whether a session cookie value still logs its
// holder in (a logged-in staff member gets 200 or 403 on /admin; nobody is
// sent to the login page).
func azSessionWorks(t testing.TB, env *testEnv, value string) bool {
	t.Helper()
	r := azDo(t, azClientWithSession(t, env, value), http.MethodGet, env.http.URL+"/admin", "", nil)
	switch {
	case r.status == http.StatusSeeOther && strings.HasPrefix(r.location(), "/login"):
		return false
	case r.status == http.StatusOK || r.status == http.StatusForbidden:
		return true
	}
	t.Fatalf("GET /admin with a session cookie: %s", r)
	return false
}

// azSubmit stores a complete response for an agency and area through the
// public API and returns the answer.
func azSubmit(t testing.TB, env *testEnv, agency, area string) azResult {
	t.Helper()
	cat, err := env.store.Catalog(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	f, err := cat.FormFor(area, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	answers := map[string]int{}
	for _, q := range f.Questions(area) {
		answers[q.Code] = 4
	}
	return azAPI(t, env, "", http.MethodPost, "/api/v1/responses", map[string]any{
		"agency": agency, "area": area, "answers": answers, "channel": "counter", "idempotencyKey": survey.NewKey(),
	})
}

func azResponseID(t testing.TB, r azResult) string {
	t.Helper()
	if r.status != http.StatusCreated {
		t.Fatalf("submit: %s, want 201", r)
	}
	var out struct{ ID string }
	if err := json.Unmarshal([]byte(r.body), &out); err != nil || out.ID == "" {
		t.Fatalf("submit: body %s: %v", r.body, err)
	}
	return out.ID
}

// ---- sessions ----

func TestSessionCookieFlags(t *testing.T) {
	// The test client is the trusted proxy: its X-Forwarded-Proto counts.
	env := newTestEnvConfig(t, Config{TrustedProxies: loopbackProxies})
	if _, err := env.store.EnsureAdmin(context.Background(), azAdminPassword); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name   string
		hdr    map[string]string
		secure bool
	}{
		{"plain http", map[string]string{}, false},
		{"behind a TLS proxy", map[string]string{"X-Forwarded-Proto": "https"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Cookies are carried by hand: a jar does not send Secure cookies over http.
			page := azDo(t, nil, http.MethodGet, env.http.URL+"/login", "", tc.hdr)
			pre := page.cookie(preCookie)
			if page.status != http.StatusOK || pre == nil {
				t.Fatalf("GET /login: %s, pre-session cookie %v", page, pre)
			}
			if !pre.HttpOnly || pre.SameSite != http.SameSiteLaxMode || pre.Secure != tc.secure {
				t.Errorf("pre-session cookie: HttpOnly %v SameSite %v Secure %v; want true, Lax, %v", pre.HttpOnly, pre.SameSite, pre.Secure, tc.secure)
			}
			hdr := map[string]string{"Content-Type": formCT, "Cookie": preCookie + "=" + pre.Value}
			for k, v := range tc.hdr {
				hdr[k] = v
			}
			form := url.Values{"csrf": {azCSRFOf(page.body)}, "username": {"admin"}, "password": {azAdminPassword}}
			r := azDo(t, nil, http.MethodPost, env.http.URL+"/login", form.Encode(), hdr)
			if r.status != http.StatusSeeOther {
				t.Fatalf("POST /login: %s", r)
			}
			s := r.cookie(sessionCookie)
			if s == nil || s.Value == "" {
				t.Fatalf("POST /login: no session cookie in %v", r.header.Values("Set-Cookie"))
			}
			if !s.HttpOnly {
				t.Errorf("session cookie is not HttpOnly")
			}
			if s.SameSite != http.SameSiteLaxMode {
				t.Errorf("session cookie SameSite = %v, want Lax", s.SameSite)
			}
			if s.Secure != tc.secure {
				t.Errorf("session cookie Secure = %v, want %v", s.Secure, tc.secure)
			}
			if s.Path != "/" {
				t.Errorf("session cookie Path = %q, want /", s.Path)
			}
			if s.MaxAge <= 0 || s.MaxAge > 24*3600 {
				t.Errorf("session cookie Max-Age = %d, want a positive value of at most a day", s.MaxAge)
			}
		})
	}
}

func TestSessionIDChangesAtLogin(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	if _, err := env.store.EnsureAdmin(ctx, azAdminPassword); err != nil {
		t.Fatal(err)
	}

	// A session cookie planted before login (session fixation) is not adopted.
	planted := "planted-session-value-0123456789abcdefghij"
	c := azClientWithSession(t, env, planted)
	r := azLoginForm(t, env, c, "admin", azAdminPassword)
	if r.status != http.StatusSeeOther {
		t.Fatalf("login: %s", r)
	}
	got := r.cookie(sessionCookie)
	if got == nil || got.Value == "" || got.Value == planted {
		t.Fatalf("session cookie after login = %v, want a new value (planted %q)", got, planted)
	}
	if azSessionWorks(t, env, planted) {
		t.Errorf("the planted session value logs in")
	}
	if _, err := env.store.Session(ctx, hashID(planted)); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("planted session stored: %v", err)
	}
	if !azSessionWorks(t, env, got.Value) {
		t.Errorf("the new session does not log in")
	}
	if _, err := env.store.Session(ctx, got.Value); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("the raw session value is stored as an id (want only its hash): %v", err)
	}

	// Logging in again from a logged-in browser: a new id, the old one ends.
	admin := azLogin(t, env, "admin", azAdminPassword)
	first := admin.sessionValue(t)
	r = admin.post(t, "/login", url.Values{"username": {"admin"}, "password": {azAdminPassword}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("second login: %s", r)
	}
	second := r.cookie(sessionCookie)
	if second == nil || second.Value == first {
		t.Fatalf("second login kept the session id (%v)", second)
	}
	if azSessionWorks(t, env, first) {
		t.Errorf("the session of before the second login still works")
	}
	if !azSessionWorks(t, env, second.Value) {
		t.Errorf("the session of the second login does not work")
	}
	// The CSRF token changes with the session: the old one is refused.
	oldCSRF := admin.csrf
	newCSRF := azCSRFOf(admin.get(t, "/admin").body)
	if newCSRF == "" || newCSRF == oldCSRF {
		t.Errorf("CSRF token after the second login = %q, want a new one (old %q)", newCSRF, oldCSRF)
	}
	if r := admin.post(t, "/logout", url.Values{"csrf": {oldCSRF}}); r.status != http.StatusForbidden {
		t.Errorf("logout with the CSRF token of the ended session: %s, want 403", r)
	}
	if r := admin.post(t, "/logout", url.Values{"csrf": {newCSRF}}); r.status != http.StatusSeeOther {
		t.Errorf("logout with the new CSRF token: %s, want 303", r)
	}
}

func TestLogoutEndsSession(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	admin := azAdmin(t, env)
	raw := admin.sessionValue(t)

	r := admin.post(t, "/logout", nil)
	if r.status != http.StatusSeeOther || r.location() != "/login" {
		t.Fatalf("logout: %s, want 303 to /login", r)
	}
	if ck := r.cookie(sessionCookie); ck == nil || ck.MaxAge >= 0 {
		t.Errorf("logout does not clear the session cookie: %v", ck)
	}
	if _, err := env.store.Session(ctx, hashID(raw)); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("session still stored after logout: %v", err)
	}
	if azSessionWorks(t, env, raw) {
		t.Errorf("the old session cookie still works after logout")
	}
	if r := admin.get(t, "/admin"); r.status != http.StatusSeeOther {
		t.Errorf("GET /admin after logout: %s, want 303 to the login page", r)
	}
	if es := azFindAudit(azAuditEntries(t, admin), "logout", "admin"); len(es) != 1 {
		t.Errorf("audit has %d logout entries, want 1", len(es))
	}
}

// TestLogoutFromEveryStaffPage: every page a logged-in user sees carries the
// logout button (layout.html); it must carry a working CSRF token, so the
// user can log out from any page.
func TestLogoutFromEveryStaffPage(t *testing.T) {
	env := newTestEnv(t)
	azAdmin(t, env)
	staffPW := azInsertUser(t, env, "staff-a", survey.RoleStaff, "so-tu-phap")
	inspPW := azInsertUser(t, env, "inspector", survey.RoleInspector)
	logoutRE := regexp.MustCompile(`<form method="post" action="/logout"><input type="hidden" name="csrf" value="([^"]*)">`)

	for _, tc := range []struct {
		username, password, page string
	}{
		{"staff-a", staffPW, "/"},
		{"staff-a", staffPW, "/admin"}, // the 403 page
		{"inspector", inspPW, "/survey"},
		{"admin", azAdminPassword, "/admin/agencies"},
		{"admin", azAdminPassword, "/admin/agencies/no-such-agency"}, // the 404 page
		{"admin", azAdminPassword, "/"},
	} {
		t.Run(tc.username+tc.page, func(t *testing.T) {
			u := &azUser{env: env, username: tc.username, password: tc.password, c: env.client(t)}
			if r := azLoginForm(t, env, u.c, tc.username, tc.password); r.status != http.StatusSeeOther {
				t.Fatalf("login: %s", r)
			}
			raw := u.sessionValue(t)
			page := u.get(t, tc.page)
			m := logoutRE.FindStringSubmatch(page.body)
			if m == nil {
				t.Fatalf("GET %s (%d): no logout form for a logged-in user", tc.page, page.status)
			}
			if m[1] == "" {
				t.Errorf("GET %s (%d): the logout form carries an empty CSRF token", tc.page, page.status)
			}
			r := u.post(t, "/logout", url.Values{"csrf": {m[1]}})
			if r.status != http.StatusSeeOther || r.location() != "/login" {
				t.Errorf("logout from %s: %s, want 303 to /login", tc.page, r)
			}
			if azSessionWorks(t, env, raw) {
				t.Errorf("logout from %s: the session still works", tc.page)
			}
		})
	}
}

func TestLoginThrottled(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	admin := azAdmin(t, env)
	pw := azInsertUser(t, env, "slow-user", survey.RoleInspector)

	c := env.client(t)
	for i := 1; i <= 5; i++ {
		r := azLoginForm(t, env, c, "slow-user", "wrong-password-"+string(rune('a'+i)))
		if r.status != http.StatusUnauthorized || r.cookie(sessionCookie) != nil {
			t.Fatalf("failure %d: %s, want 401 and no session", i, r)
		}
	}
	// The sixth try, with the right password, is refused for now.
	r := azLoginForm(t, env, c, "slow-user", pw)
	if r.status != http.StatusTooManyRequests || r.cookie(sessionCookie) != nil {
		t.Fatalf("sixth try with the right password: %s, want 429 and no session", r)
	}
	// The same through the token endpoint; other user names are not affected.
	tr := azAPI(t, env, "", http.MethodPost, "/api/v1/auth/token", map[string]string{"username": "slow-user", "password": pw})
	if tr.status != http.StatusTooManyRequests {
		t.Errorf("token for a locked user: %s, want 429", tr)
	}
	if e := azDecodeErr(t, tr); e.Error.Code != "too_many_attempts" {
		t.Errorf("token for a locked user: code %q", e.Error.Code)
	}
	if r := azLoginForm(t, env, env.client(t), "admin", azAdminPassword); r.status != http.StatusSeeOther {
		t.Errorf("another user name is locked too: %s", r)
	}
	// Upper case and spaces are the same user name.
	if r := azLoginForm(t, env, env.client(t), "  SLOW-User ", pw); r.status != http.StatusTooManyRequests {
		t.Errorf("the locked user name, differently written: %s, want 429", r)
	}

	es := azAuditEntries(t, admin)
	if n := len(azFindAudit(es, "login_failed", "slow-user")); n < 5 {
		t.Errorf("audit has %d login_failed entries for slow-user, want at least 5", n)
	}
	for _, e := range azFindAudit(es, "login_failed", "slow-user") {
		if strings.Contains(e.Before+e.After, "wrong-password") {
			t.Errorf("a failed login's audit entry holds the password tried: %+v", e)
		}
	}

	// The delay grows: after 5 failures 30 s, after 6 a minute. Moved into
	// the past in the real database rather than waited for.
	set := func(failures int, ago time.Duration) {
		t.Helper()
		if err := env.store.SetLoginAttempts(ctx, store.LoginAttempts{Key: lockoutKey(t, env, "slow-user", "127.0.0.1"), Failures: failures, LastFailure: time.Now().Add(-ago)}); err != nil {
			t.Fatal(err)
		}
	}
	set(6, 45*time.Second)
	if r := azLoginForm(t, env, env.client(t), "slow-user", pw); r.status != http.StatusTooManyRequests {
		t.Errorf("6 failures, 45 s ago: %s, want 429", r)
	}
	set(6, 61*time.Second)
	if r := azLoginForm(t, env, env.client(t), "slow-user", pw); r.status != http.StatusSeeOther {
		t.Errorf("6 failures, 61 s ago, right password: %s, want 303", r)
	}
	if a, err := env.store.LoginAttempts(ctx, lockoutKey(t, env, "slow-user", "127.0.0.1")); err != nil || a.Failures != 0 {
		t.Errorf("failures after a successful login = %+v, %v; want reset", a, err)
	}
	if n := len(azFindAudit(azAuditEntries(t, admin), "login", "slow-user")); n != 1 {
		t.Errorf("audit has %d login entries for slow-user, want 1", n)
	}
}

// TestLoginNextStaysLocal: the login form returns the user to the page it
// came from, and never to another site.
func TestLoginNextStaysLocal(t *testing.T) {
	env := newTestEnv(t)
	if _, err := env.store.EnsureAdmin(context.Background(), azAdminPassword); err != nil {
		t.Fatal(err)
	}

	// The whole round trip: protected page → login → back to it.
	c := env.client(t)
	r := azDo(t, c, http.MethodGet, env.http.URL+"/admin/users?lang=en", "", nil)
	if r.status != http.StatusSeeOther {
		t.Fatalf("GET /admin/users logged out: %s", r)
	}
	page := azDo(t, c, http.MethodGet, env.http.URL+r.location(), "", nil)
	next := regexp.MustCompile(`name="next" value="([^"]*)"`).FindStringSubmatch(page.body)
	if next == nil || next[1] != "/admin/users?lang=en" {
		t.Fatalf("login page next field = %v, want /admin/users?lang=en", next)
	}
	form := url.Values{"csrf": {azCSRFOf(page.body)}, "username": {"admin"}, "password": {azAdminPassword}, "next": {"/admin/users?lang=en"}}
	r = azDo(t, c, http.MethodPost, env.http.URL+"/login", form.Encode(), map[string]string{"Content-Type": formCT})
	if r.status != http.StatusSeeOther || r.location() != "/admin/users?lang=en" {
		t.Errorf("login with next: %s, want 303 to /admin/users?lang=en", r)
	}

	// Browsers drop tabs and line breaks from a URL and read a backslash as a
	// slash, so each of these would leave the site.
	for _, next := range []string{
		"https://evil.example/", "//evil.example/", "/\\evil.example/", "\\\\evil.example/",
		"/\t/evil.example/", "/\n/evil.example/", "/\r/evil.example/", "\t//evil.example/",
	} {
		page := azDo(t, nil, http.MethodGet, env.http.URL+"/login", "", nil)
		form := url.Values{"csrf": {azCSRFOf(page.body)}, "username": {"admin"}, "password": {azAdminPassword}, "next": {next}}
		// Sent through the transport: http.Client refuses to parse such a Location.
		req, _ := http.NewRequest(http.MethodPost, env.http.URL+"/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", formCT)
		req.AddCookie(page.cookie(preCookie))
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatalf("login with next %q: %v", next, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther {
			t.Errorf("login with next %q: status %d", next, resp.StatusCode)
			continue
		}
		r := azResult{status: resp.StatusCode, header: resp.Header}
		loc := strings.Map(func(r rune) rune {
			if r == '\t' || r == '\n' || r == '\r' {
				return -1
			}
			if r == '\\' {
				return '/'
			}
			return r
		}, r.location())
		if !strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, "//") {
			t.Errorf("login with next %q: redirected to %q, which a browser reads as %q (off-site)", next, r.location(), loc)
		}
	}
}

// ---- audit ----

func TestAuditLoginsAndAdminChanges(t *testing.T) {
	env := newTestEnv(t)
	admin := azAdmin(t, env)

	r := admin.api(t, http.MethodPost, "/api/v1/admin/agencies", map[string]any{
		"code": "so-audit", "name": map[string]string{"vi": "Sở Kiểm tra", "en": "Audit Dept"},
		"level": "department", "areas": []string{"tu-phap"},
	})
	if r.status != http.StatusCreated {
		t.Fatalf("create agency: %s", r)
	}
	r = admin.api(t, http.MethodPut, "/api/v1/admin/agencies/so-audit", map[string]any{
		"name": map[string]string{"vi": "Sở Kiểm tra mới", "en": "New Audit Dept"}, "level": "department", "areas": []string{"tu-phap"},
	})
	if r.status != http.StatusOK {
		t.Fatalf("update agency: %s", r)
	}
	r = admin.api(t, http.MethodPost, "/api/v1/admin/users", map[string]any{
		"username": "nv-audit", "name": "Nhân viên", "role": "staff", "agencies": []string{"so-audit"}, "password": "password-12345",
	})
	if r.status != http.StatusCreated {
		t.Fatalf("create user: %s", r)
	}
	r = admin.api(t, http.MethodPut, "/api/v1/admin/users/nv-audit", map[string]any{
		"name": "Nhân viên", "role": "staff", "agencies": []string{"so-audit"}, "disabled": true,
	})
	if r.status != http.StatusOK {
		t.Fatalf("disable user: %s", r)
	}

	es := azAuditEntries(t, admin)
	check := func(action, target string, wantBefore bool, beforeHas, afterHas string) {
		t.Helper()
		got := azFindAudit(es, action, target)
		if len(got) != 1 {
			t.Errorf("audit: %d entries %s %s, want 1 (all: %+v)", len(got), action, target, es)
			return
		}
		e := got[0]
		if e.Actor != "admin" || e.At.IsZero() || time.Since(e.At) > time.Minute {
			t.Errorf("audit %s: actor %q at %v, want admin, now", action, e.Actor, e.At)
		}
		if wantBefore != (e.Before != "") {
			t.Errorf("audit %s: before = %q, want present: %v", action, e.Before, wantBefore)
		}
		if !strings.Contains(e.Before, beforeHas) {
			t.Errorf("audit %s: before %q lacks %q", action, e.Before, beforeHas)
		}
		if e.After == "" || !strings.Contains(e.After, afterHas) {
			t.Errorf("audit %s: after %q lacks %q", action, e.After, afterHas)
		}
		for _, s := range []string{e.Before, e.After} {
			if strings.Contains(s, "passwordHash") || strings.Contains(s, "$2a$") || strings.Contains(s, "password-12345") {
				t.Errorf("audit %s holds a password or its hash: %s", action, s)
			}
		}
	}
	check("agency_create", "so-audit", false, "", `"Sở Kiểm tra"`)
	check("agency_update", "so-audit", true, `"Sở Kiểm tra"`, `"Sở Kiểm tra mới"`)
	check("user_create", "nv-audit", false, "", `"staff"`)
	check("user_update", "nv-audit", true, `"disabled":false`, `"disabled":true`)
	if n := len(azFindAudit(es, "login", "admin")); n != 1 {
		t.Errorf("audit: %d login entries for admin, want 1", n)
	}
	for _, e := range es {
		if e.Action == "login" && e.Actor != "admin" {
			t.Errorf("login entry with actor %q", e.Actor)
		}
	}

	// The audit page shows the same.
	page := admin.get(t, "/admin/audit")
	if page.status != http.StatusOK || !strings.Contains(page.body, "agency_update") || !strings.Contains(page.body, "so-audit") {
		t.Errorf("audit page: %s", page)
	}
}

// ---- agencies ----

func TestAdminAgencyCreateAndValidation(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	admin := azAdmin(t, env)

	// Through the page.
	form := url.Values{
		"code": {"so-moi"}, "nameVi": {"Sở Mới"}, "nameEn": {"New Department"},
		"level": {"department"}, "areas": {"tu-phap", "dat-dai"},
	}
	r := admin.post(t, "/admin/agencies", form)
	if r.status != http.StatusSeeOther || r.location() != "/admin/agencies/so-moi" {
		t.Fatalf("create through the page: %s", r)
	}
	if p := admin.get(t, "/admin/agencies/so-moi"); p.status != http.StatusOK || !strings.Contains(p.body, "Sở Mới") {
		t.Errorf("agency page: %s", p)
	}
	a := azGetAgency(t, admin, "so-moi")
	if !a.Active || a.Level != survey.LevelDepartment || !slices.Equal(a.Areas, []string{"tu-phap", "dat-dai"}) || a.Name.En != "New Department" {
		t.Errorf("created agency = %+v", a.Agency)
	}
	// Duplicate through the page: 400 with the message, nothing changes.
	form.Set("nameVi", "Sở Trùng")
	r = admin.post(t, "/admin/agencies", form)
	if r.status != http.StatusBadRequest || !strings.Contains(r.body, `id="errors"`) {
		t.Errorf("duplicate through the page: %s, want 400 with the error summary", r)
	}
	if a := azGetAgency(t, admin, "so-moi"); a.Name.Vi != "Sở Mới" {
		t.Errorf("duplicate create changed the agency: %+v", a.Agency)
	}

	// Through the API.
	r = admin.api(t, http.MethodPost, "/api/v1/admin/agencies", map[string]any{
		"code": "x-moi", "name": map[string]string{"vi": "UBND xã Mới", "en": "New Commune"},
		"level": "commune", "parent": "son-duong", "areas": []string{"dat-dai"},
	})
	if r.status != http.StatusCreated {
		t.Fatalf("create through the API: %s", r)
	}
	var created survey.Agency
	if err := json.Unmarshal([]byte(r.body), &created); err != nil || created.Code != "x-moi" || !created.Active || created.Parent != "son-duong" {
		t.Errorf("created = %+v (%v)", created, err)
	}
	// The public catalog offers it at once.
	if p := azDo(t, nil, http.MethodGet, env.http.URL+"/s/x-moi/dat-dai", "", nil); p.status != http.StatusOK {
		t.Errorf("public form of the new agency: %s", p)
	}

	valid := func() map[string]any {
		return map[string]any{
			"code": "so-khac", "name": map[string]string{"vi": "Sở Khác", "en": "Other"},
			"level": "department", "areas": []string{"tu-phap"},
		}
	}
	for _, tc := range []struct {
		name  string
		edit  func(m map[string]any)
		field string
	}{
		{"duplicate of a new agency", func(m map[string]any) { m["code"] = "x-moi" }, "code"},
		{"duplicate of a seeded agency", func(m map[string]any) { m["code"] = "so-tu-phap" }, "code"},
		{"bad code", func(m map[string]any) { m["code"] = "Sở-Mới" }, "code"},
		{"unknown area", func(m map[string]any) { m["areas"] = []string{"tu-phap", "no-such-area"} }, "areas"},
		{"no area", func(m map[string]any) { m["areas"] = []string{} }, "areas"},
		{"unknown parent", func(m map[string]any) { m["parent"] = "no-such-agency" }, "parent"},
		{"unknown level", func(m map[string]any) { m["level"] = "ministry" }, "level"},
		{"no Vietnamese name", func(m map[string]any) { m["name"] = map[string]string{"vi": " ", "en": "Other"} }, "nameVi"},
	} {
		m := valid()
		tc.edit(m)
		azWantFieldError(t, tc.name, admin.api(t, http.MethodPost, "/api/v1/admin/agencies", m), tc.field)
	}
	cat, err := env.store.Catalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cat.Agency("so-khac"); err == nil {
		t.Errorf("an invalid agency was stored")
	}
	// Malformed input is a 400, never a 500.
	for _, body := range []string{`{"code":`, `{"code":"a","unknown":1}`, `[]`, `{"areas":"tu-phap"}`} {
		if r := admin.api(t, http.MethodPost, "/api/v1/admin/agencies", body); r.status != http.StatusBadRequest {
			t.Errorf("body %s: %s, want 400", body, r)
		}
	}

	// A cycle of parents.
	for _, code := range []string{"cy-a", "cy-b", "cy-c"} {
		m := valid()
		m["code"] = code
		switch code {
		case "cy-b":
			m["parent"] = "cy-a"
		case "cy-c":
			m["parent"] = "cy-b"
		}
		if r := admin.api(t, http.MethodPost, "/api/v1/admin/agencies", m); r.status != http.StatusCreated {
			t.Fatalf("create %s: %s", code, r)
		}
	}
	edit := func(parent string) map[string]any {
		return map[string]any{"name": map[string]string{"vi": "Sở A", "en": "A"}, "level": "department", "parent": parent, "areas": []string{"tu-phap"}}
	}
	azWantFieldError(t, "parent is a grandchild", admin.api(t, http.MethodPut, "/api/v1/admin/agencies/cy-a", edit("cy-c")), "parent")
	azWantFieldError(t, "parent is itself", admin.api(t, http.MethodPut, "/api/v1/admin/agencies/cy-a", edit("cy-a")), "parent")
	if a := azGetAgency(t, admin, "cy-a"); a.Parent != "" {
		t.Errorf("cy-a parent = %q after refused edits", a.Parent)
	}
	// Through the page too.
	r = admin.post(t, "/admin/agencies/cy-a", url.Values{
		"nameVi": {"Sở A"}, "nameEn": {"A"}, "level": {"department"}, "parent": {"cy-b"}, "areas": {"tu-phap"}, "active": {"on"},
	})
	if r.status != http.StatusBadRequest || !strings.Contains(r.body, `id="errors"`) {
		t.Errorf("cycle through the page: %s, want 400 with the error summary", r)
	}
	// A parent that makes no cycle is fine.
	if r := admin.api(t, http.MethodPut, "/api/v1/admin/agencies/cy-c", edit("cy-a")); r.status != http.StatusOK {
		t.Errorf("re-parent cy-c to cy-a: %s", r)
	}

	// Unknown agencies.
	if r := admin.api(t, http.MethodGet, "/api/v1/admin/agencies/no-such", nil); r.status != http.StatusNotFound {
		t.Errorf("GET unknown agency: %s, want 404", r)
	}
	if r := admin.api(t, http.MethodPut, "/api/v1/admin/agencies/no-such", edit("")); r.status != http.StatusNotFound {
		t.Errorf("PUT unknown agency: %s, want 404", r)
	}
	if r := admin.get(t, "/admin/agencies/no-such"); r.status != http.StatusNotFound {
		t.Errorf("page of an unknown agency: %s, want 404", r)
	}
}

func TestAdminAgencyRenameKeepsFormerName(t *testing.T) {
	env := newTestEnv(t)
	admin := azAdmin(t, env)

	r := admin.api(t, http.MethodPut, "/api/v1/admin/agencies/so-tu-phap", map[string]any{
		"name":  map[string]string{"vi": "Sở Tư pháp tỉnh Tuyên Quang", "en": "Tuyen Quang Department of Justice"},
		"level": "department", "areas": []string{"tu-phap"}, "renamedAt": "2025-07-01",
	})
	if r.status != http.StatusOK {
		t.Fatalf("rename: %s", r)
	}
	a := azGetAgency(t, admin, "so-tu-phap")
	if a.Name.Vi != "Sở Tư pháp tỉnh Tuyên Quang" || !a.Active {
		t.Errorf("renamed agency: %+v", a.Agency)
	}
	wantUntil := time.Date(2025, 7, 1, 0, 0, 0, 0, hcm)
	if len(a.FormerNames) != 1 || a.FormerNames[0].Name.Vi != "Sở Tư pháp" || a.FormerNames[0].Name.En != "Department of Justice" ||
		!a.FormerNames[0].Until.Equal(wantUntil) {
		t.Errorf("former names = %+v, want Sở Tư pháp until %v", a.FormerNames, wantUntil)
	}
	// Saving again without a change of name adds nothing.
	r = admin.api(t, http.MethodPut, "/api/v1/admin/agencies/so-tu-phap", map[string]any{
		"name":  map[string]string{"vi": "Sở Tư pháp tỉnh Tuyên Quang", "en": "Tuyen Quang Department of Justice"},
		"level": "department", "areas": []string{"tu-phap", "dat-dai"},
	})
	if r.status != http.StatusOK {
		t.Fatalf("edit: %s", r)
	}
	if a := azGetAgency(t, admin, "so-tu-phap"); len(a.FormerNames) != 1 || !slices.Equal(a.Areas, []string{"tu-phap", "dat-dai"}) {
		t.Errorf("after an edit without rename: %+v", a.Agency)
	}
	// A bad date is a field error.
	r = admin.api(t, http.MethodPut, "/api/v1/admin/agencies/so-tu-phap", map[string]any{
		"name":  map[string]string{"vi": "Tên khác", "en": "Other"},
		"level": "department", "areas": []string{"tu-phap"}, "renamedAt": "01/07/2025",
	})
	azWantFieldError(t, "bad rename date", r, "date")

	// Through the page: the former names are listed.
	r = admin.post(t, "/admin/agencies/so-tu-phap", url.Values{
		"nameVi": {"Sở Tư pháp (mới)"}, "nameEn": {"Department of Justice (new)"}, "level": {"department"},
		"areas": {"tu-phap"}, "active": {"on"}, "renamedAt": {"2026-01-01"},
	})
	if r.status != http.StatusSeeOther {
		t.Fatalf("rename through the page: %s", r)
	}
	a = azGetAgency(t, admin, "so-tu-phap")
	if len(a.FormerNames) != 2 || a.FormerNames[1].Name.Vi != "Sở Tư pháp tỉnh Tuyên Quang" || !a.Active {
		t.Errorf("after the second rename: %+v", a.Agency)
	}
	p := admin.get(t, "/admin/agencies/so-tu-phap")
	for _, want := range []string{"Sở Tư pháp (mới)", "Sở Tư pháp tỉnh Tuyên Quang", "2025-07-01", "2026-01-01"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("agency page lacks %q", want)
		}
	}
	// The citizen form shows the new name.
	if f := azDo(t, nil, http.MethodGet, env.http.URL+"/s/so-tu-phap/tu-phap", "", nil); !strings.Contains(f.body, "Sở Tư pháp (mới)") {
		t.Errorf("citizen form does not show the new name")
	}
}

func TestAdminMergeLineageAndResponses(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	admin := azAdmin(t, env)

	// Before the merger: a response for so-giao-thong, and so-tn-mt does not
	// serve transport.
	before := azResponseID(t, azSubmit(t, env, "so-giao-thong", "giao-thong"))
	if r := azDo(t, nil, http.MethodGet, env.http.URL+"/s/so-tn-mt/giao-thong", "", nil); r.status == http.StatusOK {
		t.Fatalf("so-tn-mt serves giao-thong before the merger")
	}

	// Refused mergers change nothing.
	for _, tc := range []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"into itself", map[string]any{"from": []string{"so-giao-thong", "so-tn-mt"}, "into": "so-tn-mt", "date": "2025-07-01"}, "from"},
		{"from nothing", map[string]any{"from": []string{}, "into": "so-tn-mt", "date": "2025-07-01"}, "from"},
		{"from unknown", map[string]any{"from": []string{"no-such"}, "into": "so-tn-mt", "date": "2025-07-01"}, "from"},
		{"into unknown", map[string]any{"from": []string{"so-giao-thong"}, "into": "no-such", "date": "2025-07-01"}, "into"},
		{"bad date", map[string]any{"from": []string{"so-giao-thong"}, "into": "so-tn-mt", "date": "2025-13-01"}, "date"},
		{"no date", map[string]any{"from": []string{"so-giao-thong"}, "into": "so-tn-mt", "date": ""}, "date"},
	} {
		azWantFieldError(t, "merge "+tc.name, admin.api(t, http.MethodPost, "/api/v1/admin/merges", tc.body), tc.field)
	}
	if a := azGetAgency(t, admin, "so-giao-thong"); !a.Active || a.MergedInto != "" {
		t.Fatalf("a refused merger changed so-giao-thong: %+v", a.Agency)
	}

	r := admin.api(t, http.MethodPost, "/api/v1/admin/merges", map[string]any{
		"from": []string{"so-giao-thong", "so-xay-dung"}, "into": "so-tn-mt", "date": "2025-07-01",
	})
	if r.status != http.StatusOK {
		t.Fatalf("merge: %s", r)
	}
	day := time.Date(2025, 7, 1, 0, 0, 0, 0, hcm)
	for _, code := range []string{"so-giao-thong", "so-xay-dung"} {
		a := azGetAgency(t, admin, code)
		if a.Active || a.MergedInto != "so-tn-mt" || !a.Until.Equal(day) {
			t.Errorf("%s after the merger: active %v mergedInto %q until %v", code, a.Active, a.MergedInto, a.Until)
		}
		if !slices.Equal(a.Lineage, []string{code}) {
			t.Errorf("%s lineage = %v", code, a.Lineage)
		}
	}
	s := azGetAgency(t, admin, "so-tn-mt")
	if !s.Active || !slices.Equal(s.Predecessors, []string{"so-giao-thong", "so-xay-dung"}) {
		t.Errorf("survivor: active %v predecessors %v", s.Active, s.Predecessors)
	}
	if want := []string{"so-tn-mt", "so-giao-thong", "so-xay-dung"}; !slices.Equal(s.Lineage, want) {
		t.Errorf("survivor lineage = %v, want %v", s.Lineage, want)
	}
	for _, ar := range []string{"dat-dai", "moi-truong", "giao-thong", "xay-dung"} {
		if !slices.Contains(s.Areas, ar) {
			t.Errorf("survivor areas %v lack %s", s.Areas, ar)
		}
	}

	// The response of before stays with the agency that served it.
	resp, err := env.store.Response(ctx, before)
	if err != nil || resp.Agency != "so-giao-thong" || resp.Area != "giao-thong" {
		t.Errorf("response before the merger: %+v, %v; want agency so-giao-thong", resp, err)
	}
	// The merged agency takes no more responses; the survivor takes its areas.
	if r := azDo(t, nil, http.MethodGet, env.http.URL+"/s/so-giao-thong/giao-thong", "", nil); r.status != http.StatusNotFound {
		t.Errorf("public form of the merged agency: %s, want 404", r)
	}
	if r := azSubmit(t, env, "so-giao-thong", "giao-thong"); r.status != http.StatusNotFound {
		t.Errorf("API response for the merged agency: %s, want 404", r)
	}
	for _, ar := range []string{"giao-thong", "xay-dung"} {
		if r := azDo(t, nil, http.MethodGet, env.http.URL+"/s/so-tn-mt/"+ar, "", nil); r.status != http.StatusOK {
			t.Errorf("survivor's form for the merged agency's area %s: %s", ar, r)
		}
	}
	after := azResponseID(t, azSubmit(t, env, "so-tn-mt", "giao-thong"))
	if resp, err := env.store.Response(ctx, after); err != nil || resp.Agency != "so-tn-mt" {
		t.Errorf("response after the merger: %+v, %v; want agency so-tn-mt", resp, err)
	}
	// The public list of agencies no longer offers the merged ones.
	pub := azDo(t, nil, http.MethodGet, env.http.URL+"/api/v1/agencies", "", nil)
	var pubList struct{ Agencies []survey.Agency }
	if err := json.Unmarshal([]byte(pub.body), &pubList); err != nil {
		t.Fatalf("public agencies: %s: %v", pub, err)
	}
	var offered []string
	for _, a := range pubList.Agencies {
		offered = append(offered, a.Code)
	}
	if slices.Contains(offered, "so-giao-thong") || slices.Contains(offered, "so-xay-dung") || !slices.Contains(offered, "so-tn-mt") {
		t.Errorf("public agencies after the merger: %v", offered)
	}

	// Merging from an agency already merged, or into one, is refused.
	azWantFieldError(t, "merge from a merged agency", admin.api(t, http.MethodPost, "/api/v1/admin/merges",
		map[string]any{"from": []string{"so-giao-thong"}, "into": "so-cong-thuong", "date": "2025-08-01"}), "from")
	azWantFieldError(t, "merge into a merged agency", admin.api(t, http.MethodPost, "/api/v1/admin/merges",
		map[string]any{"from": []string{"so-cong-thuong"}, "into": "so-xay-dung", "date": "2025-08-01"}), "into")

	// A second merger, through the page: the lineage is the whole chain.
	r = admin.post(t, "/admin/merge", url.Values{"from": {"so-tn-mt", "so-nn-ptnt"}, "into": {"so-cong-thuong"}, "date": {"2025-08-01"}})
	if r.status != http.StatusSeeOther || r.location() != "/admin/agencies/so-cong-thuong" {
		t.Fatalf("merge through the page: %s", r)
	}
	top := azGetAgency(t, admin, "so-cong-thuong")
	if want := []string{"so-cong-thuong", "so-tn-mt", "so-nn-ptnt", "so-giao-thong", "so-xay-dung"}; !slices.Equal(top.Lineage, want) {
		t.Errorf("lineage after two mergers = %v, want %v", top.Lineage, want)
	}
	if resp, err := env.store.Response(ctx, before); err != nil || resp.Agency != "so-giao-thong" {
		t.Errorf("response of before both mergers moved: %+v, %v", resp, err)
	}
	if resp, err := env.store.Response(ctx, after); err != nil || resp.Agency != "so-tn-mt" {
		t.Errorf("response between the mergers moved: %+v, %v", resp, err)
	}
	// The survivor's page lists its lineage; the merge page refuses a self-merge.
	p := admin.get(t, "/admin/agencies/so-cong-thuong")
	for _, code := range []string{"so-tn-mt", "so-nn-ptnt", "so-giao-thong", "so-xay-dung"} {
		if !strings.Contains(p.body, `href="/admin/agencies/`+code+`"`) {
			t.Errorf("survivor page does not list %s in its lineage", code)
		}
	}
	r = admin.post(t, "/admin/merge", url.Values{"from": {"so-cong-thuong"}, "into": {"so-cong-thuong"}, "date": {"2025-09-01"}})
	if r.status != http.StatusBadRequest || !strings.Contains(r.body, `id="errors"`) {
		t.Errorf("self-merge through the page: %s, want 400 with the error summary", r)
	}
	// Audit of the merger, with before and after.
	for _, e := range azFindAudit(azAuditEntries(t, admin), "agency_merge", "so-tn-mt") {
		if e.Before == "" || e.After == "" || !strings.Contains(e.After, `"mergedInto":"so-tn-mt"`) {
			t.Errorf("merge audit entry: %+v", e)
		}
	}
}

func TestAdminDissolve(t *testing.T) {
	env := newTestEnv(t)
	admin := azAdmin(t, env)

	before := azResponseID(t, azSubmit(t, env, "x-thuong-lam", "dat-dai"))
	r := admin.api(t, http.MethodPost, "/api/v1/admin/agencies/x-thuong-lam/dissolve", map[string]string{"date": "2025-07-01"})
	if r.status != http.StatusOK {
		t.Fatalf("dissolve: %s", r)
	}
	a := azGetAgency(t, admin, "x-thuong-lam")
	if a.Active || a.MergedInto != "" || !a.Until.Equal(time.Date(2025, 7, 1, 0, 0, 0, 0, hcm)) {
		t.Errorf("dissolved agency: %+v", a.Agency)
	}
	if r := azDo(t, nil, http.MethodGet, env.http.URL+"/s/x-thuong-lam/dat-dai", "", nil); r.status != http.StatusNotFound {
		t.Errorf("public form of a dissolved agency: %s, want 404", r)
	}
	if resp, err := env.store.Response(context.Background(), before); err != nil || resp.Agency != "x-thuong-lam" {
		t.Errorf("response of the dissolved agency: %+v, %v", resp, err)
	}
	azWantFieldError(t, "dissolve twice", admin.api(t, http.MethodPost, "/api/v1/admin/agencies/x-thuong-lam/dissolve", map[string]string{"date": "2025-07-02"}), "date")
	azWantFieldError(t, "dissolve with a bad date", admin.api(t, http.MethodPost, "/api/v1/admin/agencies/tt-na-hang/dissolve", map[string]string{"date": "yesterday"}), "date")
	if r := admin.api(t, http.MethodPost, "/api/v1/admin/agencies/no-such/dissolve", map[string]string{"date": "2025-07-01"}); r.status != http.StatusNotFound {
		t.Errorf("dissolve unknown: %s, want 404", r)
	}
	// Through the page.
	r = admin.post(t, "/admin/agencies/tt-na-hang/dissolve", url.Values{"date": {"2025-07-01"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("dissolve through the page: %s", r)
	}
	if a := azGetAgency(t, admin, "tt-na-hang"); a.Active {
		t.Errorf("tt-na-hang still active")
	}
	if es := azFindAudit(azAuditEntries(t, admin), "agency_dissolve", "tt-na-hang"); len(es) != 1 || es[0].Before == "" || es[0].After == "" {
		t.Errorf("dissolve audit: %+v", es)
	}
}

// ---- users ----

func TestAdminUsers(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	admin := azAdmin(t, env)

	user := func(username, role, password string, agencies ...string) map[string]any {
		if agencies == nil {
			agencies = []string{}
		}
		return map[string]any{"username": username, "name": "Nguyễn Văn A", "role": role, "agencies": agencies, "password": password}
	}
	for _, tc := range []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"staff without agency", user("nv-a", "staff", "password-12345"), "agencies"},
		{"staff with an unknown agency", user("nv-a", "staff", "password-12345", "no-such"), "agencies"},
		{"short password", user("nv-a", "staff", "short", "so-tu-phap"), "password"},
		{"no password", user("nv-a", "inspector", ""), "password"},
		{"bad user name", user("Nguyen Van A", "staff", "password-12345", "so-tu-phap"), "username"},
		{"unknown role", user("nv-a", "root", "password-12345"), "role"},
		{"duplicate of admin", user("admin", "admin", "password-12345"), "username"},
	} {
		azWantFieldError(t, tc.name, admin.api(t, http.MethodPost, "/api/v1/admin/users", tc.body), tc.field)
	}
	if _, err := env.store.User(ctx, "nv-a"); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("an invalid user was stored: %v", err)
	}

	r := admin.api(t, http.MethodPost, "/api/v1/admin/users", user("nv-a", "staff", "password-12345", "so-tu-phap", "so-tu-phap"))
	if r.status != http.StatusCreated {
		t.Fatalf("create staff: %s", r)
	}
	if strings.Contains(r.body, "password") || strings.Contains(r.body, "$2a$") {
		t.Errorf("created user's answer shows the password or its hash: %s", r.body)
	}
	u, err := env.store.User(ctx, "nv-a")
	if err != nil || u.Role != survey.RoleStaff || !slices.Equal(u.Agencies, []string{"so-tu-phap"}) || !survey.CheckPassword(&u, "password-12345") {
		t.Errorf("stored user: %+v, %v", u, err)
	}
	if string(u.PasswordHash) == "password-12345" {
		t.Errorf("password stored in clear")
	}
	// The list never shows hashes either.
	if l := admin.api(t, http.MethodGet, "/api/v1/admin/users", nil); l.status != http.StatusOK || strings.Contains(l.body, "$2a$") || !strings.Contains(l.body, `"nv-a"`) {
		t.Errorf("user list: %s", l)
	}

	// Through the page: a staff user without agency is refused.
	r = admin.post(t, "/admin/users", url.Values{"username": {"nv-b"}, "name": {"B"}, "role": {"staff"}, "password": {"password-12345"}})
	if r.status != http.StatusBadRequest || !strings.Contains(r.body, `id="errors"`) || strings.Contains(r.body, "password-12345") {
		t.Errorf("page create without agency: %s, want 400 with the summary and no password echoed", r)
	}
	r = admin.post(t, "/admin/users", url.Values{"username": {"nv-b"}, "name": {"B"}, "role": {"staff"}, "agencies": {"so-tu-phap"}, "password": {"password-12345"}})
	if r.status != http.StatusSeeOther || r.location() != "/admin/users/nv-b" {
		t.Errorf("page create: %s", r)
	}

	// Disabling ends the user's session and token at once.
	staff := azLogin(t, env, "nv-a", "password-12345")
	staff.token = staff.fetchToken(t, "nv-a")
	if r := staff.get(t, "/admin"); r.status != http.StatusForbidden {
		t.Fatalf("staff on /admin before disabling: %s, want 403", r)
	}
	if r := staff.api(t, http.MethodGet, "/api/v1/admin/agencies", nil); r.status != http.StatusForbidden {
		t.Fatalf("staff token before disabling: %s, want 403", r)
	}
	r = admin.api(t, http.MethodPut, "/api/v1/admin/users/nv-a", map[string]any{
		"name": "Nguyễn Văn A", "role": "staff", "agencies": []string{"so-tu-phap"}, "disabled": true,
	})
	if r.status != http.StatusOK {
		t.Fatalf("disable: %s", r)
	}
	if r := staff.get(t, "/admin"); r.status != http.StatusSeeOther || !strings.HasPrefix(r.location(), "/login") {
		t.Errorf("disabled user's session: %s, want 303 to /login", r)
	}
	if r := staff.api(t, http.MethodGet, "/api/v1/admin/agencies", nil); r.status != http.StatusUnauthorized {
		t.Errorf("disabled user's token: %s, want 401", r)
	}
	if r := azLoginForm(t, env, env.client(t), "nv-a", "password-12345"); r.status != http.StatusUnauthorized || r.cookie(sessionCookie) != nil {
		t.Errorf("disabled user logs in: %s", r)
	}

	// Editing through the page; the "disabled" checkbox (sent as "on", as
	// browsers do) disables the user and ends its sessions too.
	b := azLogin(t, env, "nv-b", "password-12345")
	r = admin.post(t, "/admin/users/nv-b", url.Values{"name": {"B renamed"}, "role": {"staff"}, "agencies": {"so-tu-phap"}})
	if r.status != http.StatusSeeOther {
		t.Errorf("edit through the page: %s", r)
	}
	r = admin.post(t, "/admin/users/nv-b", url.Values{"name": {"B"}, "role": {"staff"}, "agencies": {"so-tu-phap"}, "disabled": {"on"}})
	if r.status != http.StatusSeeOther {
		t.Errorf("disable through the page (checkbox value \"on\"): %s, want 303", r)
	} else if r := b.get(t, "/admin"); r.status != http.StatusSeeOther {
		t.Errorf("user disabled through the page keeps its session: %s", r)
	}

	// Narrowing a user's agencies or role ends its sessions too.
	pw := azInsertUser(t, env, "nv-c", survey.RoleInspector)
	cUser := azLogin(t, env, "nv-c", pw)
	r = admin.api(t, http.MethodPut, "/api/v1/admin/users/nv-c", map[string]any{"name": "C", "role": "staff", "agencies": []string{"so-tu-phap"}})
	if r.status != http.StatusOK {
		t.Fatalf("demote: %s", r)
	}
	if r := cUser.get(t, "/admin"); r.status != http.StatusSeeOther {
		t.Errorf("demoted inspector keeps its session: %s", r)
	}

	// An administrator can neither disable nor demote itself.
	for name, body := range map[string]map[string]any{
		"disable itself": {"name": "Administrator", "role": "admin", "agencies": []string{}, "disabled": true},
		"demote itself":  {"name": "Administrator", "role": "inspector", "agencies": []string{}},
	} {
		r := admin.api(t, http.MethodPut, "/api/v1/admin/users/admin", body)
		if r.status != http.StatusBadRequest {
			t.Errorf("%s: %s, want 400", name, r)
		}
	}
	r = admin.post(t, "/admin/users/admin", url.Values{"name": {"Administrator"}, "role": {"admin"}, "disabled": {"on"}})
	if r.status != http.StatusBadRequest || !strings.Contains(r.body, `id="errors"`) {
		t.Errorf("disable itself through the page: %s, want 400 with the error summary", r)
	}
	if u, err := env.store.User(ctx, "admin"); err != nil || u.Disabled || u.Role != survey.RoleAdmin {
		t.Errorf("admin after refused self-changes: %+v, %v", u, err)
	}
	if r := admin.get(t, "/admin"); r.status != http.StatusOK {
		t.Errorf("admin's session after refused self-changes: %s", r)
	}
	if r := admin.api(t, http.MethodPut, "/api/v1/admin/users/no-such", map[string]any{"name": "X", "role": "inspector"}); r.status != http.StatusNotFound {
		t.Errorf("update unknown user: %s, want 404", r)
	}
}

func TestAdminPasswordReset(t *testing.T) {
	env := newTestEnv(t)
	admin := azAdmin(t, env)
	pw := azInsertUser(t, env, "nv-reset", survey.RoleInspector)
	u := azLogin(t, env, "nv-reset", pw)

	azWantFieldError(t, "short password", admin.api(t, http.MethodPost, "/api/v1/admin/users/nv-reset/password", map[string]string{"password": "short"}), "password")
	if r := u.get(t, "/admin"); r.status != http.StatusForbidden {
		t.Fatalf("a refused reset ended the session: %s", r)
	}
	r := admin.api(t, http.MethodPost, "/api/v1/admin/users/nv-reset/password", map[string]string{"password": "brand-new-password"})
	if r.status != http.StatusNoContent {
		t.Fatalf("reset: %s", r)
	}
	if r := u.get(t, "/admin"); r.status != http.StatusSeeOther {
		t.Errorf("session after a password reset: %s, want 303 to /login", r)
	}
	if r := azLoginForm(t, env, env.client(t), "nv-reset", pw); r.status != http.StatusUnauthorized {
		t.Errorf("old password after reset: %s, want 401", r)
	}
	if r := azLoginForm(t, env, env.client(t), "nv-reset", "brand-new-password"); r.status != http.StatusSeeOther {
		t.Errorf("new password after reset: %s, want 303", r)
	}
	r = admin.post(t, "/admin/users/nv-reset/password", url.Values{"password": {"abc"}})
	if r.status != http.StatusBadRequest {
		t.Errorf("short password through the page: %s, want 400", r)
	}
	if r := admin.api(t, http.MethodPost, "/api/v1/admin/users/no-such/password", map[string]string{"password": "brand-new-password"}); r.status != http.StatusNotFound {
		t.Errorf("reset unknown user: %s, want 404", r)
	}
}

// ---- tokens ----

func TestAdminTokens(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	admin := azAdmin(t, env)
	azInsertUser(t, env, "ops", survey.RoleAdmin)

	r := admin.api(t, http.MethodPost, "/api/v1/admin/users/ops/tokens", map[string]string{"label": "nightly import"})
	if r.status != http.StatusCreated {
		t.Fatalf("create token: %s", r)
	}
	var tok struct{ Token, ID, Username string }
	if err := json.Unmarshal([]byte(r.body), &tok); err != nil || tok.Token == "" || tok.ID == "" || tok.Username != "ops" {
		t.Fatalf("token answer %s: %v", r.body, err)
	}
	// Stored hashed: the token itself is not an id in the database, nor listed.
	if _, err := env.store.Token(ctx, tok.Token); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("the raw token is stored as an id: %v", err)
	}
	if st, err := env.store.Token(ctx, tok.ID); err != nil || st.Username != "ops" || st.Label != "nightly import" || st.Revoked {
		t.Errorf("stored token: %+v, %v", st, err)
	}
	list := admin.api(t, http.MethodGet, "/api/v1/admin/tokens", nil)
	if list.status != http.StatusOK || strings.Contains(list.body, tok.Token) || !strings.Contains(list.body, tok.ID) {
		t.Errorf("token list: %s", list)
	}

	// Use it (as ops, an administrator), in either spelling of the scheme.
	if r := azAPI(t, env, tok.Token, http.MethodGet, "/api/v1/admin/agencies", nil); r.status != http.StatusOK {
		t.Errorf("use the token: %s", r)
	}
	if r := azDo(t, nil, http.MethodGet, env.http.URL+"/api/v1/admin/agencies", "", map[string]string{"Authorization": "bearer " + tok.Token}); r.status != http.StatusOK {
		t.Errorf("lower-case bearer: %s", r)
	}
	for _, h := range []string{"Basic " + tok.Token, "Bearer", "Bearer " + tok.Token + "x", tok.Token} {
		if r := azDo(t, nil, http.MethodGet, env.http.URL+"/api/v1/admin/agencies", "", map[string]string{"Authorization": h}); r.status != http.StatusUnauthorized {
			t.Errorf("Authorization %q: %s, want 401", h, r)
		}
	}

	// Revoke: it stops working at once.
	if r := admin.api(t, http.MethodDelete, "/api/v1/admin/tokens/"+tok.ID, nil); r.status != http.StatusNoContent {
		t.Fatalf("revoke: %s", r)
	}
	if r := azAPI(t, env, tok.Token, http.MethodGet, "/api/v1/admin/agencies", nil); r.status != http.StatusUnauthorized {
		t.Errorf("revoked token: %s, want 401", r)
	}
	if r := admin.api(t, http.MethodDelete, "/api/v1/admin/tokens/no-such-id", nil); r.status != http.StatusNotFound {
		t.Errorf("revoke unknown: %s, want 404", r)
	}
	if r := admin.api(t, http.MethodPost, "/api/v1/admin/users/no-such/tokens", map[string]string{"label": "x"}); r.status != http.StatusNotFound {
		t.Errorf("token for an unknown user: %s, want 404", r)
	}
	es := azAuditEntries(t, admin)
	if len(azFindAudit(es, "token_create", "ops")) != 1 || len(azFindAudit(es, "token_revoke", "ops")) != 1 {
		t.Errorf("token audit entries missing")
	}

	// Through the pages: shown once, then revoked by the button.
	r = admin.post(t, "/admin/users/ops/tokens", url.Values{"label": {"from the page"}})
	if r.status != http.StatusOK {
		t.Fatalf("create token through the page: %s", r)
	}
	m := regexp.MustCompile(`<code id="new-token">([^<]+)</code>`).FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("new token not shown: %s", r)
	}
	pageTok := m[1]
	if cc := r.header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Errorf("page showing a token: Cache-Control %q, want no-store", cc)
	}
	if r := azAPI(t, env, pageTok, http.MethodGet, "/api/v1/admin/users", nil); r.status != http.StatusOK {
		t.Errorf("use the page's token: %s", r)
	}
	again := admin.get(t, "/admin/users/ops")
	if strings.Contains(again.body, pageTok) {
		t.Errorf("the token is shown a second time")
	}
	rm := regexp.MustCompile(`action="/admin/tokens/([0-9a-f]+)/revoke"`).FindAllStringSubmatch(again.body, -1)
	if len(rm) != 1 {
		t.Fatalf("revoke buttons on the user page: %d, want 1 (the other token is revoked)", len(rm))
	}
	r = admin.post(t, "/admin/tokens/"+rm[0][1]+"/revoke", nil)
	if r.status != http.StatusSeeOther || r.location() != "/admin/users/ops" {
		t.Errorf("revoke through the page: %s", r)
	}
	if r := azAPI(t, env, pageTok, http.MethodGet, "/api/v1/admin/users", nil); r.status != http.StatusUnauthorized {
		t.Errorf("token revoked through the page: %s, want 401", r)
	}

	// A token follows its user: disabling the user stops it.
	r = admin.api(t, http.MethodPost, "/api/v1/admin/users/ops/tokens", map[string]string{"label": "third"})
	var third struct{ Token string }
	_ = json.Unmarshal([]byte(r.body), &third)
	if r := admin.api(t, http.MethodPut, "/api/v1/admin/users/ops", map[string]any{"name": "Ops", "role": "admin", "disabled": true}); r.status != http.StatusOK {
		t.Fatalf("disable ops: %s", r)
	}
	if r := azAPI(t, env, third.Token, http.MethodGet, "/api/v1/admin/users", nil); r.status != http.StatusUnauthorized {
		t.Errorf("token of a disabled user: %s, want 401", r)
	}
}

// ---- pages ----

func TestAdminPagesListAndEscape(t *testing.T) {
	env := newTestEnv(t)
	admin := azAdmin(t, env)

	home := admin.get(t, "/admin")
	for _, link := range []string{"/admin/agencies", "/admin/users", "/admin/audit"} {
		if !strings.Contains(home.body, `href="`+link+`"`) {
			t.Errorf("admin home lacks a link to %s", link)
		}
	}

	list := admin.get(t, "/admin/agencies")
	if list.status != http.StatusOK {
		t.Fatalf("agency list: %s", list)
	}
	for _, a := range survey.LegacySeedAgencies() {
		if !strings.Contains(list.body, `href="/admin/agencies/`+a.Code+`"`) || !strings.Contains(list.body, a.Name.Vi) {
			t.Errorf("agency list lacks %s (%s)", a.Code, a.Name.Vi)
		}
	}
	if en := admin.get(t, "/admin/agencies?lang=en"); !strings.Contains(en.body, "Department of Justice") {
		t.Errorf("English agency list lacks English names")
	}

	const xssVi = `<script>alert("vi")</script>`
	const xssEn = `<img src=x onerror=alert(1)>`
	r := admin.api(t, http.MethodPost, "/api/v1/admin/agencies", map[string]any{
		"code": "so-xss", "name": map[string]string{"vi": xssVi, "en": xssEn}, "level": "department", "areas": []string{"tu-phap"},
	})
	if r.status != http.StatusCreated {
		t.Fatalf("create: %s", r)
	}
	r = admin.api(t, http.MethodPost, "/api/v1/admin/users", map[string]any{
		"username": "nv-xss", "name": xssVi, "role": "staff", "agencies": []string{"so-xss"}, "password": "password-12345",
	})
	if r.status != http.StatusCreated {
		t.Fatalf("create user: %s", r)
	}
	admin.post(t, "/admin/users/nv-xss/tokens", url.Values{"label": {xssEn}})
	// A failed create echoes the input: escaped too.
	failed := admin.post(t, "/admin/agencies", url.Values{"code": {"so-xss"}, "nameVi": {xssVi}, "nameEn": {xssEn}, "level": {"department"}, "areas": {"tu-phap"}})

	for _, p := range []struct {
		name string
		r    azResult
	}{
		{"agency list", admin.get(t, "/admin/agencies")},
		{"agency list (en)", admin.get(t, "/admin/agencies?lang=en")},
		{"agency page", admin.get(t, "/admin/agencies/so-xss")},
		{"agency page (en)", admin.get(t, "/admin/agencies/so-xss?lang=en")},
		{"merge page", admin.get(t, "/admin/merge")},
		{"users", admin.get(t, "/admin/users")},
		{"user page", admin.get(t, "/admin/users/nv-xss")},
		{"audit", admin.get(t, "/admin/audit")},
		{"failed create", failed},
		{"public form", azDo(t, nil, http.MethodGet, env.http.URL+"/s/so-xss/tu-phap", "", nil)},
	} {
		if p.r.status >= 500 {
			t.Errorf("%s: %s", p.name, p.r)
			continue
		}
		for _, raw := range []string{"<script>alert", "<img src=x"} {
			if strings.Contains(p.r.body, raw) {
				t.Errorf("%s contains unescaped %q", p.name, raw)
			}
		}
	}
	for _, p := range []struct{ path, want string }{
		{"/admin/agencies?lang=vi", "&lt;script&gt;alert(&#34;vi&#34;)&lt;/script&gt;"},
		{"/admin/agencies?lang=en", "&lt;img src=x onerror=alert(1)&gt;"},
		{"/admin/users?lang=vi", "&lt;script&gt;alert(&#34;vi&#34;)&lt;/script&gt;"},
	} {
		if b := admin.get(t, p.path).body; !strings.Contains(b, p.want) {
			t.Errorf("%s does not show the escaped name %q", p.path, p.want)
		}
	}

	// The login page echoes the user name typed, escaped.
	r = azLoginForm(t, env, env.client(t), `"><script>alert(2)</script>`, "whatever-password")
	if r.status != http.StatusUnauthorized || strings.Contains(r.body, "<script>alert(2)") {
		t.Errorf("failed login page: %s", r)
	}
}
