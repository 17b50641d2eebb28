package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"hailong/survey"
	"hailong/survey/store/storetest"
)

func TestKioskPairing(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	now := time.Now()
	k := testKiosk(t, s)

	if _, err := s.PairKiosk(ctx, codeHash("no-such-code"), "cred", now); !errors.Is(err, survey.ErrPairingCode) {
		t.Fatalf("unknown code: err=%v, want ErrPairingCode", err)
	}
	if err := s.SetKioskCode(ctx, k.ID, codeHash("code-1"), now.Add(time.Hour), now); err != nil {
		t.Fatal(err)
	}
	// A newer code replaces it.
	if err := s.SetKioskCode(ctx, k.ID, codeHash("code-2"), now.Add(time.Hour), now); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PairKiosk(ctx, codeHash("code-1"), "cred", now); !errors.Is(err, survey.ErrPairingCode) {
		t.Fatalf("replaced code: err=%v, want ErrPairingCode", err)
	}
	got, err := s.PairKiosk(ctx, codeHash("code-2"), "cred-hash", now)
	if err != nil {
		t.Fatalf("pair: %v", err)
	}
	if got.ID != k.ID || !got.Paired || got.CredentialHash != "cred-hash" || got.CodeHash != "" || !got.CodeExpires.IsZero() {
		t.Fatalf("paired kiosk = %+v, want paired with cred-hash and no pending code", got)
	}
	if _, err := s.PairKiosk(ctx, codeHash("code-2"), "other", now); !errors.Is(err, survey.ErrPairingCode) {
		t.Fatalf("used code: err=%v, want ErrPairingCode", err)
	}
	// Expired.
	if err := s.SetKioskCode(ctx, k.ID, codeHash("code-3"), now.Add(time.Minute), now); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PairKiosk(ctx, codeHash("code-3"), "other", now.Add(2*time.Minute)); !errors.Is(err, survey.ErrPairingExpired) {
		t.Fatalf("expired code: err=%v, want ErrPairingExpired", err)
	}
	if got, _ := s.Kiosk(ctx, k.ID); got.CredentialHash != "cred-hash" || got.CodeHash != "" {
		t.Fatalf("after the expired try the kiosk is %+v, want the first credential and no code", got)
	}
	// Revoked: no new code, the pending one stops working, no credential.
	if err := s.SetKioskCode(ctx, k.ID, codeHash("code-4"), now.Add(time.Hour), now); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeKiosk(ctx, k.ID, now); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PairKiosk(ctx, codeHash("code-4"), "other", now); !errors.Is(err, survey.ErrPairingCode) {
		t.Fatalf("code of a revoked kiosk: err=%v, want ErrPairingCode", err)
	}
	if err := s.SetKioskCode(ctx, k.ID, codeHash("code-5"), now.Add(time.Hour), now); !errors.Is(err, survey.ErrNotFound) {
		t.Fatalf("code for a revoked kiosk: err=%v, want ErrNotFound", err)
	}
	if got, _ := s.Kiosk(ctx, k.ID); !got.Revoked || got.Paired || got.CredentialHash != "" {
		t.Fatalf("revoked kiosk = %+v", got)
	}
}

// Two tablets type the same code at once: one pairs.
func TestKioskPairingRace(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	now := time.Now()
	k := testKiosk(t, s)
	if err := s.SetKioskCode(ctx, k.ID, codeHash("race-code"), now.Add(time.Hour), now); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := []string{}
	for _, cred := range []string{"a", "b", "c", "d", "e", "f"} {
		wg.Go(func() {
			_, err := s.PairKiosk(ctx, codeHash("race-code"), cred, now)
			switch {
			case err == nil:
				mu.Lock()
				won = append(won, cred)
				mu.Unlock()
			case !errors.Is(err, survey.ErrPairingCode) && !errors.Is(err, survey.ErrPairingLocked):
				t.Errorf("pair %s: %v", cred, err) // six tablets, five tries: the sixth may find none left
			}
		})
	}
	wg.Wait()
	if len(won) != 1 {
		t.Fatalf("%d tablets paired with one code (%v), want 1", len(won), won)
	}
	if got, _ := s.Kiosk(ctx, k.ID); got.CredentialHash != won[0] {
		t.Fatalf("credential = %q, want the winner's %q", got.CredentialHash, won[0])
	}
}

func TestKioskSlot(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	k := testKiosk(t, s)
	now := time.Now()
	if wait, err := s.ClaimKioskSlot(ctx, k.ID, now, 5*time.Second); err != nil || wait != 0 {
		t.Fatalf("first claim: wait=%v err=%v, want none", wait, err)
	}
	wait, err := s.ClaimKioskSlot(ctx, k.ID, now.Add(2*time.Second), 5*time.Second)
	if err != nil || wait < 2900*time.Millisecond || wait > 3100*time.Millisecond {
		t.Fatalf("claim 2 s later: wait=%v err=%v, want about 3 s", wait, err)
	}
	if wait, err := s.ClaimKioskSlot(ctx, k.ID, now.Add(5*time.Second), 5*time.Second); err != nil || wait != 0 {
		t.Fatalf("claim 5 s later: wait=%v err=%v, want none", wait, err)
	}
	if _, err := s.ClaimKioskSlot(ctx, "knosuchkiosk00", now, time.Second); !errors.Is(err, survey.ErrNotFound) {
		t.Fatalf("unknown kiosk: err=%v, want ErrNotFound", err)
	}
}
