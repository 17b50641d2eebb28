// Package input reads what clients send, before any handler looks at it: a
// strict JSON body, a posted form, a bearer token. It depends on the
// standard library only, so its fuzz tests build and run in seconds; the
// server maps its errors to pages and JSON errors.
package input

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
)

var (
	// ErrMediaType: the body is not declared application/json.
	ErrMediaType = errors.New("content type is not application/json")
	// ErrSyntax: the body is not exactly one JSON value of the expected
	// shape (malformed, unknown field, wrong type, trailing data).
	ErrSyntax = errors.New("body is not valid JSON for this endpoint")
	// ErrNotForm: the body of a form cannot be parsed.
	ErrNotForm = errors.New("body is not a form")
)

// JSON reads the request body into v: the content type must be
// application/json; unknown fields, trailing data and malformed JSON are
// ErrSyntax; a body over the limit set by http.MaxBytesReader is the
// *http.MaxBytesError.
func JSON(r *http.Request, v any) error {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return ErrMediaType
	}
	if r.Body == nil {
		return ErrSyntax
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return err
		}
		return ErrSyntax
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return ErrSyntax
	}
	// Exactly one value: anything after it, even a stray '}', is refused.
	if _, err := dec.Token(); err != io.EOF {
		return ErrSyntax
	}
	return nil
}

// Getter returns the trimmed first value of a posted field, and whether the
// field was sent.
type Getter func(name string) (string, bool)

// Form parses a posted form (urlencoded; other bodies give an empty form).
// A body over the limit is the *http.MaxBytesError; one that cannot be
// parsed is ErrNotForm.
func Form(r *http.Request) (Getter, error) {
	if err := r.ParseForm(); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, err
		}
		return nil, ErrNotForm
	}
	return func(k string) (string, bool) {
		v, ok := r.PostForm[k]
		if !ok || len(v) == 0 {
			return "", false
		}
		return strings.TrimSpace(v[0]), true
	}, nil
}

// Bearer reads an Authorization header of the form "Bearer <token>" (the
// scheme in any case, spaces around the token ignored); any other shape is
// not ok.
func Bearer(h string) (string, bool) {
	scheme, tok, _ := strings.Cut(h, " ")
	tok = strings.TrimSpace(tok)
	if !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return "", false
	}
	return tok, true
}
