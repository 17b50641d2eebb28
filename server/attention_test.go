package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"hailong/survey"
	"hailong/survey/store"
)

// Tests of the attention queue and of contact on request through the
// service: the public form, the API, the page, the audit log, and the
// database files (issue 18).

// atKey is the contact key of these tests (32 bytes).
var atKey = bytes.Repeat([]byte{0x5a}, 32)

// newAttentionEnv starts the service over a fresh embedded database in
// dir, with the contact key when key is set.
func newAttentionEnv(t testing.TB, dir string, key bool) *testEnv {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Config{DataDir: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close(context.Background()) })
	// The pre-2025 catalog, as storetest.New seeds it: the tests rate
	// so-tn-mt, which the dated catalog merged in 2025.
	if err := st.SeedWith(ctx, survey.LegacySeedAgencies()); err != nil {
		t.Fatal(err)
	}
	cfg := Config{}
	if key {
		cfg.ContactKey = atKey
	}
	srv, err := New(cfg, st, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return &testEnv{srv: srv, store: st, http: hs}
}

// atLowValues is the public form, filled with ones, a comment and, when
// phone or email is set, the contact block with consent.
func atLowValues(t testing.TB, env *testEnv, c *http.Client, phone, email string) url.Values {
	t.Helper()
	vals := env.openSurvey(t, c, landPath, landArea)
	for _, code := range questionCodes(landArea) {
		vals.Set("a_"+code, "1")
	}
	vals.Set("comment", "Chờ quá lâu, không ai hướng dẫn.")
	if phone != "" || email != "" {
		vals.Set("contactPhone", phone)
		vals.Set("contactEmail", email)
		vals.Set("contactConsent", "1")
	}
	return vals
}

type atList struct {
	Agencies []string
	Counts   survey.AttentionCounts
	Items    []struct {
		survey.AttentionItem
		ContactDetails *survey.Contact
	}
}

func atGet(t testing.TB, u *azUser, query string) atList {
	t.Helper()
	r := u.api(t, http.MethodGet, "/api/v1/attention"+query, nil)
	if r.status != http.StatusOK {
		t.Fatalf("GET /api/v1/attention%s as %s: %s", query, u.username, r)
	}
	var l atList
	if err := json.Unmarshal([]byte(r.body), &l); err != nil {
		t.Fatalf("decode: %v: %s", err, r.body)
	}
	return l
}

func TestAttentionFromTheFormOnceWithContact(t *testing.T) {
	dir := t.TempDir()
	env := newAttentionEnv(t, dir, true)
	ctx := context.Background()
	const phone, email = "0912 345 678", "tran.thi.binh@example.vn"

	c := env.client(t)
	page := env.getPage(t, c, landPath)
	if !strings.Contains(page.body, `name="contactPhone"`) || !strings.Contains(page.body, "Tôi muốn cơ quan liên hệ lại") {
		t.Fatal("the form does not offer the contact block with a key set")
	}
	vals := atLowValues(t, env, c, phone, email)
	// Consent missing: the form comes back with the message, nothing stored.
	noConsent := url.Values{}
	for k, v := range vals {
		noConsent[k] = v
	}
	noConsent.Del("contactConsent")
	if r := env.postSurvey(t, c, landPath, noConsent); r.status != http.StatusBadRequest || !strings.Contains(r.body, `id="contact-consent-err"`) {
		t.Fatalf("no consent: status %d, want 400 with the consent message", r.status)
	}
	for i := range 2 { // the second is a replay of the same form
		if r := env.postSurvey(t, c, landPath, vals); r.status != http.StatusSeeOther {
			t.Fatalf("send %d: status %d; %s", i, r.status, plainText(errorSummary(r.body)))
		}
	}
	id := vals.Get("key")
	atFlush(t, env)

	// Plain contact details are nowhere in the database files.
	found, files := atGrep(t, dir, phone, email, "tran.thi.binh")
	if files == 0 || len(found) > 0 {
		t.Fatalf("database files: %d read, plain contact found: %v", files, found)
	}

	azInsertUser(t, env, "staff-land", survey.RoleStaff, landAgency)
	staff := azLogin(t, env, "staff-land", "pw-staff-land-secret")
	staff.token = staff.fetchToken(t, "staff")
	inspPW := azInsertUser(t, env, "insp", survey.RoleInspector)
	insp := azLogin(t, env, "insp", inspPW)
	insp.token = insp.fetchToken(t, "insp")
	otherPW := azInsertUser(t, env, "staff-other", survey.RoleStaff, "so-tu-phap")
	other := azLogin(t, env, "staff-other", otherPW)
	other.token = other.fetchToken(t, "other")

	l := atGet(t, staff, "?agency="+landAgency)
	if len(l.Items) != 1 || l.Items[0].ID != id {
		t.Fatalf("items = %+v, want the one response once", l.Items)
	}
	it := l.Items[0]
	for _, want := range []string{survey.ReasonFactorLow, survey.ReasonOverallLow, survey.ReasonCommentLow, survey.ReasonContactRequested} {
		if !slices.Contains(it.Reasons, want) {
			t.Errorf("reasons %v lack %s", it.Reasons, want)
		}
	}
	if it.Overall != 1 || it.State != survey.AttentionNew || it.Comment == "" || len(it.Factors) != 5 {
		t.Errorf("item = %+v", it.AttentionItem)
	}
	if it.ContactDetails == nil || it.ContactDetails.Phone != phone || it.ContactDetails.Email != email {
		t.Errorf("staff see contact %+v, want %s and %s", it.ContactDetails, phone, email)
	}
	if l.Counts.Open != 1 || l.Counts.Overdue != 0 {
		t.Errorf("counts = %+v, want one open", l.Counts)
	}
	// The inspector sees the item, not the contact; staff of another agency nothing.
	if li := atGet(t, insp, "?agency="+landAgency); len(li.Items) != 1 || li.Items[0].ContactDetails != nil || !li.Items[0].Contact {
		t.Errorf("inspector: %+v, want the item without contact details", li.Items)
	}
	if r := other.api(t, http.MethodGet, "/api/v1/attention?agency="+landAgency, nil); r.status != http.StatusForbidden {
		t.Errorf("staff of another agency: %s, want 403", r)
	}
	if lo := atGet(t, other, ""); len(lo.Items) != 0 || slices.Contains(lo.Agencies, landAgency) {
		t.Errorf("staff of another agency, every agency: %+v", lo)
	}
	if r := insp.api(t, http.MethodPost, "/api/v1/attention/"+id, map[string]string{"state": "acknowledged"}); r.status != http.StatusForbidden {
		t.Errorf("inspector writes: %s, want 403", r)
	}
	if r := other.api(t, http.MethodPost, "/api/v1/attention/"+id, map[string]string{"state": "acknowledged"}); r.status != http.StatusForbidden {
		t.Errorf("staff of another agency writes: %s, want 403", r)
	}

	// Bad input: a JSON error naming the field.
	for _, body := range []any{map[string]string{"state": "done"}, map[string]string{"state": "new"}, map[string]string{},
		map[string]string{"state": "resolved", "note": strings.Repeat("x", survey.AttentionNoteMax+1)}} {
		r := staff.api(t, http.MethodPost, "/api/v1/attention/"+id, body)
		e := azDecodeErr(t, r)
		if r.status != http.StatusBadRequest || e.Error.Code != "validation_failed" || len(e.Error.Fields) != 1 {
			t.Errorf("body %v: %s, want 400 validation_failed with one field", body, r)
		}
	}
	if r := staff.api(t, http.MethodPost, "/api/v1/attention/no-such-item", map[string]string{"state": "acknowledged"}); r.status != http.StatusNotFound {
		t.Errorf("unknown item: %s, want 404", r)
	}
	// A cookie call without the CSRF header is refused; with it, it works.
	r := azDo(t, staff.c, http.MethodPost, env.http.URL+"/api/v1/attention/"+id, `{"state":"acknowledged"}`,
		map[string]string{"Content-Type": "application/json"})
	if r.status != http.StatusForbidden && r.status != http.StatusUnauthorized {
		t.Errorf("cookie call without CSRF header: %s, want refused", r)
	}
	r = azDo(t, staff.c, http.MethodPost, env.http.URL+"/api/v1/attention/"+id, `{"state":"acknowledged","note":"Đã gọi điện"}`,
		map[string]string{"Content-Type": "application/json", csrfHeader: staff.csrf})
	if r.status != http.StatusOK {
		t.Fatalf("acknowledge: %s", r)
	}

	var mu sync.Mutex
	var told []string
	env.srv.OnContactResolved(func(_ context.Context, item survey.AttentionItem, addr string, lang survey.Lang) {
		mu.Lock()
		defer mu.Unlock()
		told = append(told, item.ID+" "+addr+" "+string(lang))
	})
	if r := staff.api(t, http.MethodPost, "/api/v1/attention/"+id, map[string]string{"state": "resolved", "note": "Đã hướng dẫn lại"}); r.status != http.StatusOK {
		t.Fatalf("resolve: %s", r)
	}
	mu.Lock()
	if len(told) != 1 || told[0] != id+" "+email+" vi" {
		t.Errorf("resolution hook told %v, want once with the e-mail", told)
	}
	mu.Unlock()
	l = atGet(t, staff, "?agency="+landAgency)
	if it := l.Items[0]; it.State != survey.AttentionResolved || it.ContactDetails != nil || !it.Contact || len(it.History) != 2 {
		t.Errorf("after resolution: %+v, contact %+v", it.AttentionItem, it.ContactDetails)
	}
	if l.Counts.Open != 0 || l.Counts.MedianDaysToResolve == nil {
		t.Errorf("counts after resolution = %+v", l.Counts)
	}
	if _, err := env.store.Contact(ctx, id, time.Now()); err == nil {
		t.Error("the contact is still stored after resolution")
	}
	if l := atGet(t, staff, "?agency="+landAgency+"&state=open"); len(l.Items) != 0 {
		t.Errorf("state=open lists %d items, want 0", len(l.Items))
	}
	if r := staff.api(t, http.MethodGet, "/api/v1/attention?state=closed", nil); r.status != http.StatusBadRequest {
		t.Errorf("bad state filter: %s, want 400", r)
	}

	// Each change is in the audit log, with the state before and after.
	entries, err := env.store.Audit(ctx, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	var changes []string
	for _, e := range entries {
		if e.Action == "attention.update" && e.Target == id && e.Actor == "staff-land" {
			changes = append(changes, e.Before+" -> "+e.After)
			if strings.Contains(e.Before+e.After, phone) || strings.Contains(e.Before+e.After, email) {
				t.Errorf("the audit log holds the contact: %s", e.After)
			}
		}
	}
	if len(changes) != 2 || !strings.Contains(changes[0], `"resolved"`) || !strings.Contains(changes[1], `{"state":"new"}`) {
		t.Errorf("audit entries = %v, want acknowledge then resolve", changes)
	}
}

func TestContactNotOfferedWithoutKey(t *testing.T) {
	env := newAttentionEnv(t, t.TempDir(), false)
	c := env.client(t)
	if page := env.getPage(t, c, landPath); strings.Contains(page.body, "contactPhone") {
		t.Fatal("the form offers the contact block without a key")
	}
	// Contact fields sent anyway are ignored: the low response enters, with no contact.
	vals := atLowValues(t, env, c, "0912345678", "a@example.vn")
	if r := env.postSurvey(t, c, landPath, vals); r.status != http.StatusSeeOther {
		t.Fatalf("status %d", r.status)
	}
	atFlush(t, env)
	it, err := env.store.AttentionItem(context.Background(), vals.Get("key"), time.Now())
	if err != nil || it.Contact || slices.Contains(it.Reasons, survey.ReasonContactRequested) {
		t.Errorf("item = %+v (%v), want one without contact", it, err)
	}
	if _, err := env.store.Contact(context.Background(), vals.Get("key"), time.Now()); err == nil {
		t.Error("a contact was stored without a key")
	}
}

// The page: staff see the queue and change an item with its form.
func TestAttentionPageAsStaff(t *testing.T) {
	env := newAttentionEnv(t, t.TempDir(), true)
	c := env.client(t)
	vals := atLowValues(t, env, c, "0987 654 321", "")
	if r := env.postSurvey(t, c, landPath, vals); r.status != http.StatusSeeOther {
		t.Fatalf("status %d", r.status)
	}
	id := vals.Get("key")
	atFlush(t, env)
	staff := azLogin(t, env, "staff-land", azInsertUser(t, env, "staff-land", survey.RoleStaff, landAgency))
	r := staff.get(t, "/attention?agency="+landAgency)
	if r.status != http.StatusOK || !strings.Contains(r.body, `data-id="`+id+`"`) || !strings.Contains(r.body, "0987 654 321") {
		t.Fatalf("page: %d, item or contact missing", r.status)
	}
	r = staff.post(t, "/attention/"+id, url.Values{"state": {"in_progress"}, "note": {"Đang liên hệ"}, "back": {"/attention?agency=" + landAgency}})
	if r.status != http.StatusSeeOther || r.location() != "/attention?agency="+landAgency+"#a-"+id {
		t.Fatalf("change: %s", r)
	}
	r = staff.post(t, "/attention/"+id, url.Values{"state": {"closed"}})
	if r.status != http.StatusBadRequest || !strings.Contains(r.body, `id="problem"`) {
		t.Errorf("bad state from the page: %d, want 400 with the message at the item", r.status)
	}
	it, err := env.store.AttentionItem(context.Background(), id, time.Now())
	if err != nil || it.State != survey.AttentionInProgress || it.Note != "Đang liên hệ" {
		t.Errorf("item = %+v (%v)", it, err)
	}
}

// atFlush waits for the rollup writer, which inserts the attention items.
func atFlush(t testing.TB, env *testEnv) {
	t.Helper()
	if err := env.store.FlushRollups(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// atGrep reports which needles occur in the files under dir.
func atGrep(t testing.TB, dir string, needles ...string) (found []string, files int) {
	t.Helper()
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil
		}
		files++
		for _, n := range needles {
			if bytes.Contains(b, []byte(n)) {
				found = append(found, n+" in "+filepath.Base(p))
			}
		}
		return nil
	})
	return found, files
}

// The queue is counted on the dashboard and in the rankings JSON.
func TestAttentionCountedOnDashboardAndRankings(t *testing.T) {
	env := newAttentionEnv(t, t.TempDir(), false)
	c := env.client(t)
	for range 2 {
		vals := atLowValues(t, env, c, "", "")
		if r := env.postSurvey(t, c, landPath, vals); r.status != http.StatusSeeOther {
			t.Fatalf("status %d", r.status)
		}
	}
	atFlush(t, env)
	admin := azAdmin(t, env)
	r := admin.api(t, http.MethodGet, "/api/v1/rankings", nil)
	if r.status != http.StatusOK {
		t.Fatalf("rankings: %s", r)
	}
	var out RankingsJSON
	if err := json.Unmarshal([]byte(r.body), &out); err != nil {
		t.Fatal(err)
	}
	seen := map[string]*survey.AttentionCounts{}
	for _, l := range out.Levels {
		for _, row := range append(l.Ranked, l.Unranked...) {
			seen[row.Agency] = row.Attention
		}
	}
	if a := seen[landAgency]; a == nil || a.Open != 2 || a.Overdue != 0 || a.MedianDaysToResolve != nil {
		t.Errorf("rankings attention of %s = %+v, want 2 open", landAgency, a)
	}
	if a := seen["so-tu-phap"]; a == nil || a.Open != 0 {
		t.Errorf("rankings attention of so-tu-phap = %+v, want 0 open", a)
	}
	if !strings.Contains(r.body, `"attention":{"open":2,"overdue":0,"medianDaysToResolve":null}`) {
		t.Errorf("rankings JSON lacks the attention object of issue 18")
	}
	page := admin.get(t, "/dashboard?agency="+landAgency)
	if page.status != http.StatusOK || !strings.Contains(page.body, `<strong id="attention-open">2</strong>`) {
		t.Errorf("dashboard: %d, the open count 2 missing", page.status)
	}
}

// The digest's lists: new since a time, and overdue.
func TestAttentionDigestLists(t *testing.T) {
	env := newAttentionEnv(t, t.TempDir(), false)
	ctx := context.Background()
	old := time.Now().AddDate(0, -1, 0)
	mk := func(id string, at time.Time) {
		var as []survey.Answer
		for _, code := range questionCodes(landArea) {
			as = append(as, survey.Answer{Code: code, Value: 1})
		}
		r := survey.Response{ID: id, Agency: landAgency, Area: landArea, FormID: survey.DefaultFormID, FormVersion: 1,
			Channel: survey.ChannelPaper, Lang: survey.Vi, Answers: as, SubmittedAt: at, ReceivedAt: at}
		if _, err := env.store.InsertResponse(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	mk("digest-old-0001", old)
	mk("digest-new-0001", time.Now())
	atFlush(t, env)
	fresh, overdue, err := env.srv.AttentionDigest(ctx, landAgency, time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(fresh) != 1 || fresh[0].ID != "digest-new-0001" || len(overdue) != 1 || overdue[0].ID != "digest-old-0001" || !overdue[0].Overdue {
		t.Errorf("fresh %v, overdue %v", fresh, overdue)
	}
	if p := AttentionPath(landAgency, "x1"); p != "/attention?agency="+landAgency+"#a-x1" {
		t.Errorf("path %s", p)
	}
}
