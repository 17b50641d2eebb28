package server

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"hailong/survey"
	"hailong/survey/export"
	"hailong/survey/store"
)

// csvRows reads an export's CSV back (BOM, header, rows) as maps by column.
func csvRows(t *testing.T, body string) []map[string]string {
	t.Helper()
	if !strings.HasPrefix(body, export.UTF8BOM) {
		t.Fatalf("CSV without a byte-order mark: %.80q", body)
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, export.UTF8BOM))).ReadAll()
	if err != nil {
		t.Fatalf("read CSV: %v", err)
	}
	var out []map[string]string
	for _, rec := range recs[1:] {
		m := map[string]string{}
		for i, name := range recs[0] {
			m[name] = rec[i]
		}
		out = append(out, m)
	}
	return out
}

// agencies lists the distinct agencies of export rows, sorted.
func agenciesOf(rows []map[string]string) []string {
	var out []string
	for _, r := range rows {
		if !slices.Contains(out, r["agency"]) {
			out = append(out, r["agency"])
		}
	}
	slices.Sort(out)
	return out
}

// TestExportResponsesAnonymised: every stored response is one row; the
// demographics are blanked as the k-anonymity rule says (see the fixture);
// no idempotency key, attempt or exact time ever appears; the comment only
// when asked; formulas are neutralised.
func TestExportResponsesAnonymised(t *testing.T) {
	e := newExportEnv(t)
	r := e.get(t, e.inspector, "/api/v1/exports/responses?format=csv&from=2025-01&to=2025-02&comments=1", "")
	if r.status != http.StatusOK {
		t.Fatalf("%s", r)
	}
	if ct, cd := r.header.Get("Content-Type"), r.header.Get("Content-Disposition"); ct != "text/csv; charset=utf-8" ||
		cd != `attachment; filename="hailong-responses-2025-01_2025-02.csv"` {
		t.Errorf("Content-Type %q, Content-Disposition %q", ct, cd)
	}
	rows := csvRows(t, r.body)
	if len(rows) != fixtureCount() {
		t.Fatalf("%d rows, want %d", len(rows), fixtureCount())
	}
	for _, bad := range []string{"fixture-key", "attempt", "receivedAt", "submittedAt", "T07:00", "idempotency"} {
		if strings.Contains(r.body, bad) {
			t.Errorf("the export contains %q", bad)
		}
	}
	shown := map[string]int{}
	for _, row := range rows {
		k := fmt.Sprintf("%s %s %s|%s|%s|%s", row["agency"], row["month"], row["gender"], row["age_band"], row["education"], row["occupation"])
		shown[k]++
		if c := row["comment"]; c == "" || strings.ContainsAny(c[:1], "=+-@\t\r") {
			t.Errorf("comment %q not neutralised", c)
		}
	}
	// The fixture's responses come by every channel in turn and one in four
	// is verified: no five rows of an agency-month share more than their
	// questionnaire, and the verified ones are too few to hide alone, so the
	// disclosure rule suppresses every row (TestExportDisclosure shows each
	// level of the rule).
	want := map[string]int{
		"so-tu-phap 2025-01 |||":   12,
		"so-tu-phap 2025-02 |||":   5,
		"lam-binh 2025-01 |||":     7,
		"lam-binh 2025-02 |||":     6,
		"x-thuong-lam 2025-02 |||": 2,
	}
	for k, n := range want {
		if shown[k] != n {
			t.Errorf("%s: %d rows, want %d", k, shown[k], n)
		}
	}
	if len(shown) != len(want) {
		t.Errorf("patterns shown: %v", shown)
	}

	// Without comments=1 there is no comment column, and no comment text.
	r = e.get(t, e.inspector, "/api/v1/exports/responses?format=csv&from=2025-01&to=2025-02", "")
	if rows := csvRows(t, r.body); len(rows) != fixtureCount() || strings.Contains(r.body, "Thủ tục nhanh gọn") {
		t.Errorf("without comments: %d rows, comment present %v", len(rows), strings.Contains(r.body, "Thủ tục nhanh gọn"))
	} else if _, ok := rows[0]["comment"]; ok {
		t.Error("a comment column without comments=1")
	}

	// Filters: one agency, one month; with an area, the rows whose area
	// the rule hides (here all) are left out.
	r = e.get(t, e.inspector, "/api/v1/exports/responses?format=csv&from=2025-01&to=2025-01&agency=lam-binh", "")
	if rows := csvRows(t, r.body); len(rows) != 7 || agenciesOf(rows)[0] != "lam-binh" || rows[0]["month"] != "2025-01" {
		t.Errorf("filtered: %d rows %v", len(rows), rows)
	}
	r = e.get(t, e.inspector, "/api/v1/exports/responses?format=csv&from=2025-01&to=2025-01&agency=lam-binh&area=dat-dai", "")
	if rows := csvRows(t, r.body); r.status != http.StatusOK || len(rows) != 0 {
		t.Errorf("filtered by area: %d rows %v", len(rows), rows)
	}

	// JSON Lines: one object per response, the same columns.
	r = e.get(t, e.inspector, "/api/v1/exports/responses?format=jsonl&from=2025-01&to=2025-02", "")
	sc := bufio.NewScanner(strings.NewReader(r.body))
	sc.Buffer(nil, 1<<20)
	n := 0
	for sc.Scan() {
		var obj map[string]any
		if err := json.Unmarshal(sc.Bytes(), &obj); err != nil {
			t.Fatalf("line %d: %v", n+1, err)
		}
		if _, ok := obj["q_1.1"]; !ok || obj["agency"] == nil {
			t.Fatalf("line %d: %v", n+1, obj)
		}
		n++
	}
	if n != fixtureCount() {
		t.Errorf("JSON Lines: %d lines, want %d", n, fixtureCount())
	}
}

// TestExportScoping: inspectors and administrators export every agency;
// staff only their own, whatever they ask; by token or session alike.
func TestExportScoping(t *testing.T) {
	e := newExportEnv(t)
	const agg = "/api/v1/exports/aggregates?format=csv&from=2025-01&to=2025-02"
	const res = "/api/v1/exports/responses?format=csv&from=2025-01&to=2025-02"
	all := []string{"lam-binh", "so-tu-phap", "x-thuong-lam"}
	for _, u := range []*staffUser{e.admin, e.inspector} {
		rows := csvRows(t, e.get(t, u, res, "").body)
		if got := agenciesOf(rows); !slices.Equal(got, all) {
			t.Errorf("%s: responses of %v, want %v", u.username, got, all)
		}
		if got := agenciesOf(csvRows(t, e.get(t, u, agg, "").body)); len(got) < 19 {
			t.Errorf("%s: aggregates of %d agencies, want every one", u.username, len(got))
		}
	}
	// Staff: their agency only, by token and by session cookie.
	if got := agenciesOf(csvRows(t, e.get(t, e.staff, res, "").body)); !slices.Equal(got, []string{"so-tu-phap"}) {
		t.Errorf("staff responses of %v", got)
	}
	if got := agenciesOf(csvRows(t, e.get(t, e.staff, agg, "").body)); !slices.Equal(got, []string{"so-tu-phap"}) {
		t.Errorf("staff aggregates of %v", got)
	}
	if r := e.staff.get(t, res+"&agency=so-tu-phap"); r.status != http.StatusOK || len(csvRows(t, r.body)) != 17 {
		t.Errorf("staff by session: %s", r)
	}
	for _, path := range []string{res + "&agency=lam-binh", agg + "&agency=lam-binh", agg + "&agency=so-cong-thuong&format=xlsx"} {
		for _, r := range []httpResult{e.get(t, e.staff, path, ""), e.staff.get(t, path)} {
			if r.status != http.StatusForbidden || decodeAPIError(t, r).Error.Code != "forbidden" {
				t.Errorf("staff %s: %s, want 403 forbidden", path, r)
			}
		}
	}
	// A level filter narrows the inspector's aggregates.
	rows := csvRows(t, e.get(t, e.inspector, agg+"&level=commune", "").body)
	for _, r := range rows {
		if r["level"] != "commune" {
			t.Fatalf("level=commune gave a %s row", r["level"])
		}
	}
	// Nobody: 401.
	if r := doRequest(t, nil, http.MethodGet, e.http.URL+res, "", nil); r.status != http.StatusUnauthorized {
		t.Errorf("anonymous: %s", r)
	}
}

// TestExportBadParameters: each bad parameter is a 400 JSON error naming
// its field, in the caller's language; nothing is exported or audited.
func TestExportBadParameters(t *testing.T) {
	e := newExportEnv(t)
	for _, c := range []struct{ path, field string }{
		{"/api/v1/exports/aggregates", "format"},
		{"/api/v1/exports/aggregates?format=jsonl", "format"},
		{"/api/v1/exports/responses?format=json", "format"},
		{"/api/v1/exports/aggregates?format=csv&from=2025-13", "from"},
		{"/api/v1/exports/aggregates?format=csv&to=25-01", "to"},
		{"/api/v1/exports/aggregates?format=csv&from=2025-03&to=2025-01", "to"},
		{"/api/v1/exports/responses?format=csv&from=2010-01&to=2025-01", "to"},
		{"/api/v1/exports/aggregates?format=csv&granularity=week", "granularity"},
		{"/api/v1/exports/aggregates?format=csv&level=province", "level"},
		{"/api/v1/exports/aggregates?format=csv&area=nope", "area"},
		{"/api/v1/exports/responses?format=csv&agency=nope", "agency"},
		{"/api/v1/exports/responses?format=csv&comments=yes", "comments"},
		{"/api/v1/exports/responses?format=csv&agency=$ne", "agency"},
		{"/api/v1/exports/responses?format=csv&verified=yes", "verified"},
		{"/api/v1/exports/aggregates?format=csv&verified=2", "verified"},
	} {
		msgs := map[string]string{}
		for _, lang := range []string{"vi", "en"} {
			r := e.get(t, e.inspector, c.path, lang)
			wantFieldError(t, c.path+" "+lang, r, c.field)
			if r.status == http.StatusBadRequest {
				msgs[lang] = decodeAPIError(t, r).Error.Fields[c.field]
				if code := decodeAPIError(t, r).Error.Code; code != "validation_failed" {
					t.Errorf("%s: code %q", c.path, code)
				}
			}
		}
		if msgs["vi"] == msgs["en"] {
			t.Errorf("%s: the same message in both languages: %q", c.path, msgs["vi"])
		}
	}
	if es, _ := e.store.Audit(context.Background(), "", 100); slices.ContainsFunc(es, func(a survey.AuditEntry) bool { return strings.HasPrefix(a.Action, "export.") }) {
		t.Error("a refused export was audited")
	}
}

// TestExportAudit: each export is in the audit log with its user, format,
// filters, row count and whether it was complete.
func TestExportAudit(t *testing.T) {
	e := newExportEnv(t)
	if r := e.get(t, e.staff, "/api/v1/exports/responses?format=jsonl&from=2025-01&to=2025-02&comments=1", ""); r.status != http.StatusOK {
		t.Fatal(r)
	}
	if r := e.get(t, e.inspector, "/api/v1/exports/aggregates?format=xlsx&from=2025-01&to=2025-03&granularity=quarter&level=district&area=dat-dai", ""); r.status != http.StatusOK {
		t.Fatal(r)
	}
	es, err := e.store.Audit(context.Background(), "", 50)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range es {
		if !strings.HasPrefix(a.Action, "export.") {
			continue
		}
		var rec exportRecord
		if err := json.Unmarshal([]byte(a.After), &rec); err != nil {
			t.Fatalf("%s: %v", a.After, err)
		}
		got = append(got, fmt.Sprintf("%s %s %s %+v", a.Actor, a.Action, a.Target, rec))
	}
	want := []string{
		"inspector export.aggregates * {Format:xlsx From:2025-01 To:2025-03 Granularity:quarter Level:district Agency: Area:dat-dai Comments:false Verified:false Rows:7 Status:complete Error:}",
		"staff-tp export.responses * {Format:jsonl From:2025-01 To:2025-02 Granularity: Level: Agency: Area: Comments:true Verified:false Rows:17 Status:complete Error:}",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("audit entries:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestExportClientGone: a client that stops reading half-way ends the
// export, and the audit entry says how many rows were written and that the
// client went away.
func TestExportClientGone(t *testing.T) {
	e := newExportEnv(t)
	ctx := context.Background()
	var rs []survey.Response
	at := time.Date(2025, 3, 10, 9, 0, 0, 0, survey.Zone())
	for i := range 3000 {
		rs = append(rs, survey.Response{ID: fmt.Sprintf("many-%05d", i), Agency: "so-tu-phap", Area: "tu-phap", FormID: survey.DefaultFormID,
			FormVersion: 1, Channel: survey.ChannelWeb, Answers: []survey.Answer{{Code: "1.1", Value: 1 + i%5}}, SubmittedAt: at, ReceivedAt: at})
	}
	if _, err := e.store.ImportResponses(ctx, rs); err != nil {
		t.Fatal(err)
	}
	reqCtx, cancel := context.WithCancel(ctx)
	req, _ := http.NewRequestWithContext(reqCtx, http.MethodGet, e.http.URL+"/api/v1/exports/responses?format=csv&from=2025-03&to=2025-03", nil)
	req.Header.Set("Authorization", "Bearer "+e.inspector.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1000)
	if _, err := resp.Body.Read(buf); err != nil {
		t.Fatal(err)
	}
	cancel() // the client goes away
	resp.Body.Close()
	rec := waitExportAudit(t, e, "csv")
	if rec.Status != "client disconnected" || rec.Rows >= 3000 || rec.Rows < 1 {
		t.Errorf("audit of an abandoned CSV export: %+v", rec)
	}

	// An XLSX sends nothing before its end: the client gives up waiting.
	reqCtx, cancel = context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	req, _ = http.NewRequestWithContext(reqCtx, http.MethodGet, e.http.URL+"/api/v1/exports/responses?format=xlsx&from=2025-03&to=2025-03", nil)
	req.Header.Set("Authorization", "Bearer "+e.inspector.token)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("the XLSX of 3000 rows came in 100 ms: %d", resp.StatusCode)
	}
	if rec := waitExportAudit(t, e, "xlsx"); rec.Status != "client disconnected" || rec.Rows >= 3000 {
		t.Errorf("audit of an abandoned XLSX export: %+v", rec)
	}
}

// waitExportAudit waits for the audit entry of a responses export in the
// format and returns its record.
func waitExportAudit(t *testing.T, e *exportEnv, format string) exportRecord {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		es, err := e.store.Audit(context.Background(), "", 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range es {
			var rec exportRecord
			if a.Action == "export.responses" && json.Unmarshal([]byte(a.After), &rec) == nil && rec.Format == format {
				return rec
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no audit entry for the abandoned %s export", format)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestDashboardExportLinks: the dashboard offers the exports of the agency
// and period shown, and the CSV link works with the session.
func TestDashboardExportLinks(t *testing.T) {
	e := newExportEnv(t)
	r := e.staff.get(t, "/dashboard?agency=so-tu-phap&from=2025-01&to=2025-02&area=tu-phap")
	if r.status != http.StatusOK {
		t.Fatal(r)
	}
	const q = "agency=so-tu-phap&amp;from=2025-01&amp;to=2025-02&amp;area=tu-phap"
	for _, want := range []string{
		`href="/api/v1/exports/aggregates?format=csv&amp;` + q + `"`,
		`href="/api/v1/exports/aggregates?format=xlsx&amp;` + q + `"`,
		`href="/api/v1/exports/aggregates?format=json&amp;` + q + `"`,
		`href="/api/v1/exports/responses?format=csv&amp;` + q + `"`,
	} {
		if !strings.Contains(r.body, want) {
			t.Errorf("the dashboard lacks %s", want)
		}
	}
	csvr := e.staff.get(t, "/api/v1/exports/aggregates?format=csv&agency=so-tu-phap&from=2025-01&to=2025-02&area=tu-phap")
	if rows := csvRows(t, csvr.body); csvr.status != http.StatusOK || len(rows) != 2 || rows[0]["responses"] != "12" {
		t.Errorf("the dashboard's CSV: %s", csvr)
	}
}

// TestExportVerified: verified=1 exports only what came through a verified
// link. The aggregates equal the report API's verified=1 figures number for
// number (and differ from all responses'); the responses export has the
// verified responses only, with every demographic answer blanked; the
// filter is named in the file name, the JSON head and the audit entry.
func TestExportVerified(t *testing.T) {
	e := newExportEnv(t)
	ctx := context.Background()
	var verified []survey.Response
	all := everyStoredResponse(t, e)
	for _, r := range all {
		if r.Verified {
			verified = append(verified, r)
		}
	}
	if len(verified) == 0 || len(verified) == len(all) {
		t.Fatalf("the fixture has %d verified responses of %d: want a mix", len(verified), len(all))
	}

	// Aggregates: each row against the report API of its agency, month and area.
	const agg = "/api/v1/exports/aggregates?format=csv&from=2025-01&to=2025-02&verified=1"
	r := e.get(t, e.inspector, agg+"&agency=so-tu-phap", "")
	if cd := r.header.Get("Content-Disposition"); r.status != http.StatusOK ||
		cd != `attachment; filename="hailong-aggregates-2025-01_2025-02-month-so-tu-phap-verified.csv"` {
		t.Fatalf("%s (Content-Disposition %q)", r, cd)
	}
	checked, differ := 0, 0
	for _, ag := range []string{"so-tu-phap", "lam-binh"} {
		rows := csvRows(t, e.get(t, e.inspector, agg+"&agency="+ag, "").body)
		plain := csvRows(t, e.get(t, e.inspector, strings.TrimSuffix(agg, "&verified=1")+"&agency="+ag, "").body)
		if len(rows) == 0 || len(rows) != len(plain) {
			t.Fatalf("%s: %d verified rows, %d rows of all responses", ag, len(rows), len(plain))
		}
		for i, row := range rows {
			path := "/api/v1/reports/agencies/" + ag + "?from=" + row["period"] + "&to=" + row["period"] + "&verified=1"
			if row["area"] != "*" {
				path += "&area=" + row["area"]
			}
			rep := reportOf(t, e, path)
			want := map[string]string{"responses": fmt.Sprint(rep.Responses), "too_few": fmt.Sprint(rep.TooFew)}
			putScoreCells(want, "overall", rep.Overall)
			for _, f := range rep.Factors {
				putScoreCells(want, "f_"+f.Code, f.Score)
			}
			for _, c := range rep.Criteria {
				want["c_"+c.Code+"_valid"] = fmt.Sprint(c.Counts.Valid())
				putScoreCells(want, "c_"+c.Code, c.Score)
			}
			countsOnly(want, rep.Responses) // under k: the counts only
			for col, v := range want {
				if row[col] != v {
					t.Errorf("%s %s %s: %s = %q, the report API says %q", ag, row["period"], row["area"], col, row[col], v)
				}
			}
			checked++
			if row["responses"] != plain[i]["responses"] {
				differ++
			}
		}
		// The report API's own check: it answers over verified responses only.
		if rep := reportOf(t, e, "/api/v1/reports/agencies/"+ag+"?from=2025-01&to=2025-02&verified=1"); rep.Responses == 0 {
			t.Errorf("%s: no verified responses in the report API", ag)
		}
	}
	if checked < 6 || differ == 0 {
		t.Errorf("%d rows checked, %d differ from all responses: the filter is not tested", checked, differ)
	}

	// JSON names the filter; without it, it is not there.
	var head struct {
		Filters map[string]string `json:"filters"`
	}
	body := e.get(t, e.inspector, "/api/v1/exports/aggregates?format=json&from=2025-01&to=2025-02&agency=lam-binh&verified=1", "").body
	if err := json.NewDecoder(strings.NewReader(body)).Decode(&head); err != nil || head.Filters["verified"] != "1" {
		t.Errorf("JSON filters %v (%v)", head.Filters, err)
	}
	body = e.get(t, e.inspector, "/api/v1/exports/aggregates?format=json&from=2025-01&to=2025-02&agency=lam-binh&verified=0", "").body
	head.Filters = nil
	if err := json.NewDecoder(strings.NewReader(body)).Decode(&head); err != nil || head.Filters["verified"] != "" {
		t.Errorf("JSON filters with verified=0: %v (%v)", head.Filters, err)
	}

	// Responses: the verified ones only; in the fixture no five verified
	// respondents of an agency-month are alike, so demographics are blank
	// (TestExportVerifiedKAnonymity shows them).
	r = e.get(t, e.inspector, "/api/v1/exports/responses?format=csv&from=2025-01&to=2025-02&verified=true", "")
	rows := csvRows(t, r.body)
	if r.status != http.StatusOK || len(rows) != len(verified) {
		t.Fatalf("verified responses: %d rows, want %d (%s)", len(rows), len(verified), r)
	}
	perAgency := map[string]int{}
	for _, v := range verified {
		perAgency[v.Agency]++
	}
	for _, row := range rows {
		if row["verified"] != "true" && !(row["verified"] == "" && row["form_id"] == survey.Hidden) { // suppressed rows hide it
			t.Errorf("an unverified row: %v", row)
		}
		for _, c := range []string{"gender", "age_band", "education", "occupation"} {
			if row[c] != "" {
				t.Errorf("%s shown in a verified export: %v", c, row)
			}
		}
		perAgency[row["agency"]]--
	}
	for ag, n := range perAgency {
		if n != 0 {
			t.Errorf("%s: %d verified responses more than exported", ag, n)
		}
	}
	// Staff get their agency's verified responses only.
	if rows := csvRows(t, e.get(t, e.staff, "/api/v1/exports/responses?format=csv&from=2025-01&to=2025-02&verified=1", "").body); len(rows) == 0 ||
		!slices.Equal(agenciesOf(rows), []string{"so-tu-phap"}) {
		t.Errorf("staff verified responses: %v", agenciesOf(rows))
	}

	// The audit entry says verified.
	es, err := e.store.Audit(ctx, "", 50)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, a := range es {
		var rec exportRecord
		if strings.HasPrefix(a.Action, "export.") && json.Unmarshal([]byte(a.After), &rec) == nil && rec.Verified {
			n++
		}
	}
	if n != 6 {
		t.Errorf("%d audit entries of verified exports, want 6", n)
	}
}

// TestExportVerifiedKAnonymity: a verified-only export shows no more than
// the disclosure rule allows over the verified respondents alone, nor more
// than the export of all responses. In April five verified respondents are
// alike and two verified ones share their demographics with four
// unverified ones (six alike over all responses, two among the verified).
// Every response comes by another channel: the seven verified ones share
// only their area; over all responses the four unverified ones are left
// over, and the smallest group shown (the seven) is suppressed with them,
// so no export shows anything of the seven (TestExportDisclosure has
// verified respondents shown).
func TestExportVerifiedKAnonymity(t *testing.T) {
	e := newExportEnv(t)
	farmer := resp("male", "50to64", "secondary", "farmer")
	april := []fixtureGroup{
		{"so-tu-phap", "tu-phap", "2025-04", people(5, resp("female", "25to34", "university", "civil_servant"))},
		{"so-tu-phap", "tu-phap", "2025-04", people(6, farmer)},
	}
	// Numbered after the fixture: the first five and the first two farmers are verified.
	first := 1000
	storeGroups(t, e.testEnv, april, first, func(i int) bool { return i-first < 5 || (i-first >= 5 && i-first < 7) })
	shown := func(path string) map[string]int {
		r := e.get(t, e.inspector, path, "")
		if r.status != http.StatusOK {
			t.Fatalf("%s", r)
		}
		out := map[string]int{}
		for _, row := range csvRows(t, r.body) {
			out[fmt.Sprintf("%s %s|%s|%s|%s", row["verified"], row["gender"], row["age_band"], row["education"], row["occupation"])]++
		}
		return out
	}
	got := shown("/api/v1/exports/responses?format=csv&from=2025-04&to=2025-04&verified=1")
	want := map[string]int{" |||": 7}
	if !maps.Equal(got, want) {
		t.Errorf("verified export shows %v, want %v", got, want)
	}
	got = shown("/api/v1/exports/responses?format=csv&from=2025-04&to=2025-04")
	want = map[string]int{" |||": 11}
	if !maps.Equal(got, want) {
		t.Errorf("export of all responses shows %v, want %v", got, want)
	}
}

// everyStoredResponse reads back every response of the fixture (whole).
func everyStoredResponse(t *testing.T, e *exportEnv) []survey.Response {
	t.Helper()
	var out []survey.Response
	from, _ := survey.ParseMonth("2025-01")
	to, _ := survey.ParseMonth("2025-12")
	period, err := survey.RangePeriod(from, to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.ExportResponses(context.Background(), store.ResponseFilter{Period: period}, func(r survey.Response) error {
		out = append(out, r)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// reportOf reads the report API (as the inspector).
func reportOf(t *testing.T, e *exportEnv, path string) survey.Report {
	t.Helper()
	r := e.get(t, e.inspector, path, "")
	var out ReportJSON
	if r.status != http.StatusOK || json.Unmarshal([]byte(r.body), &out) != nil || !out.VerifiedOnly {
		t.Fatalf("%s: %s", path, r)
	}
	return out.Report
}

// putScoreCells writes the CSV text of a score's four cells under the prefix
// (empty without data), as the export writes them.
func putScoreCells(m map[string]string, prefix string, s survey.Score) {
	cells := []string{"", "", "", ""}
	if !s.NoData {
		for i, f := range []float64{s.Index, s.Low, s.High, s.Mean} {
			cells[i] = strconv.FormatFloat(f, 'f', -1, 64)
		}
	}
	for i, suffix := range []string{"_index", "_low", "_high", "_mean"} {
		m[prefix+suffix] = cells[i]
	}
}
