package server

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"hailong/survey"
)

// Publications (issue 16) over a real server and a real embedded FerretDB:
// publish, refuse, revise, diff, audit, the public API logged out, the
// downloads and the public page. Helpers are prefixed pb.

// pbInsert stores responses (every answer v) for the agency at the time, as
// if they had been received then, and counts them in the rollups.
func pbInsert(t testing.TB, env *testEnv, agency, area string, at time.Time, values ...int) {
	t.Helper()
	for _, v := range values {
		var as []survey.Answer
		for code, x := range dtUniform(t, env, area, v, nil) {
			as = append(as, survey.Answer{Code: code, Value: x})
		}
		slices.SortFunc(as, func(a, b survey.Answer) int { return strings.Compare(a.Code, b.Code) })
		r := survey.Response{ID: survey.NewKey(), Agency: agency, Area: area, FormID: survey.DefaultFormID, FormVersion: 1,
			Channel: survey.ChannelCounter, Lang: survey.Vi, Answers: as, SubmittedAt: at, ReceivedAt: at}
		if created, err := env.store.InsertResponse(context.Background(), r); err != nil || !created {
			t.Fatalf("insert a response of %s: %v %v", agency, created, err)
		}
	}
	dtFlush(t, env)
}

// pbLastQuarter is the last quarter that has ended, and a day in it.
func pbLastQuarter() (survey.Period, time.Time) {
	m := survey.MonthOf(time.Now())
	q := m.Add(-(int(m.Month()) - 1) % 3).Add(-3)
	return survey.Period{From: q, To: q.Add(2)}, q.Add(1).Start().Add(10*24*time.Hour + 9*time.Hour)
}

// pbSeed stores the last quarter's responses (minimum sample 3):
//
//	so-tu-phap      4 × 5       → 100 %, rank 1
//	so-xay-dung     3 × 5       → 100 %, rank 1
//	so-cong-thuong  3: 4, 4, 1  → 66,7 %, rank 3
//	chiem-hoa       3 × 5       → district rank 1
//	lam-binh        2 × 5       → too few
func pbSeed(t testing.TB, env *testEnv) (survey.Period, time.Time) {
	t.Helper()
	q, at := pbLastQuarter()
	pbInsert(t, env, "so-tu-phap", "tu-phap", at, 5, 5, 5, 5)
	pbInsert(t, env, "so-xay-dung", "xay-dung", at, 5, 5, 5)
	pbInsert(t, env, "so-cong-thuong", "cong-thuong", at, 4, 4, 1)
	pbInsert(t, env, "chiem-hoa", "dat-dai", at, 5, 5, 5)
	pbInsert(t, env, "lam-binh", "dat-dai", at, 5, 5)
	return q, at
}

// pbPublish publishes through the API with the token; it must answer want.
func pbPublish(t testing.TB, env *testEnv, token string, body map[string]any, want int) azResult {
	t.Helper()
	r := azAPI(t, env, token, http.MethodPost, "/api/v1/publications", body)
	if r.status != want {
		t.Fatalf("POST /api/v1/publications %v: %s, want %d", body, r, want)
	}
	return r
}

func pbDecode[T any](t testing.TB, body string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("decode %.300s: %v", body, err)
	}
	return v
}

// pbRow finds a unit's row in a published ranking.
func pbRow(t testing.TB, r survey.PublishedRankings, agency string) survey.PublishedRow {
	t.Helper()
	for _, l := range r.Levels {
		for _, rows := range [][]survey.PublishedRow{l.Ranked, l.Unranked} {
			for _, x := range rows {
				if x.Agency == agency {
					return x
				}
			}
		}
	}
	t.Fatalf("no row for %s", agency)
	return survey.PublishedRow{}
}

func pbSnapshot(t testing.TB, d PublicationDetailJSON) survey.PublishedRankings {
	t.Helper()
	_, r, err := survey.ParsePublishedRankings(d.Snapshot)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestPublicationsPublishReviseAndRead(t *testing.T) {
	env := newTestEnvMin(t, 3)
	admin := azAdmin(t, env)
	insp := dtStaff(t, env, "pb-insp", survey.RoleInspector)
	staff := dtStaff(t, env, "pb-staff", survey.RoleStaff, "so-tu-phap")
	q, at := pbSeed(t, env)
	period := q.String()

	// Who may publish, and what is refused.
	pbPublish(t, env, "", map[string]any{"period": period}, http.StatusUnauthorized)
	pbPublish(t, env, staff.token, map[string]any{"period": period}, http.StatusForbidden)
	this := survey.MonthOf(time.Now())
	for _, bad := range []struct {
		body        map[string]any
		status      int
		code, field string
	}{
		{map[string]any{"period": this.String()}, http.StatusConflict, "period_not_ended", ""},
		{map[string]any{"period": survey.Period{From: this, To: this.Add(2)}.String(), "provisional": false}, http.StatusConflict, "period_not_ended", ""},
		{map[string]any{"period": "2999-Q1", "provisional": true}, http.StatusConflict, "period_not_started", ""},
		{map[string]any{"period": "2026-Q5"}, http.StatusBadRequest, "validation_failed", "period"},
		{map[string]any{}, http.StatusBadRequest, "validation_failed", "period"},
		{map[string]any{"period": period, "basis": "some"}, http.StatusBadRequest, "validation_failed", "basis"},
	} {
		r := pbPublish(t, env, insp.token, bad.body, bad.status)
		e := azDecodeErr(t, r)
		if e.Error.Code != bad.code {
			t.Errorf("%v: code %q, want %q", bad.body, e.Error.Code, bad.code)
		}
		if bad.field != "" {
			azWantFieldError(t, "publish", r, bad.field)
		}
	}
	if r := azAPI(t, env, insp.token, http.MethodPost, "/api/v1/publications", `{"period":"`+period+`","extra":1}`); r.status != http.StatusBadRequest {
		t.Errorf("an unknown field: %s, want 400", r)
	}
	if got := pbDecode[PublicationListJSON](t, azAPI(t, env, "", http.MethodGet, "/api/v1/publications", nil).body); len(got.Publications) != 0 {
		t.Fatalf("refused requests published %d periods", len(got.Publications))
	}

	// Revision 1: the ranking an inspector reads, frozen, with its hash.
	r1 := pbDecode[PublicationDetailJSON](t, pbPublish(t, env, insp.token, map[string]any{"period": period}, http.StatusCreated).body)
	if r1.Revision != 1 || r1.Provisional || r1.Period != period || r1.Basis != survey.BasisIndependent || r1.Responses != 15 {
		t.Fatalf("revision 1: %+v", r1.PublicationJSON)
	}
	sum := sha256.Sum256(r1.Snapshot)
	if hex.EncodeToString(sum[:]) != r1.SHA256 {
		t.Errorf("sha256 %s is not the hash of the snapshot", r1.SHA256)
	}
	var content survey.PublicationContent
	if err := json.Unmarshal(r1.Snapshot, &content); err != nil {
		t.Fatal(err)
	}
	if again, h, err := content.Canonical(); err != nil || h != r1.SHA256 || !bytes.Equal(again, r1.Snapshot) {
		t.Errorf("the content does not reproduce its bytes and hash (%v)", err)
	}
	live := rtGet(t, env, insp.token, url.Values{"period": {period}, "basis": {"independent"}})
	// The live ranking also carries the attention queue as it is now and
	// the response rates, which a publication does not freeze.
	for i := range live.Levels {
		for j := range live.Levels[i].Ranked {
			live.Levels[i].Ranked[j].Attention = nil
			live.Levels[i].Ranked[j].ResponseRate, live.Levels[i].Ranked[j].Invitations, live.Levels[i].Ranked[j].Coverage = nil, nil, nil
		}
		for j := range live.Levels[i].Unranked {
			live.Levels[i].Unranked[j].Attention = nil
			live.Levels[i].Unranked[j].ResponseRate, live.Levels[i].Unranked[j].Invitations, live.Levels[i].Unranked[j].Coverage = nil, nil, nil
		}
	}
	var frozen RankingsJSON
	if err := json.Unmarshal(content.Rankings, &frozen); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(frozen, live) {
		t.Errorf("the snapshot's rankings differ from GET /api/v1/rankings:\n%+v\n%+v", frozen, live)
	}
	snap := pbSnapshot(t, r1)
	if x := pbRow(t, snap, "so-cong-thuong"); x.Rank != 3 || x.Overall.Index == nil || !dtClose(*x.Overall.Index, 200.0/3) {
		t.Errorf("so-cong-thuong in revision 1: %+v", x)
	}
	if x := pbRow(t, snap, "lam-binh"); x.Rank != 0 || x.Reason != survey.ReasonTooFew {
		t.Errorf("lam-binh in revision 1: %+v", x)
	}

	// The public API, logged out: the list, the period in any of its forms,
	// the downloads (the JSON is the hashed content; the CSV reads back).
	list := pbDecode[PublicationListJSON](t, azAPI(t, env, "", http.MethodGet, "/api/v1/publications", nil).body)
	if len(list.Publications) != 1 || list.Publications[0].Revision != 1 || len(list.Publications[0].Revisions) != 1 {
		t.Fatalf("list: %+v", list)
	}
	rangeForm := q.From.String() + ".." + q.To.String()
	got := azAPI(t, env, "", http.MethodGet, "/api/v1/publications/"+rangeForm, nil)
	if got.status != http.StatusOK || pbDecode[PublicationDetailJSON](t, got.body).SHA256 != r1.SHA256 {
		t.Fatalf("GET the period as a range, logged out: %s", got)
	}
	etag := got.header.Get("ETag")
	if cc := got.header.Get("Cache-Control"); etag == "" || !strings.Contains(cc, "public") {
		t.Errorf("ETag %q, Cache-Control %q", etag, cc)
	}
	if r := azDo(t, nil, http.MethodGet, env.http.URL+"/api/v1/publications/"+period, "", map[string]string{"If-None-Match": etag}); r.status != http.StatusNotModified {
		t.Errorf("If-None-Match: %d, want 304", r.status)
	}
	for path, want := range map[string]int{
		"/api/v1/publications/2020-Q1":                            http.StatusNotFound,
		"/api/v1/publications/" + period + "?basis=all":           http.StatusNotFound,
		"/api/v1/publications/junk":                               http.StatusBadRequest,
		"/api/v1/publications/" + period + "?revision=0":          http.StatusBadRequest,
		"/api/v1/publications/" + period + "?revision=9":          http.StatusNotFound,
		"/api/v1/publications/" + period + "/snapshot?format=xml": http.StatusBadRequest,
	} {
		if r := azAPI(t, env, "", http.MethodGet, path, nil); r.status != want {
			t.Errorf("GET %s: %s, want %d", path, r, want)
		}
	}
	js := azAPI(t, env, "", http.MethodGet, r1.Downloads["json"], nil)
	if h := sha256.Sum256([]byte(js.body)); js.status != http.StatusOK || hex.EncodeToString(h[:]) != r1.SHA256 {
		t.Errorf("the JSON download (%d) does not hash to %s", js.status, r1.SHA256)
	}
	cs := azAPI(t, env, "", http.MethodGet, r1.Downloads["csv"], nil)
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(cs.body, utf8BOM))).ReadAll()
	if cs.status != http.StatusOK || err != nil || len(recs) < 2 {
		t.Fatalf("CSV download: %d %v %d records", cs.status, err, len(recs))
	}
	if !slices.Equal(recs[0], publicationCSVHeader) {
		t.Errorf("CSV header %v", recs[0])
	}
	rows := 0
	for _, l := range snap.Levels {
		rows += len(l.Ranked) + len(l.Unranked)
	}
	if len(recs)-1 != rows {
		t.Errorf("CSV has %d rows, the snapshot %d units", len(recs)-1, rows)
	}
	col := func(rec []string, name string) string { return rec[slices.Index(publicationCSVHeader, name)] }
	for _, rec := range recs[1:] {
		if col(rec, "agency") == "so-tu-phap" && (col(rec, "rank") != "1" || col(rec, "index") != "100" || col(rec, "sha256") != r1.SHA256) {
			t.Errorf("so-tu-phap in the CSV: %v", rec)
		}
		if col(rec, "agency") == "lam-binh" && (col(rec, "rank") != "" || col(rec, "ranked") != "false" || col(rec, "reason") != survey.ReasonTooFew) {
			t.Errorf("lam-binh in the CSV: %v", rec)
		}
	}

	// Late entries: revision 2 says which units moved and why; revision 1
	// stays as it was.
	pbInsert(t, env, "so-cong-thuong", "cong-thuong", at, 1, 1, 1)
	r2 := pbDecode[PublicationDetailJSON](t, pbPublish(t, env, admin.token, map[string]any{"period": period, "basis": "independent"}, http.StatusCreated).body)
	if r2.Revision != 2 || r2.Diff == nil || r2.Diff.FromRevision != 1 || r2.Diff.Reason != survey.ChangeLateEntries ||
		r2.Diff.ResponsesBefore != 15 || r2.Diff.ResponsesAfter != 18 || len(r2.Revisions) != 2 {
		t.Fatalf("revision 2: %+v diff %+v", r2.PublicationJSON, r2.Diff)
	}
	if len(r2.Diff.Units) != 1 || r2.Diff.Units[0].Agency != "so-cong-thuong" || r2.Diff.Units[0].Reason != survey.ChangeLateEntries ||
		r2.Diff.Units[0].ResponsesBefore != 3 || r2.Diff.Units[0].ResponsesAfter != 6 || !dtClose(*r2.Diff.Units[0].IndexAfter, 100.0/3) {
		t.Errorf("revision 2 moved %+v", r2.Diff.Units)
	}
	old := pbDecode[PublicationDetailJSON](t, azAPI(t, env, "", http.MethodGet, "/api/v1/publications/"+period+"?revision=1", nil).body)
	if old.SHA256 != r1.SHA256 || !bytes.Equal(old.Snapshot, r1.Snapshot) || old.Diff != nil {
		t.Errorf("revision 1 changed after revision 2")
	}

	// Nothing new: revision 3, unchanged. A rule with another minimum
	// sample over the same records: revision 4, rule_change.
	r3 := pbDecode[PublicationDetailJSON](t, pbPublish(t, env, insp.token, map[string]any{"period": period}, http.StatusCreated).body)
	if r3.Revision != 3 || r3.Diff.Reason != survey.ChangeUnchanged || len(r3.Diff.Units) != 0 {
		t.Errorf("revision 3: diff %+v", r3.Diff)
	}
	other, err := New(Config{MinSample: 4}, env.store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	r4, err := other.publish(context.Background(), "pb-insp", publishInput{Period: q, Basis: survey.BasisIndependent})
	if err != nil {
		t.Fatal(err)
	}
	if r4.Revision != 4 || r4.Diff.Reason != survey.ChangeRuleChange {
		t.Errorf("revision 4: %+v", r4.Diff)
	}
	for _, u := range r4.Diff.Units { // so-xay-dung (3 responses) is now too few
		if u.Reason != survey.ChangeRuleChange {
			t.Errorf("revision 4 moved %+v", u)
		}
	}
	if i := slices.IndexFunc(r4.Diff.Units, func(u survey.UnitMove) bool { return u.Agency == "so-xay-dung" }); i < 0 || r4.Diff.Units[i].RankAfter != 0 {
		t.Errorf("so-xay-dung under a minimum of 4: %+v", r4.Diff.Units)
	}

	// Every publication through the server is audited, with its diff.
	entries, err := env.store.Audit(context.Background(), "", 100)
	if err != nil {
		t.Fatal(err)
	}
	var audited []string
	for _, e := range entries {
		if e.Action == "publication_publish" {
			audited = append(audited, e.Target)
			if e.Target == r2.ID() && !strings.Contains(e.After, `"reason":"late_entries"`) {
				t.Errorf("the audit of revision 2 lacks its diff: %s", e.After)
			}
		}
	}
	if len(audited) != 3 {
		t.Errorf("audited %v, want revisions 1 to 3", audited)
	}

	// A provisional publication of the current quarter is labelled so.
	cur := survey.Period{From: this.Add(-(int(this.Month()) - 1) % 3), To: this.Add(-(int(this.Month())-1)%3 + 2)}
	pv := pbDecode[PublicationDetailJSON](t, pbPublish(t, env, insp.token, map[string]any{"period": cur.String(), "provisional": true}, http.StatusCreated).body)
	if !pv.Provisional || !strings.Contains(string(pv.Snapshot), `"provisional":true`) {
		t.Errorf("provisional publication: %+v", pv.PublicationJSON)
	}
	page := azDo(t, nil, http.MethodGet, env.http.URL+"/ket-qua?period="+cur.String(), "", nil)
	if page.status != http.StatusOK || !strings.Contains(page.body, `id="provisional"`) {
		t.Errorf("/ket-qua of a provisional period: %d, no label", page.status)
	}
}

// ID names the revision as the audit does.
func (d PublicationDetailJSON) ID() string {
	return survey.PublicationID(d.Period, d.Basis, d.Revision)
}

func TestPublicationsPublicPage(t *testing.T) {
	env := newTestEnvMin(t, 3)
	insp := dtStaff(t, env, "pb-insp", survey.RoleInspector)
	q, at := pbSeed(t, env)
	pbInsert(t, env, "x-thuong-lam", "dat-dai", at, 1, 1, 1)
	dtMerge(t, azAdmin(t, env), "lam-binh", "x-thuong-lam") // lam-binh: 5 responses, 2 satisfied
	period := q.String()

	empty := azDo(t, nil, http.MethodGet, env.http.URL+"/ket-qua", "", nil)
	if empty.status != http.StatusOK || !strings.Contains(empty.body, viMessage(t, env, "pub.none")) {
		t.Fatalf("/ket-qua before anything is published: %s", empty)
	}

	// The staff page: a bad period is a field message, a good one publishes.
	if r := insp.get(t, "/publications"); r.status != http.StatusOK || !strings.Contains(r.body, `id="publish-form"`) {
		t.Fatalf("GET /publications: %s", r)
	}
	bad := insp.post(t, "/publications", url.Values{"period": {"2026-13"}})
	if bad.status != http.StatusBadRequest || !strings.Contains(bad.body, viMessage(t, env, "pub.err.period.invalid")) {
		t.Errorf("POST /publications with a bad period: %s", bad)
	}
	notEnded := insp.post(t, "/publications", url.Values{"period": {survey.MonthOf(time.Now()).String()}})
	if notEnded.status != http.StatusBadRequest || !strings.Contains(notEnded.body, template.HTMLEscapeString(viMessage(t, env, "pub.err.period.not_ended"))) {
		t.Errorf("POST /publications with this month: %s", notEnded)
	}
	if r := insp.post(t, "/publications", url.Values{"period": {period}, "csrf": {""}}); r.status != http.StatusForbidden {
		t.Errorf("POST /publications without the CSRF token: %d, want 403", r.status)
	}
	done := insp.post(t, "/publications", url.Values{"period": {period}, "basis": {"independent"}})
	if done.status != http.StatusSeeOther || !strings.HasPrefix(done.location(), "/publications?") {
		t.Fatalf("POST /publications: %s", done)
	}
	if r := insp.get(t, done.location()); r.status != http.StatusOK || !strings.Contains(r.body, `id="done"`) || !strings.Contains(r.body, `data-revision="1"`) {
		t.Errorf("the staff page after publishing: %s", r)
	}
	pbInsert(t, env, "so-cong-thuong", "cong-thuong", at, 1, 1, 1) // not published: must not show
	pbInsert(t, env, "so-lao-dong", "lao-dong", at, 5, 5, 5)

	// Logged out: the published figures, never the later ones.
	pg := azDo(t, nil, http.MethodGet, env.http.URL+"/ket-qua", "", map[string]string{"Accept-Encoding": "identity"})
	if p := os.Getenv("PB_DUMP"); p != "" {
		_ = os.WriteFile(p, []byte(pg.body), 0o600)
	}
	if pg.status != http.StatusOK {
		t.Fatalf("/ket-qua: %s", pg)
	}
	ranked := rtPageRows(pg.body, "ranked-department")
	want := map[string]string{"so-tu-phap": "1", "so-xay-dung": "1", "so-cong-thuong": "3"}
	if len(ranked) != len(want) {
		t.Errorf("departments on /ket-qua: %+v", ranked)
	}
	ms := env.srv.locales[survey.Vi]
	for _, r := range ranked {
		if rank, _, _ := strings.Cut(r.Rank, " "); want[r.Agency] != rank || !strings.Contains(r.Rank, "–") {
			t.Errorf("%s: rank %q, want %q", r.Agency, r.Rank, want[r.Agency])
		}
		if r.Agency == "so-cong-thuong" && r.Index != ms.Pct(200.0/3) {
			t.Errorf("so-cong-thuong shows %q, the published %q", r.Index, ms.Pct(200.0/3))
		}
		if r.CI == "" || r.CI == "—" {
			t.Errorf("%s has no interval", r.Agency)
		}
	}
	merged := template.HTMLEscapeString(viMessage(t, env, "rank.includes", "UBND xã Thượng Lâm"))
	for _, s := range []string{`id="explain"`, `format=csv`, `format=json`, `id="sha256"`, merged} {
		if !strings.Contains(pg.body, s) {
			t.Errorf("/ket-qua lacks %s", s)
		}
	}
	for _, r := range rtPageRows(pg.body, "unranked-department") {
		if r.Agency == "so-lao-dong" && r.Responses != "0" {
			t.Errorf("so-lao-dong's later responses show: %+v", r)
		}
	}
	for _, s := range []string{"<script", "csrf"} {
		if strings.Contains(pg.body, s) {
			t.Errorf("/ket-qua shows %q", s)
		}
	}
	etag, cc := pg.header.Get("ETag"), pg.header.Get("Cache-Control")
	if etag == "" || !strings.Contains(cc, "public") {
		t.Errorf("/ket-qua: ETag %q, Cache-Control %q", etag, cc)
	}
	if r := azDo(t, nil, http.MethodGet, env.http.URL+"/ket-qua", "", map[string]string{"If-None-Match": `"other", W/` + etag}); r.status != http.StatusNotModified {
		t.Errorf("/ket-qua with its ETag among others: %d, want 304", r.status)
	}
	// The same page for a logged-in inspector (cacheable publicly).
	if r := insp.get(t, "/ket-qua"); r.status != http.StatusOK || strings.Contains(r.body, "csrf") || strings.Contains(r.body, `nav class="staff"`) {
		t.Errorf("/ket-qua logged in differs: %d", r.status)
	}
	if r := azDo(t, nil, http.MethodGet, env.http.URL+"/ket-qua?period="+period, "", map[string]string{"If-None-Match": etag}); r.status != http.StatusNotModified {
		t.Errorf("/ket-qua?period= with the ETag of the same revision: %d, want 304", r.status)
	}
	prev := survey.Period{From: q.From.Add(-3), To: q.To.Add(-3)}
	if _, err := env.srv.publish(context.Background(), "pb-insp", publishInput{Period: prev, Basis: survey.BasisIndependent}); err != nil {
		t.Fatal(err)
	}
	again := azDo(t, nil, http.MethodGet, env.http.URL+"/ket-qua?period="+period, "", map[string]string{"If-None-Match": etag})
	if again.status != http.StatusOK || !strings.Contains(again.body, prev.String()) {
		t.Errorf("/ket-qua?period= after another period was published: %d, want 200 listing %s", again.status, prev)
	}
	en := azDo(t, nil, http.MethodGet, env.http.URL+"/ket-qua?lang=en&period="+period, "", nil)
	if en.status != http.StatusOK || !strings.Contains(en.body, env.srv.locales[survey.En].T("pub.explain_title")) || en.header.Get("ETag") == etag {
		t.Errorf("/ket-qua?lang=en: %d, ETag %q", en.status, en.header.Get("ETag"))
	}
	if r := azDo(t, nil, http.MethodGet, env.http.URL+"/ket-qua?period=2020-Q1", "", nil); r.status != http.StatusNotFound {
		t.Errorf("/ket-qua of an unpublished period: %d, want 404", r.status)
	}
	if n := pbGzipSize(t, pg.body); n > 30<<10 {
		t.Errorf("/ket-qua is %d bytes gzipped, over 30 KB", n)
	}
}

func pbGzipSize(t testing.TB, s string) int {
	t.Helper()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed) // as the server compresses
	if _, err := io.WriteString(zw, s); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Len()
}

// pbSynthetic is a snapshot of a large province as rule sipas-2017-v2
// would publish it: every ranked row with a rank range and an effective
// sample size, a change with its test, names as long as real ones.
func pbSynthetic(levels map[survey.Level]int) json.RawMessage {
	var ls []any
	for _, level := range survey.Levels {
		n := levels[level]
		if n == 0 {
			continue
		}
		var ranked, unranked []any
		for i := range n {
			idx := 95 - 30*float64(i)/float64(n)
			row := map[string]any{
				"rank": i + 1, "agency": fmt.Sprintf("%s-%03d", level, i),
				"name":      map[string]any{"vi": fmt.Sprintf("UBND xã Thượng Lâm Bình Sơn Dương số %d", i), "en": fmt.Sprintf("Thượng Lâm Bình Sơn Dương Commune No. %d People's Committee", i)},
				"overall":   map[string]any{"index": idx, "low": idx - 6.25, "high": idx + 4.75, "mean": 4.1, "n": 120, "valid": 1200, "satisfied": 1000, "noData": false, "effectiveN": 96.4},
				"responses": 120 + i, "tooFew": false,
				// A change as issue 16 shapes it, unlike today's number: read or not, it must not break the page.
				"previous":  map[string]any{"rank": i + 2, "index": idx - 1.2, "low": idx - 8, "high": idx + 4, "responses": 110, "tooFew": false},
				"change":    map[string]any{"points": 1.2, "low": -3.1, "high": 5.5, "p": 0.41, "significant": false},
				"rankRange": []int{max(1, i-3), min(n, i+5)},
			}
			if i%10 == 9 {
				row["rank"], row["reason"], row["tooFew"], row["rankRange"] = 0, survey.ReasonTooFew, true, nil
				unranked = append(unranked, row)
				continue
			}
			ranked = append(ranked, row)
		}
		ls = append(ls, map[string]any{"level": level, "name": map[string]any{"vi": string(level), "en": string(level)},
			"rankedUnits": len(ranked), "summary": nil, "ranked": ranked, "unranked": unranked})
	}
	b, _ := json.Marshal(map[string]any{"rule": map[string]any{"id": "sipas-2017-v2", "minSample": 30}, "formId": "sipas-2017", "formVersion": 1, "levels": ls,
		"province": map[string]any{"index": 80.0, "low": 79.2, "high": 80.8, "noData": false}})
	return b
}

// A province of 400 units: /ket-qua stays under 30 KB gzipped, shows rank
// ranges ("3 (1–6)") and effective sample sizes, and the CSV carries them.
func TestPublicationsPageScale(t *testing.T) {
	env := newTestEnv(t)
	rankings := pbSynthetic(map[survey.Level]int{survey.LevelDepartment: 30, survey.LevelProvinceBody: 10, survey.LevelDistrict: 60, survey.LevelCommune: 300})
	at := time.Date(2025, 10, 2, 3, 0, 0, 0, time.UTC)
	var r survey.PublishedRankings
	if err := json.Unmarshal(rankings, &r); err != nil {
		t.Fatal(err)
	}
	_, err := env.store.InsertPublication(context.Background(), "2025-Q3", survey.BasisIndependent, func(*survey.Publication) (survey.Publication, error) {
		c := survey.PublicationContent{Period: "2025-Q3", From: "2025-07", To: "2025-09", Basis: survey.BasisIndependent, Revision: 1,
			PublishedAt: at, Rule: "sipas-2017-v2", Forms: []survey.FormVersion{{ID: "sipas-2017", Version: 1}}, Responses: r.CountResponses(), Rankings: rankings}
		body, sum, err := c.Canonical()
		return survey.Publication{Period: c.Period, From: c.From, To: c.To, Basis: c.Basis, Revision: 1, PublishedAt: at,
			Rule: c.Rule, Responses: c.Responses, SHA256: sum, Content: string(body)}, err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"vi", "en"} {
		pg := azDo(t, nil, http.MethodGet, env.http.URL+"/ket-qua?lang="+lang, "", map[string]string{"Accept-Encoding": "identity"})
		if pg.status != http.StatusOK {
			t.Fatalf("/ket-qua: %s", pg)
		}
		n := pbGzipSize(t, pg.body)
		t.Logf("/ket-qua?lang=%s: %d bytes, %d gzipped", lang, len(pg.body), n)
		if n > 30<<10 {
			t.Errorf("/ket-qua?lang=%s is %d bytes gzipped for 400 units, over 30 KB", lang, n)
		}
		if rows := strings.Count(pg.body, "<tr data-agency="); rows != 400 {
			t.Errorf("/ket-qua shows %d units, want 400", rows)
		}
		if !strings.Contains(pg.body, `<td class="num rank">3 <span class="range">(1–7)</span></td>`) || !strings.Contains(pg.body, `class="num effn"`) {
			t.Errorf("/ket-qua?lang=%s shows no rank range or effective sample", lang)
		}
	}
	// The funnel plot, drawn from the frozen rows around the published
	// province index: a figure per level, its SVG and its table.
	pg := azDo(t, nil, http.MethodGet, env.http.URL+"/ket-qua?lang=vi", "", nil)
	for _, want := range []string{`<figure class="funnel" id="funnel-commune">`, `<svg`, `class="meta funnel-data"`} {
		if !strings.Contains(pg.body, want) {
			t.Errorf("/ket-qua has no %q: the funnel plot is not drawn", want)
		}
	}
	cs := azAPI(t, env, "", http.MethodGet, "/api/v1/publications/2025-Q3/snapshot?format=csv", nil)
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(cs.body, utf8BOM))).ReadAll()
	if err != nil || len(recs) != 401 {
		t.Fatalf("CSV: %v, %d records", err, len(recs))
	}
	col := func(rec []string, name string) string { return rec[slices.Index(publicationCSVHeader, name)] }
	if rec := recs[3]; col(rec, "rank") != "3" || col(rec, "rank_low") != "1" || col(rec, "rank_high") != "7" || col(rec, "effective_n") != "96.4" {
		t.Errorf("the third department in the CSV: %v", rec)
	}
}
