package server

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/net/html"
)

// A corpus of malformed and hostile requests against every route of the
// live engine (public and protected, anonymous and as an administrator, so
// the handlers behind the role checks are reached too): invalid UTF-8, huge
// and negative numbers, deeply nested JSON, duplicate keys, wrong content
// types, oversized bodies and headers, MongoDB operators in keys and values,
// path traversal, NUL bytes, very long paths and query strings. Every answer
// must be a 4xx (or a success), never a 5xx.

// probe is one malformed request: a body of some content type, a query, or
// headers.
type probe struct {
	name  string
	ctype string // Content-Type; "" for none
	body  string
	query string
	hdr   map[string]string
}

// bodyProbes are sent to every POST and PUT route.
func bodyProbes() []probe {
	const j, f = "application/json", "application/x-www-form-urlencoded"
	valid := `"agency":"so-tn-mt","area":"dat-dai","channel":"kiosk","idempotencyKey":"k-0123456789"`
	nested := strings.Repeat("[", 30000) + strings.Repeat("]", 30000)
	return []probe{
		{name: "empty JSON", ctype: j, body: ""},
		{name: "JSON null", ctype: j, body: "null"},
		{name: "JSON array", ctype: j, body: "[]"},
		{name: "JSON string", ctype: j, body: `"x"`},
		{name: "empty object", ctype: j, body: "{}"},
		{name: "invalid UTF-8 in JSON values", ctype: j, body: "{\"agency\":\"\xff\xfe\",\"area\":\"\xc3\x28\",\"name\":{\"vi\":\"\xed\xa0\x80\"},\"username\":\"\xff\",\"password\":\"\xfe\xfe\xfe\xfe\xfe\xfe\xfe\xfe\"}"},
		{name: "invalid UTF-8 as JSON key", ctype: j, body: "{\"\xff\":1}"},
		{name: "huge numbers", ctype: j, body: `{` + valid + `,"formVersion":1e400,"answers":{"1.1":99999999999999999999999},"order":1e309,"version":18446744073709551616}`},
		{name: "negative numbers", ctype: j, body: `{` + valid + `,"formVersion":-1,"answers":{"1.1":-5},"order":-9223372036854775808,"version":-1,"expiresInDays":-3}`},
		{name: "floats for ints", ctype: j, body: `{` + valid + `,"formVersion":1.5,"answers":{"1.1":4.5}}`},
		{name: "deeply nested", ctype: j, body: `{"respondent":` + nested + `}`},
		{name: "deeply nested objects", ctype: j, body: strings.Repeat(`{"a":`, 20000) + "1" + strings.Repeat("}", 20000)},
		{name: "duplicate keys", ctype: j, body: `{"agency":"x","agency":"so-tn-mt","area":"dat-dai","area":"dat-dai","answers":{"1.1":5,"1.1":6},"channel":"web","channel":"kiosk","idempotencyKey":"dup-0123456789"}`},
		{name: "operator as value", ctype: j, body: `{"agency":{"$ne":null},"area":{"$gt":""},"username":{"$ne":""},"password":{"$ne":""},"code":{"$regex":".*"},"answers":{"1.1":{"$gt":0}}}`},
		{name: "operator as key", ctype: j, body: `{"$where":"1==1","$set":{"role":"admin"}}`},
		{name: "operator in answers key", ctype: j, body: `{` + valid + `,"answers":{"$where":5,"1.1":5,"a.b":3,"":1}}`},
		{name: "operator strings", ctype: j, body: `{"agency":"$ne","area":"$where","username":"$gt","code":"$x","name":{"vi":"$set","en":"$inc"},"from":["$a"],"into":"$b","date":"$date"}`},
		{name: "NUL bytes in JSON", ctype: j, body: `{"agency":"so-tn-mt\u0000","area":"\u0000","comment":"a\u0000b","idempotencyKey":"\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000","username":"admin\u0000","password":"x\u0000"}`},
		{name: "wrong types", ctype: j, body: `{"agency":1,"area":true,"answers":[1,2],"channel":{},"idempotencyKey":null,"respondent":"x","name":[],"agencies":"x","areas":{},"items":"x","factors":7}`},
		{name: "trailing garbage", ctype: j, body: `{}{}`},
		{name: "truncated", ctype: j, body: `{"agency":"so-`},
		{name: "oversized JSON", ctype: j, body: `{"comment":"` + strings.Repeat("a", 70<<10) + `"}`},
		{name: "JSON as text/plain", ctype: "text/plain", body: `{}`},
		{name: "JSON in UTF-16", ctype: "application/json; charset=utf-16", body: "\xff\xfe{\x00}\x00"},
		{name: "bad media type", ctype: ";;;=", body: "{}"},
		{name: "no content type", body: "a=1"},
		{name: "form to JSON endpoint", ctype: f, body: "agency=so-tn-mt&area=dat-dai"},
		{name: "multipart garbage", ctype: "multipart/form-data; boundary=xyz", body: "--xyz\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n" + strings.Repeat("b", 100)},
		{name: "multipart no boundary", ctype: "multipart/form-data", body: "garbage"},
		{name: "invalid UTF-8 in form", ctype: f, body: "a_1.1=%FF%FE&comment=%C3%28&key=%ff%ff%ff%ff%ff%ff%ff%ff&formVersion=%ff&name=%ed%a0%80&username=%ff&password=%fe&csrf=%ff"},
		{name: "bad percent encoding", ctype: f, body: "a_1.1=%zz&comment=%&key=%%"},
		{name: "huge and negative numbers in form", ctype: f, body: "formVersion=-99999999999999999999&a_1.1=1e9&a_1.2=-1&a_1.3=99999999999999999999&order=-1&version=1e400&page=-1&date=9999-99-99&submittedAt=-0001-01-01&interviewDate=0000-00-00"},
		{name: "operators in form", ctype: f, body: "agency[$ne]=1&area[$gt]=&a_$where=5&%24set=1&key=$ne&code=$regex&username[$ne]="},
		{name: "duplicate form keys", ctype: f, body: "a_1.1=5&a_1.1=1&a_1.1=x&key=aaaaaaaaaa&key=bbbbbbbbbb&formVersion=1&formVersion=2"},
		{name: "NUL bytes in form", ctype: f, body: "comment=a%00b&key=%00%00%00%00%00%00%00%00%00&a_1.1=%00&username=admin%00&name=%00&code=%00"},
		{name: "oversized form", ctype: f, body: "comment=" + strings.Repeat("x", 1<<20)},
		{name: "many form fields", ctype: f, body: strings.Repeat("a=1&", 15000)},
		{name: "long field name", ctype: f, body: strings.Repeat("k", 60000) + "=1"},
	}
}

// queryProbes are sent to every route with a GET and a POST without body.
func queryProbes() []probe {
	long := strings.Repeat("q", 12000)
	return []probe{
		{name: "invalid UTF-8 query", query: "agency=%ff%fe&area=%c3%28&from=%ff&to=%ed%a0%80&lang=%ff&next=%ff&cursor=%ff&before=%fe"},
		{name: "operators in query", query: "agency[$ne]=x&from[$gt]=&to=$where&area=$regex&score=$ne&before=$gt&next=$x"},
		{name: "huge and negative numbers in query", query: "from=-0001-01&to=99999-99&limit=-1&limit=99999999999999999999&cursor=-99999999999999999999&page=1e400&lineage=2&unhandled=-1&before=-1"},
		{name: "wrong periods", query: "from=2026-13&to=2025-00&agency=so-tu-phap"},
		{name: "period reversed and huge", query: "from=2999-12&to=1900-01&agency=so-tu-phap"},
		{name: "duplicate query keys", query: "agency=so-tu-phap&agency=so-tn-mt&from=2025-01&from=x&lang=en&lang=vi"},
		{name: "NUL in query", query: "agency=%00&area=so%00&lang=%00&next=/%00&cursor=%00"},
		{name: "long query", query: "agency=" + long + "&cursor=" + long[:3000]},
		{name: "open redirect next", query: "next=//evil.example/&next=https://evil.example"},
		{name: "hostile rule and compare", query: "rule=%24where&rule=sipas-2017-v1&compare=%ff&compare[$ne]=year&from=2025-01&to=2025-03&agency=so-tu-phap"},
		{name: "bad headers", hdr: map[string]string{"Accept-Language": strings.Repeat("en,", 2000), "Cookie": "hl_session=%ff%00; lang=\xff; hl_pre=" + strings.Repeat("p", 5000)}},
		{name: "bearer without token", hdr: map[string]string{"Authorization": "Bearer"}},
		{name: "bearer with spaces", hdr: map[string]string{"Authorization": "Bearer    "}},
		{name: "bearer with garbage", hdr: map[string]string{"Authorization": "Bearer \xff\xfe$ne"}},
		{name: "basic auth", hdr: map[string]string{"Authorization": "Basic YWRtaW46YWRtaW4="}},
		{name: "session cookie garbage", hdr: map[string]string{"Cookie": "hl_session=%7f%ff" + strings.Repeat("\xff", 100) + "; hl_session=; hl_session=x"}},
	}
}

// hostileParams are path parameter values put in place of valid ones.
var hostileParams = []string{"%00", "..%2f..%2fetc%2fpasswd", "%24ne", "%ff%fe", strings.Repeat("a", 5000), "-1", "99999999999999999999", "%20", "."}

// fillWith puts v in every parameter of the route.
func fillWith(route, v string) string {
	segs := strings.Split(route, "/")
	for i, s := range segs {
		if strings.HasPrefix(s, ":") || strings.HasPrefix(s, "*") {
			segs[i] = v
		}
	}
	return strings.Join(segs, "/")
}

func TestMalformedRequestsNever5xx(t *testing.T) {
	if testing.Short() {
		t.Skip("the full corpus takes a while")
	}
	env := newTestEnvConfig(t, Config{})
	admin := newAdmin(t, env)
	engine, ok := env.srv.Handler().(*gin.Engine)
	if !ok {
		t.Fatalf("Handler() is %T", env.srv.Handler())
	}
	type caller struct {
		name  string
		c     *http.Client
		csrf  string
		token string
	}
	callers := []caller{{name: "anonymous", c: &http.Client{CheckRedirect: noRedirects}}, {name: "admin", c: admin.c, csrf: admin.csrf, token: admin.token}}
	type job struct {
		cl           caller
		method, path string
		p            probe
	}
	var jobs []job
	for _, rt := range engine.Routes() {
		if rt.Path == "/logout" {
			continue // would end the administrator's session; it takes no input
		}
		path, err := fillRoute(rt.Path, "so-tu-phap")
		if err != nil {
			path = fillWith(rt.Path, "x")
		}
		for _, cl := range callers {
			var probes []probe
			writes := rt.Method == http.MethodPost || rt.Method == http.MethodPut
			if !writes || cl.token == "" {
				probes = queryProbes()
			}
			if writes {
				probes = append(probes, bodyProbes()...)
			}
			if strings.HasSuffix(rt.Path, "/draft") || strings.HasSuffix(rt.Path, "/drafts") {
				probes = probes[:3] // each call makes a questionnaire version, whatever the body
			}
			for _, p := range probes {
				jobs = append(jobs, job{cl, rt.Method, path, p})
			}
			if strings.ContainsAny(rt.Path, ":*") {
				for _, v := range hostileParams {
					jobs = append(jobs, job{cl, rt.Method, fillWith(rt.Path, v), probe{name: "hostile path parameter", ctype: "application/json", body: "{}"}})
				}
			}
		}
	}

	var mu sync.Mutex
	failures := 0
	fail := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		if failures++; failures <= 50 {
			t.Errorf(format, args...)
		}
	}
	send := func(j job) {
		isAPI := strings.HasPrefix(j.path, "/api/")
		body := j.p.body
		if j.cl.csrf != "" && !isAPI && j.p.ctype == "application/x-www-form-urlencoded" {
			body += "&csrf=" + url.QueryEscape(j.cl.csrf) // reach the handler behind the CSRF check
		}
		u := env.http.URL + j.path
		if j.p.query != "" {
			u += "?" + j.p.query
		}
		req, err := http.NewRequest(j.method, u, strings.NewReader(body))
		if err != nil {
			fail("%s %s (%s): %v", j.method, clip(j.path), j.p.name, err)
			return
		}
		if j.p.ctype != "" {
			req.Header.Set("Content-Type", j.p.ctype)
		}
		if j.cl.token != "" && isAPI {
			req.Header.Set("Authorization", "Bearer "+j.cl.token)
		}
		for k, v := range j.p.hdr {
			req.Header.Set(k, v)
		}
		resp, err := j.cl.c.Do(req)
		if err != nil {
			fail("%s %s as %s (%s): %v", j.method, clip(j.path), j.cl.name, j.p.name, err)
			return
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 500 {
			fail("%s %s as %s (%s): status %d, want 4xx", j.method, clip(j.path), j.cl.name, j.p.name, resp.StatusCode)
		}
	}
	work := make(chan job)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range work {
				send(j)
			}
		}()
	}
	for _, j := range jobs {
		work <- j
	}
	close(work)
	wg.Wait()
	if failures > 0 {
		t.Errorf("%d of %d requests failed", failures, len(jobs))
	}
	t.Logf("%d malformed requests over %d routes", len(jobs), len(engine.Routes()))
	// The administrator survived the corpus (nothing disabled or logged out).
	if r := admin.get(t, "/admin"); r.status != http.StatusOK {
		t.Errorf("after the corpus, GET /admin as admin: %s", r)
	}
}

func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// rawExchange sends bytes as they are (no client normalisation) and reads
// the status of the answer; 0 if the server closed without one.
func rawExchange(t *testing.T, addr, raw string) int {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := conn.Write([]byte(raw)); err != nil {
		return 0
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// Requests a client library would not send: traversal in static paths, NUL
// bytes and control characters, oversized request lines and headers.
func TestMalformedRawRequests(t *testing.T) {
	env := newTestEnvConfig(t, Config{})
	addr := strings.TrimPrefix(env.http.URL, "http://")
	get := func(target string, extra ...string) string {
		return "GET " + target + " HTTP/1.1\r\nHost: hailong\r\n" + strings.Join(extra, "") + "Connection: close\r\n\r\n"
	}
	for _, tc := range []struct {
		name, raw string
		want      func(int) bool
	}{
		{"static traversal", get("/static/../../etc/passwd"), is404or400},
		{"static traversal encoded", get("/static/..%2f..%2fetc%2fpasswd"), is404or400},
		{"static traversal dot-encoded", get("/static/%2e%2e/%2e%2e/etc/passwd"), is404or400},
		{"static traversal double-encoded", get("/static/%252e%252e/%252e%252e/etc/passwd"), is404or400},
		{"static traversal backslash", get(`/static/..\..\etc\passwd`), is404or400},
		{"static traversal mixed", get("/static/./../static/../../../../etc/passwd"), is404or400},
		{"static Go source", get("/static/static.go"), is404or400},
		{"static Go source via dot", get("/static/./static.go"), is404or400},
		{"static NUL", get("/static/app.css%00.go"), is404or400},
		{"static directory", get("/static/"), is404or400},
		{"static double slash", get("/static//etc/passwd"), is404or400},
		{"absolute URL target", get("http://evil.example/static/../../etc/passwd"), is4xx},
		{"raw NUL in path", get("/s/so-tn-mt\x00/dat-dai"), is4xx},
		{"raw NUL in header", get("/", "X-A: a\x00b\r\n"), is4xx},
		{"control character in header", get("/", "X-A: a\x01b\r\n"), is4xx},
		{"invalid header name", get("/", "X A: b\r\n"), is4xx},
		{"header without colon", get("/", "Garbage\r\n"), is4xx},
		{"invalid UTF-8 in path", get("/s/\xff\xfe/dat-dai"), is4xx},
		{"percent-encoded invalid UTF-8 in path", get("/s/%ff%fe/%c3%28"), is4xx},
		{"very long path", get("/s/" + strings.Repeat("a", 20000) + "/dat-dai"), is4xx},
		{"long path within limits", get("/s/" + strings.Repeat("a", 12000) + "/dat-dai"), is4xx},
		{"very long query", get("/?" + strings.Repeat("a=b&", 6000)), is4xx},
		{"oversized header", get("/", "X-Big: "+strings.Repeat("h", 20<<10)+"\r\n"), is4xx},
		{"many headers", get("/", strings.Repeat("X-H: v\r\n", 4000)), is4xx},
		{"oversized cookie", get("/", "Cookie: hl_session="+strings.Repeat("c", 20<<10)+"\r\n"), is4xx},
		{"bad method", "GE\x00T / HTTP/1.1\r\nHost: h\r\n\r\n", is4xx},
		{"unknown method", "BREW / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n", is4xx},
		{"bad version", "GET / HTTP/9.9\r\nHost: h\r\n\r\n", is4xxOr505},
		{"no host", "GET / HTTP/1.1\r\n\r\n", is4xx},
		{"two content lengths", "POST /api/v1/responses HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}", is4xx},
		{"negative content length", "POST /api/v1/responses HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nContent-Length: -1\r\n\r\n{}", is4xx},
		{"huge content length", "POST /api/v1/responses HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nContent-Length: 99999999999999999999\r\n\r\n{}", is4xx},
		{"declared 1 GB body", "POST /api/v1/responses HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nContent-Length: 1073741824\r\nConnection: close\r\n\r\n{\"a\":1}", is413},
		{"declared 1 GB form", "POST /s/so-tn-mt/dat-dai HTTP/1.1\r\nHost: h\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1073741824\r\nConnection: close\r\n\r\na=1", is413},
		{"bad chunked body", "POST /s/so-tn-mt/dat-dai HTTP/1.1\r\nHost: h\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n", is4xx},
		{"chunked and length", "POST /api/v1/responses HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n2\r\n{}\r\n0\r\n\r\n", is4xx},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := rawExchange(t, addr, tc.raw); !tc.want(got) {
				t.Errorf("status %d", got)
			}
		})
	}
	// The static files themselves are still served.
	if got := rawExchange(t, addr, get("/static/app.css")); got != http.StatusOK {
		t.Errorf("GET /static/app.css: %d, want 200", got)
	}
}

func is4xx(s int) bool      { return s >= 400 && s < 500 }
func is404or400(s int) bool { return s == http.StatusNotFound || s == http.StatusBadRequest }
func is4xxOr505(s int) bool { return is4xx(s) || s == http.StatusHTTPVersionNotSupported }
func is413(s int) bool      { return s == http.StatusRequestEntityTooLarge }

// ---- self links and redirects: never to another site ----

// sameSitePath reports whether a link from a page stays on this site: a
// path with exactly one leading "/" (or a fragment), nothing a browser
// would read as "//host" (a backslash, a tab or newline it drops), and no
// scheme or host.
func sameSitePath(u string) bool {
	if u == "" || strings.HasPrefix(u, "#") {
		return true
	}
	if strings.ContainsAny(u, "\\\t\r\n") || !strings.HasPrefix(u, "/") || strings.HasPrefix(u, "//") {
		return false
	}
	p, err := url.Parse(u)
	return err == nil && p.Scheme == "" && p.Host == "" && p.User == nil
}

// pageLinks parses an HTML page and returns every address it holds: href,
// src, action and formaction attributes, and the values of hidden "next"
// and "back" fields (where a form returns to). lang is the language
// switch's href.
func pageLinks(t *testing.T, body string) (links []string, lang string) {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parse page: %v", err)
	}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			attrs := map[string]string{}
			for _, a := range n.Attr {
				attrs[a.Key] = a.Val
			}
			for _, k := range []string{"href", "src", "action", "formaction"} {
				if v, ok := attrs[k]; ok {
					links = append(links, v)
				}
			}
			if n.Data == "input" && (attrs["name"] == "next" || attrs["name"] == "back") {
				links = append(links, attrs["value"])
			}
			if n.Data == "a" && attrs["class"] == "lang" {
				lang = attrs["href"]
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return links, lang
}

// rawGet sends a GET with the request target exactly as given (no client
// normalisation) and returns the answer with its body.
func rawGet(t *testing.T, env *testEnv, target, cookie string) httpResult {
	t.Helper()
	conn, err := net.DialTimeout("tcp", strings.TrimPrefix(env.http.URL, "http://"), 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	req := "GET " + target + " HTTP/1.1\r\nHost: hailong.example\r\nConnection: close\r\n"
	if cookie != "" {
		req += "Cookie: " + cookie + "\r\n"
	}
	if _, err := conn.Write([]byte(req + "\r\n")); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return httpResult{}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return httpResult{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

// TestMalformedSelfLinks: a request whose path spells another site
// ("//evil.example/../login", encoded slashes, backslashes) gets pages whose
// every link, form and return address stays on this site, the language
// switch pointing at the routed page; the login redirect's next= too.
func TestMalformedSelfLinks(t *testing.T) {
	env := newTestEnvConfig(t, Config{})
	admin := newAdmin(t, env)
	session := sessionCookie + "=" + admin.sessionValue(t)

	// The reported request: the real login page, its language switch to
	// /login, not to "///evil.example/../login".
	r := rawGet(t, env, "/%2F%2Fevil.example%2F..%2Flogin", "")
	if r.status != http.StatusOK {
		t.Fatalf("GET /%%2F%%2Fevil.example%%2F..%%2Flogin: %s", r)
	}
	if _, lang := pageLinks(t, r.body); lang != "/login?lang=en" {
		t.Errorf("language switch %q, want /login?lang=en", lang)
	}

	targets := []string{
		"/%2F%2Fevil.example%2F..%2Flogin",
		"//evil.example/../login",
		"///evil.example/../login",
		"/%2F%2Fevil.example/../login",
		"/%5Cevil.example/../login",
		"/%5C%5Cevil.example%2F..%2Flogin",
		`/\evil.example/../login`,
		`/\\evil.example/..%2Flogin`,
		"/%2F%5Cevil.example%2F..%2Flogin",
		"/.%2F%2Fevil.example/../login",
		"/%09/evil.example/../login",
		"//evil.example",
		"//evil.example/",
		"//evil.example/nothing",
		"/%2F%2Fevil.example%2Fnothing",
		"/%5Cevil.example",
		"/%2F%2Fevil.example%2F..%2Fs%2Fso-tu-phap%2Ftu-phap",
		"//evil.example/../s/so-tu-phap/tu-phap?lang=en",
		"/s/%5Cevil.example/tu-phap",
		"/s/%2F%2Fevil.example/tu-phap",
		"/s/so-tu-phap/%5C%5Cevil.example",
		"//evil.example/../comments?agency=so-tu-phap&next=//evil.example",
		"//evil.example/../admin",
		"/%2F%2Fevil.example%2F..%2Fadmin%2Fusers",
		"//evil.example/../dashboard?agency=%2F%2Fevil.example",
		"/login?next=//evil.example/&lang=en",
		"/login?next=/%5Cevil.example",
		"/login?next=%2F%5Cevil.example",
		"/login?next=https:evil.example",
		"/login?next=/%09/evil.example",
		"//evil.example/../r/AAAAAAAAAAAAAAA",
		"//evil.example/../kiosk",
	}
	for _, target := range targets {
		for _, who := range []struct{ name, cookie string }{{"anonymous", ""}, {"admin", session}} {
			r := rawGet(t, env, target, who.cookie)
			what := fmt.Sprintf("GET %s as %s", target, who.name)
			if r.status >= 500 || r.status == 0 {
				t.Errorf("%s: %s", what, r)
				continue
			}
			if loc := r.location(); loc != "" {
				if !sameSitePath(loc) {
					t.Errorf("%s: redirected to %q, another site", what, loc)
				}
				if u, err := url.Parse(loc); err == nil && u.Path == "/login" {
					if next := u.Query().Get("next"); next != "" && !sameSitePath(next) {
						t.Errorf("%s: redirected to the login with next=%q", what, next)
					}
				}
			}
			if !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
				continue
			}
			links, lang := pageLinks(t, r.body)
			if lang == "" && r.status == http.StatusOK && !strings.Contains(target, "/r/") && !strings.HasSuffix(target, "/kiosk") {
				t.Errorf("%s: no language switch on the page", what)
			}
			for _, l := range links {
				if !sameSitePath(l) {
					t.Errorf("%s: the page links to %q, another site", what, l)
				}
			}
		}
	}

	// The login form's next= never leads away, whatever it holds.
	for _, next := range []string{"//evil.example", "///evil.example", `/\evil.example`, `\\evil.example`, "/\t/evil.example",
		"https://evil.example/", "https:evil.example", "javascript:alert(1)", " //evil.example", "/.//evil.example",
		"/..//evil.example", "/%2F%2Fevil.example", "/%5Cevil.example", "//evil.example/../admin", "/admin/../..//evil.example"} {
		c := env.client(t)
		page := doRequest(t, c, http.MethodGet, env.http.URL+"/login?next="+url.QueryEscape(next), "", nil)
		links, _ := pageLinks(t, page.body)
		for _, l := range links {
			if !sameSitePath(l) {
				t.Errorf("GET /login?next=%q: the page holds %q", next, l)
			}
		}
		form := url.Values{"csrf": {csrfOf(page.body)}, "username": {"admin"}, "password": {adminPassword}, "next": {next}}
		r := doRequest(t, c, http.MethodPost, env.http.URL+"/login", form.Encode(), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
		if r.status != http.StatusSeeOther || !sameSitePath(r.location()) {
			t.Errorf("login with next=%q: %s, want 303 to a path of this site", next, r)
		}
	}
}

// TestMalformedCSRFOnCookieAPI: a state-changing API call with the session
// cookie is refused (403 csrf_failed) and changes nothing unless it carries
// the session's CSRF token in X-CSRF-Token: not with another token, not in
// a form field or the query, not through a path spelled another way.
func TestMalformedCSRFOnCookieAPI(t *testing.T) {
	env := newTestEnvConfig(t, Config{})
	ctx := context.Background()
	admin := newAdmin(t, env)
	other := loginAs(t, env, "admin", adminPassword)
	preTok := csrfOf(doRequest(t, env.client(t), http.MethodGet, env.http.URL+"/login", "", nil).body)
	audit := func() int {
		es, err := env.store.Audit(ctx, "", 100000)
		if err != nil {
			t.Fatal(err)
		}
		return len(es)
	}
	before := audit()

	paths := []string{"/api/v1/admin/invitation-keys", "//api/v1/admin/invitation-keys", "/api//v1/admin/invitation-keys",
		"/api/v1/admin/./invitation-keys", "/api/v1/admin/x/../invitation-keys", "/%61pi/v1/admin/invitation-keys",
		"/api/v1/admin/invitation-keys/", "/api/v1/admin/invitation-keys?csrf=" + url.QueryEscape(admin.csrf)}
	type variant struct {
		name  string
		hdr   map[string]string
		body  string
		ctype string
	}
	variants := []variant{
		{name: "no header"},
		{name: "empty header", hdr: map[string]string{csrfHeader: ""}},
		{name: "null", hdr: map[string]string{csrfHeader: "null"}},
		{name: "another session's token", hdr: map[string]string{csrfHeader: other.csrf}},
		{name: "the login form's token", hdr: map[string]string{csrfHeader: preTok}},
		{name: "token with a character more", hdr: map[string]string{csrfHeader: admin.csrf + "A"}},
		{name: "token cut short", hdr: map[string]string{csrfHeader: admin.csrf[:len(admin.csrf)-1]}},
		{name: "token twice", hdr: map[string]string{csrfHeader: admin.csrf + "," + admin.csrf}},
		{name: "token as another header", hdr: map[string]string{"X-CSRF": admin.csrf, "X-XSRF-Token": admin.csrf}},
		{name: "token in a form field", body: "csrf=" + url.QueryEscape(admin.csrf), ctype: "application/x-www-form-urlencoded"},
		{name: "method override", hdr: map[string]string{"X-HTTP-Method-Override": "GET"}},
		{name: "text/plain body", body: `{"csrf":"` + admin.csrf + `"}`, ctype: "text/plain"},
	}
	for _, p := range paths {
		for _, v := range variants {
			hdr := map[string]string{}
			for k, val := range v.hdr {
				hdr[k] = val
			}
			if v.ctype != "" {
				hdr["Content-Type"] = v.ctype
			}
			r := doRequest(t, admin.c, http.MethodPost, env.http.URL+p, v.body, hdr)
			if r.status < 300 || r.status >= 500 {
				t.Errorf("POST %s with the session cookie, %s: %s, want a refusal", p, v.name, r)
			}
			if r.status == http.StatusForbidden && decodeAPIError(t, r).Error.Code != "csrf_failed" {
				t.Errorf("POST %s with the session cookie, %s: %s, want csrf_failed", p, v.name, r)
			}
		}
	}
	for _, call := range []struct{ method, path, body string }{
		{http.MethodPut, "/api/v1/admin/areas/tu-phap", `{"nameVi":"x","nameEn":"y"}`},
		{http.MethodDelete, "/api/v1/admin/tokens/" + hashID(admin.token), ""},
		{http.MethodPost, "/api/v1/admin/kiosks", `{}`},
		{http.MethodPatch, "/api/v1/admin/invitation-keys", ""},
	} {
		r := doRequest(t, admin.c, call.method, env.http.URL+call.path, call.body, map[string]string{"Content-Type": "application/json"})
		if r.status < 400 || r.status >= 500 {
			t.Errorf("%s %s with the session cookie and no header: %s, want a refusal", call.method, call.path, r)
		}
	}
	if after := audit(); after != before {
		t.Errorf("audit entries %d → %d: a refused call changed something", before, after)
	}
	if !tokenWorksAdmin(t, env, admin.token) {
		t.Errorf("the administrator's token was revoked by a cookie call without its CSRF header")
	}

	// Pages expose the session's token to their scripts in the layout's
	// <meta name="csrf-token">; a page without a login has none.
	m := attrsOf(mustHTML(t, admin.get(t, "/admin").body), `meta[name=csrf-token]`, "content")
	if len(m) != 1 || m[0] != admin.csrf {
		t.Fatalf("GET /admin: meta csrf-token %v, want the session's token %q", m, admin.csrf)
	}
	if r := doRequest(t, nil, http.MethodGet, env.http.URL+"/login", "", nil); len(findIn(t, r.body, `meta[name=csrf-token]`)) != 0 {
		t.Errorf("GET /login without a session: the page has a csrf-token meta")
	}

	// The right header works, and so does a bearer token without one.
	if r := doRequest(t, admin.c, http.MethodPost, env.http.URL+"/api/v1/admin/invitation-keys", "", map[string]string{csrfHeader: m[0]}); r.status != http.StatusCreated {
		t.Errorf("POST with the session's X-CSRF-Token: %s, want 201", r)
	}
	if r := admin.api(t, http.MethodPost, "/api/v1/admin/invitation-keys", nil); r.status != http.StatusCreated {
		t.Errorf("POST with a bearer token: %s, want 201", r)
	}
	if after := audit(); after != before+2 {
		t.Errorf("audit entries %d → %d, want two more", before, after)
	}
	// Reads need no header.
	if r := admin.get(t, "/api/v1/admin/invitation-keys"); r.status != http.StatusOK {
		t.Errorf("GET with the session cookie: %s, want 200", r)
	}
}

func tokenWorksAdmin(t *testing.T, env *testEnv, tok string) bool {
	t.Helper()
	return callAPI(t, env, tok, http.MethodGet, "/api/v1/admin/agencies", nil).status == http.StatusOK
}
