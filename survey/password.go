package survey

import (
	"crypto/rand"
	"encoding/base64"

	"golang.org/x/crypto/bcrypt"
)

// HashPassword hashes a password with bcrypt.
func HashPassword(password string) ([]byte, error) {
	return bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
}

// dummyHash is compared against when a user does not exist, so a wrong user
// name takes as long to refuse as a wrong password.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("hailong-dummy-password"), bcrypt.DefaultCost)

// CheckPassword reports whether password matches the user's hash; a missing
// or disabled user, or an integration account (API keys only), never
// matches, in the same time.
func CheckPassword(u *User, password string) bool {
	if u == nil || len(u.PasswordHash) == 0 || u.Role == RoleIntegration {
		_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
		return false
	}
	ok := bcrypt.CompareHashAndPassword(u.PasswordHash, []byte(password)) == nil
	return ok && !u.Disabled
}

// RandomPassword returns a random 20-character password.
func RandomPassword() string {
	var b [15]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
