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
// "<area>.err.<field>.<problem>", "<area>.err.<problem>" and
// "err.<problem>" that exists. A message that takes values holds fmt verbs
// (%d, %s, as every message of T does) and args fill them; a caller passes
// the values of the message it asks for (problemArgs.of), none for a
// message without verbs. Where two places word a problem differently (the
// entry page and the API), they are two areas ("entry", "api").
func (ms *Messages) Problem(area, field, problem string, args ...any) string {
	keys := []string{"err." + problem}
	if area != "" {
		keys = []string{area + ".err." + field + "." + problem, area + ".err." + problem, keys[0]}
	}
	for _, k := range keys {
		if _, ok := ms.m[k]; ok {
			return ms.T(k, args...)
		}
	}
	return ms.T(keys[len(keys)-1], args...)
}

// problemArgs are the values of the messages that take some, by
// "<field>.<problem>" or, for every field, by "<problem>".
type problemArgs map[string][]any

// of returns the values of a field's problem: those of the field and
// problem, else those of the problem, else the ones every area shares.
func (a problemArgs) of(field, problem string) []any {
	if v, ok := a[field+"."+problem]; ok {
		return v
	}
	if v, ok := a[problem]; ok {
		return v
	}
	return sharedArgs[problem]
}

// sharedArgs are the values of the general messages that take one.
var sharedArgs = problemArgs{survey.ProblemTooShort: {survey.MinPasswordLen}}

// invitationArgs are the values of the invitations' messages ("inv"):
// invitation requests and dossier counts.
var invitationArgs = problemArgs{
	survey.FieldDossierRef + "." + survey.ProblemTooLong:    {survey.MaxDossierRefLen},
	survey.FieldProcedureCode + "." + survey.ProblemTooLong: {survey.MaxProcedureCodeLen},
	survey.FieldExpiresInDays + "." + survey.ProblemInvalid: {survey.MaxInvitationDays},
	survey.FieldCompleted + "." + survey.ProblemInvalid:     {survey.MaxDossiersPerMonth},
	"items." + survey.ProblemInvalid:                        {survey.MaxInvitationBatch},
	"counts." + survey.ProblemInvalid:                       {survey.MaxDossierCounts},
}

// problemMessages words the problems of an area, one message per field.
func problemMessages(ms *Messages, area string, fe survey.FieldErrors) map[string]string {
	return wordProblems(ms, area, fe, nil)
}

// wordProblems words the problems of an area with the values args gives
// their messages, one message per field.
func wordProblems(ms *Messages, area string, fe survey.FieldErrors, args problemArgs) map[string]string {
	out := make(map[string]string, len(fe))
	for field, problem := range fe {
		out[field] = ms.Problem(area, field, problem, args.of(field, problem)...)
	}
	return out
}

// areaErrors are field errors worded with the messages of an area, and the
// values of those that take some.
type areaErrors struct {
	area string
	fe   survey.FieldErrors
	args problemArgs
}

func (e *areaErrors) Error() string { return e.area + ": " + e.fe.Error() }
func (e *areaErrors) Unwrap() error { return e.fe }

// fieldErrorsIn names the area whose messages word the field errors.
func fieldErrorsIn(area string, fe survey.FieldErrors) error { return &areaErrors{area: area, fe: fe} }

// fieldErrorsWith names the area whose messages word the field errors and
// the values of the messages that take some.
func fieldErrorsWith(area string, fe survey.FieldErrors, args problemArgs) error {
	return &areaErrors{area: area, fe: fe, args: args}
}

// fieldMessagesOf returns the field messages of err when it is field
// errors (fieldErrorsIn, or survey.FieldErrors in the general messages).
func fieldMessagesOf(ms *Messages, err error) (map[string]string, bool) {
	var ae *areaErrors
	if errors.As(err, &ae) {
		return wordProblems(ms, ae.area, ae.fe, ae.args), true
	}
	var fe survey.FieldErrors
	if errors.As(err, &fe) {
		return problemMessages(ms, "", fe), true
	}
	return nil, false
}
