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
//
// A stale copy is served at once while one background refresh runs, so page
// views never wait for the database to reload it, and while the database is
// away they go on with the last good copy (the submission itself reports the
// outage). Only the very first load, or one after an invalidation, waits.
func (s *Store) Catalog(ctx context.Context) (*survey.Catalog, error) {
	s.catalogMu.Lock()
	c := s.catalog
	if c != nil {
		if time.Since(c.loaded) >= s.catalogTTL && !s.catalogBusy {
			s.catalogBusy = true
			go s.refreshCatalog(s.catalogGen)
		}
		s.catalogMu.Unlock()
		return c.cat, nil
	}
	gen := s.catalogGen
	s.catalogMu.Unlock()

	loaded, err := s.catalogLoad(ctx)
	if err != nil {
		return nil, err
	}
	s.catalogMu.Lock()
	defer s.catalogMu.Unlock()
	if gen == s.catalogGen {
		s.catalog = loaded // not if a change was made meanwhile: the next call reloads
	}
	return loaded.cat, nil
}

// refreshCatalog reloads a stale catalog in the background. On failure the
// old copy is kept for another TTL before the next try.
func (s *Store) refreshCatalog(gen int) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	loaded, err := s.catalogLoad(ctx)
	s.catalogMu.Lock()
	defer s.catalogMu.Unlock()
	s.catalogBusy = false
	switch {
	case gen != s.catalogGen:
		// Invalidated meanwhile: the next call loads afresh.
	case err != nil:
		if s.catalog != nil {
			s.catalog = &catalogCache{cat: s.catalog.cat, loaded: time.Now()}
		}
	default:
		s.catalog = loaded
	}
}

// InvalidateCatalog drops the cached catalog so the next read reloads it.
func (s *Store) InvalidateCatalog() {
	s.catalogMu.Lock()
	s.catalog = nil
	s.catalogGen++
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
