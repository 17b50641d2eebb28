package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"hailong/survey"
	"hailong/survey/store"
	"hailong/survey/store/storetest"
)

// codeHash stands for the keyed hashes of a pairing code named name: its
// locator and its whole code.
func codeHash(name string) store.PairingCodeHash {
	return store.PairingCodeHash{Locator: "loc-" + name, Secret: "secret-" + name}
}

// wrong is a try aimed at the code named name (its locator) with a wrong
// second half.
func wrong(name string, i int) store.PairingCodeHash {
	return store.PairingCodeHash{Locator: "loc-" + name, Secret: fmt.Sprintf("wrong-%s-%d", name, i)}
}

// concurrentTries makes n wrong tries at the code at once and counts the
// answers: refused as wrong, and refused as burnt.
func concurrentTries(t *testing.T, s *store.Store, name string, n int) (wrongs, locked int) {
	t.Helper()
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			_, err := s.PairKiosk(context.Background(), wrong(name, i), "cred", time.Now())
			mu.Lock()
			defer mu.Unlock()
			switch {
			case errors.Is(err, survey.ErrPairingCode):
				wrongs++
			case errors.Is(err, survey.ErrPairingLocked):
				locked++
			default:
				t.Errorf("wrong try %d: err=%v, want ErrPairingCode or ErrPairingLocked", i, err)
			}
		})
	}
	close(start)
	wg.Wait()
	return wrongs, locked
}

// TestKioskPairingTriesPerCode: a code answers survey.PairingCodeMaxTries
// tries. Concurrent wrong tries are each counted (claim-by-insert; an $inc
// on the embedded database loses some): one fewer than the limit leaves the
// code working, the limit burns it, and many at once never check more than
// the limit. Another kiosk's code is not touched.
func TestKioskPairingTriesPerCode(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	now := time.Now()
	limit := survey.PairingCodeMaxTries

	// One fewer wrong tries than the limit, at once: the right code still pairs.
	k := testKiosk(t, s)
	if err := s.SetKioskCode(ctx, k.ID, codeHash("a"), now.Add(time.Hour), now); err != nil {
		t.Fatal(err)
	}
	if wrongs, locked := concurrentTries(t, s, "a", limit-1); wrongs != limit-1 || locked != 0 {
		t.Fatalf("%d wrong tries at once: %d refused as wrong, %d as burnt; want %d and 0", limit-1, wrongs, locked, limit-1)
	}
	if got, err := s.PairKiosk(ctx, codeHash("a"), "cred-a", now); err != nil || got.ID != k.ID || !got.Paired {
		t.Fatalf("right code after %d wrong tries: %+v, %v; want paired", limit-1, got, err)
	}

	// Exactly the limit at once, a few times over: the code is burnt every
	// time, and the right code then fails.
	other := testKiosk(t, s)
	if err := s.SetKioskCode(ctx, other.ID, codeHash("other"), now.Add(time.Hour), now); err != nil {
		t.Fatal(err)
	}
	for round := range 3 {
		name := fmt.Sprintf("b%d", round)
		k := testKiosk(t, s)
		if err := s.SetKioskCode(ctx, k.ID, codeHash(name), now.Add(time.Hour), now); err != nil {
			t.Fatal(err)
		}
		if wrongs, locked := concurrentTries(t, s, name, limit); wrongs != limit-1 || locked != 1 {
			t.Fatalf("round %d: %d wrong tries at once: %d refused as wrong, %d as burnt; want %d and 1", round, limit, wrongs, locked, limit-1)
		}
		if _, err := s.PairKiosk(ctx, codeHash(name), "cred", now); err == nil {
			t.Fatalf("round %d: the right code paired after %d wrong tries", round, limit)
		}
		if got, _ := s.Kiosk(ctx, k.ID); got.Paired || got.CodeHash != "" {
			t.Fatalf("round %d: kiosk after its code burnt = %+v, want unpaired and no pending code", round, got)
		}
	}

	// Many at once: no more than the limit are checked against the code.
	k = testKiosk(t, s)
	if err := s.SetKioskCode(ctx, k.ID, codeHash("c"), now.Add(time.Hour), now); err != nil {
		t.Fatal(err)
	}
	wrongs, locked := concurrentTries(t, s, "c", 24)
	if wrongs > limit-1 || locked < 1 {
		t.Fatalf("24 wrong tries at once: %d refused as wrong, %d as burnt; want at most %d checked", wrongs, locked, limit-1)
	}
	if _, err := s.PairKiosk(ctx, codeHash("c"), "cred", now); err == nil {
		t.Fatalf("the right code paired after 24 wrong tries")
	}

	// A new code for the burnt kiosk starts afresh.
	if err := s.SetKioskCode(ctx, k.ID, codeHash("c2"), now.Add(time.Hour), now); err != nil {
		t.Fatal(err)
	}
	if got, err := s.PairKiosk(ctx, codeHash("c2"), "cred-c2", now); err != nil || !got.Paired {
		t.Fatalf("a new code after a burnt one: %+v, %v; want paired", got, err)
	}
	// The other kiosk's code was never touched by all this.
	if got, err := s.PairKiosk(ctx, codeHash("other"), "cred-other", now); err != nil || got.ID != other.ID {
		t.Fatalf("another kiosk's code: %+v, %v; want paired", got, err)
	}
}

// TestKioskPairingTriesSequential: wrong tries one after another count too,
// and a try at an unknown locator counts against no code.
func TestKioskPairingTriesSequential(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	now := time.Now()
	k := testKiosk(t, s)
	if err := s.SetKioskCode(ctx, k.ID, codeHash("d"), now.Add(time.Hour), now); err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		if _, err := s.PairKiosk(ctx, wrong("no-such-locator", i), "cred", now); !errors.Is(err, survey.ErrPairingCode) {
			t.Fatalf("try at an unknown locator: %v, want ErrPairingCode", err)
		}
	}
	for i := 1; i <= survey.PairingCodeMaxTries; i++ {
		_, err := s.PairKiosk(ctx, wrong("d", i), "cred", now)
		want := survey.ErrPairingCode
		if i == survey.PairingCodeMaxTries {
			want = survey.ErrPairingLocked
		}
		if !errors.Is(err, want) {
			t.Fatalf("wrong try %d: %v, want %v", i, err, want)
		}
	}
	if _, err := s.PairKiosk(ctx, codeHash("d"), "cred", now); !errors.Is(err, survey.ErrPairingCode) {
		t.Fatalf("right code after the code burnt: %v, want ErrPairingCode (no such code)", err)
	}
}
