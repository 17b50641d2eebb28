package server

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"hailong/survey"
)

// The cached questions of a blank form are exactly what the template renders
// for it, in each language, and a second request is served from the cache.
func TestBlankQuestionsEqualTheTemplate(t *testing.T) {
	env := newTestEnv(t)
	cat, err := env.store.Catalog(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ag, _ := cat.Agency("so-tn-mt")
	ar, _ := cat.Area("dat-dai")
	f, err := cat.FormFor(ar.Code, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []survey.Lang{survey.Vi, survey.En} {
		b := BasePage{Lang: lang, L: env.srv.locales[lang]}
		p := env.srv.formPage(b, ag, ar, f, "k", formEntry{}, nil)
		var want bytes.Buffer
		if err := env.srv.pages["form"].ExecuteTemplate(&want, "questions", p); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			got, err := env.srv.blankQuestions(p, f, ar.Code)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != want.String() {
				t.Fatalf("%s: cached questions differ from the template", lang)
			}
		}
		if n := strings.Count(want.String(), "<fieldset"); n != len(f.Questions(ar.Code)) {
			t.Errorf("%s: %d questions rendered, want %d", lang, n, len(f.Questions(ar.Code)))
		}
	}
	if n := len(env.srv.questions.entries); n != 2 {
		t.Errorf("%d cached forms, want 2 (one per language)", n)
	}
}

// A citizen's blank form page comes from the page cache: byte for byte the
// page the templates render for the same request, with a fresh valid key
// each time. A change to the catalog shows at once; a logged-in staff
// member gets the page rendered for them, with their navigation.
func TestBlankFormPageCache(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	c := env.client(t)
	keyOf := func(body string) string {
		keys := findIn(t, body, `input[name=key]`)
		if len(keys) != 1 || attrOf(keys[0], "value") == "" {
			t.Fatalf("no single key in the form page")
		}
		return attrOf(keys[0], "value")
	}
	first := env.getPage(t, c, landPath)
	second := env.getPage(t, c, landPath)
	if first.status != 200 || second.status != 200 || first.header.Get("Cache-Control") != "no-store" ||
		first.header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("form page: %d, %d, headers %v", first.status, second.status, first.header)
	}
	k1, k2 := keyOf(first.body), keyOf(second.body)
	if k1 == k2 || !survey.ValidKey(k1) || !survey.ValidKey(k2) || strings.Contains(first.body, keyPlaceholder) {
		t.Errorf("keys %q and %q: want two fresh valid keys", k1, k2)
	}
	if strings.Replace(second.body, k2, k1, 1) != first.body {
		t.Error("two blank form pages differ by more than their keys")
	}
	if n := len(env.srv.blankPages.entries); n != 1 {
		t.Errorf("%d pages cached, want 1", n)
	}

	// The same page as the templates render it, given the same request.
	cat, err := env.store.Catalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ag, _ := cat.Agency(landAgency)
	ar, _ := cat.Area(landArea)
	f, err := cat.FormFor(ar.Code, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	b := BasePage{Lang: survey.Vi, OtherLang: survey.En, L: env.srv.locales[survey.Vi], CSS: env.srv.cssURL,
		SwitchURL: landPath + "?lang=en", Errors: map[string]string{}}
	p := env.srv.formPage(b, ag, ar, f, k1, formEntry{}, nil)
	if p.Questions, err = env.srv.blankQuestions(p, f, ar.Code); err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	if err := env.srv.pages["form"].ExecuteTemplate(&want, "layout", p); err != nil {
		t.Fatal(err)
	}
	if first.body != want.String() {
		t.Error("the cached page differs from the template's rendering")
	}

	// A renamed agency shows on the next request.
	renamed := ag
	renamed.Name.Vi = "Sở Tài nguyên và Môi trường (đổi tên)"
	if err := env.store.ReplaceAgencies(ctx, renamed); err != nil {
		t.Fatal(err)
	}
	if r := env.getPage(t, c, landPath); !strings.Contains(r.body, "(đổi tên)") {
		t.Error("the page still shows the agency's old name after the catalog changed")
	}

	// In English, another entry; logged in, no cache and the staff navigation.
	if r := env.getPage(t, c, landPath+"?lang=en"); r.status != 200 || !hasElement(r.body, "html[lang=\"en\"]") {
		t.Errorf("English form page: %d", r.status)
	}
	staff := newAdmin(t, env)
	r := doRequest(t, staff.c, http.MethodGet, env.http.URL+landPath, "", nil)
	if r.status != 200 || !hasElement(r.body, `nav.staff`) || strings.Contains(r.body, keyPlaceholder) {
		t.Errorf("logged-in form page: %d, staff navigation %v", r.status, hasElement(r.body, `nav.staff`))
	}
}
