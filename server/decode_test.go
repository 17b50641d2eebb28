package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"hailong/survey"
)

// The decoders of outside input through the whole server path, over
// corpora of hostile inputs: the posted form (then the answers read and
// checked), the JSON API bodies (then validation and checks), and the
// credentials (bearer token and session cookie) against a real database.
// The parsers themselves are fuzzed in package input (fast to build, so
// .ci/run fuzzes them); these tests hold the properties of the layers above
// for the inputs that matter. Add here any input a fuzzer finds.

// decoderServer is a Server with its templates, messages and validator, and no
// database: enough for the decoders.
func decoderServer(t testing.TB) *Server {
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

// decoderContext is a request as the middleware hands it to a handler: the
// body limited to maxBody.
func decoderContext(method, path, ctype string, body []byte) (*gin.Context, *httptest.ResponseRecorder) {
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

var decoderNow = time.Date(2026, 3, 15, 10, 0, 0, 0, time.UTC)

// corpusCase is a body with its content type.
type corpusCase struct {
	ctype string
	body  []byte
}

// TestParsePostedCorpus: the citizen form's decoder (parsePosted, then the
// answers read from it and checked). A body it cannot parse is answered 400
// (or 413 when too large); what it reads is the trimmed first value of each
// field; what Check accepts is well formed.
func TestParsePostedCorpus(t *testing.T) {
	const form = "application/x-www-form-urlencoded"
	valid := validFormValues(landArea, "fuzz-key-0001").Encode()
	corpus := []corpusCase{
		{form, []byte(valid)},
		{form, []byte(valid + "&a_1.1=1&a_1.1=9")},
		{form, []byte(strings.ReplaceAll(valid, "=5", "=+5"))},
		{form, []byte(strings.ReplaceAll(valid, "=4", "=%204%20"))},
		{form, []byte("a_1.1=%FF%FE&comment=%C3%28&key=\xff&formVersion=-1")},
		{form, []byte("a_1.1=99999999999999999999&a_1.2=-5&a_1.3=1e9&key=%00%00%00%00%00%00%00%00")},
		{form, []byte("%zz=%&&&==&a_1.1=5&a_1.1=1&key= k-0123456789 ")},
		{form, []byte("agency[$ne]=1&a_$where=5&%24set=1")},
		{form, []byte("a=1;b=2")},
		{"multipart/form-data; boundary=x", []byte("--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nb\r\n--x--")},
		{"application/json", []byte(`{"a_1.1":5}`)},
		{";;;", []byte("a=1")},
		{form, bytes.Repeat([]byte("a=1&"), maxBody/4+1)},
	}
	s := decoderServer(t)
	sipas := survey.SIPAS2017()
	for i, cc := range corpus {
		ctype, body := cc.ctype, cc.body
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			c, w := decoderContext(http.MethodPost, landPath, ctype, body)
			get, err := s.parsePosted(c)
			if get == nil {
				var tooLarge *http.MaxBytesError
				var pe *pageError // the page the handler returns, rendered by s.page
				switch {
				case errors.As(err, &tooLarge):
					if len(body) <= maxBody {
						t.Fatalf("%d bytes refused as too large", len(body))
					}
				case errors.As(err, &pe):
					if pe.status != http.StatusBadRequest {
						t.Fatalf("unparsable body answered %d, want 400", pe.status)
					}
				default:
					t.Fatalf("no getter and error %v (answered %d), want 413 or a 400 page", err, w.Code)
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
				Lang: survey.Vi, Answers: in.Answers, Comment: in.Comment, Respondent: in.Respondent}, sipas, decoderNow)
			checkChecked(t, r, err, key)
		})
	}
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

// TestDecodeJSONCorpus: the JSON API's strict decoder and validation, on
// the submission and token bodies. A refusal is 400 or 415 with a code (413
// when too large); what it accepts survives a round trip, and a valid
// submission is either checked or refused field by field.
func TestDecodeJSONCorpus(t *testing.T) {
	valid, _ := json.Marshal(apiSubmission(landAgency, landArea, "fuzz-key-0002"))
	var m map[string]any
	_ = json.Unmarshal(valid, &m)
	with := func(k string, v any) []byte {
		c := maps.Clone(m)
		c[k] = v
		b, _ := json.Marshal(c)
		return b
	}
	corpus := []corpusCase{
		{"application/json", valid},
		{"application/json", with("idempotencyKey", "short")},
		{"application/json", with("channel", "fax")},
		{"application/json", with("answers", map[string]any{"1.1": 9, "$where": 1})},
		{"application/json", with("respondent", map[string]any{"gender": "robot", "ageBand": "$ne"})},
		{"application/json", with("comment", strings.Repeat("ệ", 20001))},
		{"application/json", with("formVersion", -1)},
		{"application/json", with("submittedAt", "2025-02-30")},
		{"application/json", with("agency", strings.Repeat("a", 65))},
		{"application/json; charset=utf-8", []byte(`{"username":"admin","password":"secret-password"}`)},
		{"application/json", []byte(`{"username":"` + strings.Repeat("u", 41) + `","password":""}`)},
		{"application/json", []byte("{\"agency\":\"\xff\xfe\",\"answers\":{\"1.1\":1e400}}")},
		{"application/json", []byte(`{"agency":{"$ne":null},"$where":"1"}`)},
		{"application/json", []byte(`{"agency":"a","agency":"b","answers":{"1.1":5,"1.1":-1}}`)},
		{"application/json", []byte(strings.Repeat("[", 20000))},
		{"application/json", []byte(`{"formVersion":-9223372036854775809}`)},
		{"application/json", []byte(`{}{}`)},
		{"application/json", []byte(`{"comment":"a\u0000b","idempotencyKey":"\ud800\udc00"}`)},
		{"text/plain", []byte(`{}`)},
		{"application/json", bytes.Repeat([]byte(" "), maxBody+1)},
	}
	s := decoderServer(t)
	sipas := survey.SIPAS2017()
	for i, cc := range corpus {
		ctype, body := cc.ctype, cc.body
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			c, _ := decoderContext(http.MethodPost, responsesPath, ctype, body)
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
					r, err := survey.Check(sub, sipas, decoderNow)
					checkChecked(t, r, err, in.IdempotencyKey)
				}
			}
			c, _ = decoderContext(http.MethodPost, "/api/v1/auth/token", ctype, body)
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
	fields, ok := fieldMessagesOf(s.locales[survey.Vi], err)
	if !ok || len(fields) == 0 {
		t.Fatalf("validation error %v, want field messages", err)
	}
	for k, m := range fields {
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

// TestAuthenticateHostileCredentials: the credentials of a request
// (Authorization header and session cookie) through the real
// authentication against a real database. Never 5xx; a request is someone
// only with that person's real token or session; a bearer header that does
// not work is refused with 401.
func TestAuthenticateHostileCredentials(t *testing.T) {
	env := newTestEnv(t)
	admin := newAdmin(t, env)
	session := admin.sessionValue(t)
	env.srv.engine.GET("/fuzz/whoami", func(c *gin.Context) {
		if u := userOf(c); u != nil {
			c.String(http.StatusOK, "%s", u.Username)
			return
		}
		c.String(http.StatusOK, "")
	})
	corpus := [][2]string{
		{"Bearer " + admin.token, ""},
		{"bearer  " + admin.token + " ", ""},
		{"Bearer " + admin.token + "x", ""},
		{"Bearer " + admin.token[:len(admin.token)-1], ""},
		{"Bearer " + strings.ToUpper(admin.token), ""},
		{"Bearer " + admin.token + " " + admin.token, ""},
		{"Bearer\t" + admin.token, ""},
		{"", sessionCookie + "=" + session},
		{"", sessionCookie + "=" + session + "; " + sessionCookie + "=x"},
		{"", sessionCookie + "=x; " + sessionCookie + "=" + session},
		{"", sessionCookie + "=" + session + "x"},
		{"", sessionCookie + "=" + strings.ToUpper(session)},
		{"", sessionCookie + "=%ff%00; lang=en"},
		{"", sessionCookie + "=" + hashID(session)},
		{"", sessionCookie + "=\"" + session + "\""},
		{"Bearer", sessionCookie + "=" + session},
		{"Bearer " + hashID(admin.token), ""},
		{"Basic YWRtaW46eA==", ""},
		{"Bearer $ne", sessionCookie + "={\"$ne\":null}"},
		{"Bearer " + strings.Repeat("x", 8000), ""},
	}
	for _, cc := range corpus {
		auth, cookie := cc[0], cc[1]
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
	}
}
