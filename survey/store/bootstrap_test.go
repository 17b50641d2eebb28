package store_test

import (
	"context"
	"testing"

	"hailong/survey"
	"hailong/survey/store/storetest"
)

// TestBootstrapAdminMustChangeGeneratedPassword: a generated first password
// must be changed at the first login; one the operator chose is kept as is.
func TestBootstrapAdminMustChangeGeneratedPassword(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name, given string
		wantForced  bool
	}{
		{"generated", "", true},
		{"HAILONG_ADMIN_PASSWORD", "chosen-by-the-operator", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := storetest.New(t)
			pw, err := s.EnsureAdmin(ctx, tc.given)
			if err != nil || pw == "" || tc.given != "" && pw != tc.given {
				t.Fatalf("EnsureAdmin(%q) = %q, %v", tc.given, pw, err)
			}
			u, err := s.User(ctx, "admin")
			if err != nil {
				t.Fatal(err)
			}
			if u.MustChangePassword != tc.wantForced || u.Role != survey.RoleAdmin || !survey.CheckPassword(&u, pw) {
				t.Errorf("admin = %+v; want MustChangePassword %v, role admin, the password returned", u, tc.wantForced)
			}
			// A second start changes nothing and prints nothing.
			if again, err := s.EnsureAdmin(ctx, ""); err != nil || again != "" {
				t.Errorf("second EnsureAdmin = %q, %v; want \"\", nil", again, err)
			}
		})
	}
}
