package server

import (
	"errors"

	"hailong/survey"
)

// One way for field errors to become messages and answers: a handler
// returns the domain's survey.FieldErrors (or fieldErrorsIn, to name the
// area whose messages apply) and serveAPIError answers 400
// validation_failed with a message per field; pages put the same messages
// next to their fields.

// Problem is the message of a field's problem in an area, the first of
// "<area>.err.<field>.<problem>", "<area>.err.<field>" (an area whose
// fields have one message whatever the problem: attention, comments,
// rankings), "<area>.err.<problem>", "err.<problem>" that exists, formatted
// with args (when the message takes them).
func (ms *Messages) Problem(area, field, problem string, args ...any) string {
	keys := []string{"err." + problem}
	if area != "" {
		keys = []string{area + ".err." + field + "." + problem, area + ".err." + field, area + ".err." + problem, keys[0]}
	}
	for _, k := range keys {
		if _, ok := ms.m[k]; ok {
			return ms.T(k, args...)
		}
	}
	return ms.T(keys[len(keys)-1], args...)
}

// problemArgs are the arguments of the messages that take one, by problem.
var problemArgs = map[string][]any{survey.ProblemTooShort: {survey.MinPasswordLen}}

// problemMessages words the problems of an area, one message per field.
func problemMessages(ms *Messages, area string, fe survey.FieldErrors) map[string]string {
	out := make(map[string]string, len(fe))
	for field, problem := range fe {
		out[field] = ms.Problem(area, field, problem, problemArgs[problem]...)
	}
	return out
}

// areaErrors are field errors worded with the messages of an area.
type areaErrors struct {
	area string
	fe   survey.FieldErrors
}

func (e *areaErrors) Error() string { return e.area + ": " + e.fe.Error() }
func (e *areaErrors) Unwrap() error { return e.fe }

// fieldErrorsIn names the area whose messages word the field errors.
func fieldErrorsIn(area string, fe survey.FieldErrors) error { return &areaErrors{area: area, fe: fe} }

// fieldMessagesOf returns the field messages of err when it is field
// errors (fieldErrorsIn, or survey.FieldErrors in the general messages).
func fieldMessagesOf(ms *Messages, err error) (map[string]string, bool) {
	var ae *areaErrors
	if errors.As(err, &ae) {
		return problemMessages(ms, ae.area, ae.fe), true
	}
	var fe survey.FieldErrors
	if errors.As(err, &fe) {
		return problemMessages(ms, "", fe), true
	}
	return nil, false
}
