package input

import (
	"bytes"
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

// Fuzz tests of the parsers of outside input. They build from the standard
// library only, so .ci/run fuzzes each for a while at little cost; a failing
// input is kept in testdata/fuzz/<FuzzName>/ and replays in every go test.

const limit = 64 << 10 // as the server's body limit

// request is a POST as the server's middleware hands it on: body limited.
func request(ctype string, body []byte) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/x", bytes.NewReader(body))
	if ctype != "" {
		r.Header.Set("Content-Type", ctype)
	}
	r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, limit)
	return r
}

// shape has the kinds of fields the API bodies have.
type shape struct {
	Agency     string            `json:"agency"`
	Answers    map[string]int    `json:"answers"`
	Version    int               `json:"formVersion,omitempty"`
	Comment    string            `json:"comment,omitempty"`
	Respondent *respondent       `json:"respondent,omitempty"`
	Name       map[string]string `json:"name"`
	Active     bool              `json:"active"`
	Items      []item            `json:"items"`
}

type respondent struct {
	Gender string   `json:"gender"`
	Tags   []string `json:"tags"`
}

type item struct {
	Code  string `json:"code"`
	Order int64  `json:"order"`
}

func FuzzJSON(f *testing.F) {
	for _, s := range []struct {
		ctype string
		body  string
	}{
		{"application/json", `{"agency":"so-tn-mt","answers":{"1.1":5,"1.2":0},"formVersion":1,"comment":"Tốt","respondent":{"gender":"female","tags":["a"]},"name":{"vi":"Sở","en":"Dept"},"active":true,"items":[{"code":"X","order":2}]}`},
		{"application/json; charset=utf-8", `{}`},
		{"application/json", "{\"agency\":\"\xff\xfe\",\"answers\":{\"1.1\":1e400}}"},
		{"application/json", `{"agency":{"$ne":null},"$where":"1"}`},
		{"application/json", `{"agency":"a","agency":"b","answers":{"1.1":5,"1.1":-1}}`},
		{"application/json", strings.Repeat("[", 20000)},
		{"application/json", strings.Repeat(`{"respondent":`, 5000)},
		{"application/json", `{"formVersion":-9223372036854775809}`},
		{"application/json", `{"items":[{"order":1.5}]}`},
		{"application/json", `{}{}`},
		{"application/json", `{} `},
		{"application/json", `{"comment":"a\u0000b","agency":"\ud800"}`},
		{"application/json", `null`},
		{"text/plain", `{}`},
		{"application/json;;", `{}`},
		{"APPLICATION/JSON", `{}`},
		{"application/json", strings.Repeat(" ", limit+1)},
	} {
		f.Add(s.ctype, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, ctype string, body []byte) {
		var v shape
		err := JSON(request(ctype, body), &v)
		mt, _, perr := mime.ParseMediaType(ctype)
		typeOK := perr == nil && mt == "application/json"
		var tooLarge *http.MaxBytesError
		switch {
		case errors.Is(err, ErrMediaType):
			if typeOK {
				t.Fatalf("content type %q refused", ctype)
			}
			return
		case !typeOK:
			t.Fatalf("content type %q accepted (err %v)", ctype, err)
		case errors.As(err, &tooLarge):
			if len(body) <= limit {
				t.Fatalf("%d bytes refused as too large", len(body))
			}
			return
		case errors.Is(err, ErrSyntax):
			return
		case err != nil:
			t.Fatalf("error %v (%T), want ErrMediaType, ErrSyntax or MaxBytesError", err, err)
		}
		if !json.Valid(body) {
			t.Fatalf("accepted invalid JSON %q", body)
		}
		// What was accepted encodes and decodes (strictly) to the same value.
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("accepted value does not encode: %v", err)
		}
		var back shape
		if err := JSON(request("application/json", b), &back); err != nil {
			t.Fatalf("re-encoded %s refused: %v", b, err)
		}
		if !reflect.DeepEqual(v, back) {
			t.Fatalf("round trip changed %+v into %+v", v, back)
		}
	})
}

func FuzzForm(f *testing.F) {
	const form = "application/x-www-form-urlencoded"
	for _, s := range []struct{ ctype, body string }{
		{form, "a_1.1=5&a_1.2=0&key=k-0123456789&formVersion=1&comment=C%C3%A1n+b%E1%BB%99"},
		{form, "a_1.1=%FF%FE&comment=%C3%28&key=\xff&formVersion=-1"},
		{form, "a_1.1=99999999999999999999&a_1.2=-5&key=%00%00%00"},
		{form, "%zz=%&&&==&a_1.1=5&a_1.1=1&key= k-0123456789 "},
		{form, "agency[$ne]=1&a_$where=5&%24set=1"},
		{form, "a=1;b=2"},
		{"multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nb\r\n--x--"},
		{"application/json", `{"a":1}`},
		{";;;", "a=1"},
		{"", "a=1"},
		{form, strings.Repeat("a=1&", limit/4+1)},
	} {
		f.Add(s.ctype, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, ctype string, body []byte) {
		r := request(ctype, body)
		get, err := Form(r)
		var tooLarge *http.MaxBytesError
		switch {
		case errors.As(err, &tooLarge):
			if len(body) <= limit || get != nil {
				t.Fatalf("%d bytes refused as too large (getter %v)", len(body), get != nil)
			}
			return
		case errors.Is(err, ErrNotForm):
			if get != nil {
				t.Fatalf("refused, with a getter")
			}
			return
		case err != nil:
			t.Fatalf("error %v (%T)", err, err)
		}
		for k, vs := range r.PostForm {
			v, ok := get(k)
			if len(vs) > 0 && (!ok || v != strings.TrimSpace(vs[0])) {
				t.Fatalf("get(%q) = %q %v, want the trimmed first value of %q", k, v, ok, vs)
			}
		}
		if v, ok := get("\x00no such field\x00"); ok || v != "" {
			t.Fatalf("an absent field reads %q %v", v, ok)
		}
	})
}

func FuzzBearer(f *testing.F) {
	for _, h := range []string{"Bearer hl_abc", "bearer   x  ", "Bearer", "Bearer ", "Basic YQ==", "", " Bearer x", "BEARER a b", "Bearer \x00", "Bearer\tx", "Bearer \xff\xfe"} {
		f.Add(h)
	}
	f.Fuzz(func(t *testing.T, h string) {
		tok, ok := Bearer(h)
		if !ok {
			if tok != "" {
				t.Fatalf("not ok but token %q", tok)
			}
			return
		}
		if tok == "" || tok != strings.TrimSpace(tok) {
			t.Fatalf("token %q: empty or not trimmed", tok)
		}
		if len(h) < 7 || !strings.EqualFold(h[:7], "Bearer ") {
			t.Fatalf("%q: accepted without the Bearer scheme", h)
		}
		if again, ok := Bearer("Bearer " + tok); !ok || again != tok {
			t.Fatalf("%q: token %q does not parse back (%q %v)", h, tok, again, ok)
		}
	})
}
