package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"hailong/survey"
	"hailong/survey/store/storetest"
)

// Settings saved at once by many requests for an agency that has none:
// every save succeeds (the upserts' race is absorbed), one stays.
func TestNotifySettingsConcurrentSaves(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- st.SetNotifySettings(ctx, survey.NotifySettings{Agency: "so-tu-phap", Emails: []string{"a@b.vn"}, UpdatedAt: time.Unix(int64(i), 0)})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent save: %v", err)
		}
	}
	all, err := st.AllNotifySettings(ctx)
	if err != nil || len(all) != 1 || all[0].Emails[0] != "a@b.vn" {
		t.Errorf("settings after concurrent saves: %+v, %v", all, err)
	}
}

// An agency's lease is held by one owner at a time, renewable by it, and
// free again once released or run out.
func TestWebhookAgencyLease(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	now := time.Now()
	for _, c := range []struct {
		owner string
		at    time.Time
		want  bool
	}{
		{"a", now, true},
		{"b", now, false},
		{"a", now.Add(time.Second), true},
		{"b", now.Add(30 * time.Second), false},
		{"b", now.Add(2 * time.Minute), true}, // a's lease ran out
		{"a", now.Add(2 * time.Minute), false},
	} {
		got, err := st.LeaseAgency(ctx, "so-tu-phap", c.owner, c.at, time.Minute)
		if err != nil || got != c.want {
			t.Fatalf("lease by %s at +%v: %v, %v; want %v", c.owner, c.at.Sub(now), got, err, c.want)
		}
	}
	if err := st.ReleaseAgency(ctx, "so-tu-phap", "b"); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.LeaseAgency(ctx, "so-tu-phap", "a", now.Add(2*time.Minute), time.Minute); !got {
		t.Errorf("lease not free after its release")
	}
}
