package server

import (
	"bytes"
	"fmt"
	"html/template"
	"sync"

	"hailong/survey"
)

// questionsCache keeps the rendered questions of blank forms: the radio
// buttons of 25 questions are most of a form page's work, and a blank form
// is the same for every citizen given the questionnaire version, the area
// and the language.
type questionsCache struct {
	mu      sync.Mutex
	entries map[questionsKey]template.HTML
}

// questionsCacheSize bounds the blank forms kept (versions × areas × languages).
const questionsCacheSize = 256

type questionsKey struct {
	form    string
	version int
	area    string
	lang    survey.Lang
}

// blankQuestions returns the questions of p, a blank form (nothing entered,
// no error), rendered once per questionnaire version, area and language.
func (s *Server) blankQuestions(p FormPage, f survey.Form, area string) (template.HTML, error) {
	k := questionsKey{f.ID, f.Version, area, p.Lang}
	qc := &s.questions
	qc.mu.Lock()
	h, ok := qc.entries[k]
	qc.mu.Unlock()
	if ok {
		return h, nil
	}
	var buf bytes.Buffer
	if err := s.pages["form"].ExecuteTemplate(&buf, "questions", p); err != nil {
		return "", fmt.Errorf("render questions: %w", err)
	}
	h = template.HTML(buf.String()) // the output of html/template: already escaped
	qc.mu.Lock()
	defer qc.mu.Unlock()
	if qc.entries == nil {
		qc.entries = map[questionsKey]template.HTML{}
	}
	if len(qc.entries) >= questionsCacheSize {
		for old := range qc.entries { // evict one, at random
			delete(qc.entries, old)
			break
		}
	}
	qc.entries[k] = h
	return h, nil
}
