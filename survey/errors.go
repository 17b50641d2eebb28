package survey

import (
	"errors"
	"sort"
)

// Sentinel errors of the domain. The server maps each to a status and a
// message in the user's language.
var (
	// ErrNotFound: the thing asked for does not exist.
	ErrNotFound = errors.New("not found")
	// ErrAreaNotServed: the agency does not handle procedures of that area.
	ErrAreaNotServed = errors.New("agency does not serve this area")
	// ErrUnavailable: the database cannot be reached; try again later.
	ErrUnavailable = errors.New("database unavailable")
	// ErrConflict: an idempotency key was reused for a different request.
	ErrConflict = errors.New("idempotency key reused for a different request")
	// ErrDuplicate: a record with that identity already exists.
	ErrDuplicate = errors.New("already exists")
	// ErrForbidden: the caller may not see or do this.
	ErrForbidden = errors.New("forbidden")
)

// Problem codes a field can have; the server turns each into a message.
const (
	ProblemRequired      = "required"
	ProblemScale         = "scale"
	ProblemTooLong       = "too_long"
	ProblemUnknown       = "unknown"
	ProblemInvalid       = "invalid"
	ProblemUnknownForm   = "unknown_form"
	ProblemAreaNotServed = "area_not_served"
	ProblemDuplicate     = "duplicate"
	ProblemTooShort      = "too_short"
	ProblemStaffNoAgency = "staff_no_agency"
	ProblemSelfMerge     = "self_merge"
	ProblemCycle         = "cycle"
	ProblemPublished     = "published"
	ProblemInactive      = "inactive"
	ProblemFuture        = "future"
	ProblemMerged        = "merged"
	// ProblemCrossLevel: a merge of agencies of another level than the
	// survivor's, which the request did not say it meant.
	ProblemCrossLevel = "cross_level"
	// ProblemNoPassword: the account (an integration) has no password to set.
	ProblemNoPassword = "no_password"
)

// FieldErrors maps a field name to the code of what is wrong with it.
// It is an error so a validation can return it as one.
type FieldErrors map[string]string

func (fe FieldErrors) Error() string {
	if len(fe) == 0 {
		return "no field errors"
	}
	return "invalid fields: " + joinSorted(fe)
}

func joinSorted(fe FieldErrors) string {
	keys := make([]string, 0, len(fe))
	for k := range fe {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	s := ""
	for i, k := range keys {
		if i > 0 {
			s += ", "
		}
		s += k + " (" + fe[k] + ")"
	}
	return s
}
