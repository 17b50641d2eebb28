package store_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"sync"
	"testing"
	"time"

	"hailong/survey"
	"hailong/survey/store"
	"hailong/survey/store/storetest"
)

// months parses GenMonths[from:to].
func months(t testing.TB, from, to int) []survey.Month {
	t.Helper()
	var ms []survey.Month
	for _, s := range store.GenMonths[from:to] {
		m, err := survey.ParseMonth(s)
		if err != nil {
			t.Fatal(err)
		}
		ms = append(ms, m)
	}
	return ms
}

// query is one dashboard query.
type query struct {
	agency string
	ms     []survey.Month
	area   string
}

// queries are the dashboard queries checked: every generated agency over all
// months, one month, and its first area alone.
func queries(t testing.TB) []query {
	all, one := months(t, 0, len(store.GenMonths)), months(t, 2, 3)
	var qs []query
	for ag, areas := range store.GenAgencies {
		qs = append(qs, query{ag, all, ""}, query{ag, one, ""}, query{ag, all, areas[0]})
	}
	sort.Slice(qs, func(i, j int) bool { return fmt.Sprint(qs[i]) < fmt.Sprint(qs[j]) })
	return qs
}

// checkExact compares Report (from the rollups) with the recomputation from
// the raw responses (one scan) for every query, and Recompute itself for the
// first; it returns the number of responses the rollups hold.
func checkExact(t *testing.T, s *store.Store, label string) int64 {
	t.Helper()
	ctx := context.Background()
	rs, err := s.AllResponses(ctx)
	if err != nil {
		t.Fatalf("%s: read responses: %v", label, err)
	}
	var total int64
	for i, q := range queries(t) {
		got, err := s.Report(ctx, q.agency, q.ms, q.area)
		if err != nil {
			t.Fatalf("%s: report %v: %v", label, q, err)
		}
		want := store.RecomputeFrom(rs, q.agency, q.ms, q.area)
		if i == 0 {
			direct, err := s.Recompute(ctx, q.agency, q.ms, q.area)
			if err != nil || !reflect.DeepEqual(direct, want) {
				t.Fatalf("%s: Recompute differs from the recomputation of the same responses (%v)", label, err)
			}
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %s %v area %q: rollups differ from recomputation\n rollups: %s\n    raw: %s",
				label, q.agency, q.ms, q.area, summary(got), summary(want))
		}
		if len(q.ms) == len(store.GenMonths) && q.area == "" {
			total += got.Total.Responses
		}
	}
	return total
}

// summary shortens Counts for a failure message.
func summary(c *store.Counts) string {
	return fmt.Sprintf("total %d (%d items), verified %d, areas %d, channels %d, province %d agencies",
		c.Total.Responses, len(c.Total.Items), c.Verified.Responses, len(c.ByArea), len(c.ByChannel), len(c.Province))
}

func flush(t *testing.T, s *store.Store) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.FlushRollups(ctx); err != nil {
		t.Fatalf("flush rollups: %v", err)
	}
}

func TestRollupsEqualRecomputation(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	rs := store.GenResponses(1, 240)
	for _, r := range rs {
		if created, err := s.InsertResponse(ctx, r); err != nil || !created {
			t.Fatalf("insert %s: created=%v err=%v", r.ID, created, err)
		}
	}
	// Retries of stored responses are answered as success and never counted.
	for i := 0; i < len(rs); i += 7 {
		if created, err := s.InsertResponse(ctx, rs[i]); err != nil || created {
			t.Fatalf("retry %s: created=%v err=%v", rs[i].ID, created, err)
		}
	}
	other := rs[3]
	other.Agency = "na-hang"
	if other.Agency == rs[3].Agency {
		other.Agency = "lam-binh"
	}
	if _, err := s.InsertResponse(ctx, other); !errors.Is(err, survey.ErrConflict) {
		t.Fatalf("key reused for another agency: err = %v, want ErrConflict", err)
	}
	flush(t, s)
	if n := checkExact(t, s, "from memory"); n != int64(len(rs)) {
		t.Errorf("rollups hold %d responses, want %d", n, len(rs))
	}
	s.ForgetRollupCache()
	checkExact(t, s, "from the database")
	if n := s.PendingCount(ctx); n != 0 {
		t.Errorf("%d pending entries left after a flush", n)
	}
}

func TestRollupsExactUnderConcurrentSubmitters(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	rs := store.GenResponses(2, 16*12)
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mine := rs[g*12 : (g+1)*12]
			for i, r := range mine {
				if _, err := s.InsertResponse(ctx, r); err != nil {
					t.Errorf("insert: %v", err)
				}
				if i%4 == 0 { // a double submit
					if created, err := s.InsertResponse(ctx, r); err != nil || created {
						t.Errorf("double submit: created=%v err=%v", created, err)
					}
				}
			}
		}()
	}
	wg.Wait()
	flush(t, s)
	if n := checkExact(t, s, "16 submitters"); n != int64(len(rs)) {
		t.Errorf("rollups hold %d responses, want %d", n, len(rs))
	}
}

func TestReportRefusesBadQueries(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	ms := months(t, 0, 1)
	if _, err := s.Report(ctx, "$where", ms, ""); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("agency $where: err = %v", err)
	}
	if _, err := s.Report(ctx, "lam-binh", ms, "a.b"); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("area a.b: err = %v", err)
	}
	if _, err := s.Report(ctx, "lam-binh", nil, ""); !errors.Is(err, survey.ErrInvalidPeriod) {
		t.Errorf("no months: err = %v", err)
	}
	c, err := s.Report(ctx, "lam-binh", ms, "")
	if err != nil || c.Total.Responses != 0 || len(c.ByMonth) != 1 {
		t.Errorf("empty report = %+v, %v", c, err)
	}
}
