package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"hailong/survey"
	"hailong/survey/store"
	"hailong/survey/store/storetest"
)

func newInvitation(key []byte, agency, area, dossier string, now time.Time) (survey.Invitation, []string) {
	h := survey.DossierHash(key, agency, dossier)
	return survey.Invitation{
		Dossier: h, Agency: agency, Area: area, IssuedAt: now, ExpiresAt: now.Add(24 * time.Hour), IssuedBy: "test",
	}, survey.InvitationCodes(h)
}

// TestIssueInvitationsClaimByInsert: a dossier gets one invitation whatever
// the number of requests, concurrent or in one batch; a code already naming
// another dossier moves the new one to its next candidate, and a repeat
// finds it there.
func TestIssueInvitationsClaimByInsert(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	key := []byte("0123456789abcdef0123456789abcdef")
	now := time.Now().Truncate(time.Millisecond)

	inv, cands := newInvitation(key, "so-tu-phap", "tu-phap", "HS-001", now)
	dup, dupCands := newInvitation(key, "so-tu-phap", "tu-phap", "HS-001", now.Add(time.Hour))
	other, otherCands := newInvitation(key, "so-tu-phap", "tu-phap", "HS-002", now)
	got, err := s.IssueInvitations(ctx, []survey.Invitation{inv, dup, other}, [][]string{cands, dupCands, otherCands})
	if err != nil {
		t.Fatal(err)
	}
	if !got[0].Created || got[1].Created || !got[2].Created {
		t.Fatalf("created = %v %v %v, want true false true", got[0].Created, got[1].Created, got[2].Created)
	}
	if got[1].Invitation.Code != got[0].Invitation.Code || !got[1].Invitation.ExpiresAt.Equal(got[0].Invitation.ExpiresAt) {
		t.Errorf("second request of the dossier got %+v, want the first invitation %+v", got[1].Invitation, got[0].Invitation)
	}
	if got[0].Invitation.Code != cands[0] || got[2].Invitation.Code == got[0].Invitation.Code {
		t.Errorf("codes %s %s, want the first candidate and two different codes", got[0].Invitation.Code, got[2].Invitation.Code)
	}

	// 20 concurrent requests for one new dossier: one creates, all get its code.
	var wg sync.WaitGroup
	results := make([]store.Issued, 20)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			inv, cands := newInvitation(key, "so-xay-dung", "xay-dung", "HS-777", now)
			r, err := s.IssueInvitations(ctx, []survey.Invitation{inv}, [][]string{cands})
			if err != nil {
				t.Errorf("concurrent issue: %v", err)
				return
			}
			results[i] = r[0]
		}()
	}
	wg.Wait()
	created := 0
	for _, r := range results {
		if r.Created {
			created++
		}
		if r.Invitation.Code != results[0].Invitation.Code {
			t.Errorf("concurrent requests got codes %s and %s", r.Invitation.Code, results[0].Invitation.Code)
		}
	}
	if created != 1 {
		t.Errorf("%d of 20 concurrent requests created the invitation, want 1", created)
	}

	// A collision: a dossier whose first candidate is HS-001's code.
	col, colCands := newInvitation(key, "so-tu-phap", "tu-phap", "HS-003", now)
	colCands[0] = cands[0]
	for round := range 2 {
		r, err := s.IssueInvitations(ctx, []survey.Invitation{col}, [][]string{append([]string{}, colCands...)})
		if err != nil {
			t.Fatal(err)
		}
		if r[0].Invitation.Code != colCands[1] || r[0].Created != (round == 0) {
			t.Errorf("round %d: colliding dossier got %s created=%v, want %s created=%v", round, r[0].Invitation.Code, r[0].Created, colCands[1], round == 0)
		}
	}
	if inv, err := s.Invitation(ctx, cands[0]); err != nil || inv.Dossier != got[0].Invitation.Dossier {
		t.Errorf("HS-001's invitation after the collision: %+v, %v", inv, err)
	}

	// Used marks, and codes that name nothing.
	if err := s.MarkInvitationUsed(ctx, cands[0], "form-key-1", now); err != nil {
		t.Fatal(err)
	}
	if inv, err := s.Invitation(ctx, cands[0]); err != nil || !inv.Used() || inv.UseKey != "form-key-1" {
		t.Errorf("after marking: %+v, %v", inv, err)
	}
	for _, code := range []string{"", "nope", "0000000000000000", "$where", "ZZZZZZZZZZZZZZZ"} {
		if _, err := s.Invitation(ctx, code); err != survey.ErrNotFound {
			t.Errorf("Invitation(%q) = %v, want ErrNotFound", code, err)
		}
	}
}
