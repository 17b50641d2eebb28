package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"hailong/survey"
	"hailong/survey/store"
)

// mintToken gets a token with POST /api/v1/auth/token and returns it with
// the expiry the answer gives.
func mintToken(t *testing.T, env *testEnv, username, password string) (string, time.Time) {
	t.Helper()
	r := callAPI(t, env, "", http.MethodPost, "/api/v1/auth/token", map[string]string{"username": username, "password": password})
	if r.status != http.StatusCreated {
		t.Fatalf("token for %s: %s", username, r)
	}
	var out struct {
		Token     string    `json:"token"`
		ExpiresAt time.Time `json:"expiresAt"`
	}
	if err := json.Unmarshal([]byte(r.body), &out); err != nil || out.Token == "" {
		t.Fatalf("token for %s: %s: %v", username, r.body, err)
	}
	return out.Token, out.ExpiresAt
}

// tokenWorks reports whether a reader's token opens GET /api/v1/rankings (a
// refused token is 401; anything else is a failure of the test).
func tokenWorks(t *testing.T, env *testEnv, tok string) bool {
	t.Helper()
	r := callAPI(t, env, tok, http.MethodGet, "/api/v1/rankings", nil)
	switch r.status {
	case http.StatusOK:
		return true
	case http.StatusUnauthorized:
		return false
	}
	t.Fatalf("GET /api/v1/rankings with a token: %s", r)
	return false
}

// integrationKeyWorks reports whether an integration key issues an invitation.
func integrationKeyWorks(t *testing.T, env *testEnv, key string, n int) bool {
	t.Helper()
	r := callAPI(t, env, key, http.MethodPost, "/api/v1/invitations",
		map[string]any{"agency": "so-tu-phap", "area": "tu-phap", "dossierRef": fmt.Sprintf("000.00.25.H58-TTL-%04d", n)})
	switch r.status {
	case http.StatusCreated:
		return true
	case http.StatusUnauthorized:
		return false
	}
	t.Fatalf("invitation with the integration key: %s", r)
	return false
}

// TestTokenExpiresAt: a minted token says when it expires (HAILONG_TOKEN_TTL
// after now), and stops working then; an issued token has no expiry.
func TestTokenExpiresAt(t *testing.T) {
	env := newTestEnvConfig(t, Config{TokenTTL: 2 * time.Hour})
	ctx := context.Background()
	pw := insertUser(t, env, "scripter", survey.RoleInspector)
	before := time.Now()
	tok, exp := mintToken(t, env, "scripter", pw)
	if exp.Before(before.Add(2*time.Hour-time.Second)) || exp.After(time.Now().Add(2*time.Hour)) {
		t.Errorf("expiresAt %v, want 2 h after %v", exp, before)
	}
	stored, err := env.store.Token(ctx, hashID(tok))
	if err != nil || !stored.ExpiresAt.Equal(exp) || stored.Kind != store.TokenLogin {
		t.Errorf("stored token %+v, %v; want kind login expiring at %v", stored, err, exp)
	}
	if !tokenWorks(t, env, tok) {
		t.Fatalf("a fresh token does not work")
	}

	// The same token past its expiry, and one just before it.
	for _, tc := range []struct {
		expires time.Time
		works   bool
	}{{time.Now().Add(-time.Second), false}, {time.Now().Add(time.Minute), true}} {
		raw := "hl_" + newSecret()
		err := env.store.InsertToken(ctx, store.APIToken{ID: hashID(raw), Username: "scripter", Label: "t", CreatedAt: time.Now(),
			Prefix: raw[:9], Kind: store.TokenLogin, ExpiresAt: tc.expires})
		if err != nil {
			t.Fatal(err)
		}
		if got := tokenWorks(t, env, raw); got != tc.works {
			t.Errorf("token expiring at %v: works %v, want %v", tc.expires, got, tc.works)
		}
	}

	// The default is 30 days.
	env2 := newTestEnv(t)
	pw2 := insertUser(t, env2, "scripter", survey.RoleInspector)
	if _, exp := mintToken(t, env2, "scripter", pw2); time.Until(exp) < 720*time.Hour-time.Minute || time.Until(exp) > 720*time.Hour {
		t.Errorf("default expiry %v, want 720 h from now", exp)
	}

	// An administrator's issued token has none.
	admin := newAdmin(t, env)
	key := newIntegrationKey(t, env, admin, "mot-cua", "so-tu-phap")
	if it, err := env.store.Token(ctx, hashID(key)); err != nil || !it.ExpiresAt.IsZero() || it.Kind != store.TokenIssued {
		t.Errorf("issued token %+v, %v; want kind issued without expiry", it, err)
	}
}

// TestTokenDiesWithPasswordRoleAndState: a user's minted tokens and its
// sessions end with a password reset, a change of role and disablement
// (re-enabling brings none back); other users' tokens, and an integration
// account's keys, are untouched by them, and a change of the integration
// account's agencies keeps its keys.
func TestTokenDiesWithPasswordRoleAndState(t *testing.T) {
	env := newTestEnv(t)
	admin := newAdmin(t, env)
	key := newIntegrationKey(t, env, admin, "mot-cua", "so-tu-phap")
	pw := insertUser(t, env, "scripter", survey.RoleInspector)
	inv := 0
	others := func(when string) {
		t.Helper()
		if !tokenWorks(t, env, admin.token) {
			t.Errorf("%s: the administrator's token stopped working", when)
		}
		if r := admin.get(t, "/admin"); r.status != http.StatusOK {
			t.Errorf("%s: the administrator's session ended: %s", when, r)
		}
		inv++
		if !integrationKeyWorks(t, env, key, inv) {
			t.Errorf("%s: the integration key stopped working", when)
		}
	}
	user := func(r httpResult, what string) {
		t.Helper()
		if r.status != http.StatusOK && r.status != http.StatusNoContent {
			t.Fatalf("%s: %s", what, r)
		}
	}

	steps := []struct {
		name   string
		change func()
	}{
		{"role change", func() {
			user(admin.api(t, http.MethodPut, "/api/v1/admin/users/scripter",
				map[string]any{"name": "Scripter", "role": "staff", "agencies": []string{"so-tu-phap"}}), "demote")
		}},
		{"disablement", func() {
			user(admin.api(t, http.MethodPut, "/api/v1/admin/users/scripter",
				map[string]any{"name": "Scripter", "role": "staff", "agencies": []string{"so-tu-phap"}, "disabled": true}), "disable")
			user(admin.api(t, http.MethodPut, "/api/v1/admin/users/scripter",
				map[string]any{"name": "Scripter", "role": "staff", "agencies": []string{"so-tu-phap"}}), "enable again")
		}},
		{"password reset", func() {
			user(admin.api(t, http.MethodPost, "/api/v1/admin/users/scripter/password", map[string]string{"password": "new-password-0001"}), "reset")
		}},
	}
	// The reset comes last: after it the user must choose a new password
	// before anything else.
	for _, st := range steps {
		tok, _ := mintToken(t, env, "scripter", pw)
		sess := loginAs(t, env, "scripter", pw)
		if !tokenWorks(t, env, tok) {
			t.Fatalf("before the %s: the token does not work", st.name)
		}
		st.change()
		if tokenWorks(t, env, tok) {
			t.Errorf("after the %s: the user's token still works", st.name)
		}
		if r := sess.get(t, "/dashboard"); r.status != http.StatusSeeOther || !strings.HasPrefix(r.location(), "/login") {
			t.Errorf("after the %s: the user's session still works: %s", st.name, r)
		}
		others("after the " + st.name + " of another user")
	}

	// The integration account: a change of its agencies keeps its key; its
	// own disablement ends it for good; revocation ends another key.
	user(admin.api(t, http.MethodPut, "/api/v1/admin/users/mot-cua",
		map[string]any{"name": "Một cửa", "role": "integration", "agencies": []string{"so-tu-phap", "so-tn-mt"}}), "widen integration")
	others("after a change of the integration account's agencies")
	second := newIntegrationKey(t, env, admin, "mot-cua-2", "so-tu-phap")
	if r := admin.api(t, http.MethodDelete, "/api/v1/admin/tokens/"+hashID(second), nil); r.status != http.StatusNoContent {
		t.Fatalf("revoke: %s", r)
	}
	inv++
	if integrationKeyWorks(t, env, second, inv) {
		t.Errorf("a revoked integration key still works")
	}
	user(admin.api(t, http.MethodPut, "/api/v1/admin/users/mot-cua",
		map[string]any{"name": "Một cửa", "role": "integration", "agencies": []string{"so-tu-phap"}, "disabled": true}), "disable integration")
	user(admin.api(t, http.MethodPut, "/api/v1/admin/users/mot-cua",
		map[string]any{"name": "Một cửa", "role": "integration", "agencies": []string{"so-tu-phap"}}), "enable integration")
	inv++
	if integrationKeyWorks(t, env, key, inv) {
		t.Errorf("an integration key works again after its account was disabled and enabled")
	}
}

// TestTokenTTLConfig: HAILONG_TOKEN_TTL is a Go duration, 720h by default,
// checked at start.
func TestTokenTTLConfig(t *testing.T) {
	load := func(v string) (Config, error) {
		return LoadConfig(func(k string) string {
			if k == "HAILONG_TOKEN_TTL" {
				return v
			}
			return ""
		})
	}
	if cfg, err := load(""); err != nil || cfg.TokenTTL != 720*time.Hour {
		t.Errorf("default: %v, %v; want 720h", cfg.TokenTTL, err)
	}
	if cfg, err := load("48h"); err != nil || cfg.TokenTTL != 48*time.Hour {
		t.Errorf("48h: %v, %v", cfg.TokenTTL, err)
	}
	for _, bad := range []string{"thirty days", "0s", "-1h", "30s", "9000h", "30"} {
		if _, err := load(bad); err == nil || !strings.Contains(err.Error(), "HAILONG_TOKEN_TTL") {
			t.Errorf("HAILONG_TOKEN_TTL=%q: err %v, want one naming the variable", bad, err)
		}
	}
}
