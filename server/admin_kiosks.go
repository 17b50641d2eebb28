package server

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"hailong/survey"
)

// KioskInput is a kiosk as an administrator enters it. Zero idle time or
// interval means the default (60 s, 5 s).
type KioskInput struct {
	Name               string   `json:"name" form:"name"`
	Agency             string   `json:"agency" form:"agency"`
	Areas              []string `json:"areas" form:"areas"`
	Counters           []string `json:"counters" form:"-"`
	IdleSeconds        int      `json:"idleSeconds" form:"idleSeconds"`
	MinIntervalSeconds int      `json:"minIntervalSeconds" form:"minIntervalSeconds"`
}

// errKioskRevoked: a revoked kiosk cannot be edited.
var errKioskRevoked = &apiCodeError{status: http.StatusConflict, code: "kiosk_revoked"}

// kioskFields orders a kiosk form's fields for its error summary.
var kioskFields = []string{survey.FieldKioskName, survey.FieldKioskAgency, survey.FieldKioskAreas,
	survey.FieldKioskCounters, survey.FieldKioskIdle, survey.FieldKioskInterval}

var kioskLabels = map[string]string{
	survey.FieldKioskName: "kiosk.name", survey.FieldKioskAgency: "form.agency", survey.FieldKioskAreas: "kiosk.areas",
	survey.FieldKioskCounters: "kiosk.counters", survey.FieldKioskIdle: "kiosk.idle", survey.FieldKioskInterval: "kiosk.interval",
}

// apply copies the input onto k, cleaned: trimmed name, distinct areas and
// counters, defaults for zero times.
func (in KioskInput) apply(k *survey.Kiosk) {
	k.Name = strings.TrimSpace(in.Name)
	k.Agency = strings.TrimSpace(in.Agency)
	k.Areas = cleanList(in.Areas)
	k.Counters = []string{}
	for _, c := range in.Counters {
		if c = strings.TrimSpace(c); c != "" {
			k.Counters = append(k.Counters, c)
		}
	}
	k.IdleSeconds, k.MinIntervalSeconds = in.IdleSeconds, in.MinIntervalSeconds
	if k.IdleSeconds == 0 {
		k.IdleSeconds = survey.DefaultKioskIdle
	}
	if k.MinIntervalSeconds == 0 {
		k.MinIntervalSeconds = survey.DefaultKioskInterval
	}
}

// createKiosk registers a kiosk and issues its first pairing code, returned
// once (only its keyed hash is kept).
func (s *Server) createKiosk(c *gin.Context, in KioskInput) (survey.Kiosk, string, error) {
	ctx := c.Request.Context()
	cat, err := s.store.Catalog(ctx)
	if err != nil {
		return survey.Kiosk{}, "", err
	}
	now := time.Now()
	k := survey.Kiosk{ID: survey.NewKioskID(), CreatedAt: now, UpdatedAt: now}
	in.apply(&k)
	if fe := survey.CheckKiosk(k, cat); fe != nil {
		return k, "", fe
	}
	if err := s.store.InsertKiosk(ctx, k); err != nil {
		return k, "", err
	}
	s.audit(c, actor(c), "kiosk_create", k.ID, nil, k)
	code, err := s.newPairingCode(c, k.ID)
	if err != nil {
		return k, "", err
	}
	k, err = s.store.Kiosk(ctx, k.ID)
	return k, code, err
}

// updateKiosk changes what an administrator edits; the pairing stays.
func (s *Server) updateKiosk(c *gin.Context, id string, in KioskInput) (survey.Kiosk, error) {
	ctx := c.Request.Context()
	cat, err := s.store.Catalog(ctx)
	if err != nil {
		return survey.Kiosk{}, err
	}
	prev, err := s.store.Kiosk(ctx, id)
	if err != nil {
		return survey.Kiosk{}, err
	}
	if prev.Revoked {
		return prev, errKioskRevoked
	}
	k := prev
	in.apply(&k)
	k.UpdatedAt = time.Now()
	if fe := survey.CheckKiosk(k, cat); fe != nil {
		return k, fe
	}
	if err := s.store.UpdateKioskConfig(ctx, k); err != nil {
		return k, err
	}
	s.audit(c, actor(c), "kiosk_update", k.ID, prev, k)
	return k, nil
}

// newPairingCode issues a new pairing code for the kiosk, valid for
// survey.PairingCodeTTL; the previous one stops working.
func (s *Server) newPairingCode(c *gin.Context, id string) (string, error) {
	for try := 0; ; try++ {
		code := survey.NewPairingCode()
		norm, _ := survey.NormalizePairingCode(code)
		now := time.Now()
		err := s.store.SetKioskCode(c.Request.Context(), id, s.pairingHash(norm), now.Add(survey.PairingCodeTTL), now)
		if errors.Is(err, survey.ErrDuplicate) && try < 3 {
			continue // its locator is pending elsewhere: 1 chance in 923,521 per pending code
		}
		if err != nil {
			return "", err
		}
		s.audit(c, actor(c), "kiosk_code", id, nil, nil)
		return code, nil
	}
}

// unpairKiosk ends the tablet's credential; the kiosk can be paired again.
func (s *Server) unpairKiosk(c *gin.Context, id string) error {
	if err := s.store.UnpairKiosk(c.Request.Context(), id, time.Now()); err != nil {
		return err
	}
	s.audit(c, actor(c), "kiosk_unpair", id, nil, nil)
	return nil
}

// revokeKiosk retires the kiosk for good.
func (s *Server) revokeKiosk(c *gin.Context, id string) error {
	if err := s.store.RevokeKiosk(c.Request.Context(), id, time.Now()); err != nil {
		return err
	}
	s.audit(c, actor(c), "kiosk_revoke", id, nil, nil)
	return nil
}
