package server

import (
	"errors"
	"reflect"
	"strings"

	"github.com/go-playground/validator/v10"
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

// validationProblems turns validator errors into field → problem code, the
// same codes the domain uses, so both become the same messages.
func validationProblems(err error) map[string]string {
	var ves validator.ValidationErrors
	if !errors.As(err, &ves) {
		return nil
	}
	out := map[string]string{}
	for _, fe := range ves {
		// Namespace is "submitRequest.respondent.gender": drop the type name.
		_, field, _ := strings.Cut(fe.Namespace(), ".")
		switch fe.Tag() {
		case "required":
			out[field] = "required"
		case "max":
			out[field] = "too_long"
		default:
			out[field] = "invalid"
		}
	}
	return out
}
