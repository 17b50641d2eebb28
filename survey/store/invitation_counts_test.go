package store_test

import (
	"context"
	"testing"
	"time"

	"hailong/survey"
	"hailong/survey/store"
	"hailong/survey/store/storetest"
)

// tallyOf sums the counts of agency over the months from–to.
func tallyOf(t *testing.T, s *store.Store, agency string, from, to survey.Month) survey.InvitationTally {
	t.Helper()
	cs, err := s.InvitationCounts(context.Background(), from, to)
	if err != nil {
		t.Fatal(err)
	}
	var out survey.InvitationTally
	for _, c := range cs {
		if c.Agency == agency {
			out = out.Add(c.InvitationTally)
		}
	}
	return out
}

func issueOne(t *testing.T, s *store.Store, key []byte, agency, area, dossier string, at time.Time, days int) store.Issued {
	t.Helper()
	inv, cands := newInvitation(key, agency, area, dossier, at)
	inv.ExpiresAt = at.Add(time.Duration(days) * 24 * time.Hour)
	got, err := s.IssueInvitations(context.Background(), []survey.Invitation{inv}, [][]string{cands})
	if err != nil {
		t.Fatal(err)
	}
	return got[0]
}

// TestInvitationCountsByHand: five invitations issued in March 2026, two
// used (one of them twice: counted once), two expired unused (counted by
// the sweep once, however often it runs), one still open; the rate is
// 2 ÷ (2 + 2) = 50 %. The retention then deletes the expired ones but not
// the counts, and a new request for an expired dossier gets a fresh link
// under the same code, counted issued again.
func TestInvitationCountsByHand(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	key := []byte("0123456789abcdef0123456789abcdef")
	march := time.Date(2026, 3, 10, 9, 0, 0, 0, survey.Zone())
	m, _ := survey.NewMonth(2026, time.March)
	ag, ar := "so-tu-phap", "tu-phap"

	used1 := issueOne(t, s, key, ag, ar, "HS-1", march, 10)
	used2 := issueOne(t, s, key, ag, ar, "HS-2", march, 10)
	exp1 := issueOne(t, s, key, ag, ar, "HS-3", march, 5)
	issueOne(t, s, key, ag, ar, "HS-4", march, 5)
	open := issueOne(t, s, key, ag, ar, "HS-5", march, 40)
	if again := issueOne(t, s, key, ag, ar, "HS-1", march.Add(time.Hour), 10); again.Created {
		t.Fatal("a repeated request for an open dossier created a second invitation")
	}
	issueOne(t, s, key, "so-xay-dung", "xay-dung", "HS-1", march, 5) // another agency

	at := march.Add(48 * time.Hour)
	for _, c := range []string{used1.Invitation.Code, used1.Invitation.Code, used2.Invitation.Code} {
		if err := s.MarkInvitationUsed(ctx, c, "key-"+c, at); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := tallyOf(t, s, ag, m, m), (survey.InvitationTally{Issued: 5, Used: 2}); got != want {
		t.Fatalf("before the sweep: %+v, want %+v", got, want)
	}

	sweepAt := march.Add(20 * 24 * time.Hour) // past the 5- and 10-day expiries, before the 40-day one
	for i := 0; i < 2; i++ {
		res, err := s.SweepInvitations(ctx, sweepAt, 90*24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		want := store.SweepResult{Expired: 3} // two of so-tu-phap, one of so-xay-dung
		if i == 1 {
			want = store.SweepResult{}
		}
		if res != want {
			t.Errorf("sweep %d: %+v, want %+v", i+1, res, want)
		}
	}
	got := tallyOf(t, s, ag, m, m)
	if want := (survey.InvitationTally{Issued: 5, Used: 2, Expired: 2}); got != want {
		t.Fatalf("after the sweep: %+v, want %+v", got, want)
	}
	if r, ok := got.ResponseRate(); !ok || r != 0.5 {
		t.Errorf("rate %v %v, want 0.5", r, ok)
	}
	if r := survey.RateOf(got, 0.6); r.Rate == nil || *r.Rate != 0.5 || !r.Low {
		t.Errorf("RateOf under 60 %%: %+v", r)
	}
	if _, ok := (survey.InvitationTally{Issued: 3}).ResponseRate(); ok {
		t.Error("a tally with nothing used or expired has a rate")
	}

	// A fresh link for an expired dossier: same code, new expiry, counted
	// issued in its own month; its old expiry stays counted.
	april := time.Date(2026, 4, 2, 8, 0, 0, 0, survey.Zone())
	fresh := issueOne(t, s, key, ag, ar, "HS-3", april, 30)
	if !fresh.Created || fresh.Invitation.Code != exp1.Invitation.Code || !fresh.Invitation.ExpiresAt.Equal(april.Add(30*24*time.Hour)) {
		t.Fatalf("fresh link: %+v, want created under %s expiring 30 days after April 2", fresh, exp1.Invitation.Code)
	}
	stored, err := s.Invitation(ctx, exp1.Invitation.Code)
	if err != nil || stored.Expired(april) || stored.ExpiryCounted {
		t.Fatalf("renewed invitation as stored: %+v (%v)", stored, err)
	}
	apr := m.Add(1)
	if got := tallyOf(t, s, ag, apr, apr); got != (survey.InvitationTally{Issued: 1}) {
		t.Errorf("April: %+v, want one issued", got)
	}

	// Retention: 90 days past the expiries, the counted expired invitation
	// (HS-4) is deleted, the used, open-then-expired and renewed ones are
	// not deleted at that sweep; the counts stay.
	late := march.Add(5*24*time.Hour + 91*24*time.Hour)
	res, err := s.SweepInvitations(ctx, late, 90*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	// Counted now: HS-5 (expired day 40) and the renewed HS-3 (expired May 2).
	// Deleted: HS-4 and so-xay-dung's HS-1, both expired on day 5.
	if res != (store.SweepResult{Expired: 2, Deleted: 2}) {
		t.Errorf("late sweep: %+v, want 2 counted, 2 deleted", res)
	}
	if _, err := s.Invitation(ctx, used1.Invitation.Code); err != nil {
		t.Errorf("used invitation gone: %v", err)
	}
	if _, err := s.Invitation(ctx, open.Invitation.Code); err != nil {
		t.Errorf("invitation expired under 90 days ago gone: %v", err)
	}
	// Each expiry is counted in its own month: HS-5's on April 19, the
	// renewed HS-3's on May 2.
	if got := tallyOf(t, s, ag, m, m); got != (survey.InvitationTally{Issued: 5, Used: 2, Expired: 2}) {
		t.Errorf("March after the deletion: %+v, want 5 issued, 2 used, 2 expired", got)
	}
	if got := tallyOf(t, s, ag, apr, apr); got != (survey.InvitationTally{Issued: 1, Expired: 1}) {
		t.Errorf("April after the late sweep: %+v, want 1 issued, 1 expired", got)
	}
	if got := tallyOf(t, s, ag, m, m.Add(2)); got != (survey.InvitationTally{Issued: 6, Used: 2, Expired: 4}) {
		t.Errorf("March–May: %+v, want 6 issued, 2 used, 4 expired", got)
	}
	// A request for a deleted dossier's invitation issues a new one.
	if again := issueOne(t, s, key, ag, ar, "HS-4", late, 10); !again.Created {
		t.Error("a deleted invitation's dossier got no new link")
	}
}

// TestInvitationCountsUsedAfterCountedExpiry: a response stored just
// before the expiry whose use is marked after the sweep counted it expired
// moves it from expired to used.
func TestInvitationCountsUsedAfterCountedExpiry(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	key := []byte("0123456789abcdef0123456789abcdef")
	at := time.Date(2026, 5, 3, 9, 0, 0, 0, survey.Zone())
	m := survey.MonthOf(at)
	inv := issueOne(t, s, key, "so-tu-phap", "tu-phap", "HS-9", at, 1)
	if _, err := s.SweepInvitations(ctx, at.Add(48*time.Hour), 0); err != nil {
		t.Fatal(err)
	}
	if got := tallyOf(t, s, "so-tu-phap", m, m); got != (survey.InvitationTally{Issued: 1, Expired: 1}) {
		t.Fatalf("after the sweep: %+v", got)
	}
	if err := s.MarkInvitationUsed(ctx, inv.Invitation.Code, "k", at.Add(48*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got := tallyOf(t, s, "so-tu-phap", m, m); got != (survey.InvitationTally{Issued: 1, Used: 1}) {
		t.Errorf("after the late use: %+v, want 1 issued, 1 used", got)
	}
}

// TestBackfillInvitationCounts: invitations stored without counts (an old
// data folder) are counted once by the backfill; a second backfill does
// nothing.
func TestBackfillInvitationCounts(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	key := []byte("0123456789abcdef0123456789abcdef")
	at := time.Date(2026, 1, 20, 9, 0, 0, 0, survey.Zone())
	m := survey.MonthOf(at)
	a := issueOne(t, s, key, "so-tu-phap", "tu-phap", "HS-1", at, 10)
	issueOne(t, s, key, "so-tu-phap", "tu-phap", "HS-2", at, 10)
	if err := s.MarkInvitationUsed(ctx, a.Invitation.Code, "k", at.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := store.DropInvitationCounts(ctx, s); err != nil {
		t.Fatal(err)
	}
	if got := tallyOf(t, s, "so-tu-phap", m, m); got != (survey.InvitationTally{}) {
		t.Fatalf("counts after the drop: %+v", got)
	}
	for i, want := range []bool{true, false} {
		done, err := s.BackfillInvitationCounts(ctx, at.Add(24*time.Hour))
		if err != nil || done != want {
			t.Fatalf("backfill %d: %v %v, want %v", i+1, done, err, want)
		}
	}
	if got := tallyOf(t, s, "so-tu-phap", m, m); got != (survey.InvitationTally{Issued: 2, Used: 1}) {
		t.Errorf("backfilled: %+v, want 2 issued, 1 used", got)
	}
}
