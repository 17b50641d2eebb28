package store

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"hailong/survey"
)

// Kiosks live in "kiosks" (a small collection, one document per tablet,
// read by _id or whole). A pending pairing code lives in "kiosk_codes" under
// _id = the keyed hash of its locator (its first half), so pairing finds it
// by _id without scanning, counts each try against it (kiosk_code_tries.go),
// and claims it by deleting it: of two tablets typing the same code at once,
// only the one whose delete removed the document pairs.

func (s *Store) kiosks() *mongo.Collection     { return s.db.Collection("kiosks") }
func (s *Store) kioskCodes() *mongo.Collection { return s.db.Collection("kiosk_codes") }

// PairingCodeHash is how a pairing code is kept and looked up: Locator, a
// keyed hash of its first half (survey.PairingLocator), names the pending
// code; Secret, a keyed hash of the whole code, is what a try must match.
type PairingCodeHash struct {
	Locator, Secret string
}

// kioskCode is a pending pairing code.
type kioskCode struct {
	ID        string    `bson:"_id"`    // keyed hash of the code's locator
	Secret    string    `bson:"secret"` // keyed hash of the whole code
	Kiosk     string    `bson:"kiosk"`
	ExpiresAt time.Time `bson:"expiresAt"`
	// Nonce tells this issue of the code from an earlier one with the same
	// locator, so tries counted against that one never count against it.
	Nonce string `bson:"nonce"`
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

// SetKioskCode makes code the kiosk's only pending pairing code, until
// expires: the previous code, if any, stops working. A revoked kiosk gets no
// code (survey.ErrNotFound); a code whose locator is already pending is
// survey.ErrDuplicate (draw another).
func (s *Store) SetKioskCode(ctx context.Context, id string, code PairingCodeHash, expires, now time.Time) error {
	codeHash := code.Locator
	k, err := s.Kiosk(ctx, id)
	if err != nil {
		return err
	}
	if k.Revoked {
		return survey.ErrNotFound
	}
	doc := kioskCode{ID: codeHash, Secret: code.Secret, Kiosk: id, ExpiresAt: expires, Nonce: newNonce()}
	if _, err := s.kioskCodes().InsertOne(ctx, doc); err != nil {
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

// dropCode deletes a pairing code and the count of its tries; a failure
// leaves a code that its kiosk no longer names, which pairing refuses anyway.
func (s *Store) dropCode(ctx context.Context, codeHash string) {
	ctx, cancel := detached(ctx)
	defer cancel()
	var code kioskCode
	if err := s.kioskCodes().FindOne(ctx, bson.D{{Key: "_id", Value: codeHash}}).Decode(&code); err != nil {
		if !errors.Is(err, mongo.ErrNoDocuments) {
			s.log.Warn("kiosk: read pairing code", "err", err)
		}
		return
	}
	if _, err := s.kioskCodes().DeleteOne(ctx, bson.D{{Key: "_id", Value: codeHash}}); err != nil {
		s.log.Warn("kiosk: drop pairing code", "err", err)
	}
	s.dropTries(ctx, code)
}

// PairKiosk uses a pairing code once: the kiosk it was issued for gets the
// credential (its hash credHash), replacing any earlier one, and the code
// stops working. survey.ErrPairingCode when no pending code matches (wrong,
// used, replaced, or the kiosk revoked), survey.ErrPairingExpired when it
// matched past its expiry, survey.ErrPairingLocked (with the kiosk's id)
// when the try burnt the code or found it burnt: a code answers
// survey.PairingCodeMaxTries tries.
func (s *Store) PairKiosk(ctx context.Context, try PairingCodeHash, credHash string, now time.Time) (survey.Kiosk, error) {
	codeHash := try.Locator
	var code kioskCode
	err := s.kioskCodes().FindOne(ctx, bson.D{{Key: "_id", Value: codeHash}}).Decode(&code)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return survey.Kiosk{}, survey.ErrPairingCode
	}
	if err != nil {
		return survey.Kiosk{}, fmt.Errorf("read pairing code: %w", classify(err))
	}
	// Every try takes one of the code's numbered tries before it is checked.
	n, err := s.claimTry(ctx, code)
	if err != nil {
		return survey.Kiosk{}, err
	}
	right := subtle.ConstantTimeCompare([]byte(try.Secret), []byte(code.Secret)) == 1
	switch {
	case n == 0: // every try taken: burnt, or being burnt by the last one
		return survey.Kiosk{ID: code.Kiosk}, survey.ErrPairingLocked
	case !right && n == survey.PairingCodeMaxTries:
		s.burnCode(ctx, code)
		return survey.Kiosk{ID: code.Kiosk}, survey.ErrPairingLocked
	case !right:
		return survey.Kiosk{}, survey.ErrPairingCode
	}
	defer s.dropTries(ctx, code)
	// Claim the code by deleting it: only one caller removes it.
	res, err := s.kioskCodes().DeleteOne(ctx, bson.D{{Key: "_id", Value: codeHash}, {Key: "nonce", Value: code.Nonce}})
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

// clearCode forgets an ended code (expired or burnt) on its kiosk, if it is
// still the kiosk's pending one.
func (s *Store) clearCode(ctx context.Context, code kioskCode) {
	ctx, cancel := detached(ctx)
	defer cancel()
	_, err := s.kiosks().UpdateOne(ctx, bson.D{{Key: "_id", Value: code.Kiosk}, {Key: "codeHash", Value: code.ID}},
		bson.D{{Key: "$unset", Value: bson.D{{Key: "codeHash", Value: ""}, {Key: "codeExpires", Value: ""}}}})
	if err != nil {
		s.log.Warn("kiosk: clear ended code", "err", err)
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
