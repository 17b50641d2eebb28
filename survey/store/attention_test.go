package store

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"hailong/survey"
)

// Tests of the attention queue over a real embedded FerretDB: which
// responses enter, exactly once across retries and a crash, overdue
// items in working days, and contacts sealed at rest.

// attResp is a checked response of the seeded questionnaire to so-tu-phap,
// every answer v except those of factor YT3 (the six criteria 3.x), which
// are yt3; comment as given.
func attResp(t *testing.T, id string, v, yt3 int, comment string) survey.Response {
	t.Helper()
	f := survey.SIPAS2017()
	answers := map[string]int{}
	for _, q := range f.Questions("tu-phap") {
		answers[q.Code] = v
		if q.Factor == "YT3" {
			answers[q.Code] = yt3
		}
	}
	r, err := survey.Check(survey.Submission{Key: id, Agency: "so-tu-phap", Area: "tu-phap",
		Channel: survey.ChannelWeb, Lang: survey.Vi, Answers: answers, Comment: comment}, f, time.Now())
	if err != nil {
		t.Fatalf("check: %v", err)
	}
	return r
}

func seeded(t *testing.T, dir string) *Store {
	t.Helper()
	s := openAt(t, dir)
	if err := s.Seed(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

func listAll(t *testing.T, s *Store) map[string]survey.AttentionItem {
	t.Helper()
	if err := s.FlushRollups(context.Background()); err != nil { // the writer inserts the items
		t.Fatal(err)
	}
	items, err := s.ListAttention(context.Background(), AttentionFilter{Agencies: []string{"so-tu-phap"}})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]survey.AttentionItem{}
	for _, it := range items {
		if _, dup := out[it.ID]; dup {
			t.Fatalf("item %s listed twice", it.ID)
		}
		out[it.ID] = it
	}
	return out
}

func TestAttentionEntryRuleAndOnce(t *testing.T) {
	s := seeded(t, t.TempDir())
	defer s.Close(context.Background())
	ctx := context.Background()
	low := attResp(t, "att-low-factor", 4, 2, "")                     // YT3 mean 2: enters
	good := attResp(t, "att-good", 4, 3, "")                          // nothing at or under a threshold
	said := attResp(t, "att-comment", 3, 3, "Chậm")                   // mean 3 with a comment: enters
	for _, r := range []survey.Response{low, good, said, low, said} { // the last two are retries
		if _, err := s.InsertResponse(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	got := listAll(t, s)
	if len(got) != 2 {
		t.Fatalf("items = %v, want the two low responses once each", got)
	}
	it := got[low.ID]
	if it.State != survey.AttentionNew || len(it.Reasons) != 1 || it.Reasons[0] != survey.ReasonFactorLow {
		t.Errorf("low item = %+v, want new with reason factor_low", it)
	}
	var yt3 float64
	for _, fm := range it.Factors {
		if fm.Code == "YT3" {
			yt3 = fm.Mean
		}
	}
	if yt3 != 2 || len(it.Factors) != 5 {
		t.Errorf("factors = %+v, want five with YT3 at 2", it.Factors)
	}
	// 16 answers of 4 and 6 of 2 over 22: 3.45.
	if it.Overall != 3.45 {
		t.Errorf("overall = %v, want 3.45", it.Overall)
	}
	if c := got[said.ID]; len(c.Reasons) != 1 || c.Reasons[0] != survey.ReasonCommentLow || c.Comment != "Chậm" {
		t.Errorf("comment item = %+v, want reason comment_low with the comment", c)
	}
	// A stricter installation: the good response's YT3 (3) would enter, but
	// items are made when a response is stored, not later.
	s.SetAttentionRule(survey.AttentionRule{FactorMax: 3, OverallMax: 2.5, CommentMax: 3, DueDays: 10})
	next := attResp(t, "att-strict", 4, 3, "")
	if _, err := s.InsertResponse(ctx, next); err != nil {
		t.Fatal(err)
	}
	if got := listAll(t, s); len(got) != 3 || got[next.ID].ID == "" {
		t.Errorf("with FactorMax 3: items = %d, want 3 with %s", len(got), next.ID)
	}
}

// A crash after the response is stored and before its item is written:
// the pending entry brings the item back at the next start, once.
func TestAttentionItemSurvivesCrash(t *testing.T) {
	dir := t.TempDir()
	s := seeded(t, dir)
	ctx := context.Background()
	r := attResp(t, "att-crash-0001", 1, 1, "")
	// What InsertResponse does up to the response insert, and no further.
	c, err := newContribution(r, survey.NewKey())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.logPending(ctx, c); err != nil {
		t.Fatal(err)
	}
	if _, err := s.responses.InsertOne(ctx, storedResponse{Response: r, Attempt: c.attempt}); err != nil {
		t.Fatal(err)
	}
	if items, err := s.ListAttention(ctx, AttentionFilter{Agencies: []string{"so-tu-phap"}}); err != nil || len(items) != 0 {
		t.Fatalf("items before the crash = %v (%v), want none", items, err)
	}
	// And one stored in full, whose item waits in the writer's queue (it
	// lingers 2 s before writing) when the process dies.
	r2 := attResp(t, "att-crash-0002", 2, 2, "")
	if created, err := s.InsertResponse(ctx, r2); err != nil || !created {
		t.Fatal(err)
	}
	crash(s, false)

	s = openAt(t, dir) // the start reconciles the pending log
	defer s.Close(context.Background())
	got := listAll(t, s)
	if it, ok := got[r.ID]; len(got) != 2 || !ok || it.Overall != 1 || got[r2.ID].Overall != 2 {
		t.Fatalf("items after restart = %+v, want both crashed responses' items", got)
	}
	// A client retry after the restart writes nothing new.
	if created, err := s.InsertResponse(ctx, r); err != nil || created {
		t.Fatalf("retry: created=%v err=%v", created, err)
	}
	if n := len(listAll(t, s)); n != 2 {
		t.Errorf("items after retry = %d, want 2", n)
	}
}

func TestAttentionOverdueInWorkingDays(t *testing.T) {
	s := seeded(t, t.TempDir())
	defer s.Close(context.Background())
	ctx := context.Background()
	zone := survey.Zone()
	// Friday 4 December 2026, 10:00 in Hà Nội. Ten working days later is
	// Friday 18 December (7–11 and 14–18 December; the weekends skipped).
	friday := time.Date(2026, 12, 4, 10, 0, 0, 0, zone)
	mk := func(id string, created time.Time) survey.AttentionItem {
		r := attResp(t, id, 1, 1, "")
		r.ReceivedAt, r.SubmittedAt = created, created
		it, ok := s.attentionItem(ctx, r, false)
		if !ok {
			t.Fatal("a response of ones must enter")
		}
		return it
	}
	a := mk("att-due-a", friday)
	b := mk("att-due-b", friday.AddDate(0, 0, 3))   // Monday 7 December: due Monday 21
	cc := mk("att-due-c", friday.AddDate(0, 0, -4)) // Monday 30 November: due Monday 14, resolved below
	if err := s.insertAttention(ctx, []survey.AttentionItem{a, b, cc}); err != nil {
		t.Fatal(err)
	}
	// Resolved two and a half days after it was made.
	if _, _, err := s.UpdateAttention(ctx, cc.ID, survey.AttentionResolved, "Đã gọi lại", "staff1", cc.Created.Add(60*time.Hour)); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		now           time.Time
		open, overdue int64
	}{
		{time.Date(2026, 12, 18, 23, 59, 0, 0, zone), 2, 0}, // a's last day
		{time.Date(2026, 12, 19, 0, 1, 0, 0, zone), 2, 1},   // Saturday: a is overdue
		{time.Date(2026, 12, 21, 12, 0, 0, 0, zone), 2, 1},  // b's last day
		{time.Date(2026, 12, 22, 0, 0, 0, 0, zone), 2, 2},
	}
	for _, tc := range cases {
		sum, err := s.AttentionSummary(ctx, []string{"so-tu-phap"}, tc.now)
		if err != nil {
			t.Fatal(err)
		}
		got := sum["so-tu-phap"]
		if got.Open != tc.open || got.Overdue != tc.overdue || got.MedianDaysToResolve == nil || *got.MedianDaysToResolve != 2.5 {
			t.Errorf("at %v: %+v, want open %d overdue %d median 2.5", tc.now, got, tc.open, tc.overdue)
		}
	}
	it, err := s.AttentionItem(ctx, a.ID, time.Date(2026, 12, 19, 0, 1, 0, 0, zone))
	if err != nil || it.Due != "2026-12-18" || !it.Overdue {
		t.Errorf("item a = due %q overdue %v (%v), want due 2026-12-18 and overdue", it.Due, it.Overdue, err)
	}
	// Only the overdue, and new since Monday 7 December.
	over, err := s.ListAttention(ctx, AttentionFilter{Agencies: []string{"so-tu-phap"}, Overdue: true, Now: time.Date(2026, 12, 19, 1, 0, 0, 0, zone)})
	if err != nil || len(over) != 1 || over[0].ID != a.ID {
		t.Errorf("overdue = %v (%v), want a", over, err)
	}
	since, err := s.ListAttention(ctx, AttentionFilter{Agencies: []string{"so-tu-phap"}, Since: friday.AddDate(0, 0, 3)})
	if err != nil || len(since) != 1 || since[0].ID != b.ID {
		t.Errorf("since Monday = %v (%v), want b", since, err)
	}
}

func TestAttentionStateChanges(t *testing.T) {
	s := seeded(t, t.TempDir())
	defer s.Close(context.Background())
	ctx := context.Background()
	r := attResp(t, "att-state", 1, 1, "")
	if _, err := s.InsertResponse(ctx, r); err != nil {
		t.Fatal(err)
	}
	listAll(t, s)
	var fe survey.FieldErrors
	if _, _, err := s.UpdateAttention(ctx, r.ID, "done", "", "u", time.Now()); !errors.As(err, &fe) {
		t.Fatalf("bad state: err = %v, want field errors", err)
	}
	if _, _, err := s.UpdateAttention(ctx, "no-such-item", survey.AttentionAcknowledged, "", "u", time.Now()); !errors.Is(err, survey.ErrNotFound) {
		t.Fatalf("unknown item: err = %v, want not found", err)
	}
	before, after, err := s.UpdateAttention(ctx, r.ID, survey.AttentionInProgress, "Đang xác minh", "u1", time.Now())
	if err != nil || before.State != survey.AttentionNew || after.State != survey.AttentionInProgress || after.Note != "Đang xác minh" {
		t.Fatalf("update: %+v -> %+v (%v)", before.State, after, err)
	}
	_, after, err = s.UpdateAttention(ctx, r.ID, survey.AttentionResolved, "Xong", "u2", time.Now())
	if err != nil || after.Resolved == nil || len(after.History) != 2 || after.History[1].By != "u2" || after.History[0].State != survey.AttentionInProgress {
		t.Fatalf("resolve: %+v (%v)", after, err)
	}
	_, after, err = s.UpdateAttention(ctx, r.ID, survey.AttentionAcknowledged, "Mở lại", "u1", time.Now())
	if err != nil || after.Resolved != nil || !after.Open() {
		t.Fatalf("reopen: %+v (%v)", after, err)
	}
}

// A contact is stored sealed: the database files never hold it in plain
// text; it is read back on the item, and deleted at resolution.
func TestContactSealedAtRest(t *testing.T) {
	dir := t.TempDir()
	s := seeded(t, dir)
	ctx := context.Background()
	key := bytes.Repeat([]byte{7}, 32)
	box, err := survey.NewContactBox(key)
	if err != nil {
		t.Fatal(err)
	}
	const phone, email = "0912 345 678", "nguyen.van.an@example.vn"
	// A good response with a contact: it enters for the contact alone.
	r := attResp(t, "att-contact", 5, 5, "")
	if r.Contact, err = box.Seal(survey.Contact{Phone: phone, Email: email}, r.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.InsertResponse(ctx, r); err != nil {
		t.Fatal(err)
	}
	listAll(t, s)
	it, err := s.AttentionItem(ctx, r.ID, time.Now())
	if err != nil || !it.Contact || len(it.Reasons) != 1 || it.Reasons[0] != survey.ReasonContactRequested {
		t.Fatalf("item = %+v (%v), want one with reason contact_requested", it, err)
	}
	sealed, err := s.Contact(ctx, r.ID, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	got, err := box.Open(sealed, r.ID)
	if err != nil || got.Phone != phone || got.Email != email {
		t.Fatalf("contact = %+v (%v)", got, err)
	}
	if _, err := box.Open(sealed, "another-item"); err == nil {
		t.Error("a sealed contact opened for another item")
	}
	if _, err := s.Contact(ctx, r.ID, time.Now().Add(survey.ContactRetention+time.Minute)); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("after 90 days: err = %v, want not found", err)
	}
	// Write everything to the files, then look for the plain text.
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	found, files := grepDir(t, dir, []string{phone, email, "nguyen.van.an"})
	if files == 0 {
		t.Fatal("no database files found")
	}
	if len(found) > 0 {
		t.Fatalf("plain contact found in %v", found)
	}
	s = openAt(t, dir)
	defer s.Close(context.Background())
	if _, _, err := s.UpdateAttention(ctx, r.ID, survey.AttentionResolved, "", "u", time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Contact(ctx, r.ID, time.Now()); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("after resolution: err = %v, want not found", err)
	}
	// Purging removes expired contacts.
	r2 := attResp(t, "att-contact-2", 5, 5, "")
	r2.Contact, _ = box.Seal(survey.Contact{Phone: phone}, r2.ID)
	if _, err := s.InsertResponse(ctx, r2); err != nil {
		t.Fatal(err)
	}
	listAll(t, s)
	if n, err := s.PurgeContacts(ctx, time.Now()); err != nil || n != 0 {
		t.Errorf("purge now: %d (%v), want 0", n, err)
	}
	if n, err := s.PurgeContacts(ctx, time.Now().Add(survey.ContactRetention+time.Hour)); err != nil || n != 1 {
		t.Errorf("purge after 90 days: %d (%v), want 1", n, err)
	}
}

// grepDir reports which of the needles occur in files under dir, and how
// many files it read.
func grepDir(t *testing.T, dir string, needles []string) (found []string, files int) {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Type()&fs.ModeSocket != 0 || !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil
		}
		files++
		for _, n := range needles {
			if bytes.Contains(b, []byte(n)) {
				found = append(found, n+" in "+p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found, files
}

// The hook told of new items (the webhooks' outbox) hears of every item at
// least once: after its own failures, and after a crash that happened
// before it was set again, as long as the store awaits it.
func TestAttentionHookAtLeastOnce(t *testing.T) {
	dir := t.TempDir()
	s := seeded(t, dir)
	ctx := context.Background()
	var mu sync.Mutex
	told := map[string]int{}
	fails := 2
	hook := func(_ context.Context, items []survey.AttentionItem) error {
		mu.Lock()
		defer mu.Unlock()
		if fails > 0 {
			fails--
			return errors.New("outbox away")
		}
		for _, it := range items {
			if it.Due == "" {
				return errors.New("an item without its due day")
			}
			told[it.ID]++
		}
		return nil
	}
	s.OnAttentionCreated(hook)
	r1 := attResp(t, "att-hook-0001", 1, 1, "")
	if _, err := s.InsertResponse(ctx, r1); err != nil {
		t.Fatal(err)
	}
	if err := s.FlushRollups(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if told[r1.ID] != 1 || fails != 0 {
		t.Errorf("told %v after two failures, want %s once", told, r1.ID)
	}
	mu.Unlock()

	// A response stored, then the process dies before its item is written.
	r2 := attResp(t, "att-hook-0002", 2, 1, "")
	c, err := newContribution(r2, survey.NewKey())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.logPending(ctx, c); err != nil {
		t.Fatal(err)
	}
	if _, err := s.responses.InsertOne(ctx, storedResponse{Response: r2, Attempt: c.attempt}); err != nil {
		t.Fatal(err)
	}
	crash(s, false)

	s, err = Open(ctx, Config{DataDir: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), AwaitAttentionHook: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	if left, err := s.findPending(ctx, bson.D{}); err != nil || len(left) != 1 {
		t.Fatalf("pending entries before the hook = %d (%v), want the crashed one kept", len(left), err)
	}
	s.OnAttentionCreated(hook)
	deadline := time.Now().Add(20 * time.Second)
	for {
		mu.Lock()
		n := told[r2.ID]
		mu.Unlock()
		if n >= 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the crashed response's item was never told")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := s.FlushRollups(ctx); err != nil {
		t.Fatal(err)
	}
	if left, err := s.findPending(ctx, bson.D{}); err != nil || len(left) != 0 {
		t.Errorf("pending entries after the hook = %d (%v), want none", len(left), err)
	}
	if got := listAll(t, s); len(got) != 2 {
		t.Errorf("items = %d, want 2", len(got))
	}
}
