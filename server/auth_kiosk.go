package server

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"hailong/survey"
	"hailong/survey/store"
)

// A paired tablet holds its kiosk credential in an HttpOnly cookie:
// "<kiosk id>.<secret>". Only the SHA-256 of the secret is stored, on the
// kiosk, and unpairing or revoking the kiosk removes it, so the cookie stops
// working at once. Browsers keep a cookie at most 400 days: every load of
// /kiosk sends it again with a fresh lifetime.
const (
	kioskCookie    = "hl_kiosk"
	kioskCookieAge = 400 * 24 * 3600
	kioskCtxKey    = "kiosk"
)

var (
	errKioskUnpaired = &apiCodeError{status: http.StatusUnauthorized, code: "kiosk_unpaired"}
	errKioskScope    = &apiCodeError{status: http.StatusForbidden, code: "kiosk_scope"}
)

// pairingHash is how a normalized pairing code is stored and looked up:
// HMACs under the server key of its locator (the half that names it, so
// each try counts against the code it aims at: survey.PairingCodeMaxTries)
// and of the whole code, so the database alone does not reveal live codes.
func (s *Server) pairingHash(code string) store.PairingCodeHash {
	mac := func(label, v string) string {
		m := hmac.New(sha256.New, s.secret)
		m.Write([]byte(label + v))
		return hex.EncodeToString(m.Sum(nil))
	}
	return store.PairingCodeHash{
		Locator: mac("kiosk-pair-locator|", survey.PairingLocator(code)),
		Secret:  mac("kiosk-pair|", code),
	}
}

// kioskOf returns the kiosk whose credential the request carries: nil and no
// error without a kiosk cookie; errKioskUnpaired when the cookie does not
// (or no longer) work.
func (s *Server) kioskOf(c *gin.Context) (*survey.Kiosk, error) {
	if v, ok := c.Get(kioskCtxKey); ok {
		return v.(*survey.Kiosk), nil
	}
	raw, err := c.Cookie(kioskCookie)
	if err != nil || raw == "" {
		return nil, nil
	}
	id, secret, ok := strings.Cut(raw, ".")
	if !ok || !survey.ValidKioskID(id) || len(secret) < 20 {
		return nil, errKioskUnpaired
	}
	k, err := s.store.Kiosk(c.Request.Context(), id)
	if errors.Is(err, survey.ErrNotFound) {
		return nil, errKioskUnpaired
	}
	if err != nil {
		return nil, err
	}
	if k.Revoked || !k.Paired || k.CredentialHash == "" ||
		subtle.ConstantTimeCompare([]byte(hashID(secret)), []byte(k.CredentialHash)) != 1 {
		return nil, errKioskUnpaired
	}
	c.Set(kioskCtxKey, &k)
	return &k, nil
}

// setKioskCookie sends the credential: HttpOnly, SameSite=Strict (no other
// site can make the tablet submit), Secure over TLS.
func setKioskCookie(c *gin.Context, value string, maxAge int) {
	http.SetCookie(c.Writer, &http.Cookie{
		Name: kioskCookie, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: isTLS(c),
	})
}

// pairKiosk uses a pairing code typed on a tablet: on success the tablet
// gets the kiosk's new credential (any earlier tablet's stops working).
func (s *Server) pairKiosk(c *gin.Context, typed string) (survey.Kiosk, error) {
	code, ok := survey.NormalizePairingCode(typed)
	if !ok {
		return survey.Kiosk{}, survey.ErrPairingCode
	}
	secret := newSecret()
	k, err := s.store.PairKiosk(c.Request.Context(), s.pairingHash(code), hashID(secret), time.Now())
	if errors.Is(err, survey.ErrPairingLocked) { // its tries are used up: the code is burnt
		s.audit(c, "kiosk:"+k.ID, "kiosk_pair_locked", k.ID, nil, nil)
	}
	if err != nil {
		return survey.Kiosk{}, err
	}
	setKioskCookie(c, k.ID+"."+secret, kioskCookieAge)
	s.audit(c, "kiosk:"+k.ID, "kiosk_pair", k.ID, nil, nil)
	return k, nil
}

// pairingProblem is the message key of a failed pairing, or "" when the
// error is not about the code.
func pairingProblem(err error) string {
	switch {
	case errors.Is(err, survey.ErrPairingExpired):
		return "kiosk_code_expired"
	case errors.Is(err, survey.ErrPairingCode):
		return "kiosk_code_invalid"
	case errors.Is(err, survey.ErrPairingLocked):
		return "kiosk_code_locked"
	}
	return ""
}

// pairRequest is the body of POST /api/v1/kiosk/pair.
type pairRequest struct {
	Code string `json:"code" validate:"required,max=32"`
}

// apiKioskPair pairs the calling browser with a code and answers the
// kiosk's configuration; the credential comes as a cookie.
func (s *Server) apiKioskPair(c *gin.Context) error {
	var in pairRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if err := s.validateAPI(c, in); err != nil {
		return err
	}
	k, err := s.pairKiosk(c, in.Code)
	if p := pairingProblem(err); p != "" {
		return &apiFieldError{code: p, fields: map[string]string{"code": s.locales[langOf(c)].T("api." + p)}}
	}
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, kioskConfigOf(k))
	return nil
}
