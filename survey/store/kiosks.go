package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"hailong/survey"
)

// Kiosks live in "kiosks" (a small collection, one document per tablet,
// read by _id or whole). A pending pairing code lives in "kiosk_codes" under
// _id = the keyed hash of the code, so pairing finds it by _id without
// scanning, and claims it by deleting it: of two tablets typing the same code
// at once, only the one whose delete removed the document pairs.

func (s *Store) kiosks() *mongo.Collection     { return s.db.Collection("kiosks") }
func (s *Store) kioskCodes() *mongo.Collection { return s.db.Collection("kiosk_codes") }

// kioskCode is a pending pairing code.
type kioskCode struct {
	ID        string    `bson:"_id"` // keyed hash of the code
	Kiosk     string    `bson:"kiosk"`
	ExpiresAt time.Time `bson:"expiresAt"`
}

// epoch stands for "never" in date fields that filters compare.
var epoch = time.Unix(0, 0).UTC()

// InsertKiosk stores a new kiosk; survey.ErrDuplicate if the id is taken.
func (s *Store) InsertKiosk(ctx context.Context, k survey.Kiosk) error {
	if k.LastSubmit.IsZero() {
		k.LastSubmit = epoch
	}
	if _, err := s.kiosks().InsertOne(ctx, k); err != nil {
		if mongo.IsDuplicateKeyError(err) {
			return survey.ErrDuplicate
		}
		return fmt.Errorf("insert kiosk: %w", classify(err))
	}
	return nil
}

// Kiosk reads a kiosk by id, or survey.ErrNotFound.
func (s *Store) Kiosk(ctx context.Context, id string) (survey.Kiosk, error) {
	var k survey.Kiosk
	if err := s.kiosks().FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&k); err != nil {
		return survey.Kiosk{}, classify(err)
	}
	return k, nil
}

// Kiosks lists every kiosk, by id.
func (s *Store) Kiosks(ctx context.Context) ([]survey.Kiosk, error) {
	var ks []survey.Kiosk
	if err := findAll(ctx, s.kiosks(), &ks); err != nil {
		return nil, fmt.Errorf("list kiosks: %w", err)
	}
	return ks, nil
}

// UpdateKioskConfig stores what an administrator edits (name, agency, areas,
// counters, idle time, interval), leaving the pairing state alone.
func (s *Store) UpdateKioskConfig(ctx context.Context, k survey.Kiosk) error {
	res, err := s.kiosks().UpdateOne(ctx, bson.D{{Key: "_id", Value: k.ID}}, bson.D{{Key: "$set", Value: bson.D{
		{Key: "name", Value: k.Name}, {Key: "agency", Value: k.Agency}, {Key: "areas", Value: k.Areas},
		{Key: "counters", Value: k.Counters}, {Key: "idle", Value: k.IdleSeconds},
		{Key: "interval", Value: k.MinIntervalSeconds}, {Key: "updatedAt", Value: k.UpdatedAt},
	}}})
	if err != nil {
		return fmt.Errorf("update kiosk: %w", classify(err))
	}
	if res.MatchedCount == 0 {
		return survey.ErrNotFound
	}
	return nil
}

// SetKioskCode makes codeHash the kiosk's only pending pairing code, until
// expires: the previous code, if any, stops working. A revoked kiosk gets no
// code (survey.ErrNotFound); a code already pending is survey.ErrDuplicate.
func (s *Store) SetKioskCode(ctx context.Context, id, codeHash string, expires, now time.Time) error {
	k, err := s.Kiosk(ctx, id)
	if err != nil {
		return err
	}
	if k.Revoked {
		return survey.ErrNotFound
	}
	if _, err := s.kioskCodes().InsertOne(ctx, kioskCode{ID: codeHash, Kiosk: id, ExpiresAt: expires}); err != nil {
		if mongo.IsDuplicateKeyError(err) {
			return survey.ErrDuplicate // the same code is pending elsewhere: draw another
		}
		return fmt.Errorf("insert pairing code: %w", classify(err))
	}
	res, err := s.kiosks().UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "revoked", Value: false}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "codeHash", Value: codeHash}, {Key: "codeExpires", Value: expires}, {Key: "updatedAt", Value: now}}}})
	if err != nil || res.MatchedCount == 0 {
		s.dropCode(ctx, codeHash)
		if err != nil {
			return fmt.Errorf("set pairing code: %w", classify(err))
		}
		return survey.ErrNotFound
	}
	if k.CodeHash != "" && k.CodeHash != codeHash {
		s.dropCode(ctx, k.CodeHash)
	}
	return nil
}

// dropCode deletes a pairing code; a failure leaves a code that its kiosk
// no longer names, which pairing refuses anyway.
func (s *Store) dropCode(ctx context.Context, codeHash string) {
	ctx, cancel := detached(ctx)
	defer cancel()
	if _, err := s.kioskCodes().DeleteOne(ctx, bson.D{{Key: "_id", Value: codeHash}}); err != nil {
		s.log.Warn("kiosk: drop pairing code", "err", err)
	}
}

// PairKiosk uses a pairing code once: the kiosk it was issued for gets the
// credential (its hash credHash), replacing any earlier one, and the code
// stops working. survey.ErrPairingCode when no pending code matches (wrong,
// used, replaced, or the kiosk revoked), survey.ErrPairingExpired when it
// matched past its expiry.
func (s *Store) PairKiosk(ctx context.Context, codeHash, credHash string, now time.Time) (survey.Kiosk, error) {
	var code kioskCode
	err := s.kioskCodes().FindOne(ctx, bson.D{{Key: "_id", Value: codeHash}}).Decode(&code)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return survey.Kiosk{}, survey.ErrPairingCode
	}
	if err != nil {
		return survey.Kiosk{}, fmt.Errorf("read pairing code: %w", classify(err))
	}
	// Claim the code by deleting it: only one caller removes it.
	res, err := s.kioskCodes().DeleteOne(ctx, bson.D{{Key: "_id", Value: codeHash}})
	if err != nil {
		return survey.Kiosk{}, fmt.Errorf("claim pairing code: %w", classify(err))
	}
	if res.DeletedCount == 0 {
		return survey.Kiosk{}, survey.ErrPairingCode
	}
	if !now.Before(code.ExpiresAt) {
		s.clearCode(ctx, code)
		return survey.Kiosk{}, survey.ErrPairingExpired
	}
	up, err := s.kiosks().UpdateOne(ctx,
		bson.D{{Key: "_id", Value: code.Kiosk}, {Key: "revoked", Value: false}, {Key: "codeHash", Value: codeHash}},
		bson.D{
			{Key: "$set", Value: bson.D{{Key: "credHash", Value: credHash}, {Key: "paired", Value: true}, {Key: "pairedAt", Value: now}, {Key: "updatedAt", Value: now}}},
			{Key: "$unset", Value: bson.D{{Key: "codeHash", Value: ""}, {Key: "codeExpires", Value: ""}}},
		})
	if err != nil {
		return survey.Kiosk{}, fmt.Errorf("pair kiosk: %w", classify(err))
	}
	if up.MatchedCount == 0 {
		return survey.Kiosk{}, survey.ErrPairingCode
	}
	return s.Kiosk(ctx, code.Kiosk)
}

// clearCode forgets an expired code on its kiosk, if it is still the
// kiosk's pending one.
func (s *Store) clearCode(ctx context.Context, code kioskCode) {
	ctx, cancel := detached(ctx)
	defer cancel()
	_, err := s.kiosks().UpdateOne(ctx, bson.D{{Key: "_id", Value: code.Kiosk}, {Key: "codeHash", Value: code.ID}},
		bson.D{{Key: "$unset", Value: bson.D{{Key: "codeHash", Value: ""}, {Key: "codeExpires", Value: ""}}}})
	if err != nil {
		s.log.Warn("kiosk: clear expired code", "err", err)
	}
}

// UnpairKiosk ends the kiosk's credential: its tablet must pair again.
func (s *Store) UnpairKiosk(ctx context.Context, id string, now time.Time) error {
	res, err := s.kiosks().UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{
		{Key: "$set", Value: bson.D{{Key: "paired", Value: false}, {Key: "updatedAt", Value: now}}},
		{Key: "$unset", Value: bson.D{{Key: "credHash", Value: ""}}},
	})
	if err != nil {
		return fmt.Errorf("unpair kiosk: %w", classify(err))
	}
	if res.MatchedCount == 0 {
		return survey.ErrNotFound
	}
	return nil
}

// RevokeKiosk retires the kiosk for good: its credential and pending code
// stop working and it can never be paired again. Its ratings stay.
func (s *Store) RevokeKiosk(ctx context.Context, id string, now time.Time) error {
	k, err := s.Kiosk(ctx, id)
	if err != nil {
		return err
	}
	_, err = s.kiosks().UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{
		{Key: "$set", Value: bson.D{{Key: "revoked", Value: true}, {Key: "paired", Value: false}, {Key: "updatedAt", Value: now}}},
		{Key: "$unset", Value: bson.D{{Key: "credHash", Value: ""}, {Key: "codeHash", Value: ""}, {Key: "codeExpires", Value: ""}}},
	})
	if err != nil {
		return fmt.Errorf("revoke kiosk: %w", classify(err))
	}
	if k.CodeHash != "" {
		s.dropCode(ctx, k.CodeHash)
	}
	return nil
}

// ClaimKioskSlot enforces the kiosk's minimum interval between submissions:
// it records now as the kiosk's last submission if the previous one is at
// least interval old, and otherwise returns how long to wait. The check and
// the record are one conditional update, so two submissions racing for one
// slot get it once (atomically on MongoDB; on the embedded database, whose
// updates are not atomic against each other, a rare double is possible and
// harmless).
func (s *Store) ClaimKioskSlot(ctx context.Context, id string, now time.Time, interval time.Duration) (time.Duration, error) {
	res, err := s.kiosks().UpdateOne(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: "lastSubmit", Value: bson.D{{Key: "$lte", Value: now.Add(-interval)}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "lastSubmit", Value: now}}}})
	if err != nil {
		return 0, fmt.Errorf("claim kiosk slot: %w", classify(err))
	}
	if res.MatchedCount == 1 {
		return 0, nil
	}
	k, err := s.Kiosk(ctx, id)
	if err != nil {
		return 0, err
	}
	wait := k.LastSubmit.Add(interval).Sub(now)
	if wait <= 0 {
		wait = time.Second // raced with another claim: try again shortly
	}
	return wait, nil
}

// TouchKiosk records that the kiosk's tablet asked for its configuration.
func (s *Store) TouchKiosk(ctx context.Context, id string, now time.Time) error {
	_, err := s.kiosks().UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: bson.D{{Key: "lastSeen", Value: now}}}})
	if err != nil {
		return fmt.Errorf("touch kiosk: %w", classify(err))
	}
	return nil
}
