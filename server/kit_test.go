package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"hailong/survey"
)

// The test kit of the server package: one environment (testEnv, in
// helpers_test.go), one result type (httpResult), one way to log in, to get
// a token, to find a CSRF token, to call the JSON API and to read its errors.
// HTML is read through a parser (html_kit_test.go), not regular expressions.

// adminPassword is the password of the first administrator (newAdmin).
const adminPassword = "admin-password-123"

// ---- one result type ----

// httpResult is a fully read answer.
type httpResult struct {
	status int
	header http.Header
	body   string
}

func (r httpResult) location() string { return r.header.Get("Location") }

// cookie returns the cookie of that name the answer sets, or nil.
func (r httpResult) cookie(name string) *http.Cookie {
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func (r httpResult) String() string {
	b := r.body
	if len(b) > 400 {
		b = b[:400] + "…"
	}
	return fmt.Sprintf("%d (Location %q) %s", r.status, r.location(), b)
}

func clip(s string) string {
	if len(s) > 600 {
		return s[:600] + "…"
	}
	return s
}

// ---- requests ----

func sendRequest(t testing.TB, c *http.Client, req *http.Request) httpResult {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", req.Method, req.URL.Path, err)
	}
	return httpResult{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

// noRedirectClient is a client without cookies that does not follow redirects.
func noRedirectClient() *http.Client {
	return &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// doRequest sends a request with the given headers through c (a client
// without cookies that does not follow redirects when nil).
func doRequest(t testing.TB, c *http.Client, method, rawURL, body string, hdr map[string]string) httpResult {
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
		c = noRedirectClient()
	}
	return sendRequest(t, c, req)
}

func (e *testEnv) getPage(t testing.TB, c *http.Client, path string) httpResult {
	t.Helper()
	return doRequest(t, c, http.MethodGet, e.http.URL+path, "", nil)
}

// postSurvey posts a form (application/x-www-form-urlencoded) through c.
func (e *testEnv) postSurvey(t testing.TB, c *http.Client, path string, vals url.Values) httpResult {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.http.URL+path, strings.NewReader(vals.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return sendRequest(t, c, req)
}

// ---- JSON ----

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// postAPI posts body to path with the given headers; Content-Type is
// application/json unless headers say otherwise (an empty value removes a header).
func (e *testEnv) postAPI(t testing.TB, c *http.Client, path, body string, headers map[string]string) httpResult {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.http.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	return sendRequest(t, c, req)
}

func (e *testEnv) getAPI(t testing.TB, path string, headers map[string]string) httpResult {
	t.Helper()
	return doRequest(t, &http.Client{}, http.MethodGet, e.http.URL+path, "", headers)
}

// callAPI calls the JSON API with a bearer token ("" for none) and a JSON body
// (nil for none; a string is sent as is).
func callAPI(t testing.TB, env *testEnv, token, method, path string, body any) httpResult {
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
		b = mustJSON(t, v)
	}
	if body != nil {
		hdr["Content-Type"] = "application/json"
	}
	return doRequest(t, nil, method, env.http.URL+path, b, hdr)
}

// bodyAs decodes the body of r into a T.
func bodyAs[T any](t testing.TB, r httpResult) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(r.body), &v); err != nil {
		t.Fatalf("decode %s: %v", clip(r.body), err)
	}
	return v
}

// apiErrorBody is the only shape a JSON error may have.
type apiErrorBody struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields"`
	} `json:"error"`
}

// decodeAPIError checks r is a JSON error of exactly the documented shape,
// with a code and a message, and returns it.
func decodeAPIError(t testing.TB, r httpResult) apiErrorBody {
	t.Helper()
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("error Content-Type = %q, want application/json", ct)
	}
	var e apiErrorBody
	dec := json.NewDecoder(strings.NewReader(r.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		t.Fatalf("error body %s is not {\"error\":{\"code\",\"message\",\"fields\"}}: %v", clip(r.body), err)
	}
	if e.Error.Code == "" || e.Error.Message == "" {
		t.Errorf("error body %s lacks a code or a message", clip(r.body))
	}
	if strings.HasPrefix(e.Error.Message, "api.") {
		t.Errorf("message %q is a missing translation key", e.Error.Message)
	}
	for f, m := range e.Error.Fields {
		if m == "" || strings.HasPrefix(m, "err.") || strings.HasPrefix(m, "api.") || strings.Contains(m, ".err.") || strings.Contains(m, "%!") {
			t.Errorf("field %s: message %q is empty, an untranslated key or lacks its values", f, m)
		}
	}
	return e
}

// wantAPIError checks r is a JSON error with that status and code, and a
// translated message.
func wantAPIError(t *testing.T, what string, r httpResult, status int, code string) apiErrorBody {
	t.Helper()
	if r.status != status {
		t.Errorf("%s: %s, want %d %s", what, r, status, code)
		return apiErrorBody{}
	}
	e := decodeAPIError(t, r)
	if e.Error.Code != code {
		t.Errorf("%s: code %q, want %q", what, e.Error.Code, code)
	}
	if e.Error.Message == "" || strings.HasPrefix(e.Error.Message, "api.") {
		t.Errorf("%s: message %q is empty or untranslated", what, e.Error.Message)
	}
	return e
}

// wantFieldError checks r is a 400 JSON error naming the field.
func wantFieldError(t testing.TB, what string, r httpResult, field string) {
	t.Helper()
	if r.status != http.StatusBadRequest {
		t.Errorf("%s: status %s, want 400 with field %q", what, r, field)
		return
	}
	e := decodeAPIError(t, r)
	msg, ok := e.Error.Fields[field]
	if !ok {
		t.Errorf("%s: fields %v, want one for %q", what, e.Error.Fields, field)
		return
	}
	if msg == "" || strings.HasPrefix(msg, "err.") || strings.HasPrefix(msg, "forms.err.") {
		t.Errorf("%s: field %s message %q is empty or an untranslated key", what, field, msg)
	}
}

// ---- CSRF ----

// csrfOf returns the first non-empty CSRF token of a page (a form's csrf
// field, else the csrf-token meta element), or "".
func csrfOf(body string) string {
	doc, err := parseHTML(body)
	if err != nil {
		return ""
	}
	for _, n := range findAll(doc, `input[name=csrf]`) {
		if v := attrOf(n, "value"); v != "" {
			return v
		}
	}
	for _, n := range findAll(doc, `meta[name=csrf-token]`) {
		if v := attrOf(n, "content"); v != "" {
			return v
		}
	}
	return ""
}

// mustCSRF is csrfOf for a page that must carry a token.
func mustCSRF(t testing.TB, body string) string {
	t.Helper()
	tok := csrfOf(body)
	if tok == "" {
		t.Fatalf("no csrf field in page: %s", clip(body))
	}
	return tok
}

// ---- staff: session and token ----

// staffUser is a staff member as a browser (cookie jar with a session) and as a
// script (API token).
type staffUser struct {
	env      *testEnv
	username string
	password string
	c        *http.Client
	csrf     string
	token    string
}

// insertUser creates an account directly in the store, with password
// "pw-<username>-secret", and returns the password.
func insertUser(t testing.TB, env *testEnv, username string, role survey.Role, agencies ...string) string {
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

// loginForm logs in through the real login form in client c: GET /login
// for the CSRF token and the pre-session cookie, then POST /login.
func loginForm(t testing.TB, env *testEnv, c *http.Client, username, password string) httpResult {
	t.Helper()
	page := doRequest(t, c, http.MethodGet, env.http.URL+"/login", "", nil)
	if page.status != http.StatusOK {
		t.Fatalf("GET /login: %s", page)
	}
	csrf := csrfOf(page.body)
	if csrf == "" {
		t.Fatalf("GET /login: no csrf token in the form")
	}
	form := url.Values{"csrf": {csrf}, "username": {username}, "password": {password}}
	return doRequest(t, c, http.MethodPost, env.http.URL+"/login", form.Encode(),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
}

// loginAs logs a user in (it must succeed) and finds the CSRF token of its session.
func loginAs(t testing.TB, env *testEnv, username, password string) *staffUser {
	t.Helper()
	u := &staffUser{env: env, username: username, password: password, c: env.client(t)}
	r := loginForm(t, env, u.c, username, password)
	if r.status != http.StatusSeeOther {
		t.Fatalf("login %s: %s", username, r)
	}
	if r.cookie(sessionCookie) == nil {
		t.Fatalf("login %s: no session cookie set", username)
	}
	u.csrf = sessionCSRF(t, u)
	return u
}

// sessionCSRF reads the CSRF token of the user's session from a page it
// can open. A user for whom no page carries one (no staff page exists yet for
// non-administrators) gets the token the server would put on such a page.
func sessionCSRF(t testing.TB, u *staffUser) string {
	t.Helper()
	for _, p := range []string{"/admin", "/dashboard", "/"} {
		r := u.get(t, p)
		if r.status == http.StatusOK {
			if tok := csrfOf(r.body); tok != "" {
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
func (u *staffUser) sessionValue(t testing.TB) string {
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
func (u *staffUser) get(t testing.TB, path string) httpResult {
	t.Helper()
	return doRequest(t, u.c, http.MethodGet, u.env.http.URL+path, "", nil)
}

// post submits a form with the user's session; the session's CSRF token is
// added unless vals has a "csrf" entry (even an empty one).
func (u *staffUser) post(t testing.TB, path string, vals url.Values) httpResult {
	t.Helper()
	if vals == nil {
		vals = url.Values{}
	}
	if _, ok := vals["csrf"]; !ok {
		vals.Set("csrf", u.csrf)
	}
	return doRequest(t, u.c, http.MethodPost, u.env.http.URL+path, vals.Encode(),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
}

// tokenFor gets an API token through POST /api/v1/auth/token (label "" sends none).
func tokenFor(t testing.TB, env *testEnv, username, password, label string) string {
	t.Helper()
	body := map[string]string{"username": username, "password": password}
	if label != "" {
		body["label"] = label
	}
	r := callAPI(t, env, "", http.MethodPost, "/api/v1/auth/token", body)
	if r.status != http.StatusCreated {
		t.Fatalf("token for %s: %s", username, r)
	}
	var out struct{ Token string }
	if err := json.Unmarshal([]byte(r.body), &out); err != nil || out.Token == "" {
		t.Fatalf("token for %s: body %s: %v", username, r.body, err)
	}
	return out.Token
}

// fetchToken gets an API token for the user.
func (u *staffUser) fetchToken(t testing.TB, label string) string {
	t.Helper()
	return tokenFor(t, u.env, u.username, u.password, label)
}

// api calls the JSON API with the user's token (no cookies).
func (u *staffUser) api(t testing.TB, method, path string, body any) httpResult {
	t.Helper()
	if u.token == "" {
		t.Fatalf("%s has no API token", u.username)
	}
	return callAPI(t, u.env, u.token, method, path, body)
}

// newAdmin makes the first administrator (as a real start does) and logs it
// in, with a session and an API token.
func newAdmin(t testing.TB, env *testEnv) *staffUser {
	t.Helper()
	ensureAdmin(t, env)
	u := loginAs(t, env, "admin", adminPassword)
	u.token = u.fetchToken(t, "admin-script")
	return u
}

// ensureAdmin makes the first administrator (password adminPassword) without logging it in.
func ensureAdmin(t testing.TB, env *testEnv) {
	t.Helper()
	if _, err := env.store.EnsureAdmin(context.Background(), adminPassword); err != nil {
		t.Fatalf("ensure admin: %v", err)
	}
}

// newStaff creates a staff member (or an inspector, or an administrator) and
// logs them in with a session and an API token.
func newStaff(t testing.TB, env *testEnv, username string, role survey.Role, agencies ...string) *staffUser {
	t.Helper()
	u := loginAs(t, env, username, insertUser(t, env, username, role, agencies...))
	u.token = u.fetchToken(t, username+"-test")
	return u
}

// step runs one step of a sequential scenario as a subtest named by a
// sentence of the spec. The later steps build on the earlier ones, so a
// failed step ends the scenario.
func step(t *testing.T, sentence string, f func(t *testing.T)) {
	t.Helper()
	if !t.Run(sentence, f) {
		t.FailNow()
	}
}

// ---- the store and the administration ----

// flushCounts waits until every stored response is counted in the rollups.
func flushCounts(t testing.TB, env *testEnv) {
	t.Helper()
	if err := env.store.FlushRollups(context.Background()); err != nil {
		t.Fatalf("flush rollups: %v", err)
	}
}

// agencyJSON is an agency as the admin API returns it.
type agencyJSON struct {
	survey.Agency
	Lineage []string `json:"lineage"`
}

func getAgency(t testing.TB, admin *staffUser, code string) agencyJSON {
	t.Helper()
	r := admin.api(t, http.MethodGet, "/api/v1/admin/agencies/"+code, nil)
	if r.status != http.StatusOK {
		t.Fatalf("GET agency %s: %s", code, r)
	}
	var a agencyJSON
	if err := json.Unmarshal([]byte(r.body), &a); err != nil {
		t.Fatalf("agency %s: %v in %s", code, err, r.body)
	}
	return a
}

// auditEntries reads the audit log through the admin API, newest first.
func auditEntries(t testing.TB, admin *staffUser) []survey.AuditEntry {
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

func findAudit(es []survey.AuditEntry, action, target string) []survey.AuditEntry {
	var out []survey.AuditEntry
	for _, e := range es {
		if e.Action == action && e.Target == target {
			out = append(out, e)
		}
	}
	return out
}

// clientWithSession is a browser holding only the given session cookie.
func clientWithSession(t testing.TB, env *testEnv, value string) *http.Client {
	t.Helper()
	c := env.client(t)
	base, _ := url.Parse(env.http.URL)
	c.Jar.SetCookies(base, []*http.Cookie{{Name: sessionCookie, Value: value, Path: "/"}})
	return c
}

// sessionWorks reports whether a session cookie value still logs its
// holder in (a logged-in staff member gets 200 or 403 on /admin; nobody is
// sent to the login page).
func sessionWorks(t testing.TB, env *testEnv, value string) bool {
	t.Helper()
	r := doRequest(t, clientWithSession(t, env, value), http.MethodGet, env.http.URL+"/admin", "", nil)
	switch {
	case r.status == http.StatusSeeOther && strings.HasPrefix(r.location(), "/login"):
		return false
	case r.status == http.StatusOK || r.status == http.StatusForbidden:
		return true
	}
	t.Fatalf("GET /admin with a session cookie: %s", r)
	return false
}

// submitByAPI stores a complete response for an agency and area through the
// public API and returns the answer.
func submitByAPI(t testing.TB, env *testEnv, agency, area string) httpResult {
	t.Helper()
	return callAPI(t, env, "", http.MethodPost, "/api/v1/responses", map[string]any{
		"agency": agency, "area": area, "answers": uniformAnswers(t, env, area, 4, nil), "channel": "counter", "idempotencyKey": survey.NewKey(),
	})
}

func responseIDOf(t testing.TB, r httpResult) string {
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

// statusBody splits a result for callers that compare the status and decode
// the bytes themselves.
func statusBody(r httpResult) (int, []byte) { return r.status, []byte(r.body) }
