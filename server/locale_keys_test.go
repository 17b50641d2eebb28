package server

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"hailong/survey"
	"hailong/templates"
)

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
				if key, err := strconv.Unquote(lit.Value); err == nil {
					used[key] = fset.Position(lit.Pos()).String()
				}
			}
			return true
		})
	}
	tmplKey := regexp.MustCompile(`\bT "([^"]+)"`)
	pages, err := fs.Glob(templates.FS, "*.html")
	if err != nil || len(pages) == 0 {
		t.Fatalf("no templates: %v", err)
	}
	for _, p := range pages {
		b, err := templates.FS.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range tmplKey.FindAllStringSubmatch(string(b), -1) {
			used[m[1]] = p
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
