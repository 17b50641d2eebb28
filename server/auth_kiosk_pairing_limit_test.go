package server

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"

	"hailong/survey"
)

// wrongHalves returns n codes with the code's first half (its locator) and
// another second half each.
func wrongHalves(code string, n int) []string {
	norm, _ := survey.NormalizePairingCode(code)
	const alphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
	var out []string
	for i := 0; len(out) < n; i++ {
		guess := norm[:4] + "-" + strings.Repeat(string(alphabet[i%len(alphabet)]), 3) + string(alphabet[(i/len(alphabet))%len(alphabet)])
		if g, _ := survey.NormalizePairingCode(guess); g != norm {
			out = append(out, guess)
		}
	}
	return out
}

// pairCodes tries the codes at once from fresh browsers and returns the
// error codes of the answers.
func pairCodes(t *testing.T, env *testEnv, codes []string) []string {
	t.Helper()
	got := make([]string, len(codes))
	var wg sync.WaitGroup
	for i, code := range codes {
		wg.Go(func() {
			res, err := http.Post(env.http.URL+"/api/v1/kiosk/pair", "application/json", strings.NewReader(`{"code":"`+code+`"}`))
			if err != nil {
				t.Errorf("pair %s: %v", code, err)
				return
			}
			defer res.Body.Close()
			var e apiErrorBody
			_ = json.NewDecoder(res.Body).Decode(&e)
			got[i] = e.Error.Code
			if res.StatusCode == http.StatusOK {
				got[i] = "paired"
			}
		})
	}
	wg.Wait()
	return got
}

func countOf(xs []string, x string) int {
	n := 0
	for _, v := range xs {
		if v == x {
			n++
		}
	}
	return n
}

// TestKioskPairingCodeBurntByWrongTries: wrong tries at a pairing code sent
// at once are each counted; survey.PairingCodeMaxTries of them burn the code
// (the last answered kiosk_code_locked, audited), and the right code then
// fails. One fewer leaves it working. Tries at codes that name no pending
// code count against none.
func TestKioskPairingCodeBurntByWrongTries(t *testing.T) {
	env := newTestEnv(t)
	admin := newAdmin(t, env)
	limit := survey.PairingCodeMaxTries

	id, code := kioskCreate(t, admin, kioskBody(1))
	got := pairCodes(t, env, wrongHalves(code, limit))
	if countOf(got, "kiosk_code_invalid") != limit-1 || countOf(got, "kiosk_code_locked") != 1 {
		t.Fatalf("%d wrong tries at once: %v, want %d kiosk_code_invalid and 1 kiosk_code_locked", limit, got, limit-1)
	}
	_, r := tablet(t, env, code)
	if r.status == http.StatusOK {
		t.Fatalf("the right code after %d wrong tries paired", limit)
	}
	e := wantAPIError(t, "right code of a burnt code", r, http.StatusBadRequest, "kiosk_code_invalid")
	if e.Error.Fields["code"] == "" {
		t.Errorf("no message at fields.code: %s", r.body)
	}
	if k, _ := env.store.Kiosk(context.Background(), id); k.Paired || k.CodeHash != "" {
		t.Errorf("kiosk after its code burnt: paired %v, pending code %q", k.Paired, k.CodeHash)
	}
	entries, err := env.store.Audit(context.Background(), "", 100)
	if err != nil {
		t.Fatal(err)
	}
	audited := false
	for _, e := range entries {
		audited = audited || e.Action == "kiosk_pair_locked" && e.Target == id
	}
	if !audited {
		t.Errorf("no kiosk_pair_locked audit entry for %s", id)
	}

	// A new code for the same kiosk; tries at other codes and one fewer
	// wrong tries than the limit leave it working.
	r = admin.api(t, http.MethodPost, "/api/v1/admin/kiosks/"+id+"/code", nil)
	if r.status != http.StatusCreated {
		t.Fatalf("new code: %s", r)
	}
	var fresh struct {
		PairingCode string `json:"pairingCode"`
	}
	if err := json.Unmarshal([]byte(r.body), &fresh); err != nil || fresh.PairingCode == "" {
		t.Fatalf("new code: %s (%v)", r.body, err)
	}
	var elsewhere []string
	for _, c := range wrongHalves("WXYZ-2345", 12) {
		if !strings.HasPrefix(c, fresh.PairingCode[:4]) {
			elsewhere = append(elsewhere, c)
		}
	}
	if got := pairCodes(t, env, elsewhere); countOf(got, "kiosk_code_invalid") != len(got) {
		t.Fatalf("tries at no pending code: %v, want all kiosk_code_invalid", got)
	}
	got = pairCodes(t, env, wrongHalves(fresh.PairingCode, limit-1))
	if countOf(got, "kiosk_code_invalid") != limit-1 {
		t.Fatalf("%d wrong tries: %v, want all kiosk_code_invalid", limit-1, got)
	}
	if _, r := tablet(t, env, fresh.PairingCode); r.status != http.StatusOK {
		t.Fatalf("the right code after %d wrong tries: %s, want it to pair", limit-1, r)
	}
}

// TestKioskPairingLockedMessage: the try that burns a code is told why, in
// Vietnamese by default.
func TestKioskPairingLockedMessage(t *testing.T) {
	env := newTestEnv(t)
	admin := newAdmin(t, env)
	_, code := kioskCreate(t, admin, kioskBody(1))
	wrongs := wrongHalves(code, survey.PairingCodeMaxTries)
	pairCodes(t, env, wrongs[:len(wrongs)-1])
	_, r := tablet(t, env, wrongs[len(wrongs)-1])
	e := wantAPIError(t, "the try that burns the code", r, http.StatusBadRequest, "kiosk_code_locked")
	if want := env.srv.locales[survey.Vi].T("api.kiosk_code_locked"); e.Error.Fields["code"] != want {
		t.Errorf("fields.code = %q, want %q", e.Error.Fields["code"], want)
	}
}
