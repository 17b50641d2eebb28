package server

import (
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"hailong/survey"
	"hailong/survey/store"
)

type tokenRequest struct {
	Username string `json:"username" validate:"required,max=40"`
	Password string `json:"password" validate:"required,max=200"`
	Label    string `json:"label,omitempty" validate:"max=100"`
}

type tokenResponse struct {
	Token    string `json:"token"`
	Username string `json:"username"`
	Role     string `json:"role"`
	// ExpiresAt is when the token stops working (HAILONG_TOKEN_TTL after now).
	ExpiresAt time.Time `json:"expiresAt"`
}

// apiToken exchanges a user name and password for an API token (for scripts).
func (s *Server) apiToken(c *gin.Context) error {
	var in tokenRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if err := s.validateAPI(c, in); err != nil {
		return err
	}
	u, err := s.login(c, in.Username, in.Password)
	if errors.Is(err, errLocked) {
		return &apiCodeError{status: http.StatusTooManyRequests, code: "too_many_attempts"}
	}
	if err != nil {
		return err
	}
	if u == nil {
		return errUnauthorized
	}
	if u.MustChangePassword {
		return errPasswordChangeRequired // account_password_pages.go
	}
	label := in.Label
	if label == "" {
		label = "script"
	}
	raw, t, err := s.issueToken(c, *u, label, store.TokenLogin)
	if err != nil {
		return err
	}
	s.audit(c, u.Username, "token_login", u.Username, nil, nil)
	c.JSON(http.StatusCreated, tokenResponse{Token: raw, Username: u.Username, Role: string(u.Role), ExpiresAt: t.ExpiresAt})
	return nil
}

// issueToken creates an API token for a user and returns it; only its hash
// is kept. The token belongs to the user's current epoch, so it dies with a
// password reset, disablement or role change of that user (and of no
// other). A token the user mints itself (store.TokenLogin) also expires
// after HAILONG_TOKEN_TTL; one an administrator issues (store.TokenIssued,
// the integration accounts' keys) lasts until revoked.
func (s *Server) issueToken(c *gin.Context, u survey.User, label, kind string) (string, store.APIToken, error) {
	raw := "hl_" + newSecret()
	now := time.Now()
	t := store.APIToken{
		ID: hashID(raw), Username: u.Username, Label: label, CreatedAt: now, Prefix: raw[:9],
		Kind: kind, Epoch: u.Epoch,
	}
	if kind == store.TokenLogin {
		t.ExpiresAt = now.Add(s.cfg.tokenTTL()).UTC().Truncate(time.Second)
	}
	return raw, t, s.store.InsertToken(c.Request.Context(), t)
}
