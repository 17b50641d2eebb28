package store

import (
	"context"
	"fmt"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"

	"hailong/survey"
)

// monthSuffix ends the name of a month's collection: "YYYY_MM".
func monthSuffix(m survey.Month) string { return fmt.Sprintf("%04d_%02d", m.Year(), int(m.Month())) }

// suffixMonth reads the month of a collection named prefix + "YYYY_MM".
func suffixMonth(name, prefix string) (survey.Month, bool) {
	rest, ok := strings.CutPrefix(name, prefix)
	if !ok || len(rest) != 7 || rest[4] != '_' {
		return survey.Month{}, false
	}
	m, err := survey.ParseMonth(rest[:4] + "-" + rest[5:])
	return m, err == nil
}

// prefixed lists the monthly collections whose names start with prefix.
func (s *Store) prefixed(ctx context.Context, prefix string) ([]string, error) {
	names, err := s.db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		return nil, fmt.Errorf("list collections: %w", classify(err))
	}
	var out []string
	for _, n := range names {
		if _, ok := suffixMonth(n, prefix); ok {
			out = append(out, n)
		}
	}
	return out, nil
}

// dropPrefixed drops every monthly collection whose name starts with prefix.
func (s *Store) dropPrefixed(ctx context.Context, prefix string) error {
	names, err := s.prefixed(ctx, prefix)
	if err != nil {
		return err
	}
	for _, n := range names {
		if err := s.db.Collection(n).Drop(ctx); err != nil {
			return fmt.Errorf("drop %s: %w", n, classify(err))
		}
	}
	return nil
}

// finishSwap puts the rebuilt collections of the plan in place of the live
// ones. Each step is idempotent: a month whose new collection is gone has
// been moved already.
func (s *Store) finishSwap(ctx context.Context, plan rebuildPlan) error {
	names, err := s.db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		return fmt.Errorf("list collections: %w", classify(err))
	}
	exists := map[string]bool{}
	for _, n := range names {
		exists[n] = true
	}
	for _, ms := range plan.Write {
		m, err := survey.ParseMonth(ms)
		if err != nil {
			return err
		}
		src, dst := rebuildPrefix+monthSuffix(m), rollupColl(m)
		if !exists[src] {
			continue
		}
		if exists[dst] {
			if err := s.db.Collection(dst).Drop(ctx); err != nil {
				return fmt.Errorf("drop %s: %w", dst, classify(err))
			}
		}
		if err := s.rename(ctx, src, dst); err != nil {
			return err
		}
	}
	for _, ms := range plan.Drop {
		m, err := survey.ParseMonth(ms)
		if err != nil {
			return err
		}
		if exists[rollupColl(m)] {
			if err := s.db.Collection(rollupColl(m)).Drop(ctx); err != nil {
				return fmt.Errorf("drop %s: %w", rollupColl(m), classify(err))
			}
		}
	}
	return nil
}

// rename renames a collection of the store's database.
func (s *Store) rename(ctx context.Context, from, to string) error {
	db := s.db.Name()
	err := s.client.Database("admin").RunCommand(ctx,
		docD("renameCollection", db+"."+from, "to", db+"."+to)).Err()
	if err != nil {
		return fmt.Errorf("rename %s to %s: %w", from, to, classify(err))
	}
	return nil
}
