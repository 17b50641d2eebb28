package store

import (
	"context"
	"fmt"
	"time"

	"hailong/survey"
)

// EnsureAdmin creates the first administrator, user name "admin", when it
// does not exist. With an empty password a random one is generated, and the
// administrator must change it at the first login (MustChangePassword: it
// was printed where others may read it); a password the operator chose
// (HAILONG_ADMIN_PASSWORD) is kept. The password is returned only when the
// account was created now (to be printed once), "" otherwise.
func (s *Store) EnsureAdmin(ctx context.Context, password string) (created string, err error) {
	if _, err := s.User(ctx, "admin"); err == nil {
		return "", nil
	}
	generated := password == ""
	if generated {
		password = survey.RandomPassword()
	}
	hash, err := survey.HashPassword(password)
	if err != nil {
		return "", fmt.Errorf("hash admin password: %w", err)
	}
	u := survey.User{Username: "admin", Name: "Administrator", Role: survey.RoleAdmin, Agencies: []string{}, PasswordHash: hash, MustChangePassword: generated, CreatedAt: time.Now()}
	switch err := s.InsertUser(ctx, u); err {
	case nil:
		return password, nil
	case survey.ErrDuplicate:
		return "", nil // another instance created it first
	default:
		return "", err
	}
}
