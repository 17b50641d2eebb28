package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"hailong/survey"
)

// Fuzz tests of every parser of outside input in this package: the posted
// form, the JSON API bodies, and the credentials (bearer token and session
// cookie). .ci/run runs each for a short time; a failing input found is
// kept in testdata/fuzz/<FuzzName>/ and replays in every go test.

// fuzzServer is a Server with its templates, messages and validator, and no
// database: enough for the decoders.
func fuzzServer(t testing.TB) *Server {
	t.Helper()
	pages, err := parsePages()
	if err != nil {
		t.Fatal(err)
	}
	locales, err := loadLocales()
	if err != nil {
		t.Fatal(err)
	}
	return &Server{pages: pages, locales: locales, validate: newValidator(),
		log: slog.New(slog.NewTextHandler(io.Discard, nil)), secret: []byte("fuzz-secret-of-32-bytes-at-least")}
}

// fuzzContext is a request as the middleware hands it to a handler: the
// body limited to maxBody.
func fuzzContext(method, path, ctype string, body []byte) (*gin.Context, *httptest.ResponseRecorder) {
	w := httptest.NewRecorder()
	c, _ := gin.CreateTestContext(w)
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	c.Request = req
	limitBody(c)
	return c, w
}

var fuzzNow = time.Date(2026, 3, 15, 10, 0, 0, 0, time.UTC)

// FuzzParsePosted: the citizen form's decoder (parsePosted, then the
// answers read from it and checked). It never panics; a body it cannot
// parse is answered 400 (or 413 when too large); what it reads is the
// trimmed first value of each field; what Check accepts is well formed.
func FuzzParsePosted(f *testing.F) {
	const form = "application/x-www-form-urlencoded"
	valid := validFormValues(landArea, "fuzz-key-0001").Encode()
	f.Add(form, []byte(valid))
	f.Add(form, []byte("a_1.1=%FF%FE&comment=%C3%28&key=\xff&formVersion=-1"))
	f.Add(form, []byte("a_1.1=99999999999999999999&a_1.2=-5&a_1.3=1e9&key=%00%00%00%00%00%00%00%00"))
	f.Add(form, []byte("%zz=%&&&==&a_1.1=5&a_1.1=1&key= k-0123456789 "))
	f.Add(form, []byte("agency[$ne]=1&a_$where=5&%24set=1"))
	f.Add("multipart/form-data; boundary=x", []byte("--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nb\r\n--x--"))
	f.Add("application/json", []byte(`{"a_1.1":5}`))
	f.Add(";;;", []byte("a=1"))
	f.Add(form, bytes.Repeat([]byte("a=1&"), maxBody/4+1))
	s := fuzzServer(f)
	sipas := survey.SIPAS2017()
	f.Fuzz(func(t *testing.T, ctype string, body []byte) {
		c, w := fuzzContext(http.MethodPost, landPath, ctype, body)
		get, err := s.parsePosted(c)
		if get == nil {
			var tooLarge *http.MaxBytesError
			switch {
			case errors.As(err, &tooLarge):
				if len(body) <= maxBody {
					t.Fatalf("%d bytes refused as too large", len(body))
				}
			case err != nil:
				t.Fatalf("no getter and error %v, want 413 or a 400 page", err)
			case w.Code != http.StatusBadRequest:
				t.Fatalf("unparsable body answered %d, want 400", w.Code)
			}
			return
		}
		if err != nil {
			t.Fatalf("getter and error %v", err)
		}
		for k, vs := range c.Request.PostForm {
			v, ok := get(k)
			if len(vs) > 0 && (!ok || v != strings.TrimSpace(vs[0])) {
				t.Fatalf("get(%q) = %q %v, want the trimmed first value %q", k, v, ok, vs[0])
			}
		}
		in := readFormEntry(get, sipas, landArea)
		key, _ := get("key")
		r, err := survey.Check(survey.Submission{Key: key, Agency: landAgency, Area: landArea, Channel: survey.ChannelWeb,
			Lang: survey.Vi, Answers: in.Answers, Comment: in.Comment, Respondent: in.Respondent}, sipas, fuzzNow)
		checkChecked(t, r, err, key)
	})
}

// checkChecked: Check either refuses with field errors or returns a
// response under the key with every answer on the scale.
func checkChecked(t *testing.T, r survey.Response, err error, key string) {
	t.Helper()
	if err != nil {
		var fe survey.FieldErrors
		if !errors.As(err, &fe) || len(fe) == 0 {
			t.Fatalf("Check: %v, want field errors", err)
		}
		return
	}
	if r.ID != key || !survey.ValidKey(r.ID) {
		t.Fatalf("accepted response id %q for key %q", r.ID, key)
	}
	for _, a := range r.Answers {
		if a.Value < 0 || a.Value > 5 || strings.HasPrefix(a.Code, "$") {
			t.Fatalf("accepted answer %+v", a)
		}
	}
	if !utf8.ValidString(r.Comment) {
		t.Fatalf("accepted a comment that is not UTF-8: %q", r.Comment)
	}
}

// FuzzDecodeJSON: the JSON API's strict decoder and validation, on the
// submission and token bodies. It never panics; a refusal is 400 or 415
// with a code (413 when too large); what it accepts survives a round trip,
// and a valid submission is either checked or refused field by field.
func FuzzDecodeJSON(f *testing.F) {
	valid, _ := json.Marshal(apiSubmission(landAgency, landArea, "fuzz-key-0002"))
	f.Add("application/json", valid)
	f.Add("application/json; charset=utf-8", []byte(`{"username":"admin","password":"secret-password"}`))
	f.Add("application/json", []byte("{\"agency\":\"\xff\xfe\",\"answers\":{\"1.1\":1e400}}"))
	f.Add("application/json", []byte(`{"agency":{"$ne":null},"$where":"1"}`))
	f.Add("application/json", []byte(`{"agency":"a","agency":"b","answers":{"1.1":5,"1.1":-1}}`))
	f.Add("application/json", []byte(strings.Repeat("[", 20000)))
	f.Add("application/json", []byte(`{"formVersion":-9223372036854775809}`))
	f.Add("application/json", []byte(`{}{}`))
	f.Add("application/json", []byte(`{"comment":"a\u0000b","idempotencyKey":"\ud800\udc00"}`))
	f.Add("text/plain", []byte(`{}`))
	f.Add("application/json", bytes.Repeat([]byte(" "), maxBody+1))
	s := fuzzServer(f)
	sipas := survey.SIPAS2017()
	f.Fuzz(func(t *testing.T, ctype string, body []byte) {
		c, _ := fuzzContext(http.MethodPost, responsesPath, ctype, body)
		var in submitRequest
		err := decodeJSON(c, &in)
		if err != nil {
			checkDecodeRefusal(t, err, ctype, body)
		} else {
			roundTrip(t, &in, func() any { return &submitRequest{} })
			if err := s.validateAPI(c, in); err != nil {
				checkFieldRefusal(t, s, err)
			} else {
				sub := survey.Submission{Key: in.IdempotencyKey, Agency: in.Agency, Area: in.Area,
					Channel: survey.Channel(in.Channel), Lang: survey.Vi, Answers: in.Answers, Comment: in.Comment}
				r, err := survey.Check(sub, sipas, fuzzNow)
				checkChecked(t, r, err, in.IdempotencyKey)
			}
		}
		c, _ = fuzzContext(http.MethodPost, "/api/v1/auth/token", ctype, body)
		var tr tokenRequest
		if err := decodeJSON(c, &tr); err != nil {
			checkDecodeRefusal(t, err, ctype, body)
		} else {
			roundTrip(t, &tr, func() any { return &tokenRequest{} })
			if err := s.validateAPI(c, tr); err != nil {
				checkFieldRefusal(t, s, err)
			} else if tr.Username == "" || tr.Password == "" || len(tr.Username) > 40 {
				t.Fatalf("accepted token request %+v", tr)
			}
		}
	})
}

func checkDecodeRefusal(t *testing.T, err error, ctype string, body []byte) {
	t.Helper()
	var tooLarge *http.MaxBytesError
	var ce *apiCodeError
	switch {
	case errors.As(err, &tooLarge):
		if len(body) <= maxBody {
			t.Fatalf("%d bytes refused as too large", len(body))
		}
	case errors.As(err, &ce):
		if ce.status != http.StatusBadRequest && ce.status != http.StatusUnsupportedMediaType || ce.code == "" {
			t.Fatalf("refused with %d %q, want 400 or 415 with a code", ce.status, ce.code)
		}
		if ce.status == http.StatusUnsupportedMediaType && strings.HasPrefix(strings.ToLower(strings.TrimSpace(ctype)), "application/json") && !strings.ContainsAny(ctype, ";") {
			t.Fatalf("content type %q refused as unsupported", ctype)
		}
	default:
		t.Fatalf("decode error %v (%T), want a coded refusal", err, err)
	}
}

func checkFieldRefusal(t *testing.T, s *Server, err error) {
	t.Helper()
	var fe *apiFieldError
	if !errors.As(err, &fe) || len(fe.fields) == 0 {
		t.Fatalf("validation error %v, want field messages", err)
	}
	for k, m := range fe.fields {
		if m == "" || strings.HasPrefix(m, "err.") || strings.HasPrefix(m, "api.") {
			t.Fatalf("field %q: message %q is empty or a key", k, m)
		}
	}
}

// roundTrip: what the decoder accepted encodes and decodes (strictly) to
// the same value.
func roundTrip(t *testing.T, v any, fresh func() any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("accepted value does not encode: %v", err)
	}
	back := fresh()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(back); err != nil {
		t.Fatalf("re-encoded %s does not decode: %v", b, err)
	}
	if !reflect.DeepEqual(v, back) {
		t.Fatalf("round trip changed %+v into %+v", v, back)
	}
}

// FuzzBearerToken: the Authorization header parser.
func FuzzBearerToken(f *testing.F) {
	for _, h := range []string{"Bearer hl_abc", "bearer   x  ", "Bearer", "Bearer ", "Basic YQ==", "", " Bearer x", "BEARER a b", "Bearer \x00", "Bearer\tx"} {
		f.Add(h)
	}
	f.Fuzz(func(t *testing.T, h string) {
		tok, ok := bearerToken(h)
		if !ok {
			if tok != "" {
				t.Fatalf("not ok but token %q", tok)
			}
			return
		}
		if tok == "" || tok != strings.TrimSpace(tok) {
			t.Fatalf("token %q: empty or not trimmed", tok)
		}
		if !strings.EqualFold(h[:len("Bearer")], "Bearer") {
			t.Fatalf("%q: accepted another scheme", h)
		}
		if again, ok := bearerToken("Bearer " + tok); !ok || again != tok {
			t.Fatalf("%q: token %q does not parse back (%q %v)", h, tok, again, ok)
		}
	})
}

// FuzzAuthenticate: the credentials of a request (Authorization header and
// session cookie) through the real authentication against a real database.
// It never answers 5xx; a request is someone only with that person's real
// token or session; a bearer header that does not work is refused with 401.
func FuzzAuthenticate(f *testing.F) {
	env := newTestEnv(f)
	admin := azAdmin(f, env)
	session := admin.sessionValue(f)
	env.srv.engine.GET("/fuzz/whoami", func(c *gin.Context) {
		if u := userOf(c); u != nil {
			c.String(http.StatusOK, "%s", u.Username)
			return
		}
		c.String(http.StatusOK, "")
	})
	f.Add("Bearer "+admin.token, "")
	f.Add("bearer  "+admin.token+" ", "")
	f.Add("Bearer "+admin.token+"x", "")
	f.Add("", sessionCookie+"="+session)
	f.Add("", sessionCookie+"="+session+"; "+sessionCookie+"=x")
	f.Add("", sessionCookie+"=%ff%00; lang=en")
	f.Add("Bearer", sessionCookie+"="+session)
	f.Add("Basic YWRtaW46eA==", "")
	f.Add("Bearer $ne", sessionCookie+"={\"$ne\":null}")
	f.Fuzz(func(t *testing.T, auth, cookie string) {
		req := httptest.NewRequest(http.MethodGet, "/fuzz/whoami", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		if cookie != "" {
			req.Header.Set("Cookie", cookie)
		}
		w := httptest.NewRecorder()
		env.srv.Handler().ServeHTTP(w, req)
		if w.Code >= 500 && w.Code != http.StatusServiceUnavailable {
			t.Fatalf("status %d", w.Code)
		}
		who := ""
		if w.Code == http.StatusOK {
			who = w.Body.String()
		}
		tok, ok := bearerToken(auth)
		switch {
		case auth != "" && (!ok || tok != admin.token):
			if w.Code != http.StatusUnauthorized {
				t.Fatalf("bearer %q: status %d (%q), want 401", auth, w.Code, who)
			}
		case auth != "":
			if who != "admin" {
				t.Fatalf("the admin's token: %d %q, want admin", w.Code, who)
			}
		default:
			got := ""
			if ck, err := req.Cookie(sessionCookie); err == nil {
				got = ck.Value
			}
			if (got == session) != (who == "admin") || who != "" && who != "admin" {
				t.Fatalf("cookie %q: who %q", cookie, who)
			}
		}
	})
}
