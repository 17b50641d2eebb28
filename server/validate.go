package server

import (
	"errors"
	"reflect"
	"strings"

	"github.com/go-playground/validator/v10"

	"hailong/survey"
)

// newValidator returns the validator of API input; field errors are named by
// their JSON names so they match what the caller sent.
func newValidator() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			return ""
		}
		return name
	})
	return v
}

// validationMessages turns validator errors into a message per field, named
// by its JSON path ("respondent.gender"): the general messages of the
// problems required, max (with its limit) and invalid.
func validationMessages(ms *Messages, err error) map[string]string {
	var ves validator.ValidationErrors
	if !errors.As(err, &ves) {
		return problemMessages(ms, "", survey.FieldErrors{"": survey.ProblemInvalid})
	}
	fe, args := survey.FieldErrors{}, problemArgs{}
	for _, v := range ves {
		// Namespace is "submitRequest.respondent.gender": drop the type name.
		_, field, _ := strings.Cut(v.Namespace(), ".")
		switch v.Tag() {
		case "required":
			fe[field] = survey.ProblemRequired
		case "max":
			fe[field], args[field+".max"] = "max", []any{v.Param()}
		default:
			fe[field] = survey.ProblemInvalid
		}
	}
	return wordProblems(ms, "", fe, args)
}
