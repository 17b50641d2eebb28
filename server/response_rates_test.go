package server

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"hailong/survey"
)

// rtIssuePast stores an invitation of the agency's dossier issued and
// expiring in the past (as the API would have, days ago).
func rtIssuePast(t *testing.T, env *invEnv, agency, area, dossier string, issued, expires time.Time) survey.Invitation {
	t.Helper()
	h := survey.DossierHash(env.srv.inv.dossierKey, agency, dossier)
	inv := survey.Invitation{Dossier: h, Agency: agency, Area: area, IssuedAt: issued, ExpiresAt: expires, IssuedBy: "test"}
	got, err := env.store.IssueInvitations(context.Background(), []survey.Invitation{inv}, [][]string{survey.InvitationCodes(h)})
	if err != nil || !got[0].Created {
		t.Fatalf("issue past invitation: %+v %v", got, err)
	}
	return got[0].Invitation
}

// TestResponseRatesByHand: so-tu-phap's four invitations, one used (its
// form sent twice), two expired unused, one still open, make a response
// rate of 1 ÷ (1 + 2) = 33,3 %; so-tn-mt's one expired invitation makes 0 %,
// flagged under the 20 % minimum; an agency without invitations has a null
// rate. The rankings JSON, the dashboard and the aggregate export say so.
func TestResponseRatesByHand(t *testing.T) {
	env := newInvEnv(t)
	ctx := context.Background()
	now := time.Now()
	used := env.mustIssue(t, "so-tu-phap", "tu-phap", "HS-R-1")
	env.mustIssue(t, "so-tu-phap", "tu-phap", "HS-R-2") // open
	rtIssuePast(t, env, "so-tu-phap", "tu-phap", "HS-R-3", now.Add(-3*time.Hour), now.Add(-time.Hour))
	rtIssuePast(t, env, "so-tu-phap", "tu-phap", "HS-R-4", now.Add(-3*time.Hour), now.Add(-2*time.Hour))
	rtIssuePast(t, env, "so-tn-mt", "tai-nguyen-moi-truong", "HS-R-5", now.Add(-3*time.Hour), now.Add(-time.Hour))

	c, key := env.openInvitation(t, used)
	vals := validFormValues("tu-phap", key)
	for i := 0; i < 2; i++ {
		if r := env.postSurvey(t, c, local(t, used.URL), vals); r.status != http.StatusSeeOther {
			t.Fatalf("POST verified form: %d %s", r.status, clip(r.body))
		}
	}
	for i := 0; i < 2; i++ { // the sweep counts each expiry once
		if err := env.srv.SweepInvitations(ctx); err != nil {
			t.Fatal(err)
		}
	}
	env.flush(t)

	from := survey.MonthOf(now.Add(-3 * time.Hour)).String()
	to := survey.MonthOf(now).String()
	admin := azAdmin(t, env.testEnv)
	r := admin.api(t, http.MethodGet, "/api/v1/rankings?from="+from+"&to="+to, nil)
	if r.status != http.StatusOK {
		t.Fatalf("rankings: %s", r)
	}
	var raw struct {
		Levels []struct {
			Ranked, Unranked []map[string]json.RawMessage
		}
	}
	if err := json.Unmarshal([]byte(r.body), &raw); err != nil {
		t.Fatal(err)
	}
	rows := map[string]map[string]json.RawMessage{}
	for _, l := range raw.Levels {
		for _, row := range append(l.Ranked, l.Unranked...) {
			var ag string
			json.Unmarshal(row["agency"], &ag)
			rows[ag] = row
		}
	}
	check := func(agency string, wantRate *float64, want survey.ResponseRateJSON) {
		t.Helper()
		row, ok := rows[agency]
		if !ok {
			t.Fatalf("%s not in the rankings: %s", agency, clip(r.body))
		}
		rr, ok := row["responseRate"]
		if !ok {
			t.Fatalf("%s: no responseRate field", agency)
		}
		var rate *float64
		if err := json.Unmarshal(rr, &rate); err != nil {
			t.Fatal(err)
		}
		if (rate == nil) != (wantRate == nil) || (rate != nil && math.Abs(*rate-*wantRate) > 1e-9) {
			t.Errorf("%s responseRate = %s, want %v", agency, rr, wantRate)
		}
		var inv survey.ResponseRateJSON
		if err := json.Unmarshal(row["invitations"], &inv); err != nil {
			t.Fatal(err)
		}
		inv.Rate = nil
		if inv != want {
			t.Errorf("%s invitations = %+v, want %+v", agency, inv, want)
		}
	}
	third, zero := 1.0/3, 0.0
	check("so-tu-phap", &third, survey.ResponseRateJSON{Issued: 4, Used: 1, Expired: 2})
	check("so-tn-mt", &zero, survey.ResponseRateJSON{Issued: 1, Expired: 1, Low: true})
	for ag, row := range rows {
		if ag != "so-tu-phap" && ag != "so-tn-mt" && string(row["responseRate"]) != "null" {
			t.Errorf("%s without invitations: responseRate %s, want null", ag, row["responseRate"])
		}
	}

	// The aggregate export's rows of all areas: the same counts and rate.
	r = admin.api(t, http.MethodGet, "/api/v1/exports/aggregates?format=csv&granularity=month&agency=so-tu-phap&from="+from+"&to="+to, nil)
	if r.status != http.StatusOK {
		t.Fatalf("export: %s", r)
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.body, "\ufeff"))).ReadAll()
	if err != nil || len(recs) < 2 {
		t.Fatalf("export CSV: %v %q", err, clip(r.body))
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	var sum survey.InvitationTally
	var rates []string
	for _, rec := range recs[1:] {
		if rec[col["area"]] != "*" {
			continue
		}
		n := func(name string) int { v, _ := strconv.Atoi(rec[col[name]]); return v }
		sum = sum.Add(survey.InvitationTally{Issued: n("invitations_issued"), Used: n("invitations_used"), Expired: n("invitations_expired")})
		rates = append(rates, rec[col["response_rate"]]+"/"+rec[col["response_rate_low"]])
	}
	if sum != (survey.InvitationTally{Issued: 4, Used: 1, Expired: 2}) {
		t.Errorf("export's invitation counts: %+v, want 4 issued, 1 used, 2 expired", sum)
	}
	if from == to && (len(rates) != 1 || !strings.HasPrefix(rates[0], "33.33") || !strings.HasSuffix(rates[0], "/false")) {
		t.Errorf("export's response rate: %v, want 33.33…/false", rates)
	}

	page := admin.get(t, "/dashboard?agency=so-tu-phap&from="+from+"&to="+to)
	if !strings.Contains(page.body, `id="response-rate-value">33,3 %<`) || strings.Contains(page.body, `id="response-rate-low"`) {
		t.Errorf("so-tu-phap's dashboard lacks its 33,3 %% rate or flags it: %s", clip(page.body))
	}
	if page := admin.get(t, "/dashboard?agency=so-xay-dung&from="+from+"&to="+to); strings.Contains(page.body, `id="response-rate"`) {
		t.Error("an agency without invitations shows a response rate")
	}
	page = admin.get(t, "/dashboard?agency=so-tn-mt&from="+from+"&to="+to+"&lang=en")
	if !strings.Contains(page.body, `id="response-rate-value">0.0%<`) || !strings.Contains(page.body, `id="response-rate-low"`) {
		t.Errorf("so-tn-mt's dashboard lacks its flagged 0%% rate: %s", clip(page.body))
	}
}

// TestFreshLinkAfterExpiry: a new request for a dossier whose invitation
// expired unused issues a fresh link under the same short code; the old
// signed link stays expired, the short link leads to the fresh form.
func TestFreshLinkAfterExpiry(t *testing.T) {
	env := newInvEnv(t)
	now := time.Now().Truncate(time.Second)
	old := rtIssuePast(t, env, "so-tu-phap", "tu-phap", "HS-F-1", now.Add(-40*24*time.Hour), now.Add(-10*24*time.Hour))
	oldTok, err := env.srv.keyring().Sign(claimsOf(old), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	fresh := env.mustIssue(t, "so-tu-phap", "tu-phap", "HS-F-1")
	if !fresh.Created || fresh.Code != old.Code || time.Until(fresh.ExpiresAt) < 29*24*time.Hour {
		t.Fatalf("fresh link: %+v, want created under %s, expiring in 30 days", fresh, old.Code)
	}
	again, r := env.issue(t, env.key, map[string]any{"agency": "so-tu-phap", "area": "tu-phap", "dossierRef": "HS-F-1"}, nil)
	if r.status != http.StatusOK || again.Created || !again.ExpiresAt.Equal(fresh.ExpiresAt) {
		t.Errorf("repeat of the fresh request: %s, want 200 with the fresh link again", r)
	}
	if r := env.getPage(t, env.client(t), "/v/"+oldTok); r.status != http.StatusGone || goneReason(r.body) != "expired" {
		t.Errorf("old signed link: %d %q, want 410 expired", r.status, goneReason(r.body))
	}
	env.openInvitation(t, fresh)
	m := survey.MonthOf(now)
	cs, err := env.store.InvitationCounts(context.Background(), m.Add(-2), m)
	if err != nil {
		t.Fatal(err)
	}
	var tally survey.InvitationTally
	for _, c := range cs {
		tally = tally.Add(c.InvitationTally)
	}
	if tally != (survey.InvitationTally{Issued: 2, Expired: 1}) {
		t.Errorf("counts: %+v, want 2 issued (old and fresh), 1 expired", tally)
	}
}
