package server

// Browser test of an incomplete unit (issue 14): a unit whose responses
// answered a whole factor "not applicable" has no overall index, and the
// pages say so in Chromium: the rankings list it apart with the missing
// factor as the reason, and its dashboard shows no overall index. Helpers
// are in browser_test.go, browser_admin_test.go and index_validity_test.go.

import (
	"strings"
	"testing"
	"time"

	"hailong/survey"
)

func TestBrowserIncompleteUnit(t *testing.T) {
	ctx := newBrowser(t)
	env := newTestEnvMin(t, 1)
	azAdmin(t, env)
	noYT5 := map[string]int{"5.1": survey.NotApplicable, "5.2": survey.NotApplicable, "5.3": survey.NotApplicable, "5.4": survey.NotApplicable}
	for range 2 {
		dtSubmit(t, env, "", "so-tu-phap", "tu-phap", "web", "", dtUniform(t, env, "tu-phap", 5, noYT5))
	}
	dtSubmit(t, env, "", "so-xay-dung", "xay-dung", "web", "", dtUniform(t, env, "xay-dung", 4, nil))
	dtFlush(t, env)
	now := survey.MonthOf(time.Now()).String()

	browserLogin(t, ctx, env, "admin", azAdminPassword)
	if s := browserOpen(t, ctx, env, "/rankings?from="+now+"&to="+now); s != 200 {
		t.Fatalf("GET /rankings: %d, want 200", s)
	}
	if r := browserText(t, ctx, `#ranked-department tr[data-agency="so-xay-dung"] td.rank`); !strings.HasPrefix(r, "1 (") {
		t.Errorf("so-xay-dung's rank on the page: %q, want 1", r)
	}
	reason := browserText(t, ctx, `#unranked-department tr[data-agency="so-tu-phap"] td.reason`)
	if !strings.Contains(reason, "YT5") {
		t.Errorf("so-tu-phap's reason on the rankings page: %q, want the missing factor YT5", reason)
	}
	if idx := browserText(t, ctx, `#unranked-department tr[data-agency="so-tu-phap"] td.index`); idx != "—" {
		t.Errorf("so-tu-phap's index on the rankings page: %q, want none", idx)
	}

	if s := browserOpen(t, ctx, env, "/dashboard?agency=so-tu-phap&from="+now+"&to="+now); s != 200 {
		t.Fatalf("GET /dashboard: %d, want 200", s)
	}
	if o := browserText(t, ctx, "#overall"); !strings.Contains(o, "YT5") || strings.Contains(o, "%") {
		t.Errorf("the dashboard's overall index: %q, want no index and the missing factor YT5", o)
	}
	if r := browserText(t, ctx, "#rank-reason"); !strings.Contains(r, "YT5") {
		t.Errorf("the dashboard's rank reason: %q, want the missing factor", r)
	}
}
