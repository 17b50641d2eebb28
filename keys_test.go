package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"hailong/survey"
	"hailong/survey/store"
)

// TestKeysCommandAuditsAsTheAPI: "hailong keys rotate" and "hailong keys
// retire N" write the audit entries that the administration's API writes
// for the same operations: the same actions, targets and fields, the new
// key's activeFrom included (both go through store.RotateInvitationKey and
// store.RetireInvitationKey).
func TestKeysCommandAuditsAsTheAPI(t *testing.T) {
	dir := t.TempDir()
	const password = "keys-test-admin-password"
	serveWith(t, dir, map[string]string{"HAILONG_ADMIN_PASSWORD": password}, func(base string) {
		var tok struct{ Token string }
		if !apiCall(t, "", base+"/api/v1/auth/token", `{"username":"admin","password":"`+password+`"}`, http.StatusCreated, &tok) {
			return
		}
		var k struct{ ID int }
		if apiCall(t, tok.Token, base+"/api/v1/admin/invitation-keys", "", http.StatusCreated, &k) {
			apiCall(t, tok.Token, base+"/api/v1/admin/invitation-keys/"+strconv.Itoa(k.ID)+"/retire", "", http.StatusOK, nil)
		}
	})

	ctx := context.Background()
	st, err := store.Open(ctx, store.Config{DataDir: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close(ctx)
	var out bytes.Buffer
	if err := keysCommand(ctx, st, []string{"rotate"}, &out); err != nil {
		t.Fatalf("keys rotate: %v", err)
	}
	made := regexp.MustCompile(`key (\d+) made`).FindStringSubmatch(out.String())
	if made == nil {
		t.Fatalf("keys rotate printed no new key:\n%s", out.String())
	}
	if err := keysCommand(ctx, st, []string{"retire", made[1]}, &out); err != nil {
		t.Fatalf("keys retire %s: %v", made[1], err)
	}

	entries, err := st.Audit(ctx, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := st.InvitationKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	activeFrom := map[string]time.Time{}
	for _, k := range keys {
		activeFrom["key "+strconv.Itoa(k.ID)] = k.ActiveFrom
	}
	byActor := map[string]map[string]survey.AuditEntry{} // actor → action → entry
	for _, e := range entries {
		if strings.HasPrefix(e.Action, "invitation_key_") {
			if byActor[e.Actor] == nil {
				byActor[e.Actor] = map[string]survey.AuditEntry{}
			}
			byActor[e.Actor][e.Action] = e
		}
	}
	api, cli := byActor["admin"], byActor["cli"]
	if len(api) != 2 || !slices.Equal(slices.Sorted(maps.Keys(api)), slices.Sorted(maps.Keys(cli))) {
		t.Fatalf("key audit actions: API %v, command %v; want the same rotation and retirement", slices.Sorted(maps.Keys(api)), slices.Sorted(maps.Keys(cli)))
	}
	for action, a := range api {
		c := cli[action]
		if !regexp.MustCompile(`^key \d+$`).MatchString(a.Target) || !regexp.MustCompile(`^key \d+$`).MatchString(c.Target) {
			t.Errorf("%s: targets %q (API) and %q (command), want \"key N\"", action, a.Target, c.Target)
		}
		if a.Before != c.Before {
			t.Errorf("%s: before %q (API), %q (command)", action, a.Before, c.Before)
		}
		af, cf := fields(t, a.After), fields(t, c.After)
		if !slices.Equal(slices.Sorted(maps.Keys(af)), slices.Sorted(maps.Keys(cf))) {
			t.Errorf("%s: fields %v (API), %v (command)", action, af, cf)
		}
		for _, e := range []survey.AuditEntry{a, c} {
			if action != "invitation_key_rotate" {
				continue
			}
			var after struct{ ActiveFrom time.Time } // the database keeps milliseconds
			if err := json.Unmarshal([]byte(e.After), &after); err != nil || !after.ActiveFrom.Truncate(time.Millisecond).Equal(activeFrom[e.Target]) {
				t.Errorf("%s by %s: activeFrom %v, want the key's %v (%v)", action, e.Actor, after.ActiveFrom, activeFrom[e.Target], err)
			}
		}
	}
}

// apiCall posts body (nothing when empty) to url with the bearer token, if
// any, and decodes the answer into v; it reports whether the status was want.
func apiCall(t *testing.T, token, url, body string, want int, v any) bool {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Error(err)
		return false
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Error(err)
		return false
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		t.Errorf("POST %s: %d, want %d: %s", url, res.StatusCode, want, b)
		return false
	}
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			t.Errorf("POST %s: %v", url, err)
			return false
		}
	}
	return true
}

// fields decodes an audit entry's JSON record ("" is no record).
func fields(t *testing.T, s string) map[string]any {
	t.Helper()
	m := map[string]any{}
	if s != "" {
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			t.Errorf("audit record %q: %v", s, err)
		}
	}
	return m
}
