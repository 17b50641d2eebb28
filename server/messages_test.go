package server

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hailong/survey"
	"hailong/templates"
)

// TestMessageLookup: one lookup words every field's problem, the first of
// "<area>.err.<field>.<problem>", "<area>.err.<problem>", "err.<problem>";
// the places that word a problem their own way are areas of their own
// (the citizen form, the entry page, the API), and messages that name a
// limit get it from their area's values.
func TestMessageLookup(t *testing.T) {
	ls, err := loadLocales()
	if err != nil {
		t.Fatal(err)
	}
	days := 31 * 24 * time.Hour
	form := survey.Form{CommentMax: 1000}
	for _, lang := range survey.Langs {
		ms := ls[lang]
		for _, tc := range []struct {
			name                 string
			area, field, problem string
			args                 problemArgs
			wantKey              string
			wantArgs             []any
		}{
			{"the citizen form: a bad key means the form expired", "form", survey.FieldKey, survey.ProblemInvalid, nil, "form.err.idempotencyKey.invalid", nil},
			{"the entry page: a bad key means the form expired", "entry", survey.FieldKey, survey.ProblemInvalid, nil, "entry.err.idempotencyKey.invalid", nil},
			{"the API: a bad key is an invalid value", "api", survey.FieldKey, survey.ProblemInvalid, nil, "err.invalid", nil},
			{"a comment too long names the form's limit", "form", survey.FieldComment, survey.ProblemTooLong, submitArgs(form, 0), "err.too_long", []any{1000}},
			{"the entry page: a date that cannot be read", "entry", survey.FieldSubmittedAt, survey.ProblemInvalid, nil, "entry.err.submittedAt.invalid", nil},
			{"the API: a date that cannot be read names the formats", "api", survey.FieldSubmittedAt, survey.ProblemInvalid, nil, "api.err.submittedAt.invalid", nil},
			{"the entry page: a date too old names the days", "entry", survey.FieldSubmittedAt, survey.ProblemTooOld, submitArgs(form, days), "entry.err.submittedAt.too_old", []any{31}},
			{"the API: a date too old names the days", "api", survey.FieldSubmittedAt, survey.ProblemTooOld, submitArgs(form, days), "api.err.submittedAt.too_old", []any{31}},
			{"the entry page: a date in the future", "entry", survey.FieldSubmittedAt, survey.ProblemFuture, nil, "err.future", nil},
			{"the entry page: any channel problem asks for paper or phone", "entry", survey.FieldChannel, survey.ProblemNotBackdated, nil, "entry.err.channel.invalid", nil},
			{"the API: a channel that is not backdated", "api", survey.FieldChannel, survey.ProblemNotBackdated, nil, "err.not_backdated", nil},
			{"the API: the kiosk channel without a kiosk", "api", survey.FieldChannel, survey.ProblemKioskUnpaired, nil, "api.err.channel.kiosk_unpaired", nil},
			{"invitations: an unknown agency", "inv", survey.FieldAgency, survey.ProblemUnknown, nil, "inv.err.agency.unknown", nil},
			{"invitations: an unknown area", "inv", survey.FieldArea, survey.ProblemUnknown, nil, "inv.err.area.unknown", nil},
			{"invitations: an area not served", "inv", survey.FieldArea, survey.ProblemAreaNotServed, nil, "err.area_not_served", nil},
			{"invitations: a dossier reference too long", "inv", survey.FieldDossierRef, survey.ProblemTooLong, invitationArgs, "inv.err.too_long", []any{survey.MaxDossierRefLen}},
			{"invitations: a procedure code too long", "inv", survey.FieldProcedureCode, survey.ProblemTooLong, invitationArgs, "inv.err.too_long", []any{survey.MaxProcedureCodeLen}},
			{"invitations: a lifetime out of range", "inv", survey.FieldExpiresInDays, survey.ProblemInvalid, invitationArgs, "inv.err.expiresInDays.invalid", []any{survey.MaxInvitationDays}},
			{"dossier counts: a completed count out of range", "inv", survey.FieldCompleted, survey.ProblemInvalid, invitationArgs, "inv.err.completed.invalid", []any{survey.MaxDossiersPerMonth}},
			{"rankings: the field's own message", "rank", "period", survey.ProblemInvalid, nil, "rank.err.period.invalid", nil},
			{"an area's message for the problem", "cchc", "units.0.points.1.1", survey.ProblemOverMax, nil, "cchc.err.over_max", nil},
			{"the general message of a password too short", "", "password", survey.ProblemTooShort, nil, "err.too_short", []any{survey.MinPasswordLen}},
		} {
			got := wordProblems(ms, tc.area, survey.FieldErrors{tc.field: tc.problem}, tc.args)[tc.field]
			if _, ok := ms.m[tc.wantKey]; !ok {
				t.Fatalf("%s: key %q missing in %s", tc.name, tc.wantKey, lang)
			}
			if want := ms.T(tc.wantKey, tc.wantArgs...); got != want || strings.Contains(got, "%") {
				t.Errorf("%s (%s): %q, want %q", tc.name, lang, got, want)
			}
		}
		if ms.T("entry.err.submittedAt.invalid") == ms.T("api.err.submittedAt.invalid") {
			t.Errorf("%s: the entry page and the API word a bad date alike", lang)
		}
	}
}

// TestLocaleKeysUsedExist: every message key the code names as it is (a
// literal given to T in the server's Go files and in the templates) exists
// in Vietnamese and in English, so no page shows a raw key.
func TestLocaleKeysUsedExist(t *testing.T) {
	ls, err := loadLocales()
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]string{} // key -> where
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		file, err := parser.ParseFile(fset, f, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			if sel, ok := call.Fun.(*ast.SelectorExpr); !ok || sel.Sel.Name != "T" {
				return true
			}
			if lit, ok := call.Args[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
				used[strings.Trim(lit.Value, "\"`")] = fset.Position(lit.Pos()).String() // keys hold no escapes
			}
			return true
		})
	}
	pages, err := fs.Glob(templates.FS, "*.html")
	if err != nil || len(pages) == 0 {
		t.Fatalf("no templates: %v", err)
	}
	for _, p := range pages {
		b, err := templates.FS.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, after := range strings.Split(string(b), `.T "`)[1:] { // {{.L.T "key" …}}
			if key, _, ok := strings.Cut(after, `"`); ok {
				used[key] = p
			}
		}
	}
	if len(used) < 500 {
		t.Fatalf("found %d keys in use; the scan misses the calls", len(used))
	}
	for key, where := range used {
		for _, lang := range survey.Langs {
			if _, ok := ls[lang].m[key]; !ok {
				t.Errorf("%s: key %q is missing in %s", where, key, lang)
			}
		}
	}
}
