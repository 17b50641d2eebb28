package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"hailong/survey"
)

// Authorization of every protected route, for every kind of caller, over a
// real server and a real embedded FerretDB. The routes are read from the live
// engine, so a route added later is covered (or the test says what to add).

// ---- helpers shared with admin_test.go (prefixed az to stay clear of other files) ----

const azAdminPassword = "admin-password-123"

// azResult is a fully read answer.
type azResult struct {
	status int
	header http.Header
	body   string
}

func (r azResult) location() string { return r.header.Get("Location") }

// cookie returns the cookie of that name the answer sets, or nil.
func (r azResult) cookie(name string) *http.Cookie {
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func (r azResult) String() string {
	b := r.body
	if len(b) > 400 {
		b = b[:400] + "…"
	}
	return fmt.Sprintf("%d (Location %q) %s", r.status, r.location(), b)
}

// azDo sends a request with the given headers through c (a plain client when nil).
func azDo(t testing.TB, c *http.Client, method, rawURL, body string, hdr map[string]string) azResult {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, rawURL, rd)
	if err != nil {
		t.Fatalf("new request %s %s: %v", method, rawURL, err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	if c == nil {
		c = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, rawURL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, rawURL, err)
	}
	return azResult{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

var azCSRFRE = regexp.MustCompile(`name="csrf" value="([^"]*)"`)

// azCSRFOf returns the first non-empty CSRF token of a page, or "".
func azCSRFOf(body string) string {
	for _, m := range azCSRFRE.FindAllStringSubmatch(body, -1) {
		if m[1] != "" {
			return m[1]
		}
	}
	return ""
}

// azUser is a staff member as a browser (cookie jar with a session) and as a
// script (API token).
type azUser struct {
	env      *testEnv
	username string
	password string
	c        *http.Client
	csrf     string
	token    string
}

// azInsertUser creates an account directly in the store, with password
// "pw-<username>-secret".
func azInsertUser(t testing.TB, env *testEnv, username string, role survey.Role, agencies ...string) string {
	t.Helper()
	password := "pw-" + username + "-secret"
	hash, err := survey.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	if agencies == nil {
		agencies = []string{}
	}
	err = env.store.InsertUser(context.Background(), survey.User{
		Username: username, Name: "Test " + username, Role: role, Agencies: agencies, PasswordHash: hash,
	})
	if err != nil {
		t.Fatalf("insert user %s: %v", username, err)
	}
	return password
}

// azLoginForm logs in through the real login form in client c: GET /login
// for the CSRF token and the pre-session cookie, then POST /login.
func azLoginForm(t testing.TB, env *testEnv, c *http.Client, username, password string) azResult {
	t.Helper()
	page := azDo(t, c, http.MethodGet, env.http.URL+"/login", "", nil)
	if page.status != http.StatusOK {
		t.Fatalf("GET /login: %s", page)
	}
	csrf := azCSRFOf(page.body)
	if csrf == "" {
		t.Fatalf("GET /login: no csrf token in the form")
	}
	form := url.Values{"csrf": {csrf}, "username": {username}, "password": {password}}
	return azDo(t, c, http.MethodPost, env.http.URL+"/login", form.Encode(),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
}

// azLogin logs a user in (it must succeed) and finds the CSRF token of its session.
func azLogin(t testing.TB, env *testEnv, username, password string) *azUser {
	t.Helper()
	u := &azUser{env: env, username: username, password: password, c: env.client(t)}
	r := azLoginForm(t, env, u.c, username, password)
	if r.status != http.StatusSeeOther {
		t.Fatalf("login %s: %s", username, r)
	}
	if r.cookie(sessionCookie) == nil {
		t.Fatalf("login %s: no session cookie set", username)
	}
	u.csrf = azSessionCSRF(t, u)
	return u
}

// azSessionCSRF reads the CSRF token of the user's session from a page it
// can open. A user for whom no page carries one (no staff page exists yet for
// non-administrators) gets the token the server would put on such a page.
func azSessionCSRF(t testing.TB, u *azUser) string {
	t.Helper()
	for _, p := range []string{"/admin", "/dashboard", "/"} {
		r := u.get(t, p)
		if r.status == http.StatusOK {
			if tok := azCSRFOf(r.body); tok != "" {
				return tok
			}
		}
	}
	raw := u.sessionValue(t)
	gc, _ := gin.CreateTestContext(httptest.NewRecorder())
	gc.Request = httptest.NewRequest(http.MethodGet, "/", nil)
	gc.Set(sessionKey, hashID(raw))
	return u.env.srv.csrfToken(gc)
}

// sessionValue is the raw session cookie the user's browser holds.
func (u *azUser) sessionValue(t testing.TB) string {
	t.Helper()
	base, _ := url.Parse(u.env.http.URL)
	for _, c := range u.c.Jar.Cookies(base) {
		if c.Name == sessionCookie {
			return c.Value
		}
	}
	t.Fatalf("%s: no session cookie in the jar", u.username)
	return ""
}

// get opens a page with the user's session.
func (u *azUser) get(t testing.TB, path string) azResult {
	t.Helper()
	return azDo(t, u.c, http.MethodGet, u.env.http.URL+path, "", nil)
}

// post submits a form with the user's session; the session's CSRF token is
// added unless vals has a "csrf" entry (even an empty one).
func (u *azUser) post(t testing.TB, path string, vals url.Values) azResult {
	t.Helper()
	if vals == nil {
		vals = url.Values{}
	}
	if _, ok := vals["csrf"]; !ok {
		vals.Set("csrf", u.csrf)
	}
	return azDo(t, u.c, http.MethodPost, u.env.http.URL+path, vals.Encode(),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
}

// fetchToken gets an API token through POST /api/v1/auth/token.
func (u *azUser) fetchToken(t testing.TB, label string) string {
	t.Helper()
	r := azAPI(t, u.env, "", http.MethodPost, "/api/v1/auth/token",
		map[string]string{"username": u.username, "password": u.password, "label": label})
	if r.status != http.StatusCreated {
		t.Fatalf("token for %s: %s", u.username, r)
	}
	var out struct{ Token string }
	if err := json.Unmarshal([]byte(r.body), &out); err != nil || out.Token == "" {
		t.Fatalf("token for %s: body %s: %v", u.username, r.body, err)
	}
	return out.Token
}

// api calls the JSON API with the user's token (no cookies).
func (u *azUser) api(t testing.TB, method, path string, body any) azResult {
	t.Helper()
	if u.token == "" {
		t.Fatalf("%s has no API token", u.username)
	}
	return azAPI(t, u.env, u.token, method, path, body)
}

// azAPI calls the JSON API with a bearer token ("" for none) and a JSON body
// (nil for none; a string is sent as is).
func azAPI(t testing.TB, env *testEnv, token, method, path string, body any) azResult {
	t.Helper()
	hdr := map[string]string{}
	if token != "" {
		hdr["Authorization"] = "Bearer " + token
	}
	var b string
	switch v := body.(type) {
	case nil:
	case string:
		b = v
	default:
		j, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		b = string(j)
	}
	if body != nil {
		hdr["Content-Type"] = "application/json"
	}
	return azDo(t, nil, method, env.http.URL+path, b, hdr)
}

// azAdmin makes the first administrator (as a real start does) and logs it
// in, with a session and an API token.
func azAdmin(t testing.TB, env *testEnv) *azUser {
	t.Helper()
	if _, err := env.store.EnsureAdmin(context.Background(), azAdminPassword); err != nil {
		t.Fatalf("ensure admin: %v", err)
	}
	u := azLogin(t, env, "admin", azAdminPassword)
	u.token = u.fetchToken(t, "admin-script")
	return u
}

// azAPIErr is the body of a JSON error.
type azAPIErr struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields"`
	} `json:"error"`
}

func azDecodeErr(t testing.TB, r azResult) azAPIErr {
	t.Helper()
	var e azAPIErr
	if err := json.Unmarshal([]byte(r.body), &e); err != nil || e.Error.Code == "" {
		t.Fatalf("not a JSON error: %s (%v)", r, err)
	}
	return e
}

// azWantFieldError checks r is a 400 JSON error naming the field.
func azWantFieldError(t testing.TB, what string, r azResult, field string) {
	t.Helper()
	if r.status != http.StatusBadRequest {
		t.Errorf("%s: status %s, want 400 with field %q", what, r, field)
		return
	}
	e := azDecodeErr(t, r)
	msg, ok := e.Error.Fields[field]
	if !ok {
		t.Errorf("%s: fields %v, want one for %q", what, e.Error.Fields, field)
		return
	}
	if msg == "" || strings.HasPrefix(msg, "err.") || strings.HasPrefix(msg, "forms.err.") {
		t.Errorf("%s: field %s message %q is empty or an untranslated key", what, field, msg)
	}
}

// ---- the table ----

var (
	azAdminOnly = []survey.Role{survey.RoleAdmin}
	azAnyStaff  = []survey.Role{survey.RoleAdmin, survey.RoleInspector, survey.RoleStaff}
	azMarkers   = []survey.Role{survey.RoleAdmin, survey.RoleStaff} // inspectors only read
)

// azProtected maps each protected path prefix to the roles allowed there.
// A route under a prefix is matched segment-wise (/admin matches /admin and
// /admin/x, not /administration).
var azProtected = []struct {
	prefix string
	roles  []survey.Role
	// scoped prefixes serve per-agency data: staff reaching another agency
	// get 403 or 404.
	scoped bool
}{
	{"/api/v1/admin", azAdminOnly, false},
	{"/admin", azAdminOnly, false},
	{"/dashboard", azAnyStaff, true},
	{"/comments/:agency", azMarkers, true},
	{"/comments", azAnyStaff, true},
	{"/api/v1/comments/:id", azMarkers, false},
	{"/api/v1/comments", azAnyStaff, true},
	{"/api/v1/reports", azAnyStaff, true},
	{"/api/v1/exports", azAnyStaff, true},
	{"/metrics", azAdminOnly, false}, // or the metrics token (metrics_test.go)
}

// azPublic are the routes anyone may call. A route that is neither here nor
// under a protected prefix fails the test, so its author decides.
var azPublic = map[string]bool{
	"GET /healthz":                    true,
	"GET /readyz":                     true,
	"GET /static/*file":               true,
	"GET /":                           true,
	"GET /survey":                     true,
	"GET /s/:agency/:area":            true,
	"POST /s/:agency/:area":           true,
	"GET /s/:agency/:area/thanks":     true,
	"GET /api/v1/areas":               true,
	"GET /api/v1/agencies":            true,
	"GET /api/v1/forms/:agency/:area": true,
	"POST /api/v1/responses":          true,
	"POST /api/v1/auth/token":         true,
	"GET /login":                      true,
	"POST /login":                     true,
	"POST /logout":                    true,
}

func azUnder(path, prefix string) bool {
	return path == prefix || strings.HasPrefix(path, prefix+"/")
}

// azFill substitutes path parameters with values that exist in the seeded
// database; agency is the value of :agency (and of an agency's :code).
func azFill(route, agency string) (string, error) {
	segs := strings.Split(route, "/")
	for i, s := range segs {
		if !strings.HasPrefix(s, ":") && !strings.HasPrefix(s, "*") {
			continue
		}
		prev := ""
		if i > 0 {
			prev = segs[i-1]
		}
		var v string
		switch name := s[1:]; {
		case name == "code" && prev == "areas":
			v = "dat-dai"
		case name == "code" && prev == "agencies", name == "agency":
			v = agency
		case name == "area":
			v = "dat-dai"
		case name == "username":
			v = "admin"
		case name == "id" && prev == "forms":
			v = survey.DefaultFormID
		case name == "id" && prev == "tokens":
			v = "1"
		case name == "version":
			v = "1"
		case name == "page" && prev == "2025-07":
			v = "0"
		case name == "id" && (prev == "0" || prev == "comments"):
			v = "no-such-comment"
		case name == "period", name == "month":
			v = "2025-07"
		default:
			return "", fmt.Errorf("no test value for parameter %s (after %q)", s, prev)
		}
		segs[i] = v
	}
	return strings.Join(segs, "/"), nil
}

// azCaller is one kind of caller of the table.
type azCaller struct {
	name string
	// role is who the server should see; "" for nobody (logged out, disabled,
	// revoked or bad token).
	role survey.Role
	// session is the browser of a logged-in caller (nil: no cookies).
	session *azUser
	// bearer is the API token sent, if any.
	bearer string
}

// azRequest sends the request a caller makes on a route: page POSTs carry the
// session's CSRF token, API writes an empty JSON object.
func azRequest(t *testing.T, env *testEnv, cl azCaller, useSession bool, method, path string) azResult {
	t.Helper()
	isAPI := strings.HasPrefix(path, "/api/")
	hdr := map[string]string{}
	body := ""
	switch {
	case method == http.MethodGet || method == http.MethodHead || method == http.MethodDelete:
	case isAPI:
		hdr["Content-Type"] = "application/json"
		body = "{}"
	default:
		hdr["Content-Type"] = "application/x-www-form-urlencoded"
		if useSession && cl.session != nil {
			body = url.Values{"csrf": {cl.session.csrf}}.Encode()
		} else {
			body = url.Values{"csrf": {""}}.Encode()
		}
	}
	var c *http.Client
	if useSession && cl.session != nil {
		c = cl.session.c
	} else if cl.bearer != "" {
		hdr["Authorization"] = "Bearer " + cl.bearer
	}
	return azDo(t, c, method, env.http.URL+path, body, hdr)
}

func TestAuthzEveryProtectedRouteEveryCaller(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()

	admin := azAdmin(t, env)

	staffPW := azInsertUser(t, env, "staff-a", survey.RoleStaff, "so-tu-phap")
	staff := azLogin(t, env, "staff-a", staffPW)
	staff.token = staff.fetchToken(t, "staff")

	inspPW := azInsertUser(t, env, "inspector", survey.RoleInspector)
	insp := azLogin(t, env, "inspector", inspPW)
	insp.token = insp.fetchToken(t, "inspector")

	// A former administrator: logged in with a working session and token,
	// then disabled. Both must stop working at once.
	gonePW := azInsertUser(t, env, "gone-admin", survey.RoleAdmin)
	gone := azLogin(t, env, "gone-admin", gonePW)
	gone.token = gone.fetchToken(t, "gone")
	if r := gone.get(t, "/admin"); r.status != http.StatusOK {
		t.Fatalf("before disabling: GET /admin as gone-admin: %s", r)
	}
	if r := gone.api(t, http.MethodGet, "/api/v1/admin/agencies", nil); r.status != http.StatusOK {
		t.Fatalf("before disabling: API as gone-admin: %s", r)
	}
	r := admin.api(t, http.MethodPut, "/api/v1/admin/users/gone-admin",
		map[string]any{"name": "Gone", "role": "admin", "agencies": []string{}, "disabled": true})
	if r.status != http.StatusOK {
		t.Fatalf("disable gone-admin: %s", r)
	}
	if u, err := env.store.User(ctx, "gone-admin"); err != nil || !u.Disabled {
		t.Fatalf("gone-admin after disabling: %+v, %v", u, err)
	}

	// An administrator's token, revoked.
	revoked := admin.fetchToken(t, "to-revoke")
	if r := azAPI(t, env, revoked, http.MethodGet, "/api/v1/admin/agencies", nil); r.status != http.StatusOK {
		t.Fatalf("before revoking: %s", r)
	}
	r = admin.api(t, http.MethodGet, "/api/v1/admin/tokens", nil)
	var list struct {
		Tokens []struct{ ID, Label string }
	}
	if err := json.Unmarshal([]byte(r.body), &list); err != nil {
		t.Fatalf("token list: %s: %v", r, err)
	}
	revokedID := ""
	for _, tk := range list.Tokens {
		if tk.Label == "to-revoke" {
			revokedID = tk.ID
		}
	}
	if revokedID == "" {
		t.Fatalf("token to-revoke not listed: %s", r.body)
	}
	if r := admin.api(t, http.MethodDelete, "/api/v1/admin/tokens/"+revokedID, nil); r.status != http.StatusNoContent {
		t.Fatalf("revoke: %s", r)
	}

	callers := []azCaller{
		{name: "logged-out"},
		{name: "staff-so-tu-phap", role: survey.RoleStaff, session: staff, bearer: staff.token},
		{name: "inspector", role: survey.RoleInspector, session: insp, bearer: insp.token},
		{name: "disabled-admin", session: gone, bearer: gone.token},
		{name: "revoked-token", bearer: revoked},
		{name: "bad-token", bearer: "hl_not-a-real-token-at-all"},
		{name: "admin", role: survey.RoleAdmin, session: admin, bearer: admin.token},
	}

	engine, ok := env.srv.Handler().(*gin.Engine)
	if !ok {
		t.Fatalf("Handler() is %T, want *gin.Engine", env.srv.Handler())
	}
	routes := engine.Routes()
	slices.SortFunc(routes, func(a, b gin.RouteInfo) int {
		return strings.Compare(a.Path+" "+a.Method, b.Path+" "+b.Method)
	})

	protected := 0
	for _, rt := range routes {
		key := rt.Method + " " + rt.Path
		var roles []survey.Role
		scoped, found := false, false
		for _, p := range azProtected {
			if azUnder(rt.Path, p.prefix) {
				roles, scoped, found = p.roles, p.scoped, true
				break
			}
		}
		if !found {
			if !azPublic[key] {
				t.Errorf("route %s is neither public (azPublic) nor under a protected prefix (azProtected): "+
					"add it to one of them with the roles allowed", key)
			}
			continue
		}
		protected++
		path, err := azFill(rt.Path, "so-tu-phap")
		if err != nil {
			t.Errorf("route %s: %v: add a value to azFill", key, err)
			continue
		}
		isAPI := strings.HasPrefix(rt.Path, "/api/")
		t.Run(strings.ReplaceAll(key, "/", "_"), func(t *testing.T) {
			for _, cl := range callers {
				// Pages are reached with the session; the API with the token and
				// with the session cookie alike. Bearer-only callers send their
				// token to pages too.
				modes := []bool{}
				if cl.session != nil || cl.bearer == "" {
					modes = append(modes, true)
				}
				if cl.bearer != "" && (isAPI || cl.session == nil) {
					modes = append(modes, false)
				}
				for _, useSession := range modes {
					how := "token"
					if useSession {
						how = "session"
					}
					got := azRequest(t, env, cl, useSession, rt.Method, path)
					what := fmt.Sprintf("%s %s as %s (%s)", rt.Method, path, cl.name, how)
					azCheck(t, what, got, isAPI, !useSession, path, cl.role, roles)
				}
			}
			// Staff reaching another agency's data through a scoped route.
			if scoped && strings.Contains(rt.Path, ":agency") {
				other, _ := azFill(rt.Path, "so-cong-thuong")
				for _, useSession := range []bool{true, false} {
					cl := callers[1]
					got := azRequest(t, env, cl, useSession, rt.Method, other)
					if got.status != http.StatusForbidden && got.status != http.StatusNotFound {
						t.Errorf("%s %s as staff of so-tu-phap (session %v): %s, want 403 or 404", rt.Method, other, useSession, got)
					}
				}
			}
		})
	}
	if protected < 40 {
		t.Errorf("only %d protected routes found; the enumeration is broken", protected)
	}
}

// azCheck checks one answer against the expectations of the table.
func azCheck(t *testing.T, what string, got azResult, isAPI, byToken bool, path string, role survey.Role, allowed []survey.Role) {
	t.Helper()
	switch {
	case role == "" && isAPI:
		if got.status != http.StatusUnauthorized {
			t.Errorf("%s: %s, want 401", what, got)
		} else if e := azDecodeErr(t, got); e.Error.Code != "unauthorized" {
			t.Errorf("%s: error code %q, want unauthorized", what, e.Error.Code)
		}
	case role == "" && byToken:
		// A page called with a token that does not work: refused at once.
		if got.status != http.StatusUnauthorized && !(got.status == http.StatusSeeOther && strings.HasPrefix(got.location(), "/login")) {
			t.Errorf("%s: %s, want 401 or 303 to /login", what, got)
		}
	case role == "":
		want := "/login?next=" + url.QueryEscape(path)
		if got.status != http.StatusSeeOther || got.location() != want {
			t.Errorf("%s: %s, want 303 to %s", what, got, want)
		}
	case !slices.Contains(allowed, role):
		if got.status != http.StatusForbidden {
			t.Errorf("%s: %s, want 403", what, got)
		} else if isAPI {
			if e := azDecodeErr(t, got); e.Error.Code != "forbidden" {
				t.Errorf("%s: error code %q, want forbidden", what, e.Error.Code)
			}
		}
	default:
		switch {
		case got.status == http.StatusUnauthorized || got.status == http.StatusForbidden:
			t.Errorf("%s: %s, want the route to let an allowed role through", what, got)
		case got.status >= 500:
			t.Errorf("%s: %s, want no server error", what, got)
		case got.status == http.StatusSeeOther && strings.HasPrefix(got.location(), "/login"):
			t.Errorf("%s: sent to %s, want the page", what, got.location())
		}
	}
}

// TestAuthzCSRF: a state-changing admin form without the CSRF token, or with
// a wrong one, is refused (403) and changes nothing; the right token works.
func TestAuthzCSRF(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	admin := azAdmin(t, env)
	other := azLogin(t, env, "admin", azAdminPassword) // a second session of the same user

	// The token of the login form (pre-session) of the same browser.
	preTok := ""
	{
		c := env.client(t)
		p := azDo(t, c, http.MethodGet, env.http.URL+"/login", "", nil)
		preTok = azCSRFOf(p.body)
	}

	auditCount := func() int {
		es, err := env.store.Audit(ctx, "", 10000)
		if err != nil {
			t.Fatal(err)
		}
		return len(es)
	}

	agency := url.Values{
		"code": {"so-csrf"}, "nameVi": {"Sở Thử"}, "nameEn": {"Test Dept"},
		"level": {"department"}, "areas": {"tu-phap"},
	}
	bad := map[string][]string{
		"no token":                    nil,
		"empty token":                 {""},
		"wrong token":                 {"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},
		"token of another session":    {other.csrf},
		"pre-session token":           {preTok},
		"two tokens, the first wrong": {"x", admin.csrf},
	}
	if other.csrf == admin.csrf {
		t.Errorf("two sessions share a CSRF token %q", admin.csrf)
	}
	before := auditCount()
	for name, tok := range bad {
		vals := url.Values{}
		for k, v := range agency {
			vals[k] = v
		}
		if tok == nil { // the field is not sent at all
			r := azDo(t, admin.c, http.MethodPost, env.http.URL+"/admin/agencies", vals.Encode(),
				map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
			if r.status != http.StatusForbidden {
				t.Errorf("%s: %s, want 403", name, r)
			}
			continue
		}
		vals["csrf"] = tok
		if r := admin.post(t, "/admin/agencies", vals); r.status != http.StatusForbidden {
			t.Errorf("%s: %s, want 403", name, r)
		}
	}
	cat, err := env.store.Catalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cat.Agency("so-csrf"); err == nil {
		t.Errorf("agency created by a form with a bad CSRF token")
	}

	// Every admin form, posted without a token, is refused and writes nothing.
	engine := env.srv.Handler().(*gin.Engine)
	for _, rt := range engine.Routes() {
		if rt.Method != http.MethodPost || !azUnder(rt.Path, "/admin") {
			continue
		}
		path, err := azFill(rt.Path, "so-tu-phap")
		if err != nil {
			t.Errorf("%s: %v", rt.Path, err)
			continue
		}
		for _, tok := range []string{"", "wrong"} {
			r := admin.post(t, path, url.Values{"csrf": {tok}, "name": {"x"}, "password": {"new-password-1234"}, "date": {"2025-07-01"}})
			if r.status != http.StatusForbidden {
				t.Errorf("POST %s with csrf %q: %s, want 403", path, tok, r)
			}
		}
	}
	if after := auditCount(); after != before {
		t.Errorf("audit entries %d → %d: a refused form changed something", before, after)
	}
	if u, err := env.store.User(ctx, "admin"); err != nil || u.Epoch != 0 || u.Disabled {
		t.Errorf("admin after refused forms: %+v, %v", u, err)
	}

	// Logout without the token does not end the session.
	r := azDo(t, admin.c, http.MethodPost, env.http.URL+"/logout", "", map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	if r.status != http.StatusForbidden {
		t.Errorf("logout without csrf: %s, want 403", r)
	}
	if r := admin.get(t, "/admin"); r.status != http.StatusOK {
		t.Errorf("after refused logout: GET /admin %s, want 200", r)
	}

	// Login without the pre-session cookie or with a wrong token.
	noCookie := azDo(t, nil, http.MethodPost, env.http.URL+"/login",
		url.Values{"csrf": {preTok}, "username": {"admin"}, "password": {azAdminPassword}}.Encode(),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	if noCookie.status != http.StatusForbidden || noCookie.cookie(sessionCookie) != nil {
		t.Errorf("login without the pre-session cookie: %s, want 403 and no session", noCookie)
	}
	c := env.client(t)
	azDo(t, c, http.MethodGet, env.http.URL+"/login", "", nil)
	wrong := azDo(t, c, http.MethodPost, env.http.URL+"/login",
		url.Values{"csrf": {"wrong"}, "username": {"admin"}, "password": {azAdminPassword}}.Encode(),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	if wrong.status != http.StatusForbidden || wrong.cookie(sessionCookie) != nil {
		t.Errorf("login with a wrong csrf: %s, want 403 and no session", wrong)
	}

	// The right token works.
	vals := url.Values{}
	for k, v := range agency {
		vals[k] = v
	}
	if r := admin.post(t, "/admin/agencies", vals); r.status != http.StatusSeeOther {
		t.Errorf("create with the right token: %s, want 303", r)
	}
}
