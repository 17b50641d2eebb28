package store

import (
	"context"
	"fmt"
	"sort"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"hailong/survey"
)

// catalogCache is a loaded catalog and when it was loaded.
type catalogCache struct {
	cat    *survey.Catalog
	loaded time.Time
}

// Catalog returns the areas, agencies and published forms. The catalog is
// small and read on every survey page, so each process keeps a copy for a few
// seconds; a change made through this process is seen at once (InvalidateCatalog),
// one made through another within the TTL. The returned value must not be modified.
func (s *Store) Catalog(ctx context.Context) (*survey.Catalog, error) {
	s.catalogMu.Lock()
	defer s.catalogMu.Unlock()
	if c := s.catalog; c != nil && time.Since(c.loaded) < s.catalogTTL {
		return c.cat, nil
	}
	c, err := s.catalogLoad(ctx)
	if err != nil {
		if s.catalog != nil {
			// Serve the last good copy while the database is away: forms still
			// render, and the submission itself reports the outage.
			return s.catalog.cat, nil
		}
		return nil, err
	}
	s.catalog = c
	return c.cat, nil
}

// InvalidateCatalog drops the cached catalog so the next read reloads it.
func (s *Store) InvalidateCatalog() {
	s.catalogMu.Lock()
	s.catalog = nil
	s.catalogMu.Unlock()
}

func (s *Store) loadCatalog(ctx context.Context) (*catalogCache, error) {
	cat := &survey.Catalog{}
	if err := findAll(ctx, s.areas, &cat.Areas); err != nil {
		return nil, fmt.Errorf("load areas: %w", err)
	}
	if err := findAll(ctx, s.agencies, &cat.Agencies); err != nil {
		return nil, fmt.Errorf("load agencies: %w", err)
	}
	if err := findAll(ctx, s.forms, &cat.Forms); err != nil {
		return nil, fmt.Errorf("load forms: %w", err)
	}
	as, err := s.Assignments(ctx)
	if err != nil {
		return nil, err
	}
	cat.Assignments = as
	sort.Slice(cat.Areas, func(i, j int) bool { return cat.Areas[i].Order < cat.Areas[j].Order })
	return &catalogCache{cat: cat, loaded: time.Now()}, nil
}

// findAll reads a whole (small) collection in _id order.
func findAll[T any](ctx context.Context, coll *mongo.Collection, out *[]T) error {
	cur, err := coll.Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return classify(err)
	}
	if err := cur.All(ctx, out); err != nil {
		return classify(err)
	}
	return nil
}
