package server

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"hailong/survey"
)

// Verified survey invitations: integrating systems (role integration) or
// administrators issue single-use links for completed dossiers through
// /api/v1/invitations; a citizen opens the short link /r/<code> (in an SMS
// or as a QR code on a printed slip), which leads to the signed link
// /v/<token> and the questionnaire; the response is stored verified. See
// invitation_api.go, invitation_pages.go, invitation_qr.go and
// admin_invitations.go; the README's "Invitations" section.

// Timing of the keyring. Each instance reloads the keys when its copy is
// older than keyRefresh (in the background: no request waits), and at once
// when a token names a key it does not know and its copy is older than
// keyRecheck. A new key signs only keyActivation after it is made, so every
// busy instance has it by then; retiring a key takes effect at once on the
// instance that did it and within keyRefresh on the others.
var (
	keyRefresh    = 30 * time.Second
	keyRecheck    = 5 * time.Second
	keyActivation = 2 * time.Minute
)

// KeyActivation is how long after it is made a new signing key starts
// signing (for the command line, which rotates keys too).
func KeyActivation() time.Duration { return keyActivation }

// invitations is the server's invitation state: the keyring and keys
// derived from the server secret.
type invitations struct {
	ring      atomic.Pointer[ringCopy]
	reloading atomic.Bool
	reloadMu  sync.Mutex // one synchronous reload at a time
	// dossierKey keys the dossier hashes; responseKey the response ids of
	// invitations. Both derive from the installation's server key, which
	// never rotates, so a dossier always hashes the same.
	dossierKey, responseKey []byte
	slipCSS                 string
}

type ringCopy struct {
	ring *survey.Keyring
	at   time.Time
}

func derive(secret []byte, label string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(label))
	return m.Sum(nil)
}

// startInvitations makes the first signing key if there is none and loads
// the keyring; New calls it before serving.
func (s *Server) startInvitations(ctx context.Context) error {
	css, err := fingerprint("slip.css")
	if err != nil {
		return err
	}
	s.inv = &invitations{
		dossierKey:  derive(s.secret, "hailong dossier key v1"),
		responseKey: derive(s.secret, "hailong invitation response key v1"),
		slipCSS:     "/static/slip.css?v=" + css,
	}
	if err := s.store.EnsureInvitationKey(ctx, time.Now()); err != nil {
		return err
	}
	if s.cfg.Rates == (RatesConfig{}) { // a Config not from LoadConfig: the defaults
		s.cfg.Rates = RatesConfig{RateMin: survey.DefaultResponseRateMin, Retention: DefaultInvitationRetention}
	}
	// The counts of an old data folder's invitations, once, before serving
	// (invitation_sweep.go, docs/invitations.md).
	if done, err := s.store.BackfillInvitationCounts(ctx, time.Now()); err != nil {
		return err
	} else if done {
		s.log.Info("invitation counts backfilled from the stored invitations")
	}
	return s.reloadKeys(ctx)
}

// reloadKeys reads the keys from the database into the keyring.
func (s *Server) reloadKeys(ctx context.Context) error {
	keys, err := s.store.InvitationKeys(ctx)
	if err != nil {
		return err
	}
	s.inv.ring.Store(&ringCopy{ring: survey.NewKeyring(keys), at: time.Now()})
	return nil
}

// keyring returns the current keyring, starting a background reload when it
// is older than keyRefresh.
func (s *Server) keyring() *survey.Keyring {
	rc := s.inv.ring.Load()
	if time.Since(rc.at) > keyRefresh && s.inv.reloading.CompareAndSwap(false, true) {
		go func() {
			defer s.inv.reloading.Store(false)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := s.reloadKeys(ctx); err != nil {
				s.log.Warn("invitation keys: reload failed", "err", err)
			}
		}()
	}
	return rc.ring
}

// verifyToken checks a token against the keyring: no database read, except
// a reload, at most once per keyRecheck, when the token names a key this
// instance has not seen (another instance may just have made it).
func (s *Server) verifyToken(ctx context.Context, token string) (survey.InvitationClaims, error) {
	now := time.Now()
	c, err := s.keyring().Verify(token, now)
	if !errors.Is(err, survey.ErrTokenInvalid) {
		return c, err
	}
	kid, ok := survey.TokenKeyID(token)
	if !ok || s.keyring().Has(kid) || time.Since(s.inv.ring.Load().at) < keyRecheck {
		return c, err
	}
	s.inv.reloadMu.Lock()
	if time.Since(s.inv.ring.Load().at) >= keyRecheck {
		if rerr := s.reloadKeys(ctx); rerr != nil {
			s.log.Warn("invitation keys: reload failed", "err", rerr)
		}
	}
	s.inv.reloadMu.Unlock()
	return s.keyring().Verify(token, now)
}
