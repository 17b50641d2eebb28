package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"hailong/survey"
	"hailong/survey/store"
)

// lockoutKey is the failure record key of a user name tried from a client
// address, as the server computes it.
func lockoutKey(t testing.TB, env *testEnv, username, addr string) string {
	t.Helper()
	gc, _ := gin.CreateTestContext(httptest.NewRecorder())
	gc.Request = httptest.NewRequest(http.MethodPost, "/login", nil)
	gc.Set(clientKey, netip.MustParseAddr(addr))
	k, _ := env.srv.attemptKeys(gc, username)
	return k
}

// forwardedFor sends every request as if relayed by a trusted proxy for
// the client addr.
type forwardedFor struct{ addr string }

func (f forwardedFor) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-Forwarded-For", f.addr)
	return http.DefaultTransport.RoundTrip(r)
}

// clientAt is a browser (cookie jar, no redirects) at the address addr,
// behind the trusted proxy of lockoutEnv.
func clientAt(addr string) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Transport: forwardedFor{addr},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// lockoutEnv is a service behind a trusted proxy on the loopback, so tests
// can speak for several clients.
func lockoutEnv(t *testing.T) *testEnv {
	t.Helper()
	return newTestEnvConfig(t, Config{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
}

func tokenAt(t *testing.T, env *testEnv, addr, username, password string) httpResult {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"username": username, "password": password})
	return doRequest(t, clientAt(addr), http.MethodPost, env.http.URL+"/api/v1/auth/token", string(body),
		map[string]string{"Content-Type": "application/json"})
}

// TestLoginLockoutPerClient: ten wrong passwords from client A lock A out
// (the form and the token endpoint answer 429), while client B logs in
// with the right password, by form and for a token. The records hold no
// raw address.
func TestLoginLockoutPerClient(t *testing.T) {
	env := lockoutEnv(t)
	ctx := context.Background()
	if _, err := env.store.EnsureAdmin(ctx, adminPassword); err != nil {
		t.Fatal(err)
	}
	const a, b = "203.0.113.10", "198.51.100.20"
	ca := clientAt(a)
	for i := 1; i <= 10; i++ {
		r := loginForm(t, env, ca, "admin", "wrong-password-"+string(rune('a'+i)))
		want := http.StatusUnauthorized
		if i > clientFreeTries {
			want = http.StatusTooManyRequests
		}
		if r.status != want || r.cookie(sessionCookie) != nil {
			t.Fatalf("wrong password %d from A: %s, want %d and no session", i, r, want)
		}
	}
	if a, err := env.store.LoginAttempts(ctx, lockoutKey(t, env, "admin", a)); err != nil || a.Failures != clientFreeTries {
		t.Errorf("A's record = %+v, %v; want %d failures (locked tries are not failures)", a, err, clientFreeTries)
	}

	// B has not failed: it gets in, by form and for a token.
	if r := loginForm(t, env, clientAt(b), "admin", adminPassword); r.status != http.StatusSeeOther || r.cookie(sessionCookie) == nil {
		t.Errorf("right password from B after A's failures: %s, want 303 with a session", r)
	}
	if r := tokenAt(t, env, b, "admin", adminPassword); r.status != http.StatusCreated {
		t.Errorf("token from B: %s, want 201", r)
	}

	// A waits, even with the right password, and is told so.
	r := loginForm(t, env, ca, "admin", adminPassword)
	if r.status != http.StatusTooManyRequests || r.cookie(sessionCookie) != nil {
		t.Errorf("right password from A: %s, want 429 and no session", r)
	}
	if !strings.Contains(r.body, env.srv.locales[survey.Vi].T("login.locked")) {
		t.Errorf("right password from A: the page does not give the lockout message")
	}
	tr := tokenAt(t, env, a, "admin", adminPassword)
	if tr.status != http.StatusTooManyRequests || decodeAPIError(t, tr).Error.Code != "too_many_attempts" {
		t.Errorf("token from A: %s, want 429 too_many_attempts", tr)
	}

	// No raw address in a record's key.
	for _, addr := range []string{a, b} {
		k := lockoutKey(t, env, "admin", addr)
		if strings.Contains(k, addr) || !strings.HasPrefix(k, "c|admin|") {
			t.Errorf("record key %q for %s", k, addr)
		}
	}
	if lockoutKey(t, env, "admin", a) == lockoutKey(t, env, "admin", b) {
		t.Errorf("two clients share a record")
	}

	// A's wait ends: then the right password works and clears A's record.
	if err := env.store.SetLoginAttempts(ctx, store.LoginAttempts{Key: lockoutKey(t, env, "admin", a), Failures: clientFreeTries, LastFailure: time.Now().Add(-31 * time.Second)}); err != nil {
		t.Fatal(err)
	}
	if r := loginForm(t, env, ca, "admin", adminPassword); r.status != http.StatusSeeOther {
		t.Errorf("right password from A after its wait: %s, want 303", r)
	}
	if rec, _ := env.store.LoginAttempts(ctx, lockoutKey(t, env, "admin", a)); rec.Failures != 0 {
		t.Errorf("A's record after a successful login: %+v, want cleared", rec)
	}
}

// TestLoginLockoutConcurrent: parallel wrong passwords are all counted. From
// one client, the tries are taken one at a time, so exactly the free tries
// fail and the rest wait; from many clients at once, the user name's count
// loses none.
func TestLoginLockoutConcurrent(t *testing.T) {
	env := lockoutEnv(t)
	ctx := context.Background()
	if _, err := env.store.EnsureAdmin(ctx, adminPassword); err != nil {
		t.Fatal(err)
	}
	const n = 20
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = tokenAt(t, env, "203.0.113.99", "admin", "wrong-password-123").status
		}()
	}
	wg.Wait()
	count := map[int]int{}
	for _, s := range statuses {
		count[s]++
	}
	if count[http.StatusUnauthorized] != clientFreeTries || count[http.StatusTooManyRequests] != n-clientFreeTries {
		t.Errorf("%d parallel wrong passwords from one client: %v, want %d × 401 and the rest 429", n, count, clientFreeTries)
	}
	if a, _ := env.store.LoginAttempts(ctx, lockoutKey(t, env, "admin", "203.0.113.99")); a.Failures != clientFreeTries {
		t.Errorf("the client's record: %+v, want %d failures", a, clientFreeTries)
	}

	// n clients at once, one wrong password each: all n are counted for the user name.
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			addr := netip.AddrFrom4([4]byte{198, 51, 100, byte(i + 1)}).String()
			if r := tokenAt(t, env, addr, "admin", "wrong-password-123"); r.status != http.StatusUnauthorized {
				t.Errorf("wrong password from %s: %s, want 401", addr, r)
			}
		}()
	}
	wg.Wait()
	_, userKey := env.srv.attemptKeys(func() *gin.Context {
		gc, _ := gin.CreateTestContext(httptest.NewRecorder())
		gc.Request = httptest.NewRequest(http.MethodPost, "/login", nil)
		return gc
	}(), "admin")
	if a, _ := env.store.LoginAttempts(ctx, userKey); a.Failures != clientFreeTries+n {
		t.Errorf("the user name's record: %+v, want %d failures", a, clientFreeTries+n)
	}
}

// TestLoginLockoutUserAlarm: after many failures of one user name from
// many clients, the clients that failed wait, and a client that has not
// failed still logs in.
func TestLoginLockoutUserAlarm(t *testing.T) {
	env := lockoutEnv(t)
	ctx := context.Background()
	if _, err := env.store.EnsureAdmin(ctx, adminPassword); err != nil {
		t.Fatal(err)
	}
	gc, _ := gin.CreateTestContext(httptest.NewRecorder())
	gc.Request = httptest.NewRequest(http.MethodPost, "/login", nil)
	_, userKey := env.srv.attemptKeys(gc, "admin")
	now := time.Now()
	if err := env.store.SetLoginAttempts(ctx, store.LoginAttempts{Key: userKey, Failures: userAlarmFailures, LastFailure: now}); err != nil {
		t.Fatal(err)
	}
	// A client that failed once (below its own free tries) now waits.
	const failed, clean = "203.0.113.7", "203.0.113.8"
	if err := env.store.SetLoginAttempts(ctx, store.LoginAttempts{Key: lockoutKey(t, env, "admin", failed), Failures: 1, LastFailure: now}); err != nil {
		t.Fatal(err)
	}
	if r := tokenAt(t, env, failed, "admin", adminPassword); r.status != http.StatusTooManyRequests {
		t.Errorf("a client that failed, during the alarm: %s, want 429", r)
	}
	if r := tokenAt(t, env, clean, "admin", adminPassword); r.status != http.StatusCreated {
		t.Errorf("a client that has not failed, during the alarm: %s, want 201", r)
	}
	// The alarm ends lockMax after the user name's last failure.
	if err := env.store.SetLoginAttempts(ctx, store.LoginAttempts{Key: userKey, Failures: userAlarmFailures, LastFailure: now.Add(-lockMax - time.Second)}); err != nil {
		t.Fatal(err)
	}
	if r := tokenAt(t, env, failed, "admin", adminPassword); r.status != http.StatusCreated {
		t.Errorf("a client that failed, after the alarm: %s, want 201", r)
	}
}

// TestLockoutSchedule pins the waits of lockout.
func TestLockoutSchedule(t *testing.T) {
	now := time.Now()
	rec := func(n int, ago time.Duration) store.LoginAttempts {
		return store.LoginAttempts{Failures: n, LastFailure: now.Add(-ago)}
	}
	for _, tc := range []struct {
		name      string
		mine, all store.LoginAttempts
		want      time.Duration
	}{
		{"no failures", rec(0, 0), rec(500, 0), 0},
		{"four failures", rec(4, 0), rec(4, 0), 0},
		{"five failures", rec(5, 0), rec(5, 0), 30 * time.Second},
		{"six failures", rec(6, 10*time.Second), rec(6, 0), 50 * time.Second},
		{"many failures", rec(40, 0), rec(40, 0), lockMax},
		{"forgotten", rec(40, attemptMemory+time.Second), rec(40, 0), 0},
		{"alarm, one failure", rec(1, time.Hour), rec(userAlarmFailures, time.Minute), lockMax - time.Minute},
		{"alarm, no failure", rec(0, 0), rec(userAlarmFailures, 0), 0},
		{"alarm over", rec(1, time.Hour), rec(userAlarmFailures, lockMax+time.Second), 0},
	} {
		if got := lockout(tc.mine, tc.all, now); got != tc.want {
			t.Errorf("%s: wait %v, want %v", tc.name, got, tc.want)
		}
	}
}
