package server

import (
	"errors"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"hailong/survey"
)

// KioskConfig is what a paired tablet needs to know about itself.
type KioskConfig struct {
	ID                 string   `json:"id"`
	Name               string   `json:"name"`
	Agency             string   `json:"agency"`
	Areas              []string `json:"areas"`
	Counters           []string `json:"counters"`
	IdleSeconds        int      `json:"idleSeconds"`
	MinIntervalSeconds int      `json:"minIntervalSeconds"`
	// Version changes whenever an administrator edits the kiosk: a tablet
	// showing another version reloads its page.
	Version string `json:"version"`
}

func kioskConfigOf(k survey.Kiosk) KioskConfig {
	return KioskConfig{
		ID: k.ID, Name: k.Name, Agency: k.Agency, Areas: nonNil(k.Areas), Counters: nonNil(k.Counters),
		IdleSeconds: k.IdleSeconds, MinIntervalSeconds: k.MinIntervalSeconds, Version: kioskVersion(k),
	}
}

func kioskVersion(k survey.Kiosk) string { return strconv.FormatInt(k.UpdatedAt.UnixMilli(), 36) }

func nonNil(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return xs
}

// requireKiosk answers 401 kiosk_unpaired unless the request carries a
// working kiosk credential.
func (s *Server) requireKiosk(c *gin.Context) (*survey.Kiosk, error) {
	k, err := s.kioskOf(c)
	if err != nil {
		return nil, err
	}
	if k == nil {
		return nil, errKioskUnpaired
	}
	return k, nil
}

// apiKioskConfig answers the calling tablet's configuration, and records
// that it was seen.
func (s *Server) apiKioskConfig(c *gin.Context) error {
	k, err := s.requireKiosk(c)
	if err != nil {
		return err
	}
	if err := s.store.TouchKiosk(c.Request.Context(), k.ID, time.Now()); err != nil {
		return err
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, kioskConfigOf(*k))
	return nil
}

// ratingRequest is the body of POST /api/v1/kiosk/ratings.
type ratingRequest struct {
	IdempotencyKey string `json:"idempotencyKey" validate:"required,max=64"`
	Level          string `json:"level" validate:"required,max=32"`
	Counter        string `json:"counter,omitempty" validate:"max=64"`
	RatedAt        string `json:"ratedAt,omitempty" validate:"max=64"`
	Lang           string `json:"lang,omitempty" validate:"max=8"`
}

// ratingResponse answers a stored (201) or already stored (200) rating.
type ratingResponse struct {
	ID      string `json:"id"`
	Month   string `json:"month"`
	Created bool   `json:"created"`
}

// apiKioskRating stores a quick rating from the calling kiosk, for its own
// agency. The same idempotencyKey again is acknowledged (200) without a
// second record; a new rating sooner than the kiosk's minimum interval after
// its previous submission is 429 with Retry-After.
func (s *Server) apiKioskRating(c *gin.Context) error {
	ctx := c.Request.Context()
	k, err := s.requireKiosk(c)
	if err != nil {
		return err
	}
	var in ratingRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if err := s.validateAPI(c, in); err != nil {
		return err
	}
	sub := survey.RatingSubmission{Key: in.IdempotencyKey, Level: survey.RatingLevel(in.Level), Counter: in.Counter, Lang: survey.Lang(in.Lang)}
	if in.RatedAt != "" {
		t, err := time.Parse(time.RFC3339, in.RatedAt)
		if err != nil {
			return fieldErrorsIn("kiosk", survey.FieldErrors{survey.FieldRatingAt: survey.ProblemInvalid})
		}
		sub.RatedAt = t
	}
	now := time.Now()
	r, err := survey.CheckRating(sub, *k, now)
	var fe survey.FieldErrors
	if errors.As(err, &fe) {
		return fieldErrorsIn("kiosk", fe)
	}
	if err != nil {
		return err
	}
	if err := s.kioskAgencyActive(c, k); err != nil {
		return err
	}
	// A retry of a stored rating is acknowledged before the interval applies.
	prev, err := s.store.Rating(ctx, r.ID)
	switch {
	case err == nil:
		if !prev.SameRequest(r) {
			return survey.ErrConflict
		}
		c.JSON(http.StatusOK, ratingResponse{ID: prev.ID, Month: prev.Month().String()})
		return nil
	case !errors.Is(err, survey.ErrNotFound):
		return err
	}
	if err := s.claimKioskSlot(c, k, now); err != nil {
		return err
	}
	created, err := s.store.InsertRating(ctx, r)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	c.JSON(status, ratingResponse{ID: r.ID, Month: r.Month().String(), Created: created})
	return nil
}

// kioskAgencyActive refuses submissions for an agency that no longer serves
// (merged or dissolved after the kiosk was set up).
func (s *Server) kioskAgencyActive(c *gin.Context, k *survey.Kiosk) error {
	cat, err := s.store.Catalog(c.Request.Context())
	if err != nil {
		return err
	}
	if ag, err := cat.Agency(k.Agency); err != nil || !ag.Active {
		return errKioskScope
	}
	return nil
}

// claimKioskSlot enforces the kiosk's minimum interval between submissions.
func (s *Server) claimKioskSlot(c *gin.Context, k *survey.Kiosk, now time.Time) error {
	wait, err := s.store.ClaimKioskSlot(c.Request.Context(), k.ID, now, time.Duration(k.MinIntervalSeconds)*time.Second)
	if err != nil {
		return err
	}
	if wait > 0 {
		c.Header("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		return &apiCodeError{status: http.StatusTooManyRequests, code: "kiosk_too_soon"}
	}
	return nil
}
