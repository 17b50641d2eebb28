package server

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"hailong/survey/store"
)

func (s *Server) apiAdminUsers(c *gin.Context) error {
	users, err := s.store.Users(c.Request.Context())
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"users": users})
	return nil
}

func (s *Server) apiAdminUser(c *gin.Context) error {
	u, err := s.store.User(c.Request.Context(), c.Param("username"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, u)
	return nil
}

func (s *Server) apiAdminUserCreate(c *gin.Context) error {
	var in UserInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	u, err := s.createUser(c, in)
	if err != nil {
		return s.apiFieldErrors(c, err)
	}
	c.JSON(http.StatusCreated, u)
	return nil
}

func (s *Server) apiAdminUserUpdate(c *gin.Context) error {
	var in UserInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	u, err := s.updateUser(c, c.Param("username"), in)
	if err != nil {
		return s.apiFieldErrors(c, err)
	}
	c.JSON(http.StatusOK, u)
	return nil
}

type passwordRequest struct {
	Password string `json:"password"`
}

func (s *Server) apiAdminUserPassword(c *gin.Context) error {
	var in passwordRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if err := s.resetPassword(c, c.Param("username"), in.Password); err != nil {
		return s.apiFieldErrors(c, err)
	}
	c.Status(http.StatusNoContent)
	return nil
}

type tokenCreateRequest struct {
	Label string `json:"label"`
}

// apiAdminTokenCreate returns the new token once; only its hash is stored.
func (s *Server) apiAdminTokenCreate(c *gin.Context) error {
	var in tokenCreateRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	username := c.Param("username")
	u, err := s.store.User(c.Request.Context(), username)
	if err != nil {
		return err
	}
	raw, _, err := s.issueToken(c, u, in.Label, store.TokenIssued)
	if err != nil {
		return err
	}
	s.audit(c, actor(c), "token_create", username, nil, nil)
	c.JSON(http.StatusCreated, gin.H{"token": raw, "id": hashID(raw), "username": username})
	return nil
}

func (s *Server) apiAdminTokens(c *gin.Context) error {
	ts, err := s.store.Tokens(c.Request.Context())
	if err != nil {
		return err
	}
	if ts == nil {
		ts = []store.APIToken{}
	}
	c.JSON(http.StatusOK, gin.H{"tokens": ts})
	return nil
}

func (s *Server) apiAdminTokenRevoke(c *gin.Context) error {
	if _, err := s.revokeToken(c, c.Param("id")); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}
