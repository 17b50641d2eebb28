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

// validationMessages turns validator errors into a message per field, named
// by its JSON path ("respondent.gender").
func validationMessages(ms *Messages, err error) map[string]string {
	var ves validator.ValidationErrors
	if !errors.As(err, &ves) {
		return map[string]string{"": ms.T("err.invalid")}
	}
	out := map[string]string{}
	for _, fe := range ves {
		// Namespace is "submitRequest.respondent.gender": drop the type name.
		_, field, _ := strings.Cut(fe.Namespace(), ".")
		switch fe.Tag() {
		case "required":
			out[field] = ms.T("err.required")
		case "max":
			out[field] = ms.T("err.max", fe.Param())
		default:
			out[field] = ms.T("err.invalid")
		}
	}
	return out
}
