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

// validationProblems turns validator errors into a problem per field, named
// by its JSON path ("respondent.gender"), worded by the general messages:
// required, max (with its limit as the value) and invalid.
func validationProblems(err error) (survey.FieldErrors, problemArgs) {
	var ves validator.ValidationErrors
	if !errors.As(err, &ves) {
		return survey.FieldErrors{"": survey.ProblemInvalid}, nil
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
	return fe, args
}
