package survey

import (
	"regexp"
	"strings"
	"time"
)

// Role is what a staff account may do.
type Role string

// Roles. Every report, comment and export query is scoped by role on the server.
const (
	RoleAdmin     Role = "admin"     // manages everything
	RoleInspector Role = "inspector" // reads and exports every agency
	RoleStaff     Role = "staff"     // reads its own agencies only
	// RoleIntegration is an integrating system (the one-stop-shop software):
	// it holds API keys that issue survey invitations for its agencies only,
	// reads nothing and cannot log in.
	RoleIntegration Role = "integration"
)

// Roles lists the roles.
var Roles = []Role{RoleAdmin, RoleInspector, RoleStaff, RoleIntegration}

// ValidRole reports whether r is a known role.
func ValidRole(r Role) bool {
	return r == RoleAdmin || r == RoleInspector || r == RoleStaff || r == RoleIntegration
}

// CanInvite reports whether the user may issue survey invitations for the
// agency: an administrator for any, an integration account for its own.
func (u User) CanInvite(agency string) bool {
	switch {
	case u.Disabled:
		return false
	case u.Role == RoleAdmin:
		return true
	case u.Role == RoleIntegration:
		for _, a := range u.Agencies {
			if a == agency {
				return true
			}
		}
	}
	return false
}

// User is a staff account. Citizens never have one.
type User struct {
	Username     string   `bson:"_id" json:"username"`
	Name         string   `bson:"name" json:"name"`
	Role         Role     `bson:"role" json:"role"`
	Agencies     []string `bson:"agencies" json:"agencies"`
	Disabled     bool     `bson:"disabled" json:"disabled"`
	PasswordHash []byte   `bson:"passwordHash" json:"-"`
	// Epoch grows whenever the user's sessions must end (disable, password
	// reset); a session remembers the epoch it was made in.
	Epoch int `bson:"epoch" json:"-"`
	// MustChangePassword is set while the password is one that someone else
	// chose (generated at first start, or set by an administrator's reset):
	// once logged in, the user must choose a new one before anything else.
	MustChangePassword bool      `bson:"mustChangePassword,omitempty" json:"-"`
	CreatedAt          time.Time `bson:"createdAt" json:"createdAt"`
}

// CanSee reports whether the user may read the agency's data.
func (u User) CanSee(agency string) bool {
	if u.Disabled {
		return false
	}
	switch u.Role {
	case RoleAdmin, RoleInspector:
		return true
	case RoleStaff:
		for _, a := range u.Agencies {
			if a == agency {
				return true
			}
		}
	}
	return false
}

// Field names of a user's problems.
const (
	FieldUsername = "username"
	FieldName     = "name"
	FieldRole     = "role"
	FieldAgencies = "agencies"
	FieldPassword = "password"
)

var usernameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,39}$`)

// NormalizeUsername lower-cases and trims a user name.
func NormalizeUsername(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// MinPasswordLen is the shortest password accepted.
const MinPasswordLen = 10

// CheckUser applies the rules of a staff account: a user name of 2–40
// lower-case letters, digits, '.', '_' or '-'; a known role; a staff user
// or integration account serves at least one existing agency. password is
// checked when non-empty or when required (a new account), except for an
// integration account, which has none.
func CheckUser(u User, password string, passwordRequired bool, cat *Catalog) FieldErrors {
	fe := FieldErrors{}
	if !usernameRE.MatchString(u.Username) {
		fe[FieldUsername] = ProblemInvalid
	}
	if strings.TrimSpace(u.Name) == "" {
		fe[FieldName] = ProblemRequired
	} else if len([]rune(u.Name)) > 100 {
		fe[FieldName] = ProblemTooLong
	}
	if !ValidRole(u.Role) {
		fe[FieldRole] = ProblemInvalid
	}
	if (u.Role == RoleStaff || u.Role == RoleIntegration) && len(u.Agencies) == 0 {
		fe[FieldAgencies] = ProblemStaffNoAgency
	}
	for _, a := range u.Agencies {
		if _, err := cat.Agency(a); err != nil {
			fe[FieldAgencies] = ProblemUnknown
		}
	}
	if u.Role != RoleIntegration && (password != "" || passwordRequired) {
		if len([]rune(password)) < MinPasswordLen {
			fe[FieldPassword] = ProblemTooShort
		} else if len(password) > 72 {
			fe[FieldPassword] = ProblemTooLong // bcrypt reads at most 72 bytes
		}
	}
	if len(fe) == 0 {
		return nil
	}
	return fe
}
