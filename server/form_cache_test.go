package server

import (
	"bytes"
	"context"
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
