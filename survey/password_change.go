package survey

// Field names of the change-password form.
const (
	FieldCurrentPassword = "current"
	FieldNewPassword     = "new"
	FieldConfirmPassword = "confirm"
)

// Problems of a password change.
const (
	// ProblemWrongPassword: the current password given is not the user's.
	ProblemWrongPassword = "wrong_password"
	// ProblemMismatch: the new password and its repetition differ.
	ProblemMismatch = "password_mismatch"
	// ProblemUnchanged: the new password is the current one.
	ProblemUnchanged = "password_unchanged"
)

// CheckNewPassword applies the rules of a password the user chooses for
// themselves: the rules of every password (MinPasswordLen characters to 72
// bytes, what bcrypt reads), typed the same twice, and not the current one
// (so a password someone else chose never stays). Whether current is the
// user's password is checked by the caller, which also counts failures.
func CheckNewPassword(current, next, confirm string) FieldErrors {
	fe := FieldErrors{}
	if current == "" {
		fe[FieldCurrentPassword] = ProblemRequired
	}
	switch {
	case len([]rune(next)) < MinPasswordLen:
		fe[FieldNewPassword] = ProblemTooShort
	case len(next) > 72:
		fe[FieldNewPassword] = ProblemTooLong
	case next == current:
		fe[FieldNewPassword] = ProblemUnchanged
	case confirm != next:
		fe[FieldConfirmPassword] = ProblemMismatch
	}
	if len(fe) == 0 {
		return nil
	}
	return fe
}
