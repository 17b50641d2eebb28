package server

import (
	"context"
	"sync"
	"time"
)

// The invitations' sweep (docs/invitations.md): every hour, and once when
// started, each instance counts the invitations that expired unused and
// deletes those counted more than HAILONG_INVITATION_RETENTION past their
// expiry (store.SweepInvitations, idempotent, so instances may overlap).

// invitationSweepEvery is how often the sweep runs.
var invitationSweepEvery = time.Hour

type invitationSweep struct {
	mu     sync.Mutex
	cancel context.CancelFunc
	done   chan struct{}
}

// SweepInvitations runs the sweep once now.
func (s *Server) SweepInvitations(ctx context.Context) error {
	res, err := s.store.SweepInvitations(ctx, time.Now(), s.cfg.Rates.Retention)
	if err != nil {
		return err
	}
	if res.Expired > 0 || res.Deleted > 0 {
		s.log.Info("invitations swept", "expired", res.Expired, "deleted", res.Deleted)
	}
	return nil
}

// StartInvitationSweep runs the sweep now and every invitationSweepEvery until
// StopInvitationSweep (main's serve wiring calls both).
func (s *Server) StartInvitationSweep() {
	s.sweep.mu.Lock()
	defer s.sweep.mu.Unlock()
	if s.sweep.cancel != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.sweep.cancel, s.sweep.done = cancel, make(chan struct{})
	go func() {
		defer close(s.sweep.done)
		t := time.NewTicker(invitationSweepEvery)
		defer t.Stop()
		for {
			sctx, scancel := context.WithTimeout(ctx, 5*time.Minute)
			if err := s.SweepInvitations(sctx); err != nil && ctx.Err() == nil {
				s.log.Warn("invitation sweep failed", "err", err)
			}
			scancel()
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}

// StopInvitationSweep stops the sweep and waits for a run in flight.
func (s *Server) StopInvitationSweep() {
	s.sweep.mu.Lock()
	defer s.sweep.mu.Unlock()
	if s.sweep.cancel == nil {
		return
	}
	s.sweep.cancel()
	<-s.sweep.done
	s.sweep.cancel = nil
}
