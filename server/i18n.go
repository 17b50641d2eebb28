package server

import (
	"encoding/json"
	"fmt"
	"io/fs"

	"hailong/survey"
	"hailong/templates"
)

// Messages holds the user-facing strings of one language.
type Messages struct {
	lang survey.Lang
	m    map[string]string
}

// T returns the message for key, formatted with args when given. A missing
// key is shown as itself, which the locale test catches.
func (ms *Messages) T(key string, args ...any) string {
	s, ok := ms.m[key]
	if !ok {
		return key
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// Lang is the language of the messages.
func (ms *Messages) Lang() survey.Lang { return ms.lang }

// loadLocales reads every language's message files (locales/<part>.<lang>.json,
// merged) and checks that each language has exactly the keys of Vietnamese.
func loadLocales() (map[survey.Lang]*Messages, error) {
	out := map[survey.Lang]*Messages{}
	for _, lang := range survey.Langs {
		files, err := fs.Glob(templates.FS, "locales/*."+string(lang)+".json")
		if err != nil || len(files) == 0 {
			return nil, fmt.Errorf("no message files for %s", lang)
		}
		m := map[string]string{}
		for _, f := range files {
			b, err := templates.FS.ReadFile(f)
			if err != nil {
				return nil, fmt.Errorf("read %s: %w", f, err)
			}
			part := map[string]string{}
			if err := json.Unmarshal(b, &part); err != nil {
				return nil, fmt.Errorf("parse %s: %w", f, err)
			}
			for k, v := range part {
				if _, dup := m[k]; dup {
					return nil, fmt.Errorf("%s: key %q defined twice", f, k)
				}
				m[k] = v
			}
		}
		out[lang] = &Messages{lang: lang, m: m}
	}
	base := out[survey.Vi].m
	for lang, ms := range out {
		for k := range base {
			if _, ok := ms.m[k]; !ok {
				return nil, fmt.Errorf("locale %s lacks %q", lang, k)
			}
		}
		for k := range ms.m {
			if _, ok := base[k]; !ok {
				return nil, fmt.Errorf("locale %s has %q which vi lacks", lang, k)
			}
		}
	}
	return out, nil
}
