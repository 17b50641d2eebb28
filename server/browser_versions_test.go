package server

// Browser test of questionnaire versions (issue 14): in Chromium, the
// dashboard of a year whose questionnaire changed says that the change
// since the year before is not comparable and why (in Vietnamese), and
// lists the versions scored; the year before shows its 83,0 % scored with
// its own version; the rankings page marks the change not comparable.
// The fixture is versionsFixture (versions_test.go).

import (
	"strings"
	"testing"
)

func TestBrowserNotComparableChange(t *testing.T) {
	ctx := newBrowser(t)
	env := newTestEnv(t)
	versionsFixture(t, env)
	const password = "browser-versions-password-1"
	versionsToken(t, env, password)
	if p := browserLogin(t, ctx, env, "admin", password); p != "/admin" {
		t.Fatalf("the administrator lands on %s after logging in, want /admin", p)
	}

	if s := browserOpen(t, ctx, env, "/dashboard?agency=so-tu-phap&from=2024-01&to=2024-12"); s != 200 {
		t.Fatalf("GET /dashboard 2024: %d", s)
	}
	if got := browserText(t, ctx, "#overall"); got != "83,0 %" {
		t.Errorf("2024 overall on the page %q, want 83,0 %% (scored with version 1)", got)
	}
	if got := browserText(t, ctx, "#versions"); !strings.Contains(got, viMessage(t, env, "versions.item", "sipas-2017", 1, "40")) {
		t.Errorf("2024 versions line %q does not name version 1 with its 40 responses", got)
	}

	if s := browserOpen(t, ctx, env, "/dashboard?agency=so-tu-phap&from=2025-01&to=2025-12"); s != 200 {
		t.Fatalf("GET /dashboard 2025: %d", s)
	}
	if got, want := browserText(t, ctx, "#change-value"), viMessage(t, env, "versions.not_comparable"); got != want {
		t.Errorf("2025 change on the page %q, want %q", got, want)
	}
	if got, want := browserText(t, ctx, "#change-why"), viMessage(t, env, "versions.not_comparable_why"); got != want {
		t.Errorf("2025 change explained as %q, want %q", got, want)
	}
	if got := eval[string](t, ctx, `document.querySelector('#change').dataset.note`); got != "not_comparable" {
		t.Errorf("#change data-note %q, want not_comparable", got)
	}
	versions := browserText(t, ctx, "#versions")
	for _, v := range []string{viMessage(t, env, "versions.item", "sipas-2017", 1, "40"), viMessage(t, env, "versions.item", "sipas-2017", 2, "40")} {
		if !strings.Contains(versions, v) {
			t.Errorf("2025 versions line %q lacks %q", versions, v)
		}
	}
	// The criteria of both versions are listed: 1.1–1.4 and 1.5–1.7.
	codes := eval[[]string](t, ctx, `Array.from(document.querySelectorAll('table#criteria tbody tr[data-code]')).map(r => r.dataset.code)`)
	for _, c := range []string{"1.1", "1.4", "1.5", "1.7"} {
		found := false
		for _, got := range codes {
			found = found || got == c
		}
		if !found {
			t.Errorf("criterion %s is not on the 2025 dashboard (%v)", c, codes)
		}
	}

	if s := browserOpen(t, ctx, env, "/rankings?from=2025-01&to=2025-12&basis=all"); s != 200 {
		t.Fatalf("GET /rankings: %d", s)
	}
	note := eval[string](t, ctx, `(document.querySelector('tr[data-agency="so-tu-phap"] .not-comparable') || {innerText: ''}).innerText.trim()`)
	if note != viMessage(t, env, "versions.not_comparable") {
		t.Errorf("rankings: the justice department's change note is %q, want %q", note, viMessage(t, env, "versions.not_comparable"))
	}
}
