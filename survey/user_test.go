package survey

import (
	"strings"
	"testing"
)

func TestValidRole(t *testing.T) {
	for r, want := range map[Role]bool{
		RoleAdmin: true, RoleInspector: true, RoleStaff: true,
		"": false, "Admin": false, "root": false, "staff ": false,
	} {
		if got := ValidRole(r); got != want {
			t.Errorf("ValidRole(%q) = %v, want %v", r, got, want)
		}
	}
	for _, r := range Roles {
		if !ValidRole(r) {
			t.Errorf("Roles lists %q, which is not valid", r)
		}
	}
}

func TestNormalizeUsername(t *testing.T) {
	for in, want := range map[string]string{
		"admin": "admin", " Admin ": "admin", "NGUYEN.VAN-A\t": "nguyen.van-a", "": "",
	} {
		if got := NormalizeUsername(in); got != want {
			t.Errorf("NormalizeUsername(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCheckUser(t *testing.T) {
	cat := adminCatalog()
	user := func(edit func(*User)) User {
		u := User{Username: "nv-a", Name: "Nguyễn Văn A", Role: RoleStaff, Agencies: []string{"so-tu-phap"}}
		if edit != nil {
			edit(&u)
		}
		return u
	}
	const good = "password-123"
	for _, tc := range []struct {
		name     string
		u        User
		password string
		required bool
		want     FieldErrors
	}{
		{"valid staff", user(nil), good, true, nil},
		{"staff of several agencies", user(func(u *User) { u.Agencies = []string{"so-tu-phap", "lam-binh"} }), good, true, nil},
		{"valid inspector without agencies", user(func(u *User) { u.Role = RoleInspector; u.Agencies = nil }), good, true, nil},
		{"valid admin", user(func(u *User) { u.Role = RoleAdmin; u.Agencies = []string{} }), good, true, nil},
		{"edit without password", user(nil), "", false, nil},
		{"user name of 2", user(func(u *User) { u.Username = "ab" }), good, true, nil},
		{"user name of 40", user(func(u *User) { u.Username = strings.Repeat("a", 40) }), good, true, nil},
		{"user name with . _ -", user(func(u *User) { u.Username = "nguyen.van_a-1" }), good, true, nil},
		{"user name of 1", user(func(u *User) { u.Username = "a" }), good, true, FieldErrors{FieldUsername: ProblemInvalid}},
		{"user name of 41", user(func(u *User) { u.Username = strings.Repeat("a", 41) }), good, true, FieldErrors{FieldUsername: ProblemInvalid}},
		{"upper-case user name", user(func(u *User) { u.Username = "Admin" }), good, true, FieldErrors{FieldUsername: ProblemInvalid}},
		{"user name with a space", user(func(u *User) { u.Username = "nv a" }), good, true, FieldErrors{FieldUsername: ProblemInvalid}},
		{"user name starting with -", user(func(u *User) { u.Username = "-nva" }), good, true, FieldErrors{FieldUsername: ProblemInvalid}},
		{"user name with an operator", user(func(u *User) { u.Username = "$ne" }), good, true, FieldErrors{FieldUsername: ProblemInvalid}},
		{"Vietnamese user name", user(func(u *User) { u.Username = "nguyễn" }), good, true, FieldErrors{FieldUsername: ProblemInvalid}},
		{"no name", user(func(u *User) { u.Name = "" }), good, true, FieldErrors{FieldName: ProblemRequired}},
		{"blank name", user(func(u *User) { u.Name = " \t" }), good, true, FieldErrors{FieldName: ProblemRequired}},
		{"name of 100 letters", user(func(u *User) { u.Name = strings.Repeat("ễ", 100) }), good, true, nil},
		{"name of 101 letters", user(func(u *User) { u.Name = strings.Repeat("ễ", 101) }), good, true, FieldErrors{FieldName: ProblemTooLong}},
		{"no role", user(func(u *User) { u.Role = "" }), good, true, FieldErrors{FieldRole: ProblemInvalid}},
		{"unknown role", user(func(u *User) { u.Role = "root" }), good, true, FieldErrors{FieldRole: ProblemInvalid}},
		{"staff without agency", user(func(u *User) { u.Agencies = nil }), good, true, FieldErrors{FieldAgencies: ProblemStaffNoAgency}},
		{"staff with empty agencies", user(func(u *User) { u.Agencies = []string{} }), good, true, FieldErrors{FieldAgencies: ProblemStaffNoAgency}},
		{"unknown agency", user(func(u *User) { u.Agencies = []string{"so-tu-phap", "no-such"} }), good, true, FieldErrors{FieldAgencies: ProblemUnknown}},
		{"inspector with an unknown agency", user(func(u *User) { u.Role = RoleInspector; u.Agencies = []string{"no-such"} }), good, true, FieldErrors{FieldAgencies: ProblemUnknown}},
		{"new without password", user(nil), "", true, FieldErrors{FieldPassword: ProblemTooShort}},
		{"password of 9", user(nil), "123456789", true, FieldErrors{FieldPassword: ProblemTooShort}},
		{"password of 10", user(nil), "1234567890", true, nil},
		{"short password on edit", user(nil), "short", false, FieldErrors{FieldPassword: ProblemTooShort}},
		{"password of 10 Vietnamese letters", user(nil), strings.Repeat("ậ", 10), true, nil},
		{"password of 72 bytes", user(nil), strings.Repeat("p", 72), true, nil},
		{"password of 73 bytes", user(nil), strings.Repeat("p", 73), true, FieldErrors{FieldPassword: ProblemTooLong}},
		{"password of 25 letters but 75 bytes", user(nil), strings.Repeat("ậ", 25), true, FieldErrors{FieldPassword: ProblemTooLong}},
		{"everything wrong", User{Username: "A", Role: RoleStaff}, "x", true, FieldErrors{
			FieldUsername: ProblemInvalid, FieldName: ProblemRequired, FieldAgencies: ProblemStaffNoAgency, FieldPassword: ProblemTooShort,
		}},
	} {
		checkFE(t, tc.name, CheckUser(tc.u, tc.password, tc.required, cat), tc.want)
	}
}

func TestUserCanSee(t *testing.T) {
	for _, tc := range []struct {
		name   string
		u      User
		agency string
		want   bool
	}{
		{"admin, any agency", User{Role: RoleAdmin}, "so-tu-phap", true},
		{"admin, unknown agency", User{Role: RoleAdmin}, "no-such", true},
		{"inspector, any agency", User{Role: RoleInspector}, "lam-binh", true},
		{"inspector with agencies listed, another", User{Role: RoleInspector, Agencies: []string{"so-tu-phap"}}, "lam-binh", true},
		{"staff, own agency", User{Role: RoleStaff, Agencies: []string{"so-tu-phap"}}, "so-tu-phap", true},
		{"staff, second agency", User{Role: RoleStaff, Agencies: []string{"so-tu-phap", "lam-binh"}}, "lam-binh", true},
		{"staff, another agency", User{Role: RoleStaff, Agencies: []string{"so-tu-phap"}}, "so-cong-thuong", false},
		{"staff, a prefix of its agency", User{Role: RoleStaff, Agencies: []string{"so-tu-phap"}}, "so-tu", false},
		{"staff, empty agency", User{Role: RoleStaff, Agencies: []string{"so-tu-phap"}}, "", false},
		{"staff without agencies", User{Role: RoleStaff}, "so-tu-phap", false},
		{"disabled admin", User{Role: RoleAdmin, Disabled: true}, "so-tu-phap", false},
		{"disabled inspector", User{Role: RoleInspector, Disabled: true}, "so-tu-phap", false},
		{"disabled staff, own agency", User{Role: RoleStaff, Agencies: []string{"so-tu-phap"}, Disabled: true}, "so-tu-phap", false},
		{"no role", User{Agencies: []string{"so-tu-phap"}}, "so-tu-phap", false},
		{"unknown role", User{Role: "root", Agencies: []string{"so-tu-phap"}}, "so-tu-phap", false},
	} {
		if got := tc.u.CanSee(tc.agency); got != tc.want {
			t.Errorf("%s: CanSee(%q) = %v, want %v", tc.name, tc.agency, got, tc.want)
		}
	}
}

func TestCheckPassword(t *testing.T) {
	hash, err := HashPassword("correct-horse-battery")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(hash), "correct-horse") {
		t.Fatalf("hash holds the password")
	}
	u := &User{Username: "nv", Role: RoleStaff, PasswordHash: hash}
	disabled := &User{Username: "nv", Role: RoleStaff, PasswordHash: hash, Disabled: true}
	for _, tc := range []struct {
		name     string
		u        *User
		password string
		want     bool
	}{
		{"right", u, "correct-horse-battery", true},
		{"wrong", u, "correct-horse-batterx", false},
		{"empty", u, "", false},
		{"case differs", u, "Correct-horse-battery", false},
		{"disabled user, right password", disabled, "correct-horse-battery", false},
		{"no user", nil, "correct-horse-battery", false},
		{"user without hash", &User{Username: "nv"}, "", false},
	} {
		if got := CheckPassword(tc.u, tc.password); got != tc.want {
			t.Errorf("%s: CheckPassword = %v, want %v", tc.name, got, tc.want)
		}
	}
	if a, b := RandomPassword(), RandomPassword(); a == b || len(a) < MinPasswordLen {
		t.Errorf("RandomPassword gave %q and %q", a, b)
	}
}
