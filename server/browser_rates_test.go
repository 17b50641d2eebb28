package server

import (
	"context"
	"strings"
	"testing"
	"time"

	"hailong/survey"
)

// TestBrowserDashboardResponseRate: in Chromium, so-tn-mt's dashboard shows
// its response rate from invitations, 0 % of one expired invitation with
// one still open, flagged under the 20 % minimum, and passes axe-core.
func TestBrowserDashboardResponseRate(t *testing.T) {
	ctx := newBrowser(t)
	axe := axeSource(t)
	env := newInvEnv(t)
	now := time.Now()
	env.mustIssue(t, "so-tn-mt", "dat-dai", "HS-B-1")
	rtIssuePast(t, env, "so-tn-mt", "dat-dai", "HS-B-2", now.Add(-3*time.Hour), now.Add(-time.Hour))
	if err := env.srv.SweepInvitations(context.Background()); err != nil {
		t.Fatal(err)
	}
	from, to := survey.MonthOf(now.Add(-3*time.Hour)).String(), survey.MonthOf(now).String()
	browserLogin(t, ctx, env.testEnv, env.admin.username, env.admin.password)
	if s := browserOpen(t, ctx, env.testEnv, "/dashboard?agency=so-tn-mt&from="+from+"&to="+to); s != 200 {
		t.Fatalf("GET /dashboard: %d", s)
	}
	if got := browserText(t, ctx, "#response-rate-value"); got != "0,0 %" {
		t.Errorf("#response-rate-value = %q, want 0,0 %%", got)
	}
	if got := browserText(t, ctx, "#response-rate"); !strings.Contains(got, "2 đã phát hành · 0 đã dùng · 1 hết hạn chưa dùng") || !strings.Contains(got, "20,0 %") {
		t.Errorf("#response-rate = %q, want the counts and the 20 %% minimum", got)
	}
	checkAxe(t, ctx, axe, "dashboard with a response rate")
}
