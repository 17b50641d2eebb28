package server

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkFormPage measures the server's work for the largest blank form
// (Sở TN&MT, land: 25 questions), calling the handler directly:
//
//	go test ./server -run '^$' -bench FormPage -benchtime 2s -count 5
func BenchmarkFormPage(b *testing.B) {
	env := newTestEnv(b)
	h := env.srv.Handler()
	for _, lang := range []string{"vi", "en"} {
		b.Run(lang, func(b *testing.B) {
			do := func() {
				req := httptest.NewRequest(http.MethodGet, "/s/so-tn-mt/dat-dai?lang="+lang, nil)
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("GET form: %d %s", w.Code, w.Body.String())
				}
			}
			do()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				do()
			}
		})
	}
}
