package store

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"hailong/survey"
)

// dossierCountsColl holds the completed dossiers the one-stop-shop software
// reports (survey.DossierCount): one document per agency × area × month,
// "agency|area|YYYY-MM", replaced by each report of it.
const dossierCountsColl = "dossier_counts"

// PutDossierCounts sets each count (a later report of the same agency,
// area and month replaces the earlier one), as by; each is written on its
// own, so a retry of a request cut short writes the same.
func (s *Store) PutDossierCounts(ctx context.Context, ds []survey.DossierCount, by string, now time.Time) error {
	if len(ds) == 0 {
		return nil
	}
	models := make([]mongo.WriteModel, len(ds))
	for i, d := range ds {
		models[i] = mongo.NewUpdateOneModel().SetFilter(docD("_id", d.Key())).SetUpsert(true).
			SetUpdate(docD("$set", docD("agency", d.Agency, "area", d.Area, "month", d.Month, "completed", d.Completed, "updatedAt", now, "updatedBy", by)))
	}
	var err error
	for try := 0; try < 3; try++ { // two upserts of a new document race: the loser tries again
		if _, err = s.db.Collection(dossierCountsColl).BulkWrite(ctx, models, options.BulkWrite().SetOrdered(false)); err == nil || !mongo.IsDuplicateKeyError(err) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("put dossier counts: %w", classify(err))
	}
	return nil
}

// DossierCounts reads the counts of the months from through to.
func (s *Store) DossierCounts(ctx context.Context, from, to survey.Month) ([]survey.DossierCount, error) {
	cur, err := s.db.Collection(dossierCountsColl).Find(ctx, docD("month", docD("$gte", from.String(), "$lte", to.String())))
	if err != nil {
		return nil, fmt.Errorf("read dossier counts: %w", classify(err))
	}
	var out []survey.DossierCount
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("read dossier counts: %w", classify(err))
	}
	return out, nil
}
