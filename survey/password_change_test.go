package survey

import (
	"maps"
	"strings"
	"testing"
)

func TestCheckNewPassword(t *testing.T) {
	for _, tc := range []struct {
		name, current, next, confirm string
		want                         FieldErrors
	}{
		{"fine", "old-password-1", "a-new-password", "a-new-password", nil},
		{"no current", "", "a-new-password", "a-new-password", FieldErrors{FieldCurrentPassword: ProblemRequired}},
		{"too short", "old-password-1", "short", "short", FieldErrors{FieldNewPassword: ProblemTooShort}},
		{"ten runes", "old-password-1", "mật-khẩu-1", "mật-khẩu-1", nil},
		{"over 72 bytes", "old-password-1", strings.Repeat("ă", 40), strings.Repeat("ă", 40), FieldErrors{FieldNewPassword: ProblemTooLong}},
		{"unchanged", "old-password-1", "old-password-1", "old-password-1", FieldErrors{FieldNewPassword: ProblemUnchanged}},
		{"typed differently", "old-password-1", "a-new-password", "a-new-passwort", FieldErrors{FieldConfirmPassword: ProblemMismatch}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := CheckNewPassword(tc.current, tc.next, tc.confirm); !maps.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}
