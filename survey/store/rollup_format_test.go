package store

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"hailong/survey"
)

// downgrade rewrites every rollup document as the first format had it: no
// f marker, no responses per version, criteria keyed by their code alone;
// and removes the format record. It is what a data folder of the previous
// binary looks like.
func downgrade(t *testing.T, s *Store) (docs int) {
	t.Helper()
	ctx := context.Background()
	names, err := s.prefixed(ctx, rollupPrefix)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		coll := s.db.Collection(name)
		cur, err := coll.Find(ctx, bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		var all []bson.M
		if err := cur.All(ctx, &all); err != nil {
			t.Fatal(err)
		}
		for _, d := range all {
			delete(d, "f")
			delete(d, fieldVersions)
			delete(d, fieldSelfVersions)
			for _, field := range []string{fieldArea, fieldChannel, fieldVerified, fieldAgency, fieldSelfArea, fieldSelfChannel, fieldSelfVerified, fieldSelfAgency} {
				m, ok := d[field].(bson.M)
				if !ok {
					continue
				}
				old := bson.M{}
				for k, v := range m {
					parts := strings.Split(k, "|")
					code := parts[len(parts)-2]
					parts[len(parts)-2] = code[strings.LastIndexByte(code, '/')+1:]
					old[strings.Join(parts, "|")] = v
				}
				d[field] = old
			}
			if _, err := coll.ReplaceOne(ctx, bson.D{{Key: "_id", Value: d["_id"]}}, d); err != nil {
				t.Fatal(err)
			}
			docs++
		}
	}
	if _, err := s.rollups.meta.DeleteOne(ctx, bson.D{{Key: "_id", Value: formatID}}); err != nil {
		t.Fatal(err)
	}
	s.ForgetRollupCache()
	return docs
}

// Upgrading: rollups of the first format are never read as this format's
// (a read fails, naming the rebuild), and the next start rebuilds them from
// the responses, logging its progress, after which every figure equals a
// recomputation and the format is recorded.
func TestOldFormatRollupIsRebuiltNotRead(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s := openAt(t, dir)
	rs := GenResponses(47, 90)
	insertAll(t, s, rs)
	if f, err := s.recordedFormat(ctx); err != nil || f != rollupFormat {
		t.Fatalf("new store records format %d, %v; want %d", f, err, rollupFormat)
	}
	if n := downgrade(t, s); n == 0 {
		t.Fatal("no rollup document to downgrade")
	}
	m, _ := survey.ParseMonth(GenMonths[0])
	_, err := s.Report(ctx, "lam-binh", []survey.Month{m}, "")
	if !errors.Is(err, errRollupFormat) {
		t.Errorf("report over old-format rollups: %v, want errRollupFormat", err)
	}
	if _, err := s.ProvinceTallies(ctx, []survey.Month{m}, ""); !errors.Is(err, errRollupFormat) {
		t.Errorf("province tallies over old-format rollups: %v, want errRollupFormat", err)
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}

	var logged bytes.Buffer
	s, err = Open(ctx, Config{DataDir: dir, Logger: slog.New(slog.NewTextHandler(io.MultiWriter(&logged, io.Discard), nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close(ctx) }() // the last store opened
	if !strings.Contains(logged.String(), "rebuilding rollups of an older format") || !strings.Contains(logged.String(), "rollups: migrated") {
		t.Errorf("the migration was not logged:\n%s", logged.String())
	}
	if f, err := s.recordedFormat(ctx); err != nil || f != rollupFormat {
		t.Errorf("after the migration the format is %d, %v; want %d", f, err, rollupFormat)
	}
	s.ForgetRollupCache()
	if n := exact(t, s, "after the migration"); n != int64(len(rs)) {
		t.Errorf("migrated rollups hold %d responses, want %d", n, len(rs))
	}
	c, err := s.Report(ctx, "lam-binh", []survey.Month{m}, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Total.Versions) == 0 {
		t.Error("migrated rollups count no response per version")
	}
	for k := range c.Total.Items {
		if _, _, ok := survey.SplitVersionedCode(k); !ok {
			t.Errorf("migrated rollups key %q by code alone", k)
		}
	}

	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}

	// An older binary run again on the migrated folder adds a document of
	// its format (the format record stays): the next start rebuilds too.
	s = openAt(t, dir)
	last, _ := survey.ParseMonth(GenMonths[len(GenMonths)-1])
	id := monthDocID(kindAgencyMonth, "lam-binh", last)
	if _, err := s.db.Collection(rollupColl(last)).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$unset", Value: bson.D{{Key: "f", Value: ""}}}}); err != nil {
		t.Fatal(err)
	}
	s.ForgetRollupCache()
	if _, err := s.Report(ctx, "lam-binh", []survey.Month{last}, ""); !errors.Is(err, errRollupFormat) {
		t.Errorf("a document without the marker was read: %v", err)
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	s = openAt(t, dir)
	s.ForgetRollupCache()
	if n := exact(t, s, "after an older binary ran"); n != int64(len(rs)) {
		t.Errorf("rebuilt rollups hold %d responses, want %d", n, len(rs))
	}
}

// A document of this format to which an older binary added counts by code
// alone is not read as if they were counts per version.
func TestPlainCodeCountsAreNotRead(t *testing.T) {
	_, err := decodeBucket(bucketDoc{ID: "am|lam-binh|2025-01", Format: rollupFormat, Kind: "am", Agency: "lam-binh", Month: "2025-01",
		N: map[string]int64{"dat-dai|u|web": 2}, A: map[string]int64{"dat-dai|sipas-2017@1/1~1|4": 1, "dat-dai|1~1|4": 1}})
	if !errors.Is(err, errRollupFormat) {
		t.Errorf("decoded counts by code alone: %v", err)
	}
}
