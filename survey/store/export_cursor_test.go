package store

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"sort"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"hailong/survey"
)

// everyResponse reads every stored response whole (respondent and comment
// included), for the recomputations of these tests.
func everyResponse(t *testing.T, s *Store) []survey.Response {
	t.Helper()
	ctx := context.Background()
	cur, err := s.responses.Find(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	var rs []survey.Response
	if err := cur.All(ctx, &rs); err != nil {
		t.Fatal(err)
	}
	return rs
}

// checkDemographics compares the rollups' demographic and area counts of
// every generated agency and month (and the verified-only area counts)
// with a recomputation from the responses.
func checkDemographics(t *testing.T, s *Store, label string) {
	t.Helper()
	ctx := context.Background()
	rs := everyResponse(t, s)
	var ms []survey.Month
	for _, v := range GenMonths {
		m, _ := survey.ParseMonth(v)
		ms = append(ms, m)
	}
	checked, checkedVerified := 0, 0
	byMonth := map[survey.Month]map[string]map[string]int64{}
	byMonthVerified := map[survey.Month]map[string]map[string]int64{}
	for _, m := range ms {
		d, err := s.MonthDemographics(ctx, m, false)
		if err != nil {
			t.Fatal(err)
		}
		byMonth[m] = d
		if byMonthVerified[m], err = s.MonthDemographics(ctx, m, true); err != nil {
			t.Fatal(err)
		}
	}
	for ag := range GenAgencies {
		got, err := s.AgencyMonths(ctx, ag, ms)
		if err != nil {
			t.Fatalf("%s: %v", label, err)
		}
		gotVerified, err := s.AgencyMonthsFiltered(ctx, ag, ms, true)
		if err != nil {
			t.Fatalf("%s: verified: %v", label, err)
		}
		for i, m := range ms {
			want, wantVerified := map[string]int64{}, map[string]int64{}
			areas := map[string]survey.Tally{}
			verified := map[string]survey.Tally{}
			for _, r := range rs {
				if r.Agency != ag || survey.MonthOf(r.SubmittedAt) != m {
					continue
				}
				key, _ := survey.DemographicKey(r.Respondent)
				want[key]++
				t := areas[r.Area]
				t.AddResponseOn(contributionForm(r), r.Answers)
				areas[r.Area] = t
				if r.Verified {
					wantVerified[key]++
					v := verified[r.Area]
					v.AddResponseOn(contributionForm(r), r.Answers)
					verified[r.Area] = v
					checkedVerified++
				}
				checked++
			}
			demo := byMonth[m][ag]
			if demo == nil {
				demo = map[string]int64{}
			}
			if !reflect.DeepEqual(demo, want) {
				t.Errorf("%s: %s %s: demographics %v, recomputed %v", label, ag, m, demo, want)
			}
			demo = byMonthVerified[m][ag]
			if demo == nil {
				demo = map[string]int64{}
			}
			if !reflect.DeepEqual(demo, wantVerified) {
				t.Errorf("%s: %s %s: verified demographics %v, recomputed %v", label, ag, m, demo, wantVerified)
			}
			if !reflect.DeepEqual(got[i].ByArea, areas) {
				t.Errorf("%s: %s %s: areas differ from the recomputation", label, ag, m)
			}
			if !reflect.DeepEqual(gotVerified[i].ByArea, verified) {
				t.Errorf("%s: %s %s: verified areas differ from the recomputation", label, ag, m)
			}
		}
	}
	if checked != len(rs) {
		t.Errorf("%s: %d responses checked of %d", label, checked, len(rs))
	}
	if checkedVerified == 0 || checkedVerified == checked {
		t.Errorf("%s: %d verified responses of %d: want a mix", label, checkedVerified, checked)
	}
}

// The demographic counts are kept by the writer and by a rebuild alike, and
// equal a recomputation from the responses.
func TestRollupDemographics(t *testing.T) {
	s := openAt(t, t.TempDir())
	ctx := context.Background()
	defer s.Close(ctx)
	for _, r := range GenResponses(21, 150) {
		if _, err := s.InsertResponse(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.FlushRollups(ctx); err != nil {
		t.Fatal(err)
	}
	checkDemographics(t, s, "writer")
	s.ForgetRollupCache()
	checkDemographics(t, s, "writer, read from the database")
	if _, err := s.ImportResponses(ctx, GenResponses(22, 120)); err != nil {
		t.Fatal(err)
	}
	if err := s.RebuildRollups(ctx, nil); err != nil {
		t.Fatal(err)
	}
	checkDemographics(t, s, "rebuild")
}

// A pending entry written before demographics were counted still unpacks;
// its respondent counts as unknown, which no row matches.
func TestUnpackOldPendingEntry(t *testing.T) {
	c, err := unpack(pendingDoc{ID: "a", Response: "r", Packed: "so-tu-phap|tu-phap|web|u|2025-01|1.1=4,1.2=0"})
	if err != nil || c.demographics != unknownDemographics || len(c.answers) != 2 {
		t.Fatalf("old entry: %+v, %v", c, err)
	}
	r := GenResponses(23, 1)[0]
	r.Respondent = survey.Respondent{Gender: "female", Education: "university"}
	c, _ = newContribution(r, "b")
	back, err := unpack(pendingDoc{ID: "b", Response: r.ID, Packed: pack(c)})
	if err != nil || back.demographics != "female||university|" {
		t.Fatalf("new entry: %q, %v", back.demographics, err)
	}
}

// The export cursor returns exactly the responses of the filter, with no id,
// and the comment only when asked; the documents it reads carry neither the
// idempotency key nor the attempt id, the receipt time or the language.
func TestExportResponsesFilter(t *testing.T) {
	s := openAt(t, t.TempDir())
	ctx := context.Background()
	defer s.Close(ctx)
	rs := GenResponses(24, 200)
	for i := range rs {
		if i%3 == 0 {
			rs[i].Comment = "=cmd|' /C calc'!A0"
		}
	}
	if _, err := s.ImportResponses(ctx, rs); err != nil {
		t.Fatal(err)
	}
	feb, _ := survey.ParseMonth("2025-02")
	mar, _ := survey.ParseMonth("2025-03")
	period, _ := survey.RangePeriod(feb, mar)
	for _, f := range []ResponseFilter{
		{Period: period},
		{Period: period, Agencies: []string{"lam-binh", "na-hang"}, Comments: true},
		{Period: survey.MonthPeriod(feb), Agencies: []string{"lam-binh"}, Area: "dat-dai"},
		{Period: period, Agencies: []string{}},
		{Period: period, VerifiedOnly: true},
		{Period: period, Agencies: []string{"lam-binh", "na-hang"}, VerifiedOnly: true},
	} {
		var want []string
		for _, r := range rs {
			if period := f.Period; !period.Contains(survey.MonthOf(r.SubmittedAt)) ||
				(f.Agencies != nil && !slices.Contains(f.Agencies, r.Agency)) || (f.Area != "" && r.Area != f.Area) ||
				(f.VerifiedOnly && !r.Verified) {
				continue
			}
			if !f.Comments {
				r.Comment = ""
			}
			r.ID, r.Lang, r.ReceivedAt = "", "", r.SubmittedAt
			want = append(want, key(r))
		}
		var got []string
		n, err := s.ExportResponses(ctx, f, func(r survey.Response) error {
			if r.ID != "" {
				t.Errorf("response id %q handed out", r.ID)
			}
			r.ReceivedAt = r.SubmittedAt
			got = append(got, key(r))
			return nil
		})
		if err != nil || n != int64(len(want)) || (f.VerifiedOnly && (n == 0 || int(n) == len(rs))) {
			t.Fatalf("%+v: %d, %v; want %d", f, n, err, len(want))
		}
		sort.Strings(got)
		sort.Strings(want)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%+v: responses differ", f)
		}
		scanned, err := s.ScanResponses(ctx, f, false)
		if err != nil || scanned != n {
			t.Errorf("%+v: scan read %d, %v; want %d", f, scanned, err, n)
		}
	}
	cur, err := s.exportCursor(ctx, ResponseFilter{Period: period, Comments: true}, false, ExportBatch)
	if err != nil {
		t.Fatal(err)
	}
	for cur.Next(ctx) {
		for _, k := range []string{"_id", "attempt", "receivedAt", "lang"} {
			if _, err := cur.Current.LookupErr(k); err == nil {
				t.Fatalf("the export cursor reads %q: %s", k, cur.Current)
			}
		}
	}
	stop := errors.New("stop")
	if n, err := s.ExportResponses(ctx, ResponseFilter{Period: period}, func(survey.Response) error { return stop }); !errors.Is(err, stop) || n != 0 {
		t.Errorf("fn's error: %d, %v", n, err)
	}
	for _, bad := range []ResponseFilter{{}, {Period: period, Agencies: []string{"$ne"}}, {Period: period, Area: "a.b"}} {
		if _, err := s.ExportResponses(ctx, bad, func(survey.Response) error { return nil }); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}

func key(r survey.Response) string {
	b, _ := bson.MarshalExtJSON(r, true, false)
	return string(b)
}
