package server

import (
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"hailong/survey"
)

// kioskCreated answers the creation of a kiosk or of a new pairing code: the
// code is in this answer only.
type kioskCreated struct {
	Kiosk            survey.Kiosk `json:"kiosk"`
	PairingCode      string       `json:"pairingCode"`
	PairingExpiresAt time.Time    `json:"pairingCodeExpiresAt"`
}

// apiKioskProblems is the JSON form of a kiosk's field problems.
func (s *Server) apiKioskProblems(c *gin.Context, err error) error {
	var fe survey.FieldErrors
	if errors.As(err, &fe) {
		return fieldErrorsIn("kiosk", fe)
	}
	return err
}

func (s *Server) apiAdminKiosks(c *gin.Context) error {
	ks, err := s.store.Kiosks(c.Request.Context())
	if err != nil {
		return err
	}
	if ks == nil {
		ks = []survey.Kiosk{}
	}
	c.JSON(http.StatusOK, gin.H{"kiosks": ks})
	return nil
}

func (s *Server) apiAdminKiosk(c *gin.Context) error {
	k, err := s.store.Kiosk(c.Request.Context(), c.Param("id"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, k)
	return nil
}

func (s *Server) apiAdminKioskCreate(c *gin.Context) error {
	var in KioskInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	k, code, err := s.createKiosk(c, in)
	if err != nil {
		return s.apiKioskProblems(c, err)
	}
	c.Header("Location", "/api/v1/admin/kiosks/"+k.ID)
	c.JSON(http.StatusCreated, kioskCreated{Kiosk: k, PairingCode: code, PairingExpiresAt: k.CodeExpires})
	return nil
}

func (s *Server) apiAdminKioskUpdate(c *gin.Context) error {
	var in KioskInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	k, err := s.updateKiosk(c, c.Param("id"), in)
	if err != nil {
		return s.apiKioskProblems(c, err)
	}
	c.JSON(http.StatusOK, k)
	return nil
}

func (s *Server) apiAdminKioskCode(c *gin.Context) error {
	code, err := s.newPairingCode(c, c.Param("id"))
	if err != nil {
		return err
	}
	k, err := s.store.Kiosk(c.Request.Context(), c.Param("id"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusCreated, kioskCreated{Kiosk: k, PairingCode: code, PairingExpiresAt: k.CodeExpires})
	return nil
}

func (s *Server) apiAdminKioskUnpair(c *gin.Context) error {
	if err := s.unpairKiosk(c, c.Param("id")); err != nil {
		return err
	}
	return s.apiAdminKiosk(c)
}

func (s *Server) apiAdminKioskRevoke(c *gin.Context) error {
	if err := s.revokeKiosk(c, c.Param("id")); err != nil {
		return err
	}
	return s.apiAdminKiosk(c)
}
