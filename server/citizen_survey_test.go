package server

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"golang.org/x/net/html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"hailong/survey"
)

// Integration tests of the citizen pages: GET /s/{agency}/{area}, POST of the
// form, the thank-you page, the start page and the operational endpoints. All
// run over a real embedded FerretDB (newTestEnv).

const (
	landAgency = "so-tn-mt"
	landArea   = "dat-dai"
	landPath   = "/s/" + landAgency + "/" + landArea
)

// ---- shared helpers (used by api_test.go and outage_test.go too) ----

func (e *testEnv) responseCount(t testing.TB) int64 {
	t.Helper()
	n, err := e.store.CountResponses(context.Background())
	if err != nil {
		t.Fatalf("count responses: %v", err)
	}
	return n
}

// questionCodes lists the codes of the seeded form's questions for an area.
func questionCodes(area string) []string {
	var codes []string
	for _, q := range survey.SIPAS2017().Questions(area) {
		codes = append(codes, q.Code)
	}
	return codes
}

// answerValue is the value the helpers give a question: varied, all on the
// scale, and a few "not applicable".
func answerValue(i int) int { return i % 6 } // 0..5

// validFormValues is a complete, valid submission of the form page.
func validFormValues(area, key string) url.Values {
	v := url.Values{}
	for i, code := range questionCodes(area) {
		v.Set("a_"+code, fmt.Sprint(answerValue(i)))
	}
	v.Set("key", key)
	v.Set("formVersion", "1")
	v.Set("comment", "Cán bộ nhiệt tình, nhưng chỗ ngồi chờ hơi chật.")
	v.Set("ageBand", "35to49")
	v.Set("gender", "female")
	v.Set("occupation", "farmer")
	v.Set("education", "university")
	return v
}

// openSurvey shows the survey page at path to c (so whatever cookie the form
// relies on is set) and returns a complete, valid submission of it for area:
// every hidden field the page carries, answers, comment and demographics.
func (e *testEnv) openSurvey(t testing.TB, c *http.Client, path, area string) url.Values {
	t.Helper()
	r := e.getPage(t, c, path)
	if r.status != http.StatusOK {
		t.Fatalf("GET %s: status %d, want 200", path, r.status)
	}
	vals := validFormValues(area, "")
	for name, v := range hiddenFields(t, r.body) {
		vals.Set(name, v)
	}
	if !survey.ValidKey(vals.Get("key")) {
		t.Fatalf("GET %s: hidden key %q is not valid", path, vals.Get("key"))
	}
	return vals
}

// hiddenFields maps the name of each hidden input of a page to its value
// (the last one wins, as url.Values.Set would).
func hiddenFields(t testing.TB, body string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, n := range findIn(t, body, `input[type=hidden][name]`) {
		out[attrOf(n, "name")] = attrOf(n, "value")
	}
	return out
}

func formKey(t testing.TB, body string) string {
	t.Helper()
	in := findIn(t, body, `input[type=hidden][name=key]`)
	if len(in) == 0 {
		t.Fatalf("no hidden key field in page:\n%s", clip(body))
	}
	return attrOf(in[0], "value")
}

// checkedAnswers maps a question code to the value of its checked radio.
func checkedAnswers(body string) map[string]string {
	out := map[string]string{}
	doc, err := parseHTML(body)
	if err != nil {
		return out
	}
	for _, n := range findAll(doc, `input[type=radio][name^=a_][checked]`) {
		out[strings.TrimPrefix(attrOf(n, "name"), "a_")] = attrOf(n, "value")
	}
	return out
}

// questionFieldsets maps a question code (the legend reads "<code>. <text>")
// to its <fieldset> element.
func questionFieldsets(body string) map[string]*html.Node {
	out := map[string]*html.Node{}
	doc, err := parseHTML(body)
	if err != nil {
		return out
	}
	for _, fs := range findAll(doc, `fieldset[class^=q]`) {
		if code, _, ok := strings.Cut(textOf(findFirst(fs, "legend")), ". "); ok {
			out[code] = fs
		}
	}
	return out
}

// fieldsets maps a question code to its whole <fieldset> element, as HTML.
func fieldsets(body string) map[string]string {
	out := map[string]string{}
	for code, fs := range questionFieldsets(body) {
		out[code] = outerHTML(fs)
	}
	return out
}

// selectedDemographic is the selected option of the demographic select d-<code>
// ("" when none is selected, "<no select>" when there is no such select).
func selectedDemographic(body, code string) string {
	doc, err := parseHTML(body)
	if err != nil {
		return "<no select>"
	}
	sel := findFirst(doc, `select#d-`+code+`[name=`+code+`]`)
	if sel == nil {
		return "<no select>"
	}
	return attrOf(findFirst(sel, "option[selected]"), "value")
}

// errorSummary is the inner HTML of the page's error summary ("" when none).
func errorSummary(body string) string {
	doc, err := parseHTML(body)
	if err != nil {
		return ""
	}
	return innerHTML(findFirst(doc, `div#errors.errors[role=alert]`))
}

// commentBox is the text of the comment textarea, and whether there is one.
func commentBox(t testing.TB, body string) (string, bool) {
	t.Helper()
	ta := findIn(t, body, `textarea#comment`)
	if len(ta) == 0 {
		return "", false
	}
	return rawTextOf(ta[0]), true
}

func qAnchor(code string) string { return "q-" + strings.ReplaceAll(code, ".", "-") }

// ---- form page ----

func TestFormPageLanguageDefaultSwitchAndCookie(t *testing.T) {
	env := newTestEnv(t)
	c := env.client(t)

	steps := []struct {
		name     string
		path     string
		wantLang string
		want     []string
		notWant  []string
	}{
		{"default is Vietnamese", landPath, "vi",
			[]string{"Nơi ngồi chờ có đủ chỗ ngồi", "Rất hài lòng", "Gửi đánh giá", "Sở Tài nguyên và Môi trường", `href="` + landPath + `?lang=en"`},
			[]string{"The waiting area has enough seats", "Very satisfied"}},
		{"?lang=en switches to English", landPath + "?lang=en", "en",
			[]string{"The waiting area has enough seats", "Very satisfied", "Send my rating", "Department of Natural Resources and Environment", "Not applicable / no opinion"},
			[]string{"Nơi ngồi chờ có đủ chỗ ngồi", "Gửi đánh giá"}},
		{"English remembered by cookie", landPath, "en",
			[]string{"The waiting area has enough seats", "Send my rating"},
			[]string{"Gửi đánh giá"}},
		{"remembered on another page too", "/", "en",
			[]string{"Rate a public service"}, nil},
		{"?lang=vi switches back", landPath + "?lang=vi", "vi",
			[]string{"Gửi đánh giá"}, []string{"Send my rating"}},
		{"Vietnamese remembered by cookie", landPath, "vi",
			[]string{"Gửi đánh giá"}, []string{"Send my rating"}},
		{"unsupported language ignored", landPath + "?lang=fr", "vi",
			[]string{"Gửi đánh giá"}, nil},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			r := env.getPage(t, c, st.path)
			if r.status != http.StatusOK {
				t.Fatalf("GET %s: status %d, want 200", st.path, r.status)
			}
			if got := attrsOf(mustHTML(t, r.body), "html", "lang"); len(got) != 1 || got[0] != st.wantLang {
				t.Errorf("GET %s: html lang = %v, want %q", st.path, got, st.wantLang)
			}
			for _, w := range st.want {
				if !strings.Contains(r.body, w) {
					t.Errorf("GET %s: page lacks %q", st.path, w)
				}
			}
			for _, w := range st.notWant {
				if strings.Contains(r.body, w) {
					t.Errorf("GET %s: page has %q, want it absent", st.path, w)
				}
			}
		})
	}

	t.Run("lang cookie attributes", func(t *testing.T) {
		r := env.getPage(t, &http.Client{}, landPath+"?lang=en")
		ck := r.header.Get("Set-Cookie")
		for _, w := range []string{"lang=en", "Path=/", "HttpOnly", "SameSite=Lax"} {
			if !strings.Contains(ck, w) {
				t.Errorf("Set-Cookie = %q, want it to contain %q", ck, w)
			}
		}
	})

	t.Run("a fresh client is not affected", func(t *testing.T) {
		r := env.getPage(t, env.client(t), landPath)
		if got := attrsOf(mustHTML(t, r.body), "html", "lang"); len(got) != 1 || got[0] != "vi" {
			t.Errorf("html lang = %v, want vi", got)
		}
	})
}

func TestFormPageStructure(t *testing.T) {
	env := newTestEnv(t)
	f := survey.SIPAS2017()
	tests := []struct {
		agency, area  string
		wantQuestions int
	}{
		{"so-tn-mt", "dat-dai", 25},
		{"so-tn-mt", "moi-truong", 24},
		{"so-xay-dung", "xay-dung", 25},
		{"so-tu-phap", "tu-phap", 22},
		{"x-thuong-lam", "dat-dai", 25},
	}
	for _, tt := range tests {
		t.Run(tt.agency+"/"+tt.area, func(t *testing.T) {
			r := env.getPage(t, env.client(t), "/s/"+tt.agency+"/"+tt.area)
			if r.status != http.StatusOK {
				t.Fatalf("status %d, want 200", r.status)
			}
			if ct := r.header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
				t.Errorf("Content-Type = %q, want text/html; charset=utf-8", ct)
			}
			if cc := r.header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
				t.Errorf("Cache-Control = %q, want no-store (the page carries a one-time key)", cc)
			}
			if got := strings.Count(r.body, "<fieldset"); got != tt.wantQuestions {
				t.Errorf("fieldsets = %d, want %d", got, tt.wantQuestions)
			}
			if got := strings.Count(r.body, "<legend>"); got != tt.wantQuestions {
				t.Errorf("legends = %d, want %d", got, tt.wantQuestions)
			}
			fsNodes := questionFieldsets(r.body)
			for _, q := range f.Questions(tt.area) {
				node, ok := fsNodes[q.Code]
				if !ok {
					t.Errorf("question %s: no fieldset with legend %q", q.Code, q.Code+". …")
					continue
				}
				set := outerHTML(node)
				if legend := textOf(findFirst(node, "legend")); !strings.Contains(legend, q.Text.Vi) {
					t.Errorf("question %s: legend %q lacks its text %q", q.Code, legend, q.Text.Vi)
				}
				// Labelled radios: a label holding the radio and its text.
				var radios []*html.Node
				for _, l := range findAll(node, "label") {
					if in := findFirst(l, `input[type=radio]`); in != nil {
						radios = append(radios, l)
					}
				}
				if len(radios) != 6 {
					t.Errorf("question %s: %d labelled radios, want 6 (5 levels + not applicable)", q.Code, len(radios))
				}
				for _, l := range radios {
					in := findFirst(l, `input[type=radio]`)
					if attrOf(in, "name") != "a_"+q.Code || textOf(l) == "" {
						t.Errorf("question %s: radio %q has name %s and label %q, want a_%s and a real label", q.Code, outerHTML(l), attrOf(in, "name"), textOf(l), q.Code)
					}
				}
				if !hasElement(set, "[id=\""+qAnchor(q.Code)+"\"]") {
					t.Errorf("question %s: no radio with id %q for the error summary to link to", q.Code, qAnchor(q.Code))
				}
				if strings.Contains(set, "checked") || hasElement(set, "[class=\"err\"]") {
					t.Errorf("question %s: a fresh form has a checked radio or an error", q.Code)
				}
			}
			key := formKey(t, r.body)
			if !survey.ValidKey(key) {
				t.Errorf("hidden key %q is not a valid idempotency key", key)
			}
			for _, w := range []string{
				`<input type="hidden" name="formVersion" value="1">`,
				`<form method="post" action="/s/` + tt.agency + `/` + tt.area + `"`,
				`<label for="comment">`, `<textarea id="comment" name="comment"`, `maxlength="2000"`,
				`<label for="d-ageBand">Độ tuổi</label>`, `<label for="d-gender">Giới tính</label>`,
				`<label for="d-occupation">Nghề nghiệp</label>`, `<label for="d-education">Trình độ học vấn</label>`,
				`<button type="submit">`,
			} {
				if !strings.Contains(r.body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			if hasElement(r.body, "[class=\"errors\"]") {
				t.Errorf("a fresh form shows an error summary")
			}
		})
	}

	t.Run("every render has a fresh key", func(t *testing.T) {
		c := env.client(t)
		k1 := formKey(t, env.getPage(t, c, landPath).body)
		k2 := formKey(t, env.getPage(t, c, landPath).body)
		if k1 == k2 {
			t.Errorf("two renders share key %q, want distinct keys", k1)
		}
	})
}

// TestFormPageSize holds the form page to the budget of DESIGN §5: at most
// 30 KB in total (HTML + CSS), both as sent uncompressed and gzipped.
func TestFormPageSize(t *testing.T) {
	env := newTestEnv(t)
	const budget = 30 * 1000
	raw := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	fetch := func(t *testing.T, path string, gz bool) (n int, text string, encoding string) {
		req, _ := http.NewRequest(http.MethodGet, env.http.URL+path, nil)
		if gz {
			req.Header.Set("Accept-Encoding", "gzip")
		}
		r := sendRequest(t, raw, req)
		if r.status != http.StatusOK {
			t.Fatalf("GET %s: status %d, want 200", path, r.status)
		}
		text = r.body
		if r.header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(strings.NewReader(r.body))
			if err != nil {
				t.Fatalf("GET %s: bad gzip: %v", path, err)
			}
			b, err := io.ReadAll(zr)
			if err != nil {
				t.Fatalf("GET %s: bad gzip: %v", path, err)
			}
			text = string(b)
		}
		return len(r.body), text, r.header.Get("Content-Encoding")
	}
	for _, area := range []string{"dat-dai", "xay-dung", "tu-phap"} {
		agency := map[string]string{"dat-dai": "so-tn-mt", "xay-dung": "so-xay-dung", "tu-phap": "so-tu-phap"}[area]
		for _, lang := range []string{"vi", "en"} {
			for _, gz := range []bool{false, true} {
				name := fmt.Sprintf("%s/%s/gzip=%v", area, lang, gz)
				t.Run(name, func(t *testing.T) {
					htmlN, html, enc := fetch(t, "/s/"+agency+"/"+area+"?lang="+lang, gz)
					if gz && enc != "gzip" {
						t.Errorf("page Content-Encoding = %q, want gzip when asked", enc)
					}
					if !gz && enc != "" {
						t.Errorf("page Content-Encoding = %q, want none when not asked", enc)
					}
					links := findIn(t, html, `link[rel=stylesheet][href]`)
					if len(links) == 0 {
						t.Fatalf("no stylesheet link in page")
					}
					cssN, _, _ := fetch(t, attrOf(links[0], "href"), gz)
					total := htmlN + cssN
					t.Logf("HTML %d + CSS %d = %d bytes", htmlN, cssN, total)
					if total > budget {
						t.Errorf("page weight = %d bytes (HTML %d + CSS %d), want ≤ %d", total, htmlN, cssN, budget)
					}
					for _, bad := range []string{`src="http`, `href="http`, `src="//`, `href="//`, "<script"} {
						if strings.Contains(html, bad) {
							t.Errorf("page contains %q: want no external resource and no script", bad)
						}
					}
				})
			}
		}
	}
}

// ---- submitting the form ----

func TestFormSubmitValidStoresOnceAndThanks(t *testing.T) {
	env := newTestEnv(t)
	c := env.client(t)
	ctx := context.Background()

	vals := env.openSurvey(t, c, landPath, landArea)
	key := vals.Get("key")

	r := env.postSurvey(t, c, landPath, vals)
	if r.status != http.StatusSeeOther {
		t.Fatalf("POST: status %d, want 303; body:\n%s", r.status, clip(r.body))
	}
	if loc := r.header.Get("Location"); loc != landPath+"/thanks" {
		t.Errorf("Location = %q, want %q", loc, landPath+"/thanks")
	}
	if n := env.responseCount(t); n != 1 {
		t.Fatalf("stored %d responses, want 1", n)
	}
	got, err := env.store.Response(ctx, key)
	if err != nil {
		t.Fatalf("read stored response %q: %v", key, err)
	}
	if got.ID != key || got.Agency != landAgency || got.Area != landArea || got.FormID != survey.DefaultFormID ||
		got.FormVersion != 1 || got.Channel != survey.ChannelWeb || got.Verified || got.Lang != survey.Vi {
		t.Errorf("stored = %+v, want id %s, %s/%s, %s v1, web, not verified, vi", got, key, landAgency, landArea, survey.DefaultFormID)
	}
	codes := questionCodes(landArea)
	if len(got.Answers) != len(codes) {
		t.Errorf("stored %d answers, want %d", len(got.Answers), len(codes))
	}
	for i, a := range got.Answers {
		if i < len(codes) && (a.Code != codes[i] || a.Value != answerValue(i)) {
			t.Errorf("answer %d = %s:%d, want %s:%d", i, a.Code, a.Value, codes[i], answerValue(i))
		}
	}
	if got.Comment != vals.Get("comment") {
		t.Errorf("stored comment = %q, want %q", got.Comment, vals.Get("comment"))
	}
	wantResp := survey.Respondent{AgeBand: "35to49", Gender: "female", Occupation: "farmer", Education: "university"}
	if got.Respondent != wantResp {
		t.Errorf("stored respondent = %+v, want %+v", got.Respondent, wantResp)
	}
	if got.SubmittedAt.IsZero() || got.ReceivedAt.IsZero() {
		t.Errorf("stored times = %v / %v, want both set", got.SubmittedAt, got.ReceivedAt)
	}

	t.Run("thank-you page", func(t *testing.T) {
		r := env.getPage(t, c, landPath+"/thanks")
		if r.status != http.StatusOK {
			t.Fatalf("status %d, want 200", r.status)
		}
		if !strings.Contains(r.body, "Sở Tài nguyên và Môi trường") || !strings.Contains(r.body, "Cảm ơn") {
			t.Errorf("thank-you page lacks the agency's name or the thanks:\n%s", clip(r.body))
		}
	})

	t.Run("double submit with the same key", func(t *testing.T) {
		for i := range 3 {
			r := env.postSurvey(t, c, landPath, vals)
			if r.status != http.StatusSeeOther || r.header.Get("Location") != landPath+"/thanks" {
				t.Errorf("resubmit %d: status %d Location %q, want 303 to thanks", i, r.status, r.header.Get("Location"))
			}
		}
		if n := env.responseCount(t); n != 1 {
			t.Errorf("stored %d responses, want 1", n)
		}
	})

	t.Run("English respondent stored as en", func(t *testing.T) {
		c := env.client(t)
		vals := env.openSurvey(t, c, landPath+"?lang=en", landArea)
		key := vals.Get("key")
		if r := env.postSurvey(t, c, landPath, vals); r.status != http.StatusSeeOther {
			t.Fatalf("status %d, want 303", r.status)
		}
		got, err := env.store.Response(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if got.Lang != survey.En {
			t.Errorf("stored lang = %q, want en", got.Lang)
		}
		if r := env.getPage(t, c, landPath+"/thanks"); !strings.Contains(r.body, "Thank you") {
			t.Errorf("thank-you page not in English:\n%s", clip(r.body))
		}
	})

	t.Run("same key for another area is refused", func(t *testing.T) {
		before := env.responseCount(t)
		c := env.client(t)
		other := env.openSurvey(t, c, "/s/so-tn-mt/moi-truong", "moi-truong")
		other.Set("key", key)
		r := env.postSurvey(t, c, "/s/so-tn-mt/moi-truong", other)
		if r.status != http.StatusConflict {
			t.Errorf("status %d, want 409", r.status)
		}
		if n := env.responseCount(t); n != before {
			t.Errorf("stored %d responses, want %d", n, before)
		}
		if got, _ := env.store.Response(ctx, key); got.Area != landArea {
			t.Errorf("stored area = %q, want %q unchanged", got.Area, landArea)
		}
	})
}

func TestFormConcurrentSubmitsOfOneKeyStoreOne(t *testing.T) {
	env := newTestEnv(t)
	c := env.client(t)
	vals := env.openSurvey(t, c, landPath, landArea)
	const n = 50
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest(http.MethodPost, env.http.URL+landPath, strings.NewReader(vals.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := c.Do(req)
			if err != nil {
				t.Errorf("POST %d: %v", i, err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			statuses[i] = resp.StatusCode
		}()
	}
	wg.Wait()
	for i, s := range statuses {
		if s != http.StatusSeeOther {
			t.Errorf("POST %d: status %d, want 303", i, s)
		}
	}
	if got := env.responseCount(t); got != 1 {
		t.Errorf("stored %d responses, want 1", got)
	}
}

// TestFormInvalidSubmissions sends wrong forms: each must come back as the
// same form (400) with a message at each wrong field, a summary linking to
// it, everything entered kept, and nothing stored.
func TestFormInvalidSubmissions(t *testing.T) {
	env := newTestEnv(t)
	vi := env.srv.locales[survey.Vi]
	long := strings.Repeat("ệ", 2001)
	tests := []struct {
		name   string
		change func(v url.Values)
		// wantQ maps a question code to its expected message.
		wantQ map[string]string
		// wantOther lists summary anchors (without #) and their messages
		// for errors that are not about a question.
		wantOther map[string]string
		// fieldErr is text that must appear as the error next to a non-question field.
		fieldErr string
	}{
		{
			name:   "missing required answer",
			change: func(v url.Values) { v.Del("a_2.3") },
			wantQ:  map[string]string{"2.3": vi.T("err.required")},
		},
		{
			name:   "several missing answers, one an area item",
			change: func(v url.Values) { v.Del("a_1.1"); v.Set("a_DD3", "") },
			wantQ:  map[string]string{"1.1": vi.T("err.required"), "DD3": vi.T("err.required")},
		},
		{
			name:   "value above the scale",
			change: func(v url.Values) { v.Set("a_1.1", "7") },
			wantQ:  map[string]string{"1.1": vi.T("err.scale")},
		},
		{
			name:   "negative value",
			change: func(v url.Values) { v.Set("a_3.2", "-1") },
			wantQ:  map[string]string{"3.2": vi.T("err.scale")},
		},
		{
			name:   "not a number",
			change: func(v url.Values) { v.Set("a_DD1", "abc") },
			wantQ:  map[string]string{"DD1": vi.T("err.scale")},
		},
		{
			name:   "decimal value",
			change: func(v url.Values) { v.Set("a_5.4", "4.5") },
			wantQ:  map[string]string{"5.4": vi.T("err.scale")},
		},
		{
			name:      "comment over 2000 characters",
			change:    func(v url.Values) { v.Set("comment", long) },
			wantOther: map[string]string{"comment": vi.T("err.too_long", 2000)},
			fieldErr:  `<p class="err" id="comment-err">` + vi.T("err.too_long", 2000) + `</p>`,
		},
		{
			name:      "unknown form version",
			change:    func(v url.Values) { v.Set("formVersion", "99") },
			wantOther: map[string]string{"main": vi.T("err.unknown_form")},
		},
		{
			name:      "form version not a number",
			change:    func(v url.Values) { v.Set("formVersion", "abc") },
			wantOther: map[string]string{"main": vi.T("err.unknown_form")},
		},
		{
			name:      "form version missing",
			change:    func(v url.Values) { v.Del("formVersion") },
			wantOther: map[string]string{"main": vi.T("err.unknown_form")},
		},
		{
			name:      "invalid demographic code",
			change:    func(v url.Values) { v.Set("gender", "alien") },
			wantOther: map[string]string{"d-gender": vi.T("err.invalid")},
			fieldErr:  `<p class="err">` + vi.T("err.invalid") + `</p>`,
		},
		{
			name: "everything wrong at once",
			change: func(v url.Values) {
				v.Del("a_1.2")
				v.Set("a_4.1", "9")
				v.Set("comment", long)
				v.Set("education", "phd")
			},
			wantQ: map[string]string{"1.2": vi.T("err.required"), "4.1": vi.T("err.scale")},
			wantOther: map[string]string{
				"comment":     vi.T("err.too_long", 2000),
				"d-education": vi.T("err.invalid"),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := env.client(t)
			vals := env.openSurvey(t, c, landPath, landArea)
			key := vals.Get("key")
			tt.change(vals)
			r := env.postSurvey(t, c, landPath, vals)
			if r.status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400; body:\n%s", r.status, clip(r.body))
			}
			if !hasElement(r.body, "form[method=\"post\"][action=\""+landPath+"\"]") {
				t.Fatalf("the form is not shown again")
			}
			if got := formKey(t, r.body); got != key {
				t.Errorf("key = %q, want the submitted key %q kept", got, key)
			}
			if !hasElement(r.body, "input[type=\"hidden\"][name=\"formVersion\"][value=\"1\"]") {
				t.Errorf("form shown again without the current form version")
			}
			summary := errorSummary(r.body)
			if summary == "" {
				t.Fatalf("no error summary in page:\n%s", clip(r.body))
			}
			fs := fieldsets(r.body)
			for _, code := range questionCodes(landArea) {
				set := fs[code]
				msg, wrong := tt.wantQ[code]
				hasErr := hasElement(set, "p[class=\"err\"][id=\""+qAnchor(code)+"-err\"]")
				switch {
				case wrong && !hasErr:
					t.Errorf("question %s: no message next to the field", code)
				case wrong && !strings.Contains(set, msg):
					t.Errorf("question %s: message is not %q:\n%s", code, msg, set)
				case wrong && !hasElement(set, "[aria-describedby=\""+qAnchor(code)+"-err\"]"):
					t.Errorf("question %s: radios not described by the message", code)
				case wrong && !hasElement(summary, "[href=\"#"+qAnchor(code)+"\"]"):
					t.Errorf("question %s: summary has no link href=\"#%s\":\n%s", code, qAnchor(code), summary)
				case !wrong && hasErr:
					t.Errorf("question %s: has a message but was answered correctly", code)
				}
			}
			for a, msg := range tt.wantOther {
				if !hasElement(summary, "[href=\"#"+a+"\"]") || !strings.Contains(summary, msg) {
					t.Errorf("summary lacks a link to #%s with %q:\n%s", a, msg, summary)
				}
			}
			if tt.fieldErr != "" && !strings.Contains(r.body, tt.fieldErr) {
				t.Errorf("no message %q next to the field", tt.fieldErr)
			}
			if got, want := strings.Count(summary, "<li>"), len(tt.wantQ)+len(tt.wantOther); got != want {
				t.Errorf("summary has %d entries, want %d:\n%s", got, want, summary)
			}
			// Everything entered is kept.
			checked := checkedAnswers(r.body)
			for i, code := range questionCodes(landArea) {
				sent := vals.Get("a_" + code)
				want := ""
				if sent == fmt.Sprint(answerValue(i)) {
					want = sent
				}
				if checked[code] != want {
					t.Errorf("question %s: checked %q, want %q (sent %q)", code, checked[code], want, sent)
				}
			}
			text, ok := commentBox(t, r.body)
			if !ok || text != vals.Get("comment") {
				got := "<none>"
				if ok {
					got = clip(text)
				}
				t.Errorf("comment = %q, want %q kept", got, clip(vals.Get("comment")))
			}
			for _, d := range []string{"ageBand", "gender", "occupation", "education"} {
				want := vals.Get(d)
				if dm, _ := survey.SIPAS2017().Demographic(d); !dm.HasOption(want) {
					want = "" // an invalid code cannot be selected
				}
				if got := selectedDemographic(r.body, d); got != want {
					t.Errorf("demographic %s: selected %q, want %q", d, got, want)
				}
			}
			if n := env.responseCount(t); n != 0 {
				t.Errorf("stored %d responses, want 0", n)
			}
		})
	}
}

func TestFormInvalidInEnglish(t *testing.T) {
	env := newTestEnv(t)
	c := env.client(t)
	vals := env.openSurvey(t, c, landPath+"?lang=en", landArea)
	vals.Del("a_1.1")
	r := env.postSurvey(t, c, landPath, vals)
	if r.status != http.StatusBadRequest {
		t.Fatalf("status %d, want 400", r.status)
	}
	for _, w := range []string{"Please choose an answer.", "Your answers were not sent", "Question 1.1", `<html lang="en">`} {
		if !strings.Contains(r.body, w) {
			t.Errorf("page lacks %q", w)
		}
	}
}

// TestFormCorrectedResubmitStoresOnce: the form shown again after a mistake,
// once corrected, is accepted, and stored once however often it is sent.
func TestFormCorrectedResubmitStoresOnce(t *testing.T) {
	env := newTestEnv(t)
	c := env.client(t)
	vals := env.openSurvey(t, c, landPath, landArea)
	vals.Del("a_4.2")
	vals.Set("formVersion", "99")
	r := env.postSurvey(t, c, landPath, vals)
	if r.status != http.StatusBadRequest {
		t.Fatalf("status %d, want 400", r.status)
	}
	again := validFormValues(landArea, "")
	for name, v := range hiddenFields(t, r.body) {
		again.Set(name, v)
	}
	for i := range 2 {
		if r := env.postSurvey(t, c, landPath, again); r.status != http.StatusSeeOther {
			t.Fatalf("corrected form, send %d: status %d, want 303; %s", i, r.status, plainText(errorSummary(r.body)))
		}
	}
	if n := env.responseCount(t); n != 1 {
		t.Errorf("stored %d responses, want 1", n)
	}
	if _, err := env.store.Response(context.Background(), vals.Get("key")); err != nil {
		t.Errorf("response stored under another key than the form's %q: %v", vals.Get("key"), err)
	}
}

func TestFormKeyMissingOrInvalid(t *testing.T) {
	env := newTestEnv(t)
	vi := env.srv.locales[survey.Vi]
	for _, key := range []string{"", "short", "has space in it", strings.Repeat("k", 65), `"><script>x</script>`} {
		t.Run(fmt.Sprintf("key %q", key), func(t *testing.T) {
			c := env.client(t)
			vals := env.openSurvey(t, c, landPath, landArea)
			vals.Set("key", key)
			if key == "" {
				vals.Del("key")
			}
			r := env.postSurvey(t, c, landPath, vals)
			if r.status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400", r.status)
			}
			if !strings.Contains(errorSummary(r.body), vi.T("form.err.idempotencyKey.invalid")) {
				t.Errorf("summary lacks %q", vi.T("form.err.idempotencyKey.invalid"))
			}
			if got := formKey(t, r.body); !survey.ValidKey(got) || got == key {
				t.Errorf("key = %q, want a fresh valid key", got)
			}
			if strings.Contains(r.body, "<script>x</script>") {
				t.Errorf("submitted key echoed unescaped")
			}
			if len(checkedAnswers(r.body)) != len(questionCodes(landArea)) {
				t.Errorf("answers not kept: %d checked, want %d", len(checkedAnswers(r.body)), len(questionCodes(landArea)))
			}
			if n := env.responseCount(t); n != 0 {
				t.Errorf("stored %d responses, want 0", n)
			}
		})
	}
}

// TestFormCommentBoundary: 2000 characters (not bytes) are accepted.
func TestFormCommentBoundary(t *testing.T) {
	env := newTestEnv(t)
	c := env.client(t)
	vals := env.openSurvey(t, c, landPath, landArea)
	key := vals.Get("key")
	vals.Set("comment", strings.Repeat("ệ", 2000))
	r := env.postSurvey(t, c, landPath, vals)
	if r.status != http.StatusSeeOther {
		t.Fatalf("status %d, want 303 for a comment of exactly 2000 characters", r.status)
	}
	got, err := env.store.Response(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	if got.Comment != vals.Get("comment") {
		t.Errorf("stored comment differs from the one sent")
	}
}

// TestFormCommentLineBreaksCountOnce: the textarea's maxlength counts a line
// break as one character, but browsers submit it as CR LF. A comment the
// browser let through (≤ 2000 characters) must not be refused as too long.
func TestFormCommentLineBreaksCountOnce(t *testing.T) {
	env := newTestEnv(t)
	lines := make([]string, 1000)
	for i := range lines {
		lines[i] = "a"
	}
	// 1000 letters + 999 line breaks = 1999 characters in the browser,
	// 2998 once each break is sent as CR LF.
	comment := strings.Join(lines, "\r\n")
	c := env.client(t)
	vals := env.openSurvey(t, c, landPath, landArea)
	vals.Set("comment", comment)
	r := env.postSurvey(t, c, landPath, vals)
	if r.status != http.StatusSeeOther {
		t.Errorf("status %d, want 303: a 1999-character comment with line breaks was refused (%s)",
			r.status, plainText(errorSummary(r.body)))
	}
}

// plainText is the text an HTML fragment shows, white space collapsed.
func plainText(fragment string) string {
	doc, err := parseHTML(fragment)
	if err != nil {
		return fragment
	}
	return textOf(doc)
}

func TestFormBodyTooLarge(t *testing.T) {
	env := newTestEnv(t)
	c := env.client(t)
	vals := env.openSurvey(t, c, landPath, landArea)
	vals.Set("comment", strings.Repeat("x", 70<<10))
	r := env.postSurvey(t, c, landPath, vals)
	if r.status != http.StatusRequestEntityTooLarge {
		t.Errorf("status %d, want 413", r.status)
	}
	if n := env.responseCount(t); n != 0 {
		t.Errorf("stored %d responses, want 0", n)
	}
}

// TestFormEscapesUserInput: text a citizen typed is shown again escaped,
// never as markup.
func TestFormEscapesUserInput(t *testing.T) {
	env := newTestEnv(t)
	const evil = `<script>alert(1)</script>`
	tests := []struct {
		name   string
		change func(v url.Values)
	}{
		{"comment with a script", func(v url.Values) { v.Set("comment", evil); v.Del("a_1.1") }},
		{"comment closing the textarea", func(v url.Values) { v.Set("comment", "</textarea>"+evil); v.Del("a_1.1") }},
		{"demographic with a script", func(v url.Values) { v.Set("gender", `"><script>alert(1)</script>`) }},
		{"answer with a script", func(v url.Values) { v.Set("a_1.1", `"><script>alert(1)</script>`) }},
		{"form version with a script", func(v url.Values) { v.Set("formVersion", `"><script>alert(1)</script>`) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := env.client(t)
			vals := env.openSurvey(t, c, landPath, landArea)
			tt.change(vals)
			r := env.postSurvey(t, c, landPath, vals)
			if r.status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400", r.status)
			}
			if strings.Contains(r.body, "<script") {
				i := strings.Index(r.body, "<script")
				t.Errorf("page contains raw <script: …%s…", r.body[max(0, i-100):min(len(r.body), i+200)])
			}
			if strings.Contains(vals.Get("comment"), evil) && !strings.Contains(r.body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
				t.Errorf("comment not shown back escaped")
			}
		})
	}

	t.Run("path reflected in links", func(t *testing.T) {
		path := "/s/" + url.PathEscape(`"><script>alert(1)</script>`) + "/dat-dai"
		r := env.getPage(t, env.client(t), path)
		if r.status != http.StatusNotFound {
			t.Errorf("status %d, want 404", r.status)
		}
		if strings.Contains(r.body, "<script") {
			t.Errorf("404 page contains raw <script")
		}
	})
}

func TestFormUnknownTarget(t *testing.T) {
	env := newTestEnv(t)
	for _, path := range []string{"/s/khong-co/dat-dai", "/s/so-tn-mt/khong-co", "/s/khong-co/khong-co", "/s/so-tn-mt", "/s/so-tn-mt/dat-dai/extra/x"} {
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			t.Run(method+" "+path, func(t *testing.T) {
				c := env.client(t)
				var r httpResult
				if method == http.MethodGet {
					r = env.getPage(t, c, path)
				} else {
					r = env.postSurvey(t, c, path, env.openSurvey(t, c, landPath, landArea))
				}
				if r.status != http.StatusNotFound {
					t.Errorf("status %d, want 404", r.status)
				}
				if !strings.Contains(r.body, "Không tìm thấy trang") {
					t.Errorf("404 page lacks its Vietnamese title")
				}
			})
		}
	}
	if n := env.responseCount(t); n != 0 {
		t.Errorf("stored %d responses, want 0", n)
	}
}

func TestFormAreaNotServed(t *testing.T) {
	env := newTestEnv(t)
	vi := env.srv.locales[survey.Vi]
	const path = "/s/so-tu-phap/dat-dai"
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		t.Run(method, func(t *testing.T) {
			c := env.client(t)
			var r httpResult
			if method == http.MethodGet {
				r = env.getPage(t, c, path)
			} else {
				r = env.postSurvey(t, c, path, env.openSurvey(t, c, landPath, landArea))
			}
			if r.status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400", r.status)
			}
			for _, w := range []string{
				`<p class="err" id="area-err">` + vi.T("err.area_not_served"),
				`<select id="area" name="area" aria-describedby="area-err" aria-invalid="true">`,
				`<option value="so-tu-phap" selected>`,
				`<option value="dat-dai" selected>`,
			} {
				if !strings.Contains(r.body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			if s := errorSummary(r.body); !hasElement(s, "[href=\"#area\"]") {
				t.Errorf("summary lacks a link to #area:\n%s", s)
			}
		})
	}
	if n := env.responseCount(t); n != 0 {
		t.Errorf("stored %d responses, want 0", n)
	}
}

func TestStartPage(t *testing.T) {
	env := newTestEnv(t)
	tests := []struct {
		path       string
		wantStatus int
		wantLoc    string
		want       string
	}{
		{"/", http.StatusOK, "", `<select id="agency" name="agency"`},
		{"/survey?agency=so-tn-mt&area=dat-dai", http.StatusSeeOther, landPath, ""},
		{"/survey?agency=&area=dat-dai", http.StatusBadRequest, "", `id="agency-err"`},
		{"/survey?agency=so-tn-mt&area=", http.StatusBadRequest, "", `id="area-err"`},
		{"/survey?agency=so-tu-phap&area=dat-dai", http.StatusBadRequest, "", "Cơ quan này giải quyết các lĩnh vực: Tư pháp"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			r := env.getPage(t, env.client(t), tt.path)
			if r.status != tt.wantStatus {
				t.Fatalf("status %d, want %d", r.status, tt.wantStatus)
			}
			if loc := r.header.Get("Location"); loc != tt.wantLoc {
				t.Errorf("Location = %q, want %q", loc, tt.wantLoc)
			}
			if !strings.Contains(r.body, tt.want) {
				t.Errorf("page lacks %q", tt.want)
			}
		})
	}
}

// TestFormOperatorFieldsIgnored posts field names that look like MongoDB
// operators or try to set stored fields: they are ignored, and what is
// stored is exactly the answers of the form.
func TestFormOperatorFieldsIgnored(t *testing.T) {
	env := newTestEnv(t)
	c := env.client(t)
	vals := env.openSurvey(t, c, landPath, landArea)
	key := vals.Get("key")
	for k, v := range map[string]string{
		"$where": "sleep(1000)", "answers.$gt": "1", "a_$gt": "5", "answers[$ne]": "1",
		"agency[$ne]": "x", "agency": "so-xay-dung", "_id": "evil", "verified": "true",
		"channel": "kiosk", "a_9.9": "5", "lang": "en", "formId": "other",
	} {
		vals.Set(k, v)
	}
	r := env.postSurvey(t, c, landPath, vals)
	if r.status != http.StatusSeeOther {
		t.Fatalf("status %d, want 303; summary: %s", r.status, plainText(errorSummary(r.body)))
	}
	if n := env.responseCount(t); n != 1 {
		t.Fatalf("stored %d responses, want 1", n)
	}
	got, err := env.store.Response(context.Background(), key)
	if err != nil {
		t.Fatalf("read %q: %v", key, err)
	}
	if got.Agency != landAgency || got.Area != landArea || got.Verified || got.Channel != survey.ChannelWeb || got.FormID != survey.DefaultFormID {
		t.Errorf("stored %+v, want agency/area from the path, web, not verified", got)
	}
	codes := questionCodes(landArea)
	if len(got.Answers) != len(codes) {
		t.Errorf("stored %d answers, want %d", len(got.Answers), len(codes))
	}
	for _, a := range got.Answers {
		if strings.ContainsAny(a.Code, "$.[") && !regexp.MustCompile(`^\d\.\d$`).MatchString(a.Code) {
			t.Errorf("stored answer code %q", a.Code)
		}
	}
	if _, err := env.store.Response(context.Background(), "evil"); err == nil {
		t.Errorf("a response with _id %q was stored", "evil")
	}
}

// ---- headers and operations ----

func TestSecurityHeaders(t *testing.T) {
	env := newTestEnv(t)
	tests := []struct{ method, path, body, ctype string }{
		{http.MethodGet, "/", "", ""},
		{http.MethodGet, landPath, "", ""},
		{http.MethodGet, landPath + "/thanks", "", ""},
		{http.MethodGet, "/s/khong-co/dat-dai", "", ""},
		{http.MethodPost, landPath, "a_1.1=9", "application/x-www-form-urlencoded"},
		{http.MethodGet, "/api/v1/areas", "", ""},
		{http.MethodPost, "/api/v1/responses", "{", "application/json"},
		{http.MethodGet, "/healthz", "", ""},
		{http.MethodGet, "/readyz", "", ""},
		{http.MethodGet, "/static/app.css", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, env.http.URL+tt.path, bytes.NewBufferString(tt.body))
			if tt.ctype != "" {
				req.Header.Set("Content-Type", tt.ctype)
			}
			r := sendRequest(t, env.client(t), req)
			csp := r.header.Get("Content-Security-Policy")
			if csp == "" {
				t.Errorf("no Content-Security-Policy")
			}
			for _, bad := range []string{"unsafe-inline", "unsafe-eval", "*"} {
				if strings.Contains(csp, bad) {
					t.Errorf("CSP %q contains %q", csp, bad)
				}
			}
			for _, w := range []string{"default-src 'none'", "frame-ancestors 'none'", "form-action 'self'"} {
				if !strings.Contains(csp, w) {
					t.Errorf("CSP %q lacks %q", csp, w)
				}
			}
			if got := r.header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options = %q, want nosniff", got)
			}
			if got := r.header.Get("Referrer-Policy"); got != "no-referrer" && got != "same-origin" && got != "strict-origin-when-cross-origin" {
				t.Errorf("Referrer-Policy = %q, want a policy that does not leak survey links", got)
			}
		})
	}
}

func TestHealthAndReady(t *testing.T) {
	env := newTestEnv(t)
	for _, path := range []string{"/healthz", "/readyz"} {
		t.Run(path, func(t *testing.T) {
			r := env.getPage(t, env.client(t), path)
			if r.status != http.StatusOK {
				t.Errorf("status %d, want 200", r.status)
			}
			if !strings.Contains(r.body, `"status":"ok"`) {
				t.Errorf("body = %s, want status ok", r.body)
			}
		})
	}
}
