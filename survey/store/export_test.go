package store

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"testing"
	"time"

	"hailong/survey"
)

// ForgetRollupCache empties the in-memory rollups so the next Report reads
// the database.
func (s *Store) ForgetRollupCache() { s.rollups.cache.clear() }

// PendingCount counts the entries of the pending log.
func (s *Store) PendingCount(ctx context.Context) int64 {
	n, _ := s.rollups.pending.CountDocuments(ctx, docD())
	return n
}

// AllResponses reads every stored response.
func (s *Store) AllResponses(ctx context.Context) ([]survey.Response, error) {
	var rs []survey.Response
	_, err := s.eachResponse(ctx, func(r survey.Response, _ string) { rs = append(rs, r) }, nil)
	return rs, err
}

// RecomputeFrom is Recompute over responses already read.
func RecomputeFrom(rs []survey.Response, agency string, months []survey.Month, area string) *Counts {
	c, _ := countsOf(agency, months, area, func(fn func(survey.Response)) error {
		for _, r := range rs {
			fn(r)
		}
		return nil
	})
	return c
}

// GenAgencies are the agencies of generated responses, with their areas.
var GenAgencies = map[string][]string{
	"so-tu-phap":   {"tu-phap"},
	"so-xay-dung":  {"xay-dung", "dat-dai"},
	"lam-binh":     {"dat-dai", "tu-phap", "lao-dong"},
	"na-hang":      {"dat-dai", "xay-dung"},
	"x-thuong-lam": {"tu-phap", "lao-dong"},
}

// GenMonths are the months of generated responses.
var GenMonths = []string{"2025-01", "2025-02", "2025-03", "2025-04"}

// GenResponses makes n random but reproducible responses to the SIPAS form:
// agencies rate differently, some answers are "not applicable", land
// responses answer the land items too, and some fall on the first or last
// second of a month in Vietnamese time.
func GenResponses(seed uint64, n int) []survey.Response {
	rng := rand.New(rand.NewPCG(seed, 7))
	demo := rand.New(rand.NewPCG(seed, 11)) // its own source: the other draws stay as they were
	f := survey.SIPAS2017()
	agencies := []string{"so-tu-phap", "so-xay-dung", "lam-binh", "na-hang", "x-thuong-lam"}
	out := make([]survey.Response, n)
	for i := range out {
		ag := agencies[rng.IntN(len(agencies))]
		area := GenAgencies[ag][rng.IntN(len(GenAgencies[ag]))]
		m, _ := survey.ParseMonth(GenMonths[rng.IntN(len(GenMonths))])
		at := m.Start().Add(time.Duration(rng.Int64N(int64(m.End().Sub(m.Start())))))
		switch rng.IntN(10) {
		case 0:
			at = m.Start()
		case 1:
			at = m.End().Add(-time.Second)
		}
		bias := len(ag) % 3 // agencies differ
		var answers []survey.Answer
		for _, q := range f.Questions(area) {
			v := 1 + bias + rng.IntN(5-bias)
			if rng.IntN(12) == 0 {
				v = survey.NotApplicable
			}
			answers = append(answers, survey.Answer{Code: q.Code, Value: v})
		}
		out[i] = survey.Response{
			ID: fmt.Sprintf("gen-%d-%06d", seed, i), Agency: ag, Area: area,
			FormID: f.ID, FormVersion: f.Version, Channel: survey.Channels[rng.IntN(len(survey.Channels))],
			Verified: rng.IntN(3) == 0, Lang: survey.Vi, Answers: answers,
			SubmittedAt: at, ReceivedAt: at, Respondent: genRespondent(demo, f),
		}
	}
	return out
}

// genRespondent answers each demographic question with one of its first
// options, or not at all, so that some combinations are common and some rare.
func genRespondent(rng *rand.Rand, f survey.Form) survey.Respondent {
	var r survey.Respondent
	for _, d := range f.Demographics {
		if rng.IntN(3) == 0 {
			continue
		}
		r.Set(d.Code, d.Options[rng.IntN(min(3, len(d.Options)))].Code)
	}
	return r
}

// openAt opens a store over the embedded database in dir.
func openAt(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := Open(context.Background(), Config{DataDir: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	return s
}

// crash stops the store the way a killed process would: the writer neither
// drains nor reads the pending log again (it is left paused forever), and
// the database goes away. The caller may already hold the writer's lock.
func crash(s *Store, holdingWriter bool) {
	if !holdingWriter {
		s.rollups.writer.run.Lock()
	}
	_ = s.client.Disconnect(context.Background())
	s.stopEmbedded()
}

// HaltWriterAfter makes the rollup writer stop its next batch after step
// ("rollup-doc", "rollups", "comments", "ratings", "applied": applier.go), as a
// process dying there would; the channel is closed when it has.
func (s *Store) HaltWriterAfter(step string) <-chan struct{} {
	halted := make(chan struct{})
	done := false
	s.rollups.writer.halt = func(at string) bool {
		if done || at != step {
			return false
		}
		done = true
		close(halted)
		return true
	}
	return halted
}

// HoldWriter pauses the rollup writer for good: what is stored from now on
// is never counted by this store.
func (s *Store) HoldWriter() { s.rollups.writer.run.Lock() }

// Die ends the store the way a killed process would, once HoldWriter has:
// its connection goes, and nothing it held is counted or cleared.
func (s *Store) Die() { _ = s.client.Disconnect(context.Background()) }

// BatchRecords counts the batch records left in the database.
func (s *Store) BatchRecords(ctx context.Context) int64 {
	n, _ := s.rollups.batches.CountDocuments(ctx, docD())
	return n
}

// CompareRecompute lists the generated agencies whose report differs from
// the recomputation, and returns the responses the rollups hold.
func (s *Store) CompareRecompute(t *testing.T) (int64, []string) { return compare(t, s) }

// CommentIDs lists every comment of the generated agencies and months.
func (s *Store) CommentIDs(t *testing.T) []string {
	p := cmPeriod(t, GenMonths[0], GenMonths[len(GenMonths)-1])
	var ids []string
	for ag := range GenAgencies {
		ids = append(ids, cmAll(t, s, CommentQuery{Agency: ag, Period: p})...)
	}
	return ids
}
