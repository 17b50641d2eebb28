package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"hailong/survey"
)

// Authorization of every route, for every kind of caller, over a real server
// and a real embedded FerretDB: one table (authzMatrix) gives the status each
// caller gets from each route. The routes are read from the live engine, so a
// route added later fails the test until it has its row.

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

// ---- the role × route matrix: ONE table, every route of the engine ----

// The callers of the matrix, in the order of each row's statuses. The agency
// asked for is A (so-tu-phap) in the staffA and integA columns and B
// (so-cong-thuong) in every other column.
//
//	anon      nobody: no cookie, no token
//	staffB    staff of agency A asking for agency B
//	staffA    staff of agency A asking for agency A
//	insp      an inspector
//	admin     an administrator
//	disabled  an administrator disabled after logging in (session ended, token refused)
//	revoked   an administrator's revoked API token (no session)
//	kiosk     a paired counter tablet of agency B: its kiosk credential (cookie hl_kiosk), no session, no token
//	integB    the API key of an integration account of agency A asking for agency B (it cannot log in: no session)
//	integA    the same key asking for agency A
var azCols = []string{"anon", "staffB", "staffA", "insp", "admin", "disabled", "revoked", "kiosk", "integB", "integA"}

// Agencies of the matrix.
const (
	azAgencyA = "so-tu-phap"
	azAgencyB = "so-cong-thuong"
)

// Kiosks of agency B that the administration rows act on ({kiosk} and
// {retired}); the kiosk caller is another one, which no row touches.
const (
	azKioskID      = "kmatrixbystand"
	azRetiredKiosk = "kmatrixretired"
)

// azOpt marks rows that need more than the status check.
type azOpt int

const (
	// azOpen: the answer is public knowledge (the catalog, a citizen's
	// link), so it may name agency B to anyone; other rows never show B's
	// code to staff of A.
	azOpen azOpt = 1 << iota
	// azComments: an allowed 200 answer lists the asked agency's comments, so
	// it must show that agency's secret comment (proving the leak checks can
	// see a secret where one is).
	azComments
	// azFresh: the request ends the caller's session (logout): each session
	// caller logs in anew for it.
	azFresh
	// azKiosk: the route needs the kiosk credential, so a 401 is
	// kiosk_unpaired (but for a refused bearer token, which is unauthorized).
	azKiosk
	// azInvite: the route issues invitations, so an integration key asking
	// for an agency not its own is refused as agency_not_allowed (403).
	azInvite
)

// azRow is one route and what each caller gets from it. The request path
// (req) and body may hold {agency}, {area}, {month}, {comment}, {invtoken},
// {invcode}, {kiosk} and {retired}: the agency asked for, an area it serves,
// this month, the id of its secret comment of this month, the signed token
// and the short code of its invitation for the dossier azDossier, and the
// kiosks azKioskID and azRetiredKiosk. API writes send body (default {});
// page POSTs send body as form values plus the session's CSRF token.
type azRow struct {
	want  string // the status for each caller of azCols
	route string // "METHOD /path" as engine.Routes() names it
	req   string
	body  string
	opt   azOpt
}

// authzMatrix is the expected answer of every route to every caller. A route
// the engine serves without a row here fails the test: add one.
//
// Pages: nobody is sent to /login (303), a wrong role or agency gets 403, a
// bad bearer token is refused at once (401), even on public pages. API: 401
// and 403 as JSON errors. A kiosk credential opens the kiosk's own routes
// only: everywhere else the tablet is nobody. An integration key issues
// invitations for its own agency and reads nothing: every route but the
// public ones and its invitation endpoints refuses it (403). The allowed
// cells hold what an empty or minimal request gets (400 for an empty form,
// 404 for something that is not there).
var authzMatrix = []azRow{
	// statuses, in the order of azCols: anon staffB staffA insp admin disabled revoked kiosk integB integA
	// Operations, static files, citizen pages and the public API.
	{"200 200 200 200 200 200 401 200 200 200", "GET /healthz", "/healthz", "", azOpen},
	{"200 200 200 200 200 200 401 200 200 200", "GET /readyz", "/readyz", "", azOpen},
	{"200 200 200 200 200 200 401 200 200 200", "GET /static/*file", "/static/app.css", "", azOpen},
	{"200 200 200 200 200 200 401 200 200 200", "GET /", "/", "", azOpen},
	{"303 303 303 303 303 303 401 303 303 303", "GET /survey", "/survey?agency={agency}&area={area}", "", azOpen},
	{"200 200 200 200 200 200 401 200 200 200", "GET /s/:agency/:area", "/s/{agency}/{area}", "", azOpen},
	{"400 400 400 400 400 400 401 400 400 400", "POST /s/:agency/:area", "/s/{agency}/{area}", "", azOpen},
	{"200 200 200 200 200 200 401 200 200 200", "GET /s/:agency/:area/thanks", "/s/{agency}/{area}/thanks", "", azOpen},
	{"200 200 200 200 200 401 401 200 200 200", "GET /api/v1/areas", "/api/v1/areas", "", azOpen},
	{"200 200 200 200 200 401 401 200 200 200", "GET /api/v1/agencies", "/api/v1/agencies", "", azOpen},
	{"200 200 200 200 200 401 401 200 200 200", "GET /api/v1/forms/:agency/:area", "/api/v1/forms/{agency}/{area}", "", azOpen},
	{"200 200 200 200 200 401 401 200 200 200", "GET /api/v1/openapi.json", "/api/v1/openapi.json", "", azOpen},
	{"400 400 400 400 400 401 401 400 400 400", "POST /api/v1/responses", "/api/v1/responses", "", azOpen},
	{"400 400 400 400 400 401 401 400 400 400", "POST /api/v1/auth/token", "/api/v1/auth/token", "", azOpen},

	// Login and logout.
	{"200 303 303 303 303 200 401 200 303 303", "GET /login", "/login", "", 0},
	{"403 401 401 401 401 403 401 403 403 403", "POST /login", "/login", "", 0},
	{"403 303 303 303 303 403 401 403 403 403", "POST /logout", "/logout", "", azFresh},
	{"303 200 200 200 200 303 401 303 403 403", "GET /account/password", "/account/password", "", 0},
	{"303 400 400 400 400 303 401 303 403 403", "POST /account/password", "/account/password", "", 0},

	// Reports and comments: staff of the agency, inspectors, administrators.
	{"303 403 200 200 200 303 401 303 403 403", "GET /dashboard", "/dashboard?agency={agency}", "", 0},
	{"303 403 200 200 200 303 401 303 403 403", "GET /comments", "/comments?agency={agency}", "", azComments},
	{"303 403 303 403 303 303 401 303 403 403", "POST /comments/:agency/:month/:page/:id/handled", "/comments/{agency}/{month}/0/{comment}/handled", "", 0},
	{"401 403 200 200 200 401 401 401 403 403", "GET /api/v1/reports/agencies/:agency", "/api/v1/reports/agencies/{agency}", "", 0},
	{"401 403 200 200 200 401 401 401 403 403", "GET /api/v1/comments", "/api/v1/comments?agency={agency}", "", azComments},
	{"401 403 200 403 200 401 401 401 403 403", "POST /api/v1/comments/:id/handled", "/api/v1/comments/{comment}/handled", `{"agency":"{agency}","month":"{month}"}`, 0},
	// The attention queue (the secret comment's response rates 2: it is an item), scoped as comments.
	{"303 403 200 200 200 303 401 303 403 403", "GET /attention", "/attention?agency={agency}", "", azComments},
	{"303 403 303 403 303 303 401 303 403 403", "POST /attention/:id", "/attention/{comment}", "state=acknowledged", 0},
	{"401 403 200 200 200 401 401 401 403 403", "GET /api/v1/attention", "/api/v1/attention?agency={agency}", "", azComments},
	{"401 403 200 403 200 401 401 401 403 403", "POST /api/v1/attention/:id", "/api/v1/attention/{comment}", `{"state":"acknowledged"}`, 0},
	// Rankings: every reader; staff get only their own agencies' rows (so never B).
	// Exports: as the reports; staff of A asking for B are refused, and the
	// responses with their comments show the asked agency's secret comment.
	{"401 403 200 200 200 401 401 401 403 403", "GET /api/v1/exports/aggregates", "/api/v1/exports/aggregates?format=csv&agency={agency}", "", 0},
	{"401 403 200 200 200 401 401 401 403 403", "GET /api/v1/exports/responses", "/api/v1/exports/responses?format=csv&comments=1&agency={agency}", "", azComments},
	{"303 200 200 200 200 303 401 303 403 403", "GET /rankings", "/rankings", "", 0},
	{"401 200 200 200 200 401 401 401 403 403", "GET /api/v1/rankings", "/api/v1/rankings", "", 0},
	// Publications: read by anyone (nothing is published here: 404 for a
	// period), published by inspectors and administrators (an empty form or
	// body is 400).
	{"200 200 200 200 200 200 401 200 200 200", "GET /ket-qua", "/ket-qua", "", azOpen},
	{"200 200 200 200 200 401 401 200 200 200", "GET /api/v1/publications", "/api/v1/publications", "", azOpen},
	{"404 404 404 404 404 401 401 404 404 404", "GET /api/v1/publications/:period", "/api/v1/publications/2025-Q3", "", azOpen},
	{"404 404 404 404 404 401 401 404 404 404", "GET /api/v1/publications/:period/snapshot", "/api/v1/publications/2025-Q3/snapshot", "", azOpen},
	{"303 403 403 200 200 303 401 303 403 403", "GET /publications", "/publications", "", 0},
	{"303 403 403 400 400 303 401 303 403 403", "POST /publications", "/publications", "", 0},
	{"401 403 403 400 400 401 401 401 403 403", "POST /api/v1/publications", "/api/v1/publications", "", 0},
	// The CCHC index (cchc_*.go): results for every reader (none for 2018
	// here: no framework is published), points for inspectors and administrators.
	{"303 200 200 200 200 303 401 303 403 403", "GET /cchc", "/cchc?year=2018", "", 0},
	{"401 404 404 404 404 401 401 401 403 403", "GET /api/v1/cchc/:year", "/api/v1/cchc/2018", "", 0},
	{"401 404 404 404 404 401 401 401 403 403", "GET /api/v1/cchc/:year/export", "/api/v1/cchc/2018/export?format=csv", "", 0},
	{"303 403 403 200 200 303 401 303 403 403", "GET /cchc/:year/points", "/cchc/2018/points", "", 0},
	{"303 403 403 409 409 303 401 303 403 403", "POST /cchc/:year/points", "/cchc/2018/points", "", 0},
	{"303 403 403 400 400 303 401 303 403 403", "POST /cchc/:year/points/csv", "/cchc/2018/points/csv", "", 0},
	{"401 403 403 200 200 401 401 401 403 403", "GET /api/v1/cchc/:year/points", "/api/v1/cchc/2018/points", "", 0},
	{"401 403 403 400 400 401 401 401 403 403", "PUT /api/v1/cchc/:year/points", "/api/v1/cchc/2018/points", "", 0},
	{"401 403 403 400 400 401 401 401 403 403", "POST /api/v1/cchc/:year/points/csv", "/api/v1/cchc/2018/points/csv", "", 0},
	// Publishing a CCHC year (cchc_publish.go): refused without a framework
	// (the page goes back to /cchc with the reason); nothing published, so
	// the public reads 404.
	{"303 403 403 303 303 303 401 303 403 403", "POST /cchc/:year/publish", "/cchc/2018/publish", "", 0},
	{"401 403 403 409 409 401 401 401 403 403", "POST /api/v1/cchc/:year/publish", "/api/v1/cchc/2018/publish", "", 0},
	{"404 404 404 404 404 404 401 404 404 404", "GET /ket-qua/cchc/:year", "/ket-qua/cchc/2018", "", azOpen},
	{"404 404 404 404 404 401 401 404 404 404", "GET /api/v1/cchc/:year/published", "/api/v1/cchc/2018/published", "", azOpen},
	{"404 404 404 404 404 401 401 404 404 404", "GET /api/v1/cchc/:year/published/snapshot", "/api/v1/cchc/2018/published/snapshot", "", azOpen},

	// Entry of paper and phone surveys: staff of the agency and administrators.
	{"303 200 200 403 200 303 401 303 403 403", "GET /entry", "/entry", "", 0},
	{"303 403 200 403 200 303 401 303 403 403", "GET /entry/:agency/:area", "/entry/{agency}/{area}", "", 0},
	{"303 403 400 403 400 303 401 303 403 403", "POST /entry/:agency/:area", "/entry/{agency}/{area}", "", 0},
	{"303 403 200 403 200 303 401 303 403 403", "GET /entry/:agency/:area/saved", "/entry/{agency}/{area}/saved?id={comment}", "", 0},

	// Counter kiosks: the tablet's page and its pairing are open (the code is
	// the credential); its API needs the kiosk credential, which opens
	// nothing else. The ratings report is read as the SIPAS report is.
	{"200 200 200 200 200 200 401 200 200 200", "GET /kiosk", "/kiosk", "", 0},
	{"403 400 400 400 400 403 401 403 403 403", "POST /kiosk/pair", "/kiosk/pair", "", 0},
	{"400 400 400 400 400 401 401 400 400 400", "POST /api/v1/kiosk/pair", "/api/v1/kiosk/pair", "", azKiosk},
	{"401 401 401 401 401 401 401 200 401 401", "GET /api/v1/kiosk/config", "/api/v1/kiosk/config", "", azKiosk},
	{"401 401 401 401 401 401 401 400 401 401", "POST /api/v1/kiosk/ratings", "/api/v1/kiosk/ratings", "", azKiosk},
	{"401 403 200 200 200 401 401 401 403 403", "GET /api/v1/reports/agencies/:agency/ratings", "/api/v1/reports/agencies/{agency}/ratings", "", 0},

	// Verified invitations: an integration key issues them for its own
	// agency, an administrator for any (the dossier azDossier already has one
	// in each agency, so an allowed call finds it: 200). The links, QR codes
	// and slips are the citizen's: open to whoever holds them.
	{"401 403 403 403 200 401 401 401 403 200", "POST /api/v1/invitations", "/api/v1/invitations", azInvBody, azInvite},
	{"401 403 403 403 200 401 401 401 403 200", "POST /api/v1/invitations/batch", "/api/v1/invitations/batch", `{"items":[` + azInvBody + `]}`, azInvite},
	{"401 403 403 403 200 401 401 401 403 200", "PUT /api/v1/dossier-counts", "/api/v1/dossier-counts", `{"counts":[{"agency":"{agency}","area":"{area}","month":"{month}","completed":12}]}`, azInvite},
	{"200 200 200 200 200 200 401 200 200 200", "GET /v/:token", "/v/{invtoken}", "", azOpen},
	{"400 400 400 400 400 400 401 400 400 400", "POST /v/:token", "/v/{invtoken}", "", azOpen},
	{"302 302 302 302 302 302 401 302 302 302", "GET /r/:code", "/r/{invcode}", "", azOpen},
	{"302 302 302 302 302 302 401 302 302 302", "GET /R/:code", "/R/{invcode}", "", azOpen},
	{"200 200 200 200 200 200 401 200 200 200", "GET /r/:code/qr.svg", "/r/{invcode}/qr.svg", "", azOpen},
	{"200 200 200 200 200 200 401 200 200 200", "GET /r/:code/qr.png", "/r/{invcode}/qr.png", "", azOpen},
	{"200 200 200 200 200 200 401 200 200 200", "GET /r/:code/slip", "/r/{invcode}/slip", "", azOpen},

	// Administration pages: administrators only.
	{"303 403 403 403 200 303 401 303 403 403", "GET /admin", "/admin", "", 0},
	{"303 403 403 403 200 303 401 303 403 403", "GET /admin/agencies", "/admin/agencies", "", 0},
	{"303 403 403 403 400 303 401 303 403 403", "POST /admin/agencies", "/admin/agencies", "", 0},
	{"303 403 403 403 200 303 401 303 403 403", "GET /admin/agencies/:code", "/admin/agencies/{agency}", "", 0},
	{"303 403 403 403 400 303 401 303 403 403", "POST /admin/agencies/:code", "/admin/agencies/{agency}", "", 0},
	{"303 403 403 403 400 303 401 303 403 403", "POST /admin/agencies/:code/dissolve", "/admin/agencies/{agency}/dissolve", "", 0},
	{"303 403 403 403 303 303 401 303 403 403", "POST /admin/agencies/:code/notifications", "/admin/agencies/{agency}/notifications", "", 0},
	{"303 403 403 403 200 303 401 303 403 403", "POST /admin/agencies/:code/notifications/test", "/admin/agencies/{agency}/notifications/test", "", 0},
	{"303 403 403 403 200 303 401 303 403 403", "GET /admin/merge", "/admin/merge", "", 0},
	{"303 403 403 403 400 303 401 303 403 403", "POST /admin/merge", "/admin/merge", "", 0},
	{"303 403 403 403 200 303 401 303 403 403", "GET /admin/areas", "/admin/areas", "", 0},
	{"303 403 403 403 400 303 401 303 403 403", "POST /admin/areas", "/admin/areas", "", 0},
	{"303 403 403 403 400 303 401 303 403 403", "POST /admin/areas/:code", "/admin/areas/{area}", "", 0},
	{"303 403 403 403 200 303 401 303 403 403", "GET /admin/users", "/admin/users", "", 0},
	{"303 403 403 403 400 303 401 303 403 403", "POST /admin/users", "/admin/users", "", 0},
	{"303 403 403 403 200 303 401 303 403 403", "GET /admin/users/:username", "/admin/users/bystander", "", 0},
	{"303 403 403 403 400 303 401 303 403 403", "POST /admin/users/:username", "/admin/users/bystander", "", 0},
	{"303 403 403 403 400 303 401 303 403 403", "POST /admin/users/:username/password", "/admin/users/bystander/password", "", 0},
	{"303 403 403 403 200 303 401 303 403 403", "POST /admin/users/:username/tokens", "/admin/users/bystander/tokens", "", 0},
	{"303 403 403 403 404 303 401 303 403 403", "POST /admin/tokens/:id/revoke", "/admin/tokens/no-such-token/revoke", "", 0},
	{"303 403 403 403 200 303 401 303 403 403", "GET /admin/audit", "/admin/audit", "", 0},
	{"303 403 403 403 200 303 401 303 403 403", "GET /metrics", "/metrics", "", 0},
	{"303 403 403 403 200 303 401 303 403 403", "GET /admin/forms", "/admin/forms", "", 0},
	{"303 403 403 403 200 303 401 303 403 403", "GET /admin/forms/:id/:version", "/admin/forms/sipas-2017/1", "", 0},
	{"303 403 403 403 400 303 401 303 403 403", "POST /admin/forms/:id/:version", "/admin/forms/sipas-2017/1", "", 0},
	{"303 403 403 403 303 303 401 303 403 403", "POST /admin/forms/:id/:version/draft", "/admin/forms/sipas-2017/1/draft", "", 0},
	{"303 403 403 403 400 303 401 303 403 403", "POST /admin/forms/:id/:version/publish", "/admin/forms/sipas-2017/1/publish", "", 0},
	{"303 403 403 403 200 303 401 303 403 403", "GET /admin/assignments", "/admin/assignments", "", 0},
	{"303 403 403 403 200 303 401 303 403 403", "GET /admin/cchc", "/admin/cchc", "", 0},
	{"303 403 403 403 303 303 401 303 403 403", "POST /admin/cchc", "/admin/cchc", "", 0},
	{"303 403 403 403 404 303 401 303 403 403", "GET /admin/cchc/:version", "/admin/cchc/99", "", 0},
	{"303 403 403 403 404 303 401 303 403 403", "POST /admin/cchc/:version", "/admin/cchc/99", "", 0},
	{"303 403 403 403 404 303 401 303 403 403", "POST /admin/cchc/:version/publish", "/admin/cchc/99/publish", "", 0},
	{"303 403 403 403 404 303 401 303 403 403", "POST /admin/cchc/:version/draft", "/admin/cchc/99/draft", "", 0},
	{"303 403 403 403 400 303 401 303 403 403", "POST /admin/assignments", "/admin/assignments", "", 0},
	{"303 403 403 403 200 303 401 303 403 403", "GET /admin/kiosks", "/admin/kiosks", "", 0},
	{"303 403 403 403 400 303 401 303 403 403", "POST /admin/kiosks", "/admin/kiosks", "", 0},
	{"303 403 403 403 200 303 401 303 403 403", "GET /admin/kiosks/:id", "/admin/kiosks/{kiosk}", "", 0},
	{"303 403 403 403 400 303 401 303 403 403", "POST /admin/kiosks/:id", "/admin/kiosks/{kiosk}", "", 0},
	{"303 403 403 403 200 303 401 303 403 403", "POST /admin/kiosks/:id/code", "/admin/kiosks/{kiosk}/code", "", 0},
	{"303 403 403 403 303 303 401 303 403 403", "POST /admin/kiosks/:id/unpair", "/admin/kiosks/{kiosk}/unpair", "", 0},
	{"303 403 403 403 303 303 401 303 403 403", "POST /admin/kiosks/:id/revoke", "/admin/kiosks/{retired}/revoke", "", 0},
	{"303 403 403 403 200 303 401 303 403 403", "GET /admin/invitations", "/admin/invitations", "", 0},
	{"303 403 403 403 400 303 401 303 403 403", "POST /admin/invitations", "/admin/invitations", "", 0},
	{"303 403 403 403 303 303 401 303 403 403", "POST /admin/invitation-keys", "/admin/invitation-keys", "", 0},
	{"303 403 403 403 404 303 401 303 403 403", "POST /admin/invitation-keys/:id/retire", "/admin/invitation-keys/999/retire", "", 0},

	// Administration API: administrators only.
	{"401 403 403 403 200 401 401 401 403 403", "GET /api/v1/admin/agencies", "/api/v1/admin/agencies", "", 0},
	{"401 403 403 403 400 401 401 401 403 403", "POST /api/v1/admin/agencies", "/api/v1/admin/agencies", "", 0},
	{"401 403 403 403 200 401 401 401 403 403", "GET /api/v1/admin/agencies/:code", "/api/v1/admin/agencies/{agency}", "", 0},
	{"401 403 403 403 400 401 401 401 403 403", "PUT /api/v1/admin/agencies/:code", "/api/v1/admin/agencies/{agency}", "", 0},
	{"401 403 403 403 400 401 401 401 403 403", "POST /api/v1/admin/agencies/:code/dissolve", "/api/v1/admin/agencies/{agency}/dissolve", "", 0},
	{"401 403 403 403 200 401 401 401 403 403", "GET /api/v1/admin/agencies/:code/notifications", "/api/v1/admin/agencies/{agency}/notifications", "", 0},
	{"401 403 403 403 200 401 401 401 403 403", "PUT /api/v1/admin/agencies/:code/notifications", "/api/v1/admin/agencies/{agency}/notifications", "", 0},
	{"401 403 403 403 409 401 401 401 403 403", "POST /api/v1/admin/agencies/:code/notifications/test", "/api/v1/admin/agencies/{agency}/notifications/test", "", 0},
	{"401 403 403 403 200 401 401 401 403 403", "GET /api/v1/admin/agencies/:code/notifications/deliveries", "/api/v1/admin/agencies/{agency}/notifications/deliveries", "", 0},
	{"401 403 403 403 409 401 401 401 403 403", "POST /api/v1/admin/digests", "/api/v1/admin/digests", "", 0},
	{"401 403 403 403 400 401 401 401 403 403", "POST /api/v1/admin/merges", "/api/v1/admin/merges", "", 0},
	{"401 403 403 403 200 401 401 401 403 403", "GET /api/v1/admin/areas", "/api/v1/admin/areas", "", 0},
	{"401 403 403 403 400 401 401 401 403 403", "POST /api/v1/admin/areas", "/api/v1/admin/areas", "", 0},
	{"401 403 403 403 400 401 401 401 403 403", "PUT /api/v1/admin/areas/:code", "/api/v1/admin/areas/{area}", "", 0},
	{"401 403 403 403 200 401 401 401 403 403", "GET /api/v1/admin/users", "/api/v1/admin/users", "", 0},
	{"401 403 403 403 400 401 401 401 403 403", "POST /api/v1/admin/users", "/api/v1/admin/users", "", 0},
	{"401 403 403 403 200 401 401 401 403 403", "GET /api/v1/admin/users/:username", "/api/v1/admin/users/bystander", "", 0},
	{"401 403 403 403 400 401 401 401 403 403", "PUT /api/v1/admin/users/:username", "/api/v1/admin/users/bystander", "", 0},
	{"401 403 403 403 400 401 401 401 403 403", "POST /api/v1/admin/users/:username/password", "/api/v1/admin/users/bystander/password", "", 0},
	{"401 403 403 403 201 401 401 401 403 403", "POST /api/v1/admin/users/:username/tokens", "/api/v1/admin/users/bystander/tokens", "", 0},
	{"401 403 403 403 200 401 401 401 403 403", "GET /api/v1/admin/tokens", "/api/v1/admin/tokens", "", 0},
	{"401 403 403 403 404 401 401 401 403 403", "DELETE /api/v1/admin/tokens/:id", "/api/v1/admin/tokens/no-such-token", "", 0},
	{"401 403 403 403 200 401 401 401 403 403", "GET /api/v1/admin/audit", "/api/v1/admin/audit", "", 0},
	{"401 403 403 403 200 401 401 401 403 403", "GET /api/v1/admin/forms", "/api/v1/admin/forms", "", 0},
	{"401 403 403 403 200 401 401 401 403 403", "GET /api/v1/admin/forms/:id/:version", "/api/v1/admin/forms/sipas-2017/1", "", 0},
	{"401 403 403 403 400 401 401 401 403 403", "PUT /api/v1/admin/forms/:id/:version", "/api/v1/admin/forms/sipas-2017/1", "", 0},
	{"401 403 403 403 201 401 401 401 403 403", "POST /api/v1/admin/forms/:id/:version/drafts", "/api/v1/admin/forms/sipas-2017/1/drafts", "", 0},
	{"401 403 403 403 400 401 401 401 403 403", "POST /api/v1/admin/forms/:id/:version/publish", "/api/v1/admin/forms/sipas-2017/1/publish", "", 0},
	{"401 403 403 403 200 401 401 401 403 403", "GET /api/v1/admin/assignments", "/api/v1/admin/assignments", "", 0},
	{"401 403 403 403 200 401 401 401 403 403", "GET /api/v1/admin/cchc/frameworks", "/api/v1/admin/cchc/frameworks", "", 0},
	{"401 403 403 403 201 401 401 401 403 403", "POST /api/v1/admin/cchc/frameworks", "/api/v1/admin/cchc/frameworks", "", 0},
	{"401 403 403 403 404 401 401 401 403 403", "GET /api/v1/admin/cchc/frameworks/:version", "/api/v1/admin/cchc/frameworks/99", "", 0},
	{"401 403 403 403 404 401 401 401 403 403", "PUT /api/v1/admin/cchc/frameworks/:version", "/api/v1/admin/cchc/frameworks/99", "", 0},
	{"401 403 403 403 404 401 401 401 403 403", "POST /api/v1/admin/cchc/frameworks/:version/drafts", "/api/v1/admin/cchc/frameworks/99/drafts", "", 0},
	{"401 403 403 403 404 401 401 401 403 403", "POST /api/v1/admin/cchc/frameworks/:version/publish", "/api/v1/admin/cchc/frameworks/99/publish", "", 0},
	{"401 403 403 403 400 401 401 401 403 403", "PUT /api/v1/admin/assignments/:area", "/api/v1/admin/assignments/{area}", "", 0},
	{"401 403 403 403 200 401 401 401 403 403", "GET /api/v1/admin/kiosks", "/api/v1/admin/kiosks", "", 0},
	{"401 403 403 403 400 401 401 401 403 403", "POST /api/v1/admin/kiosks", "/api/v1/admin/kiosks", "", 0},
	{"401 403 403 403 200 401 401 401 403 403", "GET /api/v1/admin/kiosks/:id", "/api/v1/admin/kiosks/{kiosk}", "", 0},
	{"401 403 403 403 400 401 401 401 403 403", "PUT /api/v1/admin/kiosks/:id", "/api/v1/admin/kiosks/{kiosk}", "", 0},
	{"401 403 403 403 201 401 401 401 403 403", "POST /api/v1/admin/kiosks/:id/code", "/api/v1/admin/kiosks/{kiosk}/code", "", 0},
	{"401 403 403 403 200 401 401 401 403 403", "POST /api/v1/admin/kiosks/:id/unpair", "/api/v1/admin/kiosks/{kiosk}/unpair", "", 0},
	{"401 403 403 403 200 401 401 401 403 403", "POST /api/v1/admin/kiosks/:id/revoke", "/api/v1/admin/kiosks/{retired}/revoke", "", 0},
	{"401 403 403 403 200 401 401 401 403 403", "GET /api/v1/admin/invitation-keys", "/api/v1/admin/invitation-keys", "", 0},
	{"401 403 403 403 201 401 401 401 403 403", "POST /api/v1/admin/invitation-keys", "/api/v1/admin/invitation-keys", "", 0},
	{"401 403 403 403 404 401 401 401 403 403", "POST /api/v1/admin/invitation-keys/:id/retire", "/api/v1/admin/invitation-keys/999/retire", "", 0},
}

// azAreaOf is an area each agency of the matrix serves.
var azAreaOf = map[string]string{azAgencyA: "tu-phap", azAgencyB: "cong-thuong"}

// azDossier is the dossier whose invitation each agency of the matrix has.
const azDossier = "000.00.25.H58-MATRIX-0001"

// azInvBody asks for the invitation of azDossier in the agency asked for.
const azInvBody = `{"agency":"{agency}","area":"{area}","dossierRef":"` + azDossier + `"}`

// azVarNames are the placeholders whose value depends on the agency: vars
// of azFillReq holds them keyed "name agency".
var azVarNames = []string{"comment", "invtoken", "invcode"}

// azFillReq fills the placeholders of a row's request or body for the agency asked for.
func azFillReq(s, agency string, vars map[string]string) string {
	pairs := []string{"{agency}", agency, "{area}", azAreaOf[agency],
		"{month}", survey.MonthOf(time.Now()).String(),
		"{kiosk}", azKioskID, "{retired}", azRetiredKiosk}
	for _, name := range azVarNames {
		pairs = append(pairs, "{"+name+"}", vars[name+" "+agency])
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

// azCaller is one column of the matrix.
type azCaller struct {
	name    string
	agency  string  // the agency it asks for
	session *azUser // its browser (nil: no cookies)
	bearer  string  // its API token ("" for none)
	// apiSession: the API is asked with the session cookie too (a live
	// login); the disabled caller's ended session is nobody, as anon is.
	apiSession bool
	// login logs in a new session of the same user (for rows that end it); nil when it cannot.
	login func(t *testing.T) *azUser
}

// azSend makes one request of a row as a caller, by session (cookies) or
// by bearer token.
func azSend(t *testing.T, env *testEnv, row azRow, cl azCaller, u *azUser, bearer string, vars map[string]string) (string, azResult) {
	t.Helper()
	method, _, _ := strings.Cut(row.route, " ")
	path := azFillReq(row.req, cl.agency, vars)
	body := azFillReq(row.body, cl.agency, vars)
	hdr := map[string]string{}
	switch {
	case method == http.MethodGet || method == http.MethodDelete:
		body = ""
	case strings.HasPrefix(path, "/api/"):
		hdr["Content-Type"] = "application/json"
		if body == "" {
			body = "{}"
		}
	default:
		vals, err := url.ParseQuery(body)
		if err != nil {
			t.Fatalf("%s: body %q: %v", row.route, body, err)
		}
		if u != nil {
			vals.Set("csrf", u.csrf)
		}
		hdr["Content-Type"] = "application/x-www-form-urlencoded"
		body = vals.Encode()
	}
	var c *http.Client
	if u != nil {
		c = u.c
	}
	if bearer != "" {
		hdr["Authorization"] = "Bearer " + bearer
	}
	if u != nil && u.csrf != "" && strings.HasPrefix(path, "/api/") && bearer == "" {
		hdr[csrfHeader] = u.csrf // as the page's script sends it (<meta name="csrf-token">)
	}
	return path, azDo(t, c, method, env.http.URL+path, body, hdr)
}

// TestAuthzMatrix asks every route of the engine as every kind of caller
// and checks the status of each cell against authzMatrix, that no cell is a
// server error, and that nobody sees what is not theirs: staff of agency A
// never see agency B (its code or its secret comment), callers without a
// working login never see any secret comment, while those allowed do see
// it (so the checks can fail). The API is asked with the token and, for
// callers with a browser, with the session cookie too: both must agree. An
// integration key of A sees no secret comment, and B's code only where
// everyone may.
func TestAuthzMatrix(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()

	// A secret comment of this month in each agency.
	now := time.Now()
	month := survey.MonthOf(now).String()
	comments := map[string]string{azAgencyA: "matrix-secret-a-0001", azAgencyB: "matrix-secret-b-0001"}
	secrets := map[string]string{azAgencyA: "SECRET-OF-SO-TU-PHAP-7d1c", azAgencyB: "SECRET-OF-SO-CONG-THUONG-9f2e"}
	for _, ag := range []string{azAgencyA, azAgencyB} {
		cmStore(t, env, comments[ag], ag, azAreaOf[ag], month, 0, 2, "Ý kiến: "+secrets[ag], now)
	}
	if err := env.store.FlushComments(ctx); err != nil {
		t.Fatal(err)
	}
	if err := env.store.FlushRollups(ctx); err != nil {
		t.Fatal(err)
	}

	admin := azAdmin(t, env)
	azInsertUser(t, env, "bystander", survey.RoleStaff, azAgencyB)

	staffPW := azInsertUser(t, env, "staff-a", survey.RoleStaff, azAgencyA)
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

	// An administrator's token, revoked.
	revoked := admin.fetchToken(t, "to-revoke")
	if r := azAPI(t, env, revoked, http.MethodGet, "/api/v1/admin/agencies", nil); r.status != http.StatusOK {
		t.Fatalf("before revoking: %s", r)
	}
	if r := admin.api(t, http.MethodDelete, "/api/v1/admin/tokens/"+hashID(revoked), nil); r.status != http.StatusNoContent {
		t.Fatalf("revoke: %s", r)
	}

	// A paired tablet of agency B (its browser holds the kiosk credential
	// and nothing else), and two kiosks of B for the administration rows.
	tabletID, code := kioskCreate(t, admin, map[string]any{"name": "Máy ma trận", "agency": azAgencyB,
		"areas": []string{azAreaOf[azAgencyB]}, "counters": []string{"1"}, "idleSeconds": 60, "minIntervalSeconds": 5})
	tab := &azUser{env: env, username: "kiosk:" + tabletID, c: pairedTablet(t, env, code)}
	for _, id := range []string{azKioskID, azRetiredKiosk} {
		err := env.store.InsertKiosk(ctx, survey.Kiosk{ID: id, Name: "Máy " + id, Agency: azAgencyB, Areas: []string{azAreaOf[azAgencyB]},
			Counters: []string{"1"}, IdleSeconds: 60, MinIntervalSeconds: 5, CreatedAt: now, UpdatedAt: now})
		if err != nil {
			t.Fatalf("insert kiosk %s: %v", id, err)
		}
	}

	// An integration account of agency A (an API key, no login), and the
	// invitation of the dossier azDossier in each agency, issued by the
	// administrator: its signed token and short code fill the rows.
	integKey := azIntegrationKey(t, env, admin, "mot-cua-a", azAgencyA)
	vars := map[string]string{}
	for _, ag := range []string{azAgencyA, azAgencyB} {
		vars["comment "+ag] = comments[ag]
		r := admin.api(t, http.MethodPost, "/api/v1/invitations", map[string]any{"agency": ag, "area": azAreaOf[ag], "dossierRef": azDossier})
		var inv InvitationJSON
		if r.status != http.StatusCreated || json.Unmarshal([]byte(r.body), &inv) != nil {
			t.Fatalf("invitation of %s: %s", ag, r)
		}
		_, tok, ok := strings.Cut(inv.URL, "/v/")
		if !ok || tok == "" || inv.Code == "" {
			t.Fatalf("invitation of %s: url %q, code %q", ag, inv.URL, inv.Code)
		}
		vars["invtoken "+ag], vars["invcode "+ag] = tok, inv.Code
	}

	relogin := func(username, password string) func(t *testing.T) *azUser {
		return func(t *testing.T) *azUser { return azLogin(t, env, username, password) }
	}
	callers := []azCaller{
		{name: "anon", agency: azAgencyB},
		{name: "staffB", agency: azAgencyB, session: staff, bearer: staff.token, apiSession: true, login: relogin("staff-a", staffPW)},
		{name: "staffA", agency: azAgencyA, session: staff, bearer: staff.token, apiSession: true, login: relogin("staff-a", staffPW)},
		{name: "insp", agency: azAgencyB, session: insp, bearer: insp.token, apiSession: true, login: relogin("inspector", inspPW)},
		{name: "admin", agency: azAgencyB, session: admin, bearer: admin.token, apiSession: true, login: relogin("admin", azAdminPassword)},
		{name: "disabled", agency: azAgencyB, session: gone, bearer: gone.token},
		{name: "revoked", agency: azAgencyB, bearer: revoked},
		{name: "kiosk", agency: azAgencyB, session: tab},
		{name: "integB", agency: azAgencyB, bearer: integKey},
		{name: "integA", agency: azAgencyA, bearer: integKey},
	}
	for i, c := range callers {
		if c.name != azCols[i] {
			t.Fatalf("caller %d is %s, want %s", i, c.name, azCols[i])
		}
	}

	// Every route of the engine has exactly one row, and every row a route.
	engine, ok := env.srv.Handler().(*gin.Engine)
	if !ok {
		t.Fatalf("Handler() is %T, want *gin.Engine", env.srv.Handler())
	}
	served := map[string]bool{}
	for _, rt := range engine.Routes() {
		served[rt.Method+" "+rt.Path] = true
	}
	rows := map[string]bool{}
	for _, row := range authzMatrix {
		if rows[row.route] {
			t.Errorf("authzMatrix has two rows for %s", row.route)
		}
		rows[row.route] = true
		if !served[row.route] {
			t.Errorf("authzMatrix has a row for %s, which the server does not serve", row.route)
		}
	}
	for _, route := range slices.Sorted(maps.Keys(served)) {
		if !rows[route] {
			t.Errorf("route %s has no row in authzMatrix (authz_test.go): add one with the status each caller must get", route)
		}
	}

	cells := 0
	for _, row := range authzMatrix {
		if !served[row.route] {
			continue
		}
		want := strings.Fields(row.want)
		if len(want) != len(azCols) {
			t.Errorf("%s: %d statuses, want one per caller (%s)", row.route, len(want), strings.Join(azCols, " "))
			continue
		}
		isAPI := strings.HasPrefix(row.req, "/api/")
		for i, cl := range callers {
			status, err := strconv.Atoi(want[i])
			if err != nil {
				t.Fatalf("%s: status %q: %v", row.route, want[i], err)
			}
			u := cl.session
			if row.opt&azFresh != 0 && cl.login != nil {
				u = cl.login(t)
			}
			// API: by token, then by session cookie. Pages: by session, or by
			// token for a caller without a browser.
			type attempt struct {
				how    string
				u      *azUser
				bearer string
			}
			var tries []attempt
			switch {
			case isAPI && cl.bearer != "":
				tries = append(tries, attempt{"token", nil, cl.bearer})
				if u != nil && cl.apiSession {
					tries = append(tries, attempt{"session", u, ""})
				}
			case u != nil && cl.name == "kiosk":
				tries = append(tries, attempt{"kiosk cookie", u, ""})
			case u != nil:
				tries = append(tries, attempt{"session", u, ""})
			case cl.bearer != "":
				tries = append(tries, attempt{"token", nil, cl.bearer})
			default:
				tries = append(tries, attempt{"nothing", nil, ""})
			}
			for _, try := range tries {
				cells++
				path, got := azSend(t, env, row, cl, try.u, try.bearer, vars)
				what := fmt.Sprintf("%s %s as %s (%s)", strings.Fields(row.route)[0], path, cl.name, try.how)
				azCheckCell(t, what, row, cl, isAPI, path, status, got, secrets)
			}
		}
	}
	if cells < 500 {
		t.Errorf("only %d cells asked; the matrix is broken", cells)
	}

	// CSRF on cookie API calls (csrf.go): every state-changing API route
	// asked with a live session cookie but without the X-CSRF-Token header,
	// or with another session's token in it, is refused as 403 csrf_failed
	// when it needs a login; a public route (the citizen's and the kiosk's)
	// treats the caller as nobody: the anon column's answer. Nothing changes.
	// With the header, the session gets the matrix's answer (above); a bearer
	// token needs none.
	allAudit := func() int {
		es, err := env.store.Audit(ctx, "", 100000)
		if err != nil {
			t.Fatal(err)
		}
		return len(es)
	}
	auditBefore := allAudit()
	csrfCells := 0
	for _, row := range authzMatrix {
		method, _, _ := strings.Cut(row.route, " ")
		if !strings.HasPrefix(row.req, "/api/") || method == http.MethodGet || !served[row.route] {
			continue
		}
		public := row.opt&(azOpen|azKiosk) != 0
		for _, cl := range callers {
			if !cl.apiSession {
				continue
			}
			otherTok := admin.csrf
			if cl.session == admin {
				otherTok = insp.csrf
			}
			for _, tok := range []string{"", otherTok} {
				u := *cl.session
				u.csrf = tok
				path, got := azSend(t, env, row, cl, &u, "", vars)
				csrfCells++
				what := fmt.Sprintf("%s %s as %s (session cookie, X-CSRF-Token %q)", method, path, cl.name, tok)
				if public {
					if want, _ := strconv.Atoi(strings.Fields(row.want)[0]); got.status != want {
						t.Errorf("%s: %s, want %d as for anon", what, got, want)
					}
					continue
				}
				if got.status != http.StatusForbidden {
					t.Errorf("%s: %s, want 403 csrf_failed", what, got)
				} else if e := azDecodeErr(t, got); e.Error.Code != "csrf_failed" || e.Error.Message == "" || strings.HasPrefix(e.Error.Message, "api.") {
					t.Errorf("%s: error %+v, want code csrf_failed with a message", what, e.Error)
				}
			}
		}
	}
	if csrfCells < 200 {
		t.Errorf("only %d CSRF cells asked", csrfCells)
	}
	if after := allAudit(); after != auditBefore {
		t.Errorf("audit entries %d → %d: an API call without its CSRF header changed something", auditBefore, after)
	}

	// An export without an agency: staff of A get A only (never B's code or
	// secret comment), by token and by session; an inspector gets both, so
	// the check can fail.
	for _, path := range []string{"/api/v1/exports/aggregates?format=csv", "/api/v1/exports/responses?format=csv&comments=1",
		"/api/v1/exports/responses?format=jsonl&comments=1", "/api/v1/exports/aggregates?format=json"} {
		for how, got := range map[string]azResult{"token": staff.api(t, http.MethodGet, path, nil), "session": staff.get(t, path)} {
			if got.status != http.StatusOK || !strings.Contains(got.body, azAgencyA) {
				t.Errorf("GET %s as staff of %s (%s): %s, want 200 with %s", path, azAgencyA, how, got, azAgencyA)
			}
			if strings.Contains(got.body, azAgencyB) || strings.Contains(got.body, secrets[azAgencyB]) {
				t.Errorf("GET %s as staff of %s (%s): the export shows %s", path, azAgencyA, how, azAgencyB)
			}
			if strings.Contains(path, "responses") && !strings.Contains(got.body, secrets[azAgencyA]) {
				t.Errorf("GET %s as staff of %s (%s): the comments of %s are missing", path, azAgencyA, how, azAgencyA)
			}
		}
		if got := insp.api(t, http.MethodGet, path, nil); got.status != http.StatusOK || !strings.Contains(got.body, azAgencyB) ||
			(strings.Contains(path, "responses") && !strings.Contains(got.body, secrets[azAgencyB])) {
			t.Errorf("GET %s as inspector: %s, want 200 with %s and its comment", path, got, azAgencyB)
		}
	}
}

// azCheckCell checks one answer of the matrix.
func azCheckCell(t *testing.T, what string, row azRow, cl azCaller, isAPI bool, path string, want int, got azResult, secrets map[string]string) {
	t.Helper()
	if got.status >= 500 {
		t.Errorf("%s: server error %s", what, got)
		return
	}
	if got.status != want {
		b := got.body
		if len(b) > 160 {
			b = b[:160] + "…"
		}
		t.Errorf("%s: %d (Location %q), want %d: %s", what, got.status, got.location(), want, b)
	}
	switch {
	case got.status != want:
	case isAPI && (want == http.StatusUnauthorized || want == http.StatusForbidden):
		code := map[int]string{http.StatusUnauthorized: "unauthorized", http.StatusForbidden: "forbidden"}[want]
		if want == http.StatusUnauthorized && row.opt&azKiosk != 0 && cl.name != "disabled" && cl.name != "revoked" {
			code = "kiosk_unpaired"
		}
		if want == http.StatusForbidden && row.opt&azInvite != 0 && cl.name == "integB" {
			code = "agency_not_allowed"
		}
		if e := azDecodeErr(t, got); e.Error.Code != code {
			t.Errorf("%s: error code %q, want %s", what, e.Error.Code, code)
		}
	case want == http.StatusSeeOther && (cl.name == "anon" || cl.name == "disabled" || cl.name == "kiosk") && row.opt&(azFresh|azOpen) == 0:
		if w := "/login?next=" + url.QueryEscape(path); got.location() != w {
			t.Errorf("%s: sent to %q, want %q", what, got.location(), w)
		}
	}
	// Nobody sees what is not theirs.
	switch cl.name {
	case "staffA", "staffB", "integA", "integB":
		if strings.Contains(got.body, secrets[azAgencyB]) {
			t.Errorf("%s: %s of %s sees the secret comment of %s", what, cl.name, azAgencyA, azAgencyB)
		}
		// The page's own address (echoed in its language switch) aside.
		reqPath, _, _ := strings.Cut(path, "?")
		if row.opt&azOpen == 0 && strings.Contains(strings.ReplaceAll(got.body, reqPath, ""), azAgencyB) {
			t.Errorf("%s: %s of %s sees the code of %s", what, cl.name, azAgencyA, azAgencyB)
		}
	}
	switch cl.name {
	case "anon", "disabled", "revoked", "kiosk", "integA", "integB":
		for ag, s := range secrets {
			if strings.Contains(got.body, s) {
				t.Errorf("%s: a caller without a reader's login sees the secret comment of %s", what, ag)
			}
		}
	}
	if row.opt&azComments != 0 && want == http.StatusOK && !strings.Contains(got.body, secrets[cl.agency]) {
		t.Errorf("%s: the comments of %s do not show its secret comment: %s", what, cl.agency, got)
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
	forms := 0
	for _, row := range authzMatrix {
		if !strings.HasPrefix(row.route, "POST /admin") {
			continue
		}
		forms++
		path := azFillReq(row.req, azAgencyA, nil)
		for _, tok := range []string{"", "wrong"} {
			r := admin.post(t, path, url.Values{"csrf": {tok}, "name": {"x"}, "password": {"new-password-1234"}, "date": {"2025-07-01"}})
			if r.status != http.StatusForbidden {
				t.Errorf("POST %s with csrf %q: %s, want 403", path, tok, r)
			}
		}
	}
	if forms < 15 {
		t.Errorf("only %d admin forms in authzMatrix", forms)
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

// TestAuthzExportSlots: the role × route matrix cannot express concurrency,
// so this checks the export routes' 429 apart. While an exporting user's
// slot is held, both export routes answer that user 429 too_many_exports
// with Retry-After, by session and by token; other users still export
// while fewer than HAILONG_EXPORTS_MAX run.
func TestAuthzExportSlots(t *testing.T) {
	env := newTestEnv(t)
	admin := azAdmin(t, env)
	insp := azLogin(t, env, "slot-insp", azInsertUser(t, env, "slot-insp", survey.RoleInspector))
	insp.token = insp.fetchToken(t, "slots")
	staff := azLogin(t, env, "slot-staff", azInsertUser(t, env, "slot-staff", survey.RoleStaff, "so-tu-phap"))
	staff.token = staff.fetchToken(t, "slots")
	paths := []string{"/api/v1/exports/aggregates?format=csv", "/api/v1/exports/responses?format=csv"}
	for _, u := range []*azUser{admin, insp, staff} {
		release, ok := env.srv.exports.take(u.username, 2)
		if !ok {
			t.Fatalf("%s: no export slot free", u.username)
		}
		for _, p := range paths {
			for how, r := range map[string]azResult{"session": u.get(t, p), "token": azAPI(t, env, u.token, http.MethodGet, p, nil)} {
				if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" || azDecodeErr(t, r).Error.Code != "too_many_exports" {
					t.Errorf("%s by %s, own export running: %s, want 429 too_many_exports with Retry-After", u.username, how, r)
				}
			}
		}
		if r := azAPI(t, env, other(u, admin, insp).token, http.MethodGet, paths[0], nil); r.status != http.StatusOK {
			t.Errorf("another user while %s exports: %s, want 200", u.username, r)
		}
		release()
	}
}

// other returns a user of the two that is not u.
func other(u, a, b *azUser) *azUser {
	if u == a {
		return b
	}
	return a
}
