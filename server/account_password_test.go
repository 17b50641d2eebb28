package server

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"hailong/survey"
)

// pwChange posts the change-password form with the session's CSRF token,
// read from the form itself.
func pwChange(t *testing.T, u *staffUser, current, next, confirm string) httpResult {
	t.Helper()
	page := u.get(t, passwordPath)
	if page.status != http.StatusOK {
		t.Fatalf("GET %s: %s", passwordPath, page)
	}
	return u.post(t, passwordPath, url.Values{
		"csrf": {csrfOf(page.body)}, "current": {current}, "new": {next}, "confirm": {confirm}, "next": {"/dashboard"},
	})
}

// wantForcedToChange checks that the user's session opens nothing but the
// change-password page: pages redirect there, API calls are 403
// password_change_required.
func wantForcedToChange(t *testing.T, u *staffUser) {
	t.Helper()
	for _, p := range []string{"/admin", "/dashboard", "/admin/users?lang=en", "/comments", "/"} {
		r := u.get(t, p)
		if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location(), passwordPath) {
			t.Errorf("GET %s before the change: %s, want 303 to %s", p, r, passwordPath)
		}
	}
	if r := u.get(t, "/dashboard"); r.location() != passwordPath+"?next="+url.QueryEscape("/dashboard") {
		t.Errorf("redirect from /dashboard to %q, want it to come back there", r.location())
	}
	for _, p := range []string{"/api/v1/admin/users", "/api/v1/reports/agencies/so-tu-phap", "/api/v1/areas"} {
		wantAPIError(t, "GET "+p+" with the session", u.get(t, p), http.StatusForbidden, "password_change_required")
	}
	// Nor can the password be turned into an API token.
	r := callAPI(t, u.env, "", http.MethodPost, "/api/v1/auth/token", map[string]string{"username": u.username, "password": u.password})
	wantAPIError(t, "token with the password someone else chose", r, http.StatusForbidden, "password_change_required")
	// The page itself, the static files and the probes stay open.
	for _, p := range []string{passwordPath, "/healthz", "/readyz", "/static/app.css"} {
		if r := u.get(t, p); r.status != http.StatusOK {
			t.Errorf("GET %s before the change: %s, want 200", p, r)
		}
	}
}

// TestPasswordChangeForcedForGeneratedAdmin: the first administrator, with
// the password generated at the first start, is sent to the change-password
// page after logging in and can do nothing else; once a new password is
// chosen the dashboard works, and the old password no longer does.
func TestPasswordChangeForcedForGeneratedAdmin(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	generated, err := env.store.EnsureAdmin(ctx, "")
	if err != nil || generated == "" {
		t.Fatalf("EnsureAdmin: %q, %v", generated, err)
	}
	admin := loginAs(t, env, "admin", generated)
	wantForcedToChange(t, admin)

	page := admin.get(t, passwordPath)
	if !hasElement(page.body, "[id=\"forced\"]") || !hasElement(page.body, "[autocomplete=\"new-password\"]") {
		t.Errorf("change-password page lacks the notice or the new-password fields: %s", page)
	}
	// Field errors: 400, the form again, nothing changed.
	for _, tc := range []struct{ name, current, next, confirm, field string }{
		{"wrong current password", "not-the-password", "a-brand-new-password", "a-brand-new-password", "current"},
		{"too short", generated, "short", "short", "new"},
		{"typed differently", generated, "a-brand-new-password", "a-brand-new-passw0rd", "confirm"},
		{"the same password", generated, generated, generated, "new"},
	} {
		r := pwChange(t, admin, tc.current, tc.next, tc.confirm)
		if r.status != http.StatusBadRequest || !hasElement(r.body, "[id=\""+tc.field+"-err\"]") || !hasElement(r.body, "[id=\"errors\"]") {
			t.Errorf("%s: %s, want 400 with an error at %s", tc.name, r, tc.field)
		}
		if strings.Contains(r.body, "a-brand-new-password") || strings.Contains(r.body, generated) {
			t.Errorf("%s: the page echoes a password", tc.name)
		}
	}
	if u, _ := env.store.User(ctx, "admin"); !u.MustChangePassword || !survey.CheckPassword(&u, generated) {
		t.Fatalf("refused changes changed the account: %+v", u)
	}

	r := pwChange(t, admin, generated, "a-brand-new-password", "a-brand-new-password")
	if r.status != http.StatusSeeOther || r.location() != "/dashboard" {
		t.Fatalf("change: %s, want 303 to /dashboard", r)
	}
	if ck := r.cookie(sessionCookie); ck == nil || ck.Value == "" || !ck.HttpOnly {
		t.Errorf("change: no new session cookie: %+v", ck)
	}
	for _, p := range []string{"/dashboard", "/admin", "/api/v1/admin/users"} {
		if r := admin.get(t, p); r.status != http.StatusOK {
			t.Errorf("GET %s after the change: %s, want 200", p, r)
		}
	}
	if u, _ := env.store.User(ctx, "admin"); u.MustChangePassword {
		t.Errorf("account still flagged after the change")
	}
	if r := loginForm(t, env, env.client(t), "admin", generated); r.status != http.StatusUnauthorized {
		t.Errorf("login with the generated password after the change: %s, want 401", r)
	}
	again := loginAs(t, env, "admin", "a-brand-new-password")
	if r := again.get(t, "/admin"); r.status != http.StatusOK {
		t.Errorf("login with the new password: /admin %s, want 200", r)
	}
	var changed bool
	entries, err := env.store.Audit(ctx, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		changed = changed || e.Action == "password_change" && e.Actor == "admin"
		if strings.Contains(e.Before+e.After, "a-brand-new-password") || strings.Contains(e.Before+e.After, generated) {
			t.Errorf("audit entry holds a password: %+v", e)
		}
	}
	if !changed {
		t.Errorf("no password_change audit entry")
	}
}

// TestPasswordChangeNotForcedWhenChosen: a password the operator gave
// (HAILONG_ADMIN_PASSWORD) is not forced to change; the page still lets any
// user change their own, which ends their other sessions.
func TestPasswordChangeNotForcedWhenChosen(t *testing.T) {
	env := newTestEnv(t)
	if _, err := env.store.EnsureAdmin(context.Background(), adminPassword); err != nil {
		t.Fatal(err)
	}
	admin := loginAs(t, env, "admin", adminPassword)
	other := loginAs(t, env, "admin", adminPassword)
	if r := admin.get(t, "/admin"); r.status != http.StatusOK {
		t.Fatalf("/admin with the operator's password: %s, want 200", r)
	}
	if page := admin.get(t, passwordPath); page.status != http.StatusOK || hasElement(page.body, "[id=\"forced\"]") {
		t.Errorf("change-password page without a forced change: %s", page)
	}
	if r := pwChange(t, admin, adminPassword, "another-good-password", "another-good-password"); r.status != http.StatusSeeOther {
		t.Fatalf("voluntary change: %s", r)
	}
	if r := admin.get(t, "/admin"); r.status != http.StatusOK {
		t.Errorf("this browser after the change: %s, want 200", r)
	}
	if r := other.get(t, "/admin"); r.status != http.StatusSeeOther || !strings.HasPrefix(r.location(), "/login") {
		t.Errorf("another session after the change: %s, want 303 to /login", r)
	}
}

// TestPasswordResetByAdminForcesChange: a password an administrator set for
// someone else must be changed at that user's next login; an administrator
// resetting their own is not held.
func TestPasswordResetByAdminForcesChange(t *testing.T) {
	env := newTestEnv(t)
	admin := newAdmin(t, env)
	insertUser(t, env, "nv-reset2", survey.RoleInspector)
	if r := admin.api(t, http.MethodPost, "/api/v1/admin/users/nv-reset2/password", map[string]string{"password": "set-by-the-admin"}); r.status != http.StatusNoContent {
		t.Fatalf("reset: %s", r)
	}
	u := loginAs(t, env, "nv-reset2", "set-by-the-admin")
	wantForcedToChange(t, u)
	if r := pwChange(t, u, "set-by-the-admin", "only-i-know-this", "only-i-know-this"); r.status != http.StatusSeeOther {
		t.Fatalf("change: %s", r)
	}
	if r := u.get(t, "/dashboard"); r.status != http.StatusOK {
		t.Errorf("dashboard after the change: %s, want 200", r)
	}

	if r := admin.api(t, http.MethodPost, "/api/v1/admin/users/admin/password", map[string]string{"password": "admins-own-choice"}); r.status != http.StatusNoContent {
		t.Fatalf("own reset: %s", r)
	}
	if got, _ := env.store.User(context.Background(), "admin"); got.MustChangePassword {
		t.Errorf("an administrator's reset of their own password forces a change")
	}
}
