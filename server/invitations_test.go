package server

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"hailong/survey"
)

// Tests of verified invitations over a real server and embedded FerretDB:
// issuing (API keys of integration accounts), the links, single use.

// newIntegrationKey creates an integration account for the agencies through
// the admin API (no password) and returns an API key issued for it.
func newIntegrationKey(t testing.TB, env *testEnv, admin *staffUser, username string, agencies ...string) string {
	t.Helper()
	r := admin.api(t, http.MethodPost, "/api/v1/admin/users",
		map[string]any{"username": username, "name": "Phần mềm một cửa", "role": "integration", "agencies": agencies})
	if r.status != http.StatusCreated {
		t.Fatalf("create integration account: %s", r)
	}
	r = admin.api(t, http.MethodPost, "/api/v1/admin/users/"+username+"/tokens", map[string]any{"label": "one-stop software"})
	if r.status != http.StatusCreated {
		t.Fatalf("issue API key: %s", r)
	}
	var out struct{ Token string }
	if err := json.Unmarshal([]byte(r.body), &out); err != nil || out.Token == "" {
		t.Fatalf("API key: %s: %v", r.body, err)
	}
	return out.Token
}

// invEnv is a server with an administrator and an integration key for
// so-tu-phap and so-tn-mt.
type invEnv struct {
	*testEnv
	admin *staffUser
	key   string
}

func newInvEnv(t *testing.T) *invEnv {
	t.Helper()
	env := newTestEnv(t)
	admin := newAdmin(t, env)
	return &invEnv{testEnv: env, admin: admin, key: newIntegrationKey(t, env, admin, "mot-cua", "so-tu-phap", "so-tn-mt")}
}

// issue posts one invitation request with the key (and headers).
func (e *invEnv) issue(t testing.TB, key string, body any, hdr map[string]string) (InvitationJSON, httpResult) {
	t.Helper()
	h := map[string]string{"Content-Type": "application/json", "Authorization": "Bearer " + key}
	for k, v := range hdr {
		h[k] = v
	}
	r := doRequest(t, nil, http.MethodPost, e.http.URL+"/api/v1/invitations", mustJSON(t, body), h)
	var out InvitationJSON
	if r.status == http.StatusCreated || r.status == http.StatusOK {
		if err := json.Unmarshal([]byte(r.body), &out); err != nil {
			t.Fatalf("invitation body %s: %v", r.body, err)
		}
	}
	return out, r
}

func (e *invEnv) mustIssue(t testing.TB, agency, area, dossier string) InvitationJSON {
	t.Helper()
	inv, r := e.issue(t, e.key, map[string]any{"agency": agency, "area": area, "dossierRef": dossier}, nil)
	if r.status != http.StatusCreated {
		t.Fatalf("issue %s/%s %s: %s", agency, area, dossier, r)
	}
	return inv
}

// local is the path and query of an absolute URL the service gave out.
func local(t testing.TB, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		t.Fatalf("%q is not an absolute URL: %v", raw, err)
	}
	return u.RequestURI()
}

// openInvitation opens the verified link in a fresh browser and returns it
// and the form's key.
func (e *invEnv) openInvitation(t testing.TB, inv InvitationJSON) (*http.Client, string) {
	t.Helper()
	c := e.client(t)
	r := e.getPage(t, c, local(t, inv.URL))
	if r.status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", inv.URL, r.status, clip(r.body))
	}
	if !hasElement(r.body, "[id=\"verified\"]") || !hasElement(r.body, "[action=\""+local(t, inv.URL)+"\"]") {
		t.Fatalf("the verified form lacks its notice or posts elsewhere: %s", clip(r.body))
	}
	return c, formKey(t, r.body)
}

// goneReason is the reason of an invitation's gone page, or "".
func goneReason(body string) string {
	_, after, ok := strings.Cut(body, `data-reason="`)
	if !ok {
		return ""
	}
	reason, _, _ := strings.Cut(after, `"`)
	return reason
}

func (e *invEnv) flush(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := e.store.FlushRollups(ctx); err != nil {
		t.Fatalf("flush rollups: %v", err)
	}
}

// verifiedCount is the number of verified responses of the agency this
// month, from the verified rollups, checked against the recomputation.
func (e *invEnv) verifiedCount(t testing.TB, agency string) int64 {
	t.Helper()
	ctx := context.Background()
	ms := []survey.Month{survey.MonthOf(time.Now())}
	got, err := e.store.ReportFiltered(ctx, agency, ms, "", true)
	if err != nil {
		t.Fatal(err)
	}
	want, err := e.store.RecomputeFiltered(ctx, agency, ms, "", true)
	if err != nil {
		t.Fatal(err)
	}
	if got.Total.Responses != want.Total.Responses || got.Province[agency].Responses != want.Province[agency].Responses {
		t.Errorf("verified rollups of %s: %d (province %d), recomputed %d (province %d)", agency,
			got.Total.Responses, got.Province[agency].Responses, want.Total.Responses, want.Province[agency].Responses)
	}
	return got.Total.Responses
}

func TestInvitationIssueUseOnceAndVerified(t *testing.T) {
	env := newInvEnv(t)
	ctx := context.Background()
	inv := env.mustIssue(t, "so-tu-phap", "tu-phap", "000.00.25.H58-250101-0001")
	if !inv.Created || inv.Agency != "so-tu-phap" || inv.Area != "tu-phap" || len(inv.Code) != survey.CodeLen {
		t.Errorf("issued %+v", inv)
	}
	if d := time.Until(inv.ExpiresAt); d < 29*24*time.Hour || d > 30*24*time.Hour {
		t.Errorf("expiresAt %v: want 30 days by default", inv.ExpiresAt)
	}
	short, err := url.Parse(inv.ShortURL)
	if err != nil || len(short.Path) > 40 || short.Path != "/r/"+inv.Code {
		t.Errorf("shortUrl %q: path %q (%d characters), want /r/<code>, at most 40", inv.ShortURL, short.Path, len(short.Path))
	}
	for name, u := range map[string]string{"qrSvgUrl": inv.QRSvgURL, "qrPngUrl": inv.QRPngURL, "slipUrl": inv.SlipURL} {
		if !strings.HasPrefix(u, inv.ShortURL+"/") {
			t.Errorf("%s = %q, want under the short link", name, u)
		}
	}

	// The short link leads to the signed link.
	r := env.getPage(t, env.client(t), local(t, inv.ShortURL))
	if r.status != http.StatusFound || r.header.Get("Location") != local(t, inv.URL) {
		t.Errorf("GET short link: %d to %q, want 302 to %s", r.status, r.header.Get("Location"), local(t, inv.URL))
	}
	c, key := env.openInvitation(t, inv)
	vals := validFormValues("tu-phap", key)
	r = env.postSurvey(t, c, local(t, inv.URL), vals)
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/s/so-tu-phap/tu-phap/thanks" {
		t.Fatalf("POST verified form: %d %s %s", r.status, r.header.Get("Location"), clip(r.body))
	}
	// The same page sent again (a double click, a retry) is thanked again.
	if r := env.postSurvey(t, c, local(t, inv.URL), vals); r.status != http.StatusSeeOther {
		t.Errorf("repeat of the same page: %d %s, want 303 to thanks", r.status, clip(r.body))
	}
	// The link is now used: its page says so (410), another form is refused.
	r = env.getPage(t, env.client(t), local(t, inv.URL))
	if r.status != http.StatusGone || goneReason(r.body) != "used" || hasElement(r.body, "[name=\"key\"]") {
		t.Errorf("GET used link: %d reason %q, want 410 used without a form", r.status, goneReason(r.body))
	}
	if !strings.Contains(r.body, "Hồ sơ này đã được đánh giá") {
		t.Errorf("used page is not in Vietnamese: %s", clip(r.body))
	}
	other := validFormValues("tu-phap", survey.NewKey())
	other.Set("comment", "Một người khác")
	if r := env.postSurvey(t, env.client(t), local(t, inv.URL), other); r.status != http.StatusGone || goneReason(r.body) != "used" {
		t.Errorf("another form through the used link: %d %q, want 410 used", r.status, goneReason(r.body))
	}
	r = env.getPage(t, env.client(t), local(t, inv.URL)+"?lang=en")
	if !strings.Contains(r.body, "This dossier has already been rated") {
		t.Errorf("used page in English: %s", clip(r.body))
	}

	// Stored once, verified, under the id derived from the invitation.
	resp, err := env.store.Response(ctx, survey.InvitationResponseID(env.srv.inv.responseKey, inv.Code))
	if err != nil || !resp.Verified || resp.Agency != "so-tu-phap" || resp.Comment != vals.Get("comment") {
		t.Fatalf("stored response: %+v, %v", resp, err)
	}
	// The anonymous form stays open and unverified.
	anon, anonKey := env.client(t), ""
	page := env.getPage(t, anon, "/s/so-tu-phap/tu-phap")
	anonKey = formKey(t, page.body)
	if hasElement(page.body, "[id=\"verified\"]") {
		t.Error("the anonymous form claims to be verified")
	}
	if r := env.postSurvey(t, anon, "/s/so-tu-phap/tu-phap", validFormValues("tu-phap", anonKey)); r.status != http.StatusSeeOther {
		t.Fatalf("anonymous submit: %d", r.status)
	}
	env.flush(t)
	if n := env.verifiedCount(t, "so-tu-phap"); n != 1 {
		t.Errorf("verified responses counted: %d, want 1", n)
	}
	all, err := env.store.Report(ctx, "so-tu-phap", []survey.Month{survey.MonthOf(time.Now())}, "")
	if err != nil || all.Total.Responses != 2 || all.Verified.Responses != 1 {
		t.Errorf("unfiltered report: %d responses, %d verified, %v; want 2 and 1", all.Total.Responses, all.Verified.Responses, err)
	}
}

func TestInvitationRepeatValidationAndScope(t *testing.T) {
	env := newInvEnv(t)
	body := map[string]any{"agency": "so-tn-mt", "area": "dat-dai", "procedureCode": "1.004227", "dossierRef": "HS-42", "expiresInDays": 7}
	first, r := env.issue(t, env.key, body, nil)
	if r.status != http.StatusCreated {
		t.Fatalf("first: %s", r)
	}
	// A second request for the same dossier (even with another lifetime) returns the same link.
	body["expiresInDays"] = 60
	again, r := env.issue(t, env.key, body, nil)
	if r.status != http.StatusOK || again.Created || again.URL != first.URL || again.ShortURL != first.ShortURL || !again.ExpiresAt.Equal(first.ExpiresAt) {
		t.Errorf("repeat: %d %+v, want 200 with the first link %+v", r.status, again, first)
	}
	// An administrator's request for it finds it too; another dossier does not.
	if adm, r := env.issue(t, env.admin.token, body, nil); r.status != http.StatusOK || adm.ShortURL != first.ShortURL {
		t.Errorf("administrator's repeat: %s", r)
	}
	body["dossierRef"] = "HS-43"
	if next, r := env.issue(t, env.key, body, nil); r.status != http.StatusCreated || next.ShortURL == first.ShortURL {
		t.Errorf("another dossier: %s", r)
	}

	tests := []struct {
		name   string
		body   any
		lang   string
		fields map[string]string // field → a word of its message
	}{
		{"empty", map[string]any{}, "", map[string]string{"agency": "bắt buộc", "area": "bắt buộc", "dossierRef": "bắt buộc"}},
		{"unknown agency, English", map[string]any{"agency": "so-khong-co", "area": "tu-phap", "dossierRef": "x"}, "en", map[string]string{"agency": "no active agency"}},
		{"area not served", map[string]any{"agency": "so-tu-phap", "area": "dat-dai", "dossierRef": "x"}, "", map[string]string{"area": "lĩnh vực"}},
		{"dossier too long", map[string]any{"agency": "so-tu-phap", "area": "tu-phap", "dossierRef": strings.Repeat("9", 201)}, "en", map[string]string{"dossierRef": "200"}},
		{"control characters", map[string]any{"agency": "so-tu-phap", "area": "tu-phap", "dossierRef": "a\u0000b"}, "en", map[string]string{"dossierRef": "control"}},
		{"lifetime", map[string]any{"agency": "so-tu-phap", "area": "tu-phap", "dossierRef": "x", "expiresInDays": 0.5}, "", nil},
		{"too many days", map[string]any{"agency": "so-tu-phap", "area": "tu-phap", "dossierRef": "x", "expiresInDays": 365}, "en", map[string]string{"expiresInDays": "180"}},
		{"unknown field", map[string]any{"agency": "so-tu-phap", "area": "tu-phap", "dossierRef": "x", "citizenName": "A"}, "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hdr := map[string]string{}
			if tc.lang != "" {
				hdr["Accept-Language"] = tc.lang
			}
			_, r := env.issue(t, env.key, tc.body, hdr)
			if r.status != http.StatusBadRequest {
				t.Fatalf("status %s, want 400", r)
			}
			e := decodeAPIError(t, httpResult(r))
			for f, word := range tc.fields {
				if !strings.Contains(e.Error.Fields[f], word) {
					t.Errorf("field %s: %q, want a message with %q (all: %v)", f, e.Error.Fields[f], word, e.Error.Fields)
				}
			}
			if tc.fields != nil && len(e.Error.Fields) != len(tc.fields) {
				t.Errorf("fields %v, want exactly %v", e.Error.Fields, tc.fields)
			}
		})
	}

	// Scope: the key works for its agencies only; staff and inspectors cannot issue.
	_, r = env.issue(t, env.key, map[string]any{"agency": "so-xay-dung", "area": "xay-dung", "dossierRef": "x"}, nil)
	if r.status != http.StatusForbidden {
		t.Fatalf("other agency: %s, want 403", r)
	}
	if e := decodeAPIError(t, httpResult(r)); e.Error.Code != "agency_not_allowed" || e.Error.Fields["agency"] == "" {
		t.Errorf("other agency: %+v", e)
	}
	staff := loginAs(t, env.testEnv, "nv", insertUser(t, env.testEnv, "nv", survey.RoleStaff, "so-tu-phap"))
	if _, r := env.issue(t, staff.fetchToken(t, "s"), map[string]any{"agency": "so-tu-phap", "area": "tu-phap", "dossierRef": "x"}, nil); r.status != http.StatusForbidden {
		t.Errorf("staff token: %s, want 403", r)
	}
	// The integration key reads nothing.
	if r := callAPI(t, env.testEnv, env.key, http.MethodGet, "/api/v1/reports/agencies/so-tu-phap", nil); r.status != http.StatusForbidden {
		t.Errorf("integration key reading a report: %s, want 403", r)
	}
}

func TestInvitationBatch(t *testing.T) {
	env := newInvEnv(t)
	post := func(body any) httpResult {
		return doRequest(t, nil, http.MethodPost, env.http.URL+"/api/v1/invitations/batch", mustJSON(t, body),
			map[string]string{"Content-Type": "application/json", "Authorization": "Bearer " + env.key})
	}
	item := func(ag, ar, d string) map[string]any {
		return map[string]any{"agency": ag, "area": ar, "dossierRef": d}
	}

	// One bad item refuses the whole batch, naming it; nothing is issued.
	r := post(map[string]any{"items": []any{item("so-tu-phap", "tu-phap", "B-1"), item("so-tu-phap", "tu-phap", ""), item("so-tu-phap", "nope", "B-3")}})
	if r.status != http.StatusBadRequest {
		t.Fatalf("batch with bad items: %s", r)
	}
	e := decodeAPIError(t, httpResult(r))
	if len(e.Error.Fields) != 2 || e.Error.Fields["items[1].dossierRef"] == "" || e.Error.Fields["items[2].area"] == "" {
		t.Errorf("fields %v, want items[1].dossierRef and items[2].area", e.Error.Fields)
	}
	r = post(map[string]any{"items": []any{item("so-tu-phap", "tu-phap", "B-1"), item("so-xay-dung", "xay-dung", "B-2")}})
	if r.status != http.StatusForbidden || !strings.Contains(r.body, "items[1].agency") {
		t.Errorf("batch with another agency: %s, want 403 naming items[1].agency", r)
	}
	if _, r := env.issue(t, env.key, item("so-tu-phap", "tu-phap", "B-1"), nil); r.status != http.StatusCreated {
		t.Errorf("B-1 after the refused batches: %s, want 201 (nothing issued before)", r)
	}
	for _, n := range []int{0, survey.MaxInvitationBatch + 1} {
		items := make([]any, n)
		for i := range items {
			items[i] = item("so-tu-phap", "tu-phap", fmt.Sprint("N-", i))
		}
		if r := post(map[string]any{"items": items}); r.status != http.StatusBadRequest || !strings.Contains(r.body, `"items"`) {
			t.Errorf("batch of %d: %s, want 400 on items", n, clip(r.body))
		}
	}

	// A valid batch: in order, B-1 found again, a duplicate inside the batch
	// gets the same link.
	r = post(map[string]any{"items": []any{item("so-tu-phap", "tu-phap", "B-1"), item("so-tn-mt", "dat-dai", "B-9"), item("so-tn-mt", "dat-dai", "B-9")}})
	var out struct{ Items []InvitationJSON }
	if r.status != http.StatusOK || json.Unmarshal([]byte(r.body), &out) != nil || len(out.Items) != 3 {
		t.Fatalf("valid batch: %s", r)
	}
	if out.Items[0].Created || !(out.Items[1].Created != out.Items[2].Created) || out.Items[1].ShortURL != out.Items[2].ShortURL || out.Items[1].Agency != "so-tn-mt" {
		t.Errorf("batch items %+v", out.Items)
	}

	// 1,000 items are accepted (the body is over the usual 64 KB limit).
	items := make([]any, survey.MaxInvitationBatch)
	for i := range items {
		items[i] = map[string]any{"agency": "so-tn-mt", "area": "dat-dai", "dossierRef": fmt.Sprintf("000.00.25.H58-%s-%06d", strings.Repeat("x", 40), i), "procedureCode": "1.004227"}
	}
	r = post(map[string]any{"items": items})
	if r.status != http.StatusOK || json.Unmarshal([]byte(r.body), &out) != nil || len(out.Items) != survey.MaxInvitationBatch {
		t.Fatalf("batch of 1000: %s", clip(r.body))
	}
	seen := map[string]bool{}
	for _, it := range out.Items {
		if !it.Created || seen[it.Code] {
			t.Fatalf("batch of 1000: item %+v not new or repeated", it)
		}
		seen[it.Code] = true
	}
}

// TestInvitationConcurrentUseStoresOne: twelve people send the form of one
// link at once, each with other answers: exactly one is stored and thanked,
// counted once; the others see the link used.
func TestInvitationConcurrentUseStoresOne(t *testing.T) {
	env := newInvEnv(t)
	inv := env.mustIssue(t, "so-tu-phap", "tu-phap", "HS-CONCURRENT")
	const n = 12
	type client struct {
		c    *http.Client
		vals url.Values
	}
	clients := make([]client, n)
	for i := range clients {
		c, key := env.openInvitation(t, inv)
		vals := validFormValues("tu-phap", key)
		vals.Set("comment", fmt.Sprintf("người thứ %d", i))
		clients[i] = client{c, vals}
	}
	statuses := make([]int, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			statuses[i] = env.postSurvey(t, clients[i].c, local(t, inv.URL), clients[i].vals).status
		}()
	}
	close(start)
	wg.Wait()
	thanked, gone := 0, 0
	winner := -1
	for i, s := range statuses {
		switch s {
		case http.StatusSeeOther:
			thanked++
			winner = i
		case http.StatusGone:
			gone++
		}
	}
	if thanked != 1 || gone != n-1 {
		t.Fatalf("statuses %v: want exactly one 303 and %d 410", statuses, n-1)
	}
	resp, err := env.store.Response(context.Background(), survey.InvitationResponseID(env.srv.inv.responseKey, inv.Code))
	if err != nil || resp.Comment != clients[winner].vals.Get("comment") {
		t.Errorf("stored %q, %v; want the thanked person's answers %q", resp.Comment, err, clients[winner].vals.Get("comment"))
	}
	if got := env.responseCount(t); got != 1 {
		t.Errorf("%d responses stored, want 1", got)
	}
	env.flush(t)
	if got := env.verifiedCount(t, "so-tu-phap"); got != 1 {
		t.Errorf("counted %d verified responses, want 1", got)
	}
	// The thanked person's page sent again is still thanked.
	if r := env.postSurvey(t, clients[winner].c, local(t, inv.URL), clients[winner].vals); r.status != http.StatusSeeOther {
		t.Errorf("winner's repeat: %d", r.status)
	}
}

// TestInvitationRetryAfterLostMark: when the response was stored but the
// mark on the invitation was not (a crash between the two writes), the same
// answers sent again are thanked and the mark healed; other answers are not.
func TestInvitationRetryAfterLostMark(t *testing.T) {
	env := newInvEnv(t)
	ctx := context.Background()
	inv := env.mustIssue(t, "so-tu-phap", "tu-phap", "HS-CRASH")
	c, key := env.openInvitation(t, inv)
	vals := validFormValues("tu-phap", key)
	// The response alone, as a crash after its insert would leave it.
	resp, err := survey.Check(survey.Submission{
		Key: survey.InvitationResponseID(env.srv.inv.responseKey, inv.Code), Agency: "so-tu-phap", Area: "tu-phap",
		Channel: survey.ChannelWeb, Lang: survey.Vi, Answers: formAnswers(vals), Comment: vals.Get("comment"),
		Respondent: survey.Respondent{AgeBand: vals.Get("ageBand"), Gender: vals.Get("gender"), Occupation: vals.Get("occupation"), Education: vals.Get("education")},
	}, survey.SIPAS2017(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	resp.Verified = true
	if _, err := env.store.InsertResponse(ctx, resp); err != nil {
		t.Fatal(err)
	}
	other := validFormValues("tu-phap", survey.NewKey())
	other.Set("comment", "khác")
	if r := env.postSurvey(t, env.client(t), local(t, inv.URL), other); r.status != http.StatusGone {
		t.Errorf("other answers: %d, want 410", r.status)
	}
	if r := env.postSurvey(t, c, local(t, inv.URL), vals); r.status != http.StatusSeeOther {
		t.Fatalf("the same answers again: %d %s, want 303", r.status, clip(r.body))
	}
	got, err := env.store.Invitation(ctx, inv.Code)
	if err != nil || got.UseKey != key {
		t.Errorf("mark after the retry: %+v, %v; want the page's key", got, err)
	}
	env.flush(t)
	if n := env.verifiedCount(t, "so-tu-phap"); n != 1 {
		t.Errorf("counted %d, want 1", n)
	}
}

// formAnswers reads the answers of posted form values.
func formAnswers(v url.Values) map[string]int {
	out := map[string]int{}
	for k := range v {
		if code, ok := strings.CutPrefix(k, "a_"); ok {
			var n int
			fmt.Sscan(v.Get(k), &n)
			out[code] = n
		}
	}
	return out
}

// TestInvitationBadTokens: forged, expired, retired-key and wrong-agency
// links show the friendly page with the right status, never a form.
func TestInvitationBadTokens(t *testing.T) {
	env := newInvEnv(t)
	ctx := context.Background()
	inv := env.mustIssue(t, "so-tu-phap", "tu-phap", "HS-BAD")
	tok := strings.TrimPrefix(local(t, inv.URL), "/v/")
	raw, _ := base64.RawURLEncoding.DecodeString(tok)
	flipped := append([]byte{}, raw...)
	flipped[len(flipped)-3] ^= 0x20
	now := time.Now()
	sign := func(c survey.InvitationClaims) string {
		s, err := env.srv.keyring().Sign(c, now)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	good := survey.InvitationClaims{Code: inv.Code, Agency: "so-tu-phap", Area: "tu-phap", Expires: inv.ExpiresAt}
	expired, wrongAgency, notServed, unknown := good, good, good, good
	expired.Expires = now.Add(-time.Minute)
	wrongAgency.Agency, wrongAgency.Area = "so-xay-dung", "xay-dung" // valid target, not this invitation's
	notServed.Area = "dat-dai"
	unknown.Code = "0000000000000000"[:survey.CodeLen]

	tests := []struct {
		name, path string
		status     int
		reason     string
	}{
		{"forged", "/v/" + base64.RawURLEncoding.EncodeToString(flipped), http.StatusNotFound, "invalid"},
		{"garbage", "/v/not-a-token", http.StatusNotFound, "invalid"},
		{"expired", "/v/" + sign(expired), http.StatusGone, "expired"},
		{"wrong agency", "/v/" + sign(wrongAgency), http.StatusNotFound, "invalid"},
		{"agency does not serve the area", "/v/" + sign(notServed), http.StatusGone, "agency"},
		{"no such invitation", "/v/" + sign(unknown), http.StatusNotFound, "invalid"},
		{"short link of nothing", "/r/" + unknown.Code, http.StatusNotFound, "invalid"},
		{"malformed short link", "/r/abc", http.StatusNotFound, "invalid"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, method := range []string{http.MethodGet, http.MethodPost} {
				var r httpResult
				if method == http.MethodGet {
					r = env.getPage(t, env.client(t), tc.path)
				} else if strings.HasPrefix(tc.path, "/v/") {
					r = env.postSurvey(t, env.client(t), tc.path, validFormValues("tu-phap", survey.NewKey()))
				} else {
					continue
				}
				if r.status != tc.status || goneReason(r.body) != tc.reason || hasElement(r.body, "[name=\"key\"]") {
					t.Errorf("%s %s: %d reason %q, want %d %q and no form", method, tc.path, r.status, goneReason(r.body), tc.status, tc.reason)
				}
			}
		})
	}
	if n := env.responseCount(t); n != 0 {
		t.Errorf("%d responses stored through bad links", n)
	}

	// An agency that closes after the invitation: its link no longer leads to a form.
	cat, _ := env.store.Catalog(ctx)
	ag, _ := cat.Agency("so-tu-phap")
	ag.Active = false
	if err := env.store.ReplaceAgencies(ctx, ag); err != nil {
		t.Fatal(err)
	}
	env.store.InvalidateCatalog()
	if r := env.getPage(t, env.client(t), local(t, inv.URL)); r.status != http.StatusGone || goneReason(r.body) != "agency" {
		t.Errorf("link of a closed agency: %d %q, want 410 agency", r.status, goneReason(r.body))
	}
}

// TestInvitationBadTokensWithoutDatabase: with the database stopped, forged
// and expired links are still answered 404 and 410 (not 503): they are
// refused on their signature and expiry alone.
func TestInvitationBadTokensWithoutDatabase(t *testing.T) {
	db, env := startOutageEnv(t)
	now := time.Now()
	good := survey.InvitationClaims{Code: "ABCDEFGHJKMNPQR", Agency: "so-tu-phap", Area: "tu-phap", Expires: now.Add(time.Hour)}
	valid, _ := env.srv.keyring().Sign(good, now)
	expired := good
	expired.Expires = now.Add(-time.Second)
	old, _ := env.srv.keyring().Sign(expired, now)
	db.stop()
	for _, tc := range []struct {
		tok    string
		status int
	}{
		{valid[:len(valid)-2] + "AA", http.StatusNotFound},
		{old, http.StatusGone},
		{valid, http.StatusServiceUnavailable}, // a good token needs the database
	} {
		r := env.getPage(t, env.client(t), "/v/"+tc.tok)
		if r.status != tc.status {
			t.Errorf("database down, GET /v/%s…: %d, want %d", tc.tok[:12], r.status, tc.status)
		}
	}
}

// TestInvitationKeyRotation: a new key signs once active, links of the old
// key keep working until it is retired, then show the expired page; the
// last signing key cannot be retired; another instance learns the new key
// when a token names it.
func TestInvitationKeyRotation(t *testing.T) {
	saved, savedRecheck := keyActivation, keyRecheck
	keyActivation, keyRecheck = 0, 0
	defer func() { keyActivation, keyRecheck = saved, savedRecheck }()
	env := newInvEnv(t)
	other := newTestEnvWith(t, env.store) // a second instance on the same database
	first := env.mustIssue(t, "so-tu-phap", "tu-phap", "HS-K1")
	oldTok := strings.TrimPrefix(local(t, first.URL), "/v/")
	if kid, _ := survey.TokenKeyID(oldTok); kid != 1 {
		t.Fatalf("first token signed by key %d, want 1", kid)
	}
	r := env.admin.api(t, http.MethodPost, "/api/v1/admin/invitation-keys", nil)
	if r.status != http.StatusCreated || !strings.Contains(r.body, `"id":2`) {
		t.Fatalf("rotate: %s", r)
	}
	second := env.mustIssue(t, "so-tu-phap", "tu-phap", "HS-K2")
	newTok := strings.TrimPrefix(local(t, second.URL), "/v/")
	if kid, _ := survey.TokenKeyID(newTok); kid != 2 {
		t.Fatalf("token after rotation signed by key %d, want 2", kid)
	}
	for _, e := range []*testEnv{env.testEnv, other} {
		for _, tok := range []string{oldTok, newTok} {
			if r := e.getPage(t, e.client(t), "/v/"+tok); r.status != http.StatusOK {
				t.Errorf("before retirement, %s: %d", tok[:8], r.status)
			}
		}
	}
	// The same dossier asked again gets its link signed with the new key; the
	// short link is unchanged.
	again, _ := env.issue(t, env.key, map[string]any{"agency": "so-tu-phap", "area": "tu-phap", "dossierRef": "HS-K1"}, nil)
	if again.ShortURL != first.ShortURL || again.URL == first.URL {
		t.Errorf("repeat after rotation: %+v", again)
	}

	r = env.admin.api(t, http.MethodPost, "/api/v1/admin/invitation-keys/1/retire", nil)
	if r.status != http.StatusOK || !strings.Contains(r.body, `"state":"retired"`) {
		t.Fatalf("retire key 1: %s", r)
	}
	if r := env.getPage(t, env.client(t), "/v/"+oldTok); r.status != http.StatusGone || goneReason(r.body) != "expired" {
		t.Errorf("old token after retirement: %d %q, want 410 expired", r.status, goneReason(r.body))
	}
	if r := env.getPage(t, env.client(t), "/v/"+newTok); r.status != http.StatusOK {
		t.Errorf("new token after retiring the old key: %d", r.status)
	}
	// The short link of the first invitation is signed afresh and still works.
	r2 := env.getPage(t, env.client(t), local(t, first.ShortURL))
	if loc := r2.header.Get("Location"); r2.status != http.StatusFound || loc == "/v/"+oldTok {
		t.Errorf("short link after retirement: %d %q", r2.status, loc)
	} else if r := env.getPage(t, env.client(t), loc); r.status != http.StatusOK {
		t.Errorf("short link's new token: %d", r.status)
	}
	r = env.admin.api(t, http.MethodPost, "/api/v1/admin/invitation-keys/2/retire", nil)
	if r.status != http.StatusBadRequest || !strings.Contains(r.body, `"id"`) {
		t.Errorf("retiring the last signing key: %s, want 400", r)
	}
	if r := env.admin.api(t, http.MethodPost, "/api/v1/admin/invitation-keys/99/retire", nil); r.status != http.StatusNotFound {
		t.Errorf("retiring key 99: %s, want 404", r)
	}
	entries, err := env.store.Audit(context.Background(), "", 50)
	if err != nil {
		t.Fatal(err)
	}
	actions := map[string]bool{}
	for _, e := range entries {
		actions[e.Action] = true
	}
	if !actions["invitation_key_rotate"] || !actions["invitation_key_retire"] {
		t.Errorf("audit actions %v lack the key rotation or retirement", actions)
	}
}

// TestIntegrationAccounts: an integration account is made without a
// password from the admin pages, cannot log in, gets API keys shown once and
// stored hashed, and a revoked key stops at once.
func TestIntegrationAccounts(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	admin := newAdmin(t, env)
	r := admin.post(t, "/admin/users", url.Values{"username": {"vnpt-igate"}, "name": {"VNPT iGate"}, "role": {"integration"}, "agencies": {"so-tu-phap"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("create from the page: %s", r)
	}
	u, err := env.store.User(ctx, "vnpt-igate")
	if err != nil || u.Role != survey.RoleIntegration || len(u.PasswordHash) != 0 {
		t.Fatalf("stored account %+v, %v", u, err)
	}
	page := admin.get(t, "/admin/users/vnpt-igate")
	if !hasElement(page.body, "[id=\"integration-hint\"]") || hasElement(page.body, "[action=\"/admin/users/vnpt-igate/password\"]") {
		t.Errorf("integration user page: hint missing or password form shown")
	}
	// It has no password to reset, from the API or by a hand-made form post.
	r = admin.api(t, http.MethodPost, "/api/v1/admin/users/vnpt-igate/password", map[string]any{"password": "a-long-enough-password"})
	if r.status != http.StatusBadRequest || !strings.Contains(r.body, `"password"`) || !strings.Contains(r.body, "API") {
		t.Errorf("password reset of an integration account over the API: %s, want 400 with the password's message", r)
	}
	r = admin.post(t, "/admin/users/vnpt-igate/password", url.Values{"password": {"a-long-enough-password"}})
	if r.status != http.StatusBadRequest || !strings.Contains(r.body, "khoá API") {
		t.Errorf("password reset of an integration account from a form: %s, want 400 with the message", r)
	}
	if u, err := env.store.User(ctx, "vnpt-igate"); err != nil || len(u.PasswordHash) != 0 {
		t.Errorf("after the refused resets: %+v, %v; want no password", u, err)
	}
	// No agency: refused.
	r = admin.api(t, http.MethodPost, "/api/v1/admin/users", map[string]any{"username": "no-agency", "name": "X", "role": "integration", "agencies": []string{}})
	if r.status != http.StatusBadRequest || !strings.Contains(r.body, "agencies") {
		t.Errorf("integration without agencies: %s", r)
	}
	// A key from the page is shown once; only its hash is stored.
	r = admin.post(t, "/admin/users/vnpt-igate/tokens", url.Values{"label": {"iGate production"}})
	m := strings.SplitN(r.body, `id="new-token">`, 2)
	if r.status != http.StatusOK || len(m) != 2 {
		t.Fatalf("key from the page: %s", r)
	}
	key, _, _ := strings.Cut(m[1], "<")
	if again := admin.get(t, "/admin/users/vnpt-igate"); strings.Contains(again.body, key) {
		t.Error("the key is shown again on the user page")
	}
	tokens, _ := env.store.Tokens(ctx)
	var id string
	for _, tk := range tokens {
		if tk.Username == "vnpt-igate" {
			id = tk.ID
			if tk.ID == key || strings.Contains(tk.ID, key) {
				t.Error("the key is stored as is")
			}
		}
	}
	ie := &invEnv{testEnv: env, admin: admin, key: key}
	if _, r := ie.issue(t, key, map[string]any{"agency": "so-tu-phap", "area": "tu-phap", "dossierRef": "X-1"}, nil); r.status != http.StatusCreated {
		t.Fatalf("issue with the key: %s", r)
	}
	// It cannot log in, on the page or for a token, whatever the password.
	for _, pw := range []string{"", "anything-at-all-123"} {
		if r := loginForm(t, env, env.client(t), "vnpt-igate", pw); r.status != http.StatusUnauthorized {
			t.Errorf("login of the integration account with %q: %s", pw, r)
		}
		if r := callAPI(t, env, "", http.MethodPost, "/api/v1/auth/token", map[string]string{"username": "vnpt-igate", "password": pw}); r.status == http.StatusCreated {
			t.Errorf("token exchange of the integration account: %s", r)
		}
	}
	if r := admin.api(t, http.MethodDelete, "/api/v1/admin/tokens/"+id, nil); r.status != http.StatusNoContent {
		t.Fatalf("revoke: %s", r)
	}
	if _, r := ie.issue(t, key, map[string]any{"agency": "so-tu-phap", "area": "tu-phap", "dossierRef": "X-2"}, nil); r.status != http.StatusUnauthorized {
		t.Errorf("revoked key: %s, want 401", r)
	}
}

// TestAdminInvitationsPage: an administrator issues an invitation by hand,
// sees its links, rotates keys and is refused retiring the last one.
func TestAdminInvitationsPage(t *testing.T) {
	saved := keyActivation
	keyActivation = 0
	defer func() { keyActivation = saved }()
	env := newTestEnv(t)
	admin := newAdmin(t, env)
	if r := admin.get(t, "/admin"); !hasElement(r.body, "[href=\"/admin/invitations\"]") {
		t.Error("the admin menu lacks the invitations page")
	}
	r := admin.post(t, "/admin/invitations", url.Values{"agency": {"so-tu-phap"}, "area": {"tu-phap"}, "dossierRef": {"QUAY-1"}, "expiresInDays": {"10"}})
	if r.status != http.StatusOK || !hasElement(r.body, "[id=\"issued-short\"]") || !strings.Contains(r.body, "/slip") {
		t.Fatalf("issue from the page: %s", r)
	}
	r = admin.post(t, "/admin/invitations", url.Values{"agency": {"so-tu-phap"}, "area": {"tu-phap"}, "dossierRef": {""}, "expiresInDays": {"x"}})
	if r.status != http.StatusBadRequest || !hasElement(r.body, "[id=\"errors\"]") {
		t.Errorf("bad issue from the page: %d", r.status)
	}
	if r := admin.post(t, "/admin/invitation-keys", nil); r.status != http.StatusSeeOther {
		t.Fatalf("rotate from the page: %s", r)
	}
	page := admin.get(t, "/admin/invitations")
	if !hasElement(page.body, "[data-key=\"2\"][data-state=\"signing\"]") || !hasElement(page.body, "[data-key=\"1\"][data-state=\"verifying\"]") {
		t.Errorf("keys after rotation: %s", clip(page.body[strings.Index(page.body, "key-table"):]))
	}
	if r := admin.post(t, "/admin/invitation-keys/1/retire", nil); r.status != http.StatusSeeOther {
		t.Errorf("retire key 1: %s", r)
	}
	if r := admin.post(t, "/admin/invitation-keys/2/retire", nil); r.status != http.StatusBadRequest {
		t.Errorf("retire the last key from the page: %d, want 400", r.status)
	}
}

// TestVerifiedReportFilter: the dashboard and the report API with
// verified=1 count verified responses only.
func TestVerifiedReportFilter(t *testing.T) {
	env := newInvEnv(t)
	for i := range 2 {
		inv := env.mustIssue(t, "so-tu-phap", "tu-phap", fmt.Sprint("HS-F", i))
		c, key := env.openInvitation(t, inv)
		if r := env.postSurvey(t, c, local(t, inv.URL), validFormValues("tu-phap", key)); r.status != http.StatusSeeOther {
			t.Fatalf("verified submit: %d", r.status)
		}
	}
	for range 3 {
		c := env.client(t)
		key := formKey(t, env.getPage(t, c, "/s/so-tu-phap/tu-phap").body)
		if r := env.postSurvey(t, c, "/s/so-tu-phap/tu-phap", validFormValues("tu-phap", key)); r.status != http.StatusSeeOther {
			t.Fatalf("anonymous submit: %d", r.status)
		}
	}
	env.flush(t)
	staff := loginAs(t, env.testEnv, "nv-tp", insertUser(t, env.testEnv, "nv-tp", survey.RoleStaff, "so-tu-phap"))
	staff.token = staff.fetchToken(t, "r")
	for _, tc := range []struct {
		query    string
		total    int
		verified bool
	}{{"", 5, false}, {"?verified=1", 2, true}} {
		r := staff.api(t, http.MethodGet, "/api/v1/reports/agencies/so-tu-phap"+tc.query, nil)
		var rep ReportJSON
		if r.status != http.StatusOK || json.Unmarshal([]byte(r.body), &rep) != nil {
			t.Fatalf("report%s: %s", tc.query, r)
		}
		if rep.Report.Responses != int64(tc.total) || rep.VerifiedOnly != tc.verified || rep.Verified != 2 {
			t.Errorf("report%s: %d responses, verifiedOnly %v, verified %d; want %d, %v, 2", tc.query, rep.Report.Responses, rep.VerifiedOnly, rep.Verified, tc.total, tc.verified)
		}
	}
	page := staff.get(t, "/dashboard?agency=so-tu-phap&verified=1")
	if page.status != http.StatusOK || !hasElement(page.body, "[id=\"verified-only\"]") || !hasText(page.body, "strong[id=\"responses\"]", "2") || !strings.Contains(page.body, "verified=1") {
		t.Errorf("dashboard with verified=1: %d %s", page.status, clip(page.body))
	}
}

// TestDossierRefNeverStoredRaw: after issuing, repeating and using
// invitations (API, batch, admin page), no document of any collection holds
// the dossier reference, read back as raw BSON; the invitation holds its
// keyed hash.
func TestDossierRefNeverStoredRaw(t *testing.T) {
	env0, responses := rawEnv(t)
	db := responses.Database()
	admin := newAdmin(t, env0)
	env := &invEnv{testEnv: env0, admin: admin, key: newIntegrationKey(t, env0, admin, "mot-cua", "so-tu-phap")}
	const ref = "000.00.25.H58-SECRET-7d3f9"
	inv := env.mustIssue(t, "so-tu-phap", "tu-phap", ref)
	env.issue(t, env.key, map[string]any{"agency": "so-tu-phap", "area": "tu-phap", "dossierRef": ref}, nil)
	doRequest(t, nil, http.MethodPost, env.http.URL+"/api/v1/invitations/batch",
		mustJSON(t, map[string]any{"items": []any{map[string]any{"agency": "so-tu-phap", "area": "tu-phap", "dossierRef": ref + "-B"}}}),
		map[string]string{"Content-Type": "application/json", "Authorization": "Bearer " + env.key})
	admin.post(t, "/admin/invitations", url.Values{"agency": {"so-tu-phap"}, "area": {"tu-phap"}, "dossierRef": {ref + "-P"}})
	c, key := env.openInvitation(t, inv)
	if r := env.postSurvey(t, c, local(t, inv.URL), validFormValues("tu-phap", key)); r.status != http.StatusSeeOther {
		t.Fatalf("use: %d", r.status)
	}
	env.flush(t)

	ctx := context.Background()
	names, err := db.ListCollectionNames(ctx, map[string]any{})
	if err != nil {
		t.Fatal(err)
	}
	docs, invitations := 0, 0
	for _, name := range names {
		cur, err := db.Collection(name).Find(ctx, map[string]any{})
		if err != nil {
			t.Fatalf("read %s: %v", name, err)
		}
		for cur.Next(ctx) {
			docs++
			raw := []byte(cur.Current)
			for _, needle := range []string{ref, "SECRET-7d3f9", "7d3f9"} {
				if strings.Contains(string(raw), needle) {
					t.Errorf("collection %s holds %q: %s", name, needle, cur.Current)
				}
			}
			if strings.HasPrefix(name, "invitations_") {
				invitations++
				h, err := cur.Current.LookupErr("dossier")
				if err != nil || len(h.StringValue()) != 43 {
					t.Errorf("%s: dossier field %v, %v; want the 43-character keyed hash", name, h, err)
				}
			}
		}
		if err := cur.Err(); err != nil {
			t.Fatal(err)
		}
		cur.Close(ctx)
	}
	if invitations != 3 || docs < 10 {
		t.Errorf("read %d documents, %d invitations; want 3 invitations among many documents", docs, invitations)
	}
}
