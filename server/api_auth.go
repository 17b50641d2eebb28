package server

import (
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

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
	label := in.Label
	if label == "" {
		label = "script"
	}
	raw, err := s.issueToken(c, u.Username, label)
	if err != nil {
		return err
	}
	s.audit(c, u.Username, "token_login", u.Username, nil, nil)
	c.JSON(http.StatusCreated, tokenResponse{Token: raw, Username: u.Username, Role: string(u.Role)})
	return nil
}

// issueToken creates an API token for a user and returns it; only its hash is kept.
func (s *Server) issueToken(c *gin.Context, username, label string) (string, error) {
	raw := "hl_" + newSecret()
	err := s.store.InsertToken(c.Request.Context(), store.APIToken{
		ID: hashID(raw), Username: username, Label: label, CreatedAt: time.Now(), Prefix: raw[:9],
	})
	return raw, err
}
