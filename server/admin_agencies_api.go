package server

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"hailong/survey"
)

// apiFieldErrors turns domain field errors into a JSON 400; other errors pass.
func (s *Server) apiFieldErrors(c *gin.Context, err error) error {
	var fe survey.FieldErrors
	if errors.As(err, &fe) {
		return fe
	}
	return err
}

func (s *Server) apiAdminAgencies(c *gin.Context) error {
	cat, err := s.store.Catalog(c.Request.Context())
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"agencies": cat.Agencies})
	return nil
}

// AgencyDetail is an agency with its lineage (itself first, then every
// agency merged into it).
type AgencyDetail struct {
	survey.Agency
	Lineage []string `json:"lineage"`
}

func (s *Server) apiAdminAgency(c *gin.Context) error {
	cat, a, err := s.catalogAgency(c, c.Param("code"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, AgencyDetail{Agency: a, Lineage: survey.Lineage(cat, a.Code)})
	return nil
}

func (s *Server) apiAdminAgencyCreate(c *gin.Context) error {
	var in AgencyInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	a, err := s.createAgency(c, in)
	if err != nil {
		return s.apiFieldErrors(c, err)
	}
	c.JSON(http.StatusCreated, a)
	return nil
}

func (s *Server) apiAdminAgencyUpdate(c *gin.Context) error {
	var in AgencyInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	a, err := s.updateAgency(c, c.Param("code"), in)
	if err != nil {
		return s.apiFieldErrors(c, err)
	}
	c.JSON(http.StatusOK, a)
	return nil
}

type dateRequest struct {
	Date string `json:"date"`
}

func (s *Server) apiAdminAgencyDissolve(c *gin.Context) error {
	var in dateRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	a, err := s.dissolveAgency(c, c.Param("code"), in.Date)
	if err != nil {
		return s.apiFieldErrors(c, err)
	}
	c.JSON(http.StatusOK, a)
	return nil
}

type mergeRequest struct {
	From []string `json:"from"`
	Into string   `json:"into"`
	Date string   `json:"date"`
	// CrossLevel allows merging agencies of another level than the survivor's.
	CrossLevel bool `json:"crossLevel"`
}

func (s *Server) apiAdminMerge(c *gin.Context) error {
	var in mergeRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	changed, err := s.mergeAgencies(c, in.From, in.Into, in.Date, in.CrossLevel)
	if err != nil {
		return s.apiFieldErrors(c, err)
	}
	c.JSON(http.StatusOK, gin.H{"agencies": changed})
	return nil
}
