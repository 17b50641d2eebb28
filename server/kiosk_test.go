package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"hailong/survey"
)

// Kiosk mode over a real server and a real embedded FerretDB: registration,
// pairing, the credential, revocation, the minimum interval, deduplication
// by key and scoping to the kiosk's agency.

// kioskBody is a valid registration for so-tn-mt (land and environment).
func kioskBody(interval int) map[string]any {
	return map[string]any{
		"name": "Quầy một cửa – tầng 1", "agency": "so-tn-mt", "areas": []string{"dat-dai"},
		"counters": []string{"1", "2", "Quầy A"}, "idleSeconds": 30, "minIntervalSeconds": interval,
	}
}

// kioskCreate registers a kiosk through the admin API and returns its id and
// pairing code.
func kioskCreate(t *testing.T, admin *staffUser, body map[string]any) (string, string) {
	t.Helper()
	r := admin.api(t, http.MethodPost, "/api/v1/admin/kiosks", body)
	if r.status != http.StatusCreated {
		t.Fatalf("create kiosk: %s", r)
	}
	var out struct {
		Kiosk struct {
			ID string `json:"id"`
		} `json:"kiosk"`
		PairingCode string    `json:"pairingCode"`
		Expires     time.Time `json:"pairingCodeExpiresAt"`
	}
	if err := json.Unmarshal([]byte(r.body), &out); err != nil {
		t.Fatalf("create kiosk: %s: %v", r.body, err)
	}
	if out.Kiosk.ID == "" || len(out.PairingCode) != 9 {
		t.Fatalf("create kiosk: %s, want an id and a code XXXX-XXXX", r.body)
	}
	if d := time.Until(out.Expires); d < 23*time.Hour || d > 25*time.Hour {
		t.Errorf("the code expires in %v, want about 24 h", d)
	}
	if r.header.Get("Location") != "/api/v1/admin/kiosks/"+out.Kiosk.ID {
		t.Errorf("Location = %q", r.header.Get("Location"))
	}
	return out.Kiosk.ID, out.PairingCode
}

// tablet is a browser that pairs with a code through the JSON API.
func tablet(t *testing.T, env *testEnv, code string) (*http.Client, httpResult) {
	t.Helper()
	c := env.client(t)
	r := kioskPost(t, env, c, "/api/v1/kiosk/pair", map[string]string{"code": code})
	return c, r
}

func pairedTablet(t *testing.T, env *testEnv, code string) *http.Client {
	t.Helper()
	c, r := tablet(t, env, code)
	if r.status != http.StatusOK {
		t.Fatalf("pair with %q: %s", code, r)
	}
	return c
}

// kioskPost sends a JSON body with the tablet's cookies.
func kioskPost(t *testing.T, env *testEnv, c *http.Client, path string, body any) httpResult {
	t.Helper()
	return doRequest(t, c, http.MethodPost, env.http.URL+path, mustJSON(t, body), map[string]string{"Content-Type": "application/json"})
}

func rate(t *testing.T, env *testEnv, c *http.Client, key, level, counter string) httpResult {
	t.Helper()
	b := map[string]string{"idempotencyKey": key, "level": level}
	if counter != "" {
		b["counter"] = counter
	}
	return kioskPost(t, env, c, "/api/v1/kiosk/ratings", b)
}

func countRatings(t *testing.T, env *testEnv) int64 {
	t.Helper()
	n, err := env.store.CountRatings(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestKioskAdminAPI(t *testing.T) {
	env := newTestEnv(t)
	admin := newAdmin(t, env)

	// Invalid registrations name their fields, in the caller's language.
	bad := kioskBody(5)
	bad["areas"] = []string{"xay-dung"}    // not served by so-tn-mt
	bad["counters"] = []string{"1", "1.5"} // a dot
	bad["idleSeconds"] = 2                 // too short
	r := admin.api(t, http.MethodPost, "/api/v1/admin/kiosks", bad)
	e := wantAPIError(t, "invalid kiosk", r, http.StatusBadRequest, "validation_failed")
	for _, f := range []string{"areas", "counters", "idleSeconds"} {
		if m := e.Error.Fields[f]; m == "" || strings.HasPrefix(m, "err.") || strings.HasPrefix(m, "kiosk.") {
			t.Errorf("field %s: message %q", f, m)
		}
	}
	if ks, _ := env.store.Kiosks(context.Background()); len(ks) != 0 {
		t.Fatalf("an invalid registration stored %d kiosks", len(ks))
	}
	// Defaults: idle 60 s, interval 5 s.
	plain := kioskBody(0)
	delete(plain, "idleSeconds")
	id, code := kioskCreate(t, admin, plain)
	r = admin.api(t, http.MethodGet, "/api/v1/admin/kiosks/"+id, nil)
	if r.status != http.StatusOK || !strings.Contains(r.body, `"idleSeconds":60`) || !strings.Contains(r.body, `"minIntervalSeconds":5`) {
		t.Errorf("GET kiosk: %s, want the defaults 60 and 5", r)
	}
	for _, secret := range []string{"codeHash", "credHash", "CredentialHash", strings.ReplaceAll(code, "-", "")} {
		if strings.Contains(r.body, secret) {
			t.Errorf("the kiosk's JSON shows %q: %s", secret, r.body)
		}
	}
	k, err := env.store.Kiosk(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if k.CodeHash == "" || strings.Contains(k.CodeHash, strings.ReplaceAll(code, "-", "")) {
		t.Errorf("stored code hash %q: want a hash, not the code", k.CodeHash)
	}

	// Edit.
	upd := kioskBody(3)
	upd["name"] = "Quầy 2"
	upd["counters"] = []string{"5", "6"}
	r = admin.api(t, http.MethodPut, "/api/v1/admin/kiosks/"+id, upd)
	if r.status != http.StatusOK || !strings.Contains(r.body, `"counters":["5","6"]`) || !strings.Contains(r.body, `"minIntervalSeconds":3`) {
		t.Errorf("PUT kiosk: %s", r)
	}
	r = admin.api(t, http.MethodGet, "/api/v1/admin/kiosks", nil)
	if r.status != http.StatusOK || !strings.Contains(r.body, id) || !strings.Contains(r.body, "Quầy 2") {
		t.Errorf("list kiosks: %s", r)
	}

	// A new code: the first stops working, the new one pairs.
	r = admin.api(t, http.MethodPost, "/api/v1/admin/kiosks/"+id+"/code", nil)
	if r.status != http.StatusCreated {
		t.Fatalf("new code: %s", r)
	}
	var nc struct{ PairingCode string }
	_ = json.Unmarshal([]byte(r.body), &nc)
	if _, r := tablet(t, env, code); r.status != http.StatusBadRequest {
		t.Errorf("pair with the replaced code: %s, want 400", r)
	}
	tab := pairedTablet(t, env, nc.PairingCode)
	if r := doRequest(t, tab, http.MethodGet, env.http.URL+"/api/v1/kiosk/config", "", nil); r.status != http.StatusOK || !strings.Contains(r.body, `"agency":"so-tn-mt"`) {
		t.Errorf("config of the paired tablet: %s", r)
	}

	// Unpair: the tablet stops at once; a new code pairs it again.
	if r := admin.api(t, http.MethodPost, "/api/v1/admin/kiosks/"+id+"/unpair", nil); r.status != http.StatusOK || !strings.Contains(r.body, `"paired":false`) {
		t.Errorf("unpair: %s", r)
	}
	wantAPIError(t, "rating after unpairing", rate(t, env, tab, survey.NewKey(), "satisfied", ""), http.StatusUnauthorized, "kiosk_unpaired")
	r = admin.api(t, http.MethodPost, "/api/v1/admin/kiosks/"+id+"/code", nil)
	_ = json.Unmarshal([]byte(r.body), &nc)
	tab = pairedTablet(t, env, nc.PairingCode)

	// Revoke: the credential and any pending code stop, for good.
	r = admin.api(t, http.MethodPost, "/api/v1/admin/kiosks/"+id+"/code", nil)
	_ = json.Unmarshal([]byte(r.body), &nc)
	if r := admin.api(t, http.MethodPost, "/api/v1/admin/kiosks/"+id+"/revoke", nil); r.status != http.StatusOK || !strings.Contains(r.body, `"revoked":true`) {
		t.Errorf("revoke: %s", r)
	}
	wantAPIError(t, "rating after revoking", rate(t, env, tab, survey.NewKey(), "satisfied", ""), http.StatusUnauthorized, "kiosk_unpaired")
	if _, r := tablet(t, env, nc.PairingCode); r.status != http.StatusBadRequest {
		t.Errorf("pair with the code of a revoked kiosk: %s, want 400", r)
	}
	wantAPIError(t, "new code for a revoked kiosk", admin.api(t, http.MethodPost, "/api/v1/admin/kiosks/"+id+"/code", nil), http.StatusNotFound, "not_found")
	wantAPIError(t, "edit a revoked kiosk", admin.api(t, http.MethodPut, "/api/v1/admin/kiosks/"+id, upd), http.StatusConflict, "kiosk_revoked")
	wantAPIError(t, "unknown kiosk", admin.api(t, http.MethodGet, "/api/v1/admin/kiosks/knosuchkiosk00", nil), http.StatusNotFound, "not_found")

	// Every change is audited.
	es := auditEntries(t, admin)
	for action, want := range map[string]int{"kiosk_create": 1, "kiosk_update": 1, "kiosk_code": 4, "kiosk_pair": 2, "kiosk_unpair": 1, "kiosk_revoke": 1} {
		if got := len(findAudit(es, action, id)); got != want {
			t.Errorf("audit %s: %d entries, want %d", action, got, want)
		}
	}
	// Only administrators.
	staffPW := insertUser(t, env, "staff-k", survey.RoleStaff, "so-tn-mt")
	staff := loginAs(t, env, "staff-k", staffPW)
	staff.token = staff.fetchToken(t, "s")
	if r := staff.api(t, http.MethodGet, "/api/v1/admin/kiosks", nil); r.status != http.StatusForbidden {
		t.Errorf("kiosks as staff: %s, want 403", r)
	}
}

func TestKioskPairingCodes(t *testing.T) {
	env := newTestEnv(t)
	admin := newAdmin(t, env)
	id, code := kioskCreate(t, admin, kioskBody(1))

	for _, typed := range []string{"WXYZ-2345", "", "ABC", "ABCD-EFG0", strings.Repeat("A", 40)} {
		_, r := tablet(t, env, typed)
		if r.status != http.StatusBadRequest {
			t.Errorf("pair with %q: %s, want 400", typed, r)
			continue
		}
		e := decodeAPIError(t, r)
		if e.Error.Code != "kiosk_code_invalid" && e.Error.Code != "validation_failed" {
			t.Errorf("pair with %q: code %q", typed, e.Error.Code)
		}
		if e.Error.Fields["code"] == "" {
			t.Errorf("pair with %q: no message at fields.code: %s", typed, r.body)
		}
	}
	// Case, spaces and hyphen do not matter; the answer is the config and an
	// HttpOnly, SameSite=Strict cookie whose secret is stored only hashed.
	c, r := tablet(t, env, " "+strings.ToLower(strings.ReplaceAll(code, "-", " "))+" ")
	if r.status != http.StatusOK || !strings.Contains(r.body, `"id":"`+id+`"`) || !strings.Contains(r.body, `"counters":["1","2","Quầy A"]`) {
		t.Fatalf("pair: %s", r)
	}
	ck := r.cookie(kioskCookie)
	if ck == nil || !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Path != "/" || ck.MaxAge < 300*24*3600 {
		t.Fatalf("kiosk cookie = %+v, want HttpOnly, SameSite=Strict, Path=/, a long Max-Age", ck)
	}
	kid, secret, _ := strings.Cut(ck.Value, ".")
	k, _ := env.store.Kiosk(context.Background(), id)
	if kid != id || k.CredentialHash != hashID(secret) || strings.Contains(k.CredentialHash, secret) {
		t.Errorf("cookie %q and stored hash %q: want <id>.<secret> with only the secret's hash stored", ck.Value, k.CredentialHash)
	}
	if r := rate(t, env, c, survey.NewKey(), "satisfied", ""); r.status != http.StatusCreated {
		t.Errorf("rating from the paired tablet: %s", r)
	}
	// Used: a second tablet cannot use the code again.
	_, r = tablet(t, env, code)
	wantAPIError(t, "reused code", r, http.StatusBadRequest, "kiosk_code_invalid")

	// Expired.
	now := time.Now()
	if err := env.store.SetKioskCode(context.Background(), id, env.srv.pairingHash("ABCDEFGH"), now.Add(-time.Minute), now.Add(-25*time.Hour)); err != nil {
		t.Fatal(err)
	}
	_, r = tablet(t, env, "abcd-efgh")
	wantAPIError(t, "expired code", r, http.StatusBadRequest, "kiosk_code_expired")
	// English on request.
	r = doRequest(t, env.client(t), http.MethodPost, env.http.URL+"/api/v1/kiosk/pair", `{"code":"WXYZ-2345"}`,
		map[string]string{"Content-Type": "application/json", "Accept-Language": "en"})
	if e := decodeAPIError(t, r); e.Error.Message != "The pairing code is wrong or has been used." {
		t.Errorf("English message = %q", e.Error.Message)
	}

	// A forged or garbled cookie is refused, never treated as anonymous.
	for _, v := range []string{id + ".forged-secret-forged-secret", "nonsense", "knosuchkiosk00.aaaaaaaaaaaaaaaaaaaaaaaa"} {
		r := doRequest(t, nil, http.MethodPost, env.http.URL+"/api/v1/kiosk/ratings", `{"idempotencyKey":"forged-0001","level":"satisfied"}`,
			map[string]string{"Content-Type": "application/json", "Cookie": kioskCookie + "=" + v})
		wantAPIError(t, "cookie "+v, r, http.StatusUnauthorized, "kiosk_unpaired")
	}
	wantAPIError(t, "no cookie", rate(t, env, env.client(t), survey.NewKey(), "satisfied", ""), http.StatusUnauthorized, "kiosk_unpaired")
	if n := countRatings(t, env); n != 1 {
		t.Errorf("stored ratings = %d, want 1", n)
	}
}

// The tablet pairs through the page (no script needed), then gets the
// kiosk: no links, both languages, the questionnaires, one fingerprinted
// script and no inline one, the same strict CSP.
func TestKioskPages(t *testing.T) {
	env := newTestEnv(t)
	admin := newAdmin(t, env)
	body := kioskBody(1)
	body["areas"] = []string{"dat-dai", "moi-truong"}
	_, code := kioskCreate(t, admin, body)

	c := env.client(t)
	page := doRequest(t, c, http.MethodGet, env.http.URL+"/kiosk", "", nil)
	if page.status != http.StatusOK || !hasElement(page.body, "[action=\"/kiosk/pair\"]") {
		t.Fatalf("GET /kiosk unpaired: %s, want the pairing form", page)
	}
	csrf := csrfOf(page.body)
	post := func(code string) httpResult {
		return doRequest(t, c, http.MethodPost, env.http.URL+"/kiosk/pair", url.Values{"csrf": {csrf}, "code": {code}}.Encode(),
			map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	}
	if r := post("WXYZ-2345"); r.status != http.StatusBadRequest || !strings.Contains(r.body, "Mã ghép nối không đúng") || !hasElement(r.body, "[value=\"WXYZ-2345\"]") {
		t.Errorf("wrong code in the form: %s, want 400 with the message and the code kept", r)
	}
	if r := doRequest(t, c, http.MethodPost, env.http.URL+"/kiosk/pair", url.Values{"code": {code}}.Encode(),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"}); r.status != http.StatusForbidden {
		t.Errorf("pairing form without its CSRF token: %s, want 403", r)
	}
	if r := post(code); r.status != http.StatusSeeOther || r.location() != "/kiosk" {
		t.Fatalf("pair through the form: %s, want 303 to /kiosk", r)
	}
	k := doRequest(t, c, http.MethodGet, env.http.URL+"/kiosk", "", nil)
	if k.status != http.StatusOK || !hasElement(k.body, "[id=\"kiosk\"]") {
		t.Fatalf("GET /kiosk paired: %s", k)
	}
	if ck := k.cookie(kioskCookie); ck == nil || ck.MaxAge < 300*24*3600 {
		t.Errorf("GET /kiosk does not renew the credential's lifetime: %+v", ck)
	}
	for _, want := range []string{
		`id="k-shell-vi"`, `id="k-shell-en"`, `id="k-form-vi-dat-dai"`, `id="k-form-en-moi-truong"`,
		`data-level="very_satisfied"`, `data-level="satisfied"`, `data-level="dissatisfied"`,
		"Rất hài lòng", "Hài lòng", "Không hài lòng", "Very satisfied", `data-counter="Quầy A"`,
		`name="a_1.1"`, `data-idle="30"`, `data-interval="1"`,
	} {
		if !strings.Contains(k.body, want) {
			t.Errorf("the kiosk page lacks %s", want)
		}
	}
	// No way out: no link at all; the only href are the two stylesheets.
	if strings.Contains(k.body, "<a ") || strings.Count(k.body, "href=") != 2 || strings.Contains(k.body, "<form method") {
		t.Errorf("the kiosk page has links or forms that navigate: %d href", strings.Count(k.body, "href="))
	}
	assets, err := kioskAssets()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(k.body, "<script") != 1 || !hasElement(k.body, `script[src="`+assets.JS+`"][defer]`) {
		t.Errorf("the kiosk page must have exactly one script, %s, and no inline one", assets.JS)
	}
	csp := k.header.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self'", "frame-ancestors 'none'", "default-src 'none'", "connect-src 'self'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %s", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP relaxed: %q", csp)
	}
	js := doRequest(t, nil, http.MethodGet, env.http.URL+assets.JS, "", nil)
	if js.status != http.StatusOK || !strings.Contains(js.header.Get("Content-Type"), "javascript") ||
		!strings.Contains(js.header.Get("Cache-Control"), "immutable") || !strings.Contains(js.body, "getRandomValues") {
		t.Errorf("GET %s: %d %q %q", assets.JS, js.status, js.header.Get("Content-Type"), js.header.Get("Cache-Control"))
	}
	// The citizen pages stay script-free.
	for _, p := range []string{"/", "/s/so-tn-mt/dat-dai", "/login"} {
		if r := doRequest(t, nil, http.MethodGet, env.http.URL+p, "", nil); strings.Contains(r.body, "<script") {
			t.Errorf("%s has a script", p)
		}
	}

	// The administration pages: list, create (the code shown once), edit.
	if r := admin.get(t, "/admin/kiosks"); r.status != http.StatusOK || !strings.Contains(r.body, "Quầy một cửa") {
		t.Errorf("GET /admin/kiosks: %s", r)
	}
	r := admin.post(t, "/admin/kiosks", url.Values{"name": {"<b>Máy 2</b>"}, "agency": {"so-tn-mt"}, "areas": {"dat-dai"},
		"counters": {"1-3, B"}, "idleSeconds": {"45"}, "minIntervalSeconds": {"5"}})
	if r.status != http.StatusOK || !hasElement(r.body, "[id=\"pairing-code\"]") || strings.Contains(r.body, "<b>Máy 2</b>") {
		t.Fatalf("create through the page: %s", r)
	}
	ks, _ := env.store.Kiosks(context.Background())
	var made survey.Kiosk
	for _, k := range ks {
		if k.Name == "<b>Máy 2</b>" {
			made = k
		}
	}
	if strings.Join(made.Counters, "|") != "1|2|3|B" || made.IdleSeconds != 45 {
		t.Errorf("kiosk made through the page: %+v, want counters 1|2|3|B, idle 45", made)
	}
	if r := admin.get(t, "/admin/kiosks/"+made.ID); r.status != http.StatusOK || hasElement(r.body, "[id=\"pairing-code\"]") {
		t.Errorf("the kiosk page shows a code again: %s", r)
	}
	r = admin.post(t, "/admin/kiosks/"+made.ID, url.Values{"name": {"Máy 2"}, "agency": {"so-tn-mt"}, "counters": {"1, 1"},
		"idleSeconds": {"45"}, "minIntervalSeconds": {"5"}})
	if r.status != http.StatusBadRequest || !strings.Contains(r.body, "Có quầy bị trùng tên.") {
		t.Errorf("duplicate counters through the page: %s", r)
	}
}

func TestKioskRatingsIntervalAndDedup(t *testing.T) {
	env := newTestEnv(t)
	admin := newAdmin(t, env)
	_, code := kioskCreate(t, admin, kioskBody(2))
	c := pairedTablet(t, env, code)

	first := survey.NewKey()
	if r := rate(t, env, c, first, "very_satisfied", "Quầy A"); r.status != http.StatusCreated || !strings.Contains(r.body, `"created":true`) {
		t.Fatalf("first rating: %s", r)
	}
	// A retry of the same key, even within the interval: acknowledged, not stored twice.
	for range 2 {
		if r := rate(t, env, c, first, "very_satisfied", "Quầy A"); r.status != http.StatusOK || !strings.Contains(r.body, `"id":"`+first+`"`) {
			t.Errorf("retry: %s, want 200 with the same id", r)
		}
	}
	wantAPIError(t, "key reused for another rating", rate(t, env, c, first, "dissatisfied", "Quầy A"), http.StatusConflict, "conflict")
	// A new rating within the interval: 429 with Retry-After.
	r := rate(t, env, c, survey.NewKey(), "satisfied", "")
	wantAPIError(t, "too soon", r, http.StatusTooManyRequests, "kiosk_too_soon")
	if s, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || s < 1 || s > 2 {
		t.Errorf("Retry-After = %q, want 1 or 2", r.header.Get("Retry-After"))
	}
	// Bad input.
	e := wantAPIError(t, "unknown counter and level", rate(t, env, c, survey.NewKey(), "5", "9"), http.StatusBadRequest, "validation_failed")
	if e.Error.Fields["level"] == "" || e.Error.Fields["counter"] == "" {
		t.Errorf("fields = %v, want level and counter", e.Error.Fields)
	}
	wantAPIError(t, "too old", kioskPost(t, env, c, "/api/v1/kiosk/ratings", map[string]string{
		"idempotencyKey": survey.NewKey(), "level": "satisfied", "ratedAt": time.Now().Add(-40 * 24 * time.Hour).Format(time.RFC3339)}),
		http.StatusBadRequest, "validation_failed")
	wantAPIError(t, "unknown field", kioskPost(t, env, c, "/api/v1/kiosk/ratings", map[string]string{
		"idempotencyKey": survey.NewKey(), "level": "satisfied", "agency": "so-tu-phap"}), http.StatusBadRequest, "invalid_json")
	if n := countRatings(t, env); n != 1 {
		t.Fatalf("stored ratings = %d, want 1", n)
	}

	time.Sleep(2 * time.Second)
	if r := rate(t, env, c, survey.NewKey(), "dissatisfied", ""); r.status != http.StatusCreated {
		t.Fatalf("after the interval: %s, want 201", r)
	}
	// A rating given offline yesterday counts when it was given.
	time.Sleep(2 * time.Second)
	yesterday := time.Now().Add(-24 * time.Hour)
	if r := kioskPost(t, env, c, "/api/v1/kiosk/ratings", map[string]string{"idempotencyKey": survey.NewKey(), "level": "satisfied",
		"counter": "1", "ratedAt": yesterday.Format(time.RFC3339)}); r.status != http.StatusCreated || !strings.Contains(r.body, survey.MonthOf(yesterday).String()) {
		t.Fatalf("a queued rating of yesterday: %s", r)
	}

	// The report: JSON for staff of the agency, 403 for another's, the
	// dashboard's section.
	from := survey.MonthOf(yesterday).String()
	to := survey.MonthOf(time.Now()).String()
	staffPW := insertUser(t, env, "staff-tnmt", survey.RoleStaff, "so-tn-mt")
	staff := loginAs(t, env, "staff-tnmt", staffPW)
	staff.token = staff.fetchToken(t, "s")
	rep := staff.api(t, http.MethodGet, "/api/v1/reports/agencies/so-tn-mt/ratings?from="+from+"&to="+to, nil)
	var out RatingsJSON
	if rep.status != http.StatusOK || json.Unmarshal([]byte(rep.body), &out) != nil {
		t.Fatalf("ratings report: %s", rep)
	}
	if out.Total.Total != 3 || out.Total.VerySatisfied != 1 || out.Total.Satisfied != 1 || out.Total.Dissatisfied != 1 {
		t.Errorf("report total = %+v, want 3: one of each level", out.Total)
	}
	found := false
	for _, m := range out.Months {
		for _, cr := range m.Counters {
			if cr.Counter == "Quầy A" && cr.VerySatisfied == 1 && cr.Total == 1 {
				found = true
			}
		}
	}
	if !found {
		t.Errorf("report has no counter Quầy A with one very satisfied: %s", rep.body)
	}
	otherPW := insertUser(t, env, "staff-tp", survey.RoleStaff, "so-tu-phap")
	other := loginAs(t, env, "staff-tp", otherPW)
	other.token = other.fetchToken(t, "o")
	if r := other.api(t, http.MethodGet, "/api/v1/reports/agencies/so-tn-mt/ratings", nil); r.status != http.StatusForbidden {
		t.Errorf("ratings of another agency: %s, want 403", r)
	}
	dash := staff.get(t, "/dashboard?agency=so-tn-mt&from="+from+"&to="+to)
	if dash.status != http.StatusOK || !hasElement(dash.body, "[id=\"kiosk-ratings\"]") || !hasText(dash.body, "td[class=\"num\"][id=\"kiosk-ratings-total\"]", "3") ||
		!strings.Contains(dash.body, "<th scope=\"row\">Quầy A</th>") || !strings.Contains(dash.body, "<th scope=\"row\">Quầy 1</th>") {
		t.Errorf("dashboard ratings section missing or wrong: %s", clip(dash.body[strings.Index(dash.body, "<main"):]))
	}
	// A SIPAS report is untouched by ratings.
	if d := staff.get(t, "/dashboard?agency=so-tu-phap"); hasElement(d.body, "[id=\"kiosk-ratings\"]") {
		t.Errorf("an agency without ratings shows the section")
	}
}

// A kiosk's questionnaires go to POST /api/v1/responses with its credential:
// channel kiosk, its own agency and areas only, deduplicated by key, and
// subject to its minimum interval.
func TestKioskResponsesScoped(t *testing.T) {
	env := newTestEnv(t)
	admin := newAdmin(t, env)
	_, code := kioskCreate(t, admin, kioskBody(2))
	c := pairedTablet(t, env, code)
	post := func(body map[string]any) httpResult { return kioskPost(t, env, c, responsesPath, body) }
	kioskSubmission := func(agency, area, key string) map[string]any {
		in := apiSubmission(agency, area, key)
		in["channel"] = string(survey.ChannelKiosk)
		return in
	}

	wantAPIError(t, "another agency", post(kioskSubmission("so-tu-phap", "tu-phap", survey.NewKey())), http.StatusForbidden, "kiosk_scope")
	wantAPIError(t, "an area of the agency the kiosk does not offer", post(kioskSubmission("so-tn-mt", "moi-truong", survey.NewKey())), http.StatusForbidden, "kiosk_scope")
	web := kioskSubmission("so-tn-mt", "dat-dai", survey.NewKey())
	web["channel"] = "web"
	if e := wantAPIError(t, "channel web", post(web), http.StatusBadRequest, "validation_failed"); e.Error.Fields["channel"] == "" {
		t.Errorf("no message at fields.channel")
	}
	dated := kioskSubmission("so-tn-mt", "dat-dai", survey.NewKey())
	dated["submittedAt"] = "2025-01-05"
	if e := wantAPIError(t, "backdated", post(dated), http.StatusBadRequest, "validation_failed"); e.Error.Fields["submittedAt"] == "" {
		t.Errorf("no message at fields.submittedAt")
	}
	if n := countResponses(t, env); n != 0 {
		t.Fatalf("refused submissions stored %d responses", n)
	}

	key := survey.NewKey()
	if r := post(kioskSubmission("so-tn-mt", "dat-dai", key)); r.status != http.StatusCreated {
		t.Fatalf("the kiosk's own questionnaire: %s", r)
	}
	if r := post(kioskSubmission("so-tn-mt", "dat-dai", key)); r.status != http.StatusOK || !strings.Contains(r.body, key) {
		t.Errorf("retry within the interval: %s, want 200", r)
	}
	wantAPIError(t, "a new one within the interval", post(kioskSubmission("so-tn-mt", "dat-dai", survey.NewKey())), http.StatusTooManyRequests, "kiosk_too_soon")
	// Ratings and questionnaires share the kiosk's interval.
	wantAPIError(t, "a rating right after", rate(t, env, c, survey.NewKey(), "satisfied", ""), http.StatusTooManyRequests, "kiosk_too_soon")
	resp, err := env.store.Response(context.Background(), key)
	if err != nil || resp.Channel != survey.ChannelKiosk || resp.Agency != "so-tn-mt" || resp.Area != "dat-dai" {
		t.Errorf("stored response = %+v, %v; want channel kiosk for so-tn-mt/dat-dai", resp, err)
	}
	if n := countResponses(t, env); n != 1 {
		t.Errorf("stored responses = %d, want 1", n)
	}
	// Without the kiosk cookie the endpoint is the open one, as before, but it
	// may not claim the kiosk channel.
	if r := doRequest(t, nil, http.MethodPost, env.http.URL+responsesPath, mustJSON(t, apiSubmission("so-tu-phap", "tu-phap", survey.NewKey())),
		map[string]string{"Content-Type": "application/json"}); r.status != http.StatusCreated {
		t.Errorf("anonymous submission: %s", r)
	}
	if r := doRequest(t, nil, http.MethodPost, env.http.URL+responsesPath, mustJSON(t, kioskSubmission("so-tu-phap", "tu-phap", survey.NewKey())),
		map[string]string{"Content-Type": "application/json"}); r.status != http.StatusBadRequest {
		t.Errorf("anonymous submission on the kiosk channel: %s, want 400", r)
	}
}
