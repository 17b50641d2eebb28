package store

import (
	"context"
	"crypto/rand"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"hailong/survey"
)

// invitationKeysColl holds the keys that sign invitation tokens
// (survey.SigningKey): a handful of small documents, read whole.
const invitationKeysColl = "invitation_keys"

// InvitationKeys reads every signing key, retired ones included.
func (s *Store) InvitationKeys(ctx context.Context) ([]survey.SigningKey, error) {
	var ks []survey.SigningKey
	if err := findAll(ctx, s.db.Collection(invitationKeysColl), &ks); err != nil {
		return nil, fmt.Errorf("read invitation keys: %w", err)
	}
	return ks, nil
}

// EnsureInvitationKey creates key 1, active at once, when there is no key
// yet. Claim-by-insert keeps two instances starting together from making two.
func (s *Store) EnsureInvitationKey(ctx context.Context, now time.Time) error {
	ks, err := s.InvitationKeys(ctx)
	if err != nil || len(ks) > 0 {
		return err
	}
	k, err := newSigningKey(1, now, now, "")
	if err != nil {
		return err
	}
	if _, err := s.db.Collection(invitationKeysColl).InsertOne(ctx, k); err != nil && !mongo.IsDuplicateKeyError(err) {
		return fmt.Errorf("create invitation key: %w", classify(err))
	}
	return nil
}

// RotateInvitationKey adds the next key, signing from activeFrom on; older
// keys keep verifying until retired. survey.ErrConflict when another rotation
// took the same number at the same time.
func (s *Store) RotateInvitationKey(ctx context.Context, now, activeFrom time.Time, by string) (survey.SigningKey, error) {
	ks, err := s.InvitationKeys(ctx)
	if err != nil {
		return survey.SigningKey{}, err
	}
	next := 1
	for _, k := range ks {
		next = max(next, k.ID+1)
	}
	if next > 0xffff {
		return survey.SigningKey{}, fmt.Errorf("invitation keys: numbers used up")
	}
	k, err := newSigningKey(next, now, activeFrom, by)
	if err != nil {
		return survey.SigningKey{}, err
	}
	if _, err := s.db.Collection(invitationKeysColl).InsertOne(ctx, k); err != nil {
		if mongo.IsDuplicateKeyError(err) {
			return survey.SigningKey{}, survey.ErrConflict
		}
		return survey.SigningKey{}, fmt.Errorf("rotate invitation key: %w", classify(err))
	}
	return k, nil
}

// RetireInvitationKey stops a key from verifying; survey.ErrNotFound when
// there is no such key. Whether it may be retired is the caller's rule
// (survey.CheckRetireKey).
func (s *Store) RetireInvitationKey(ctx context.Context, id int, at time.Time) error {
	res, err := s.db.Collection(invitationKeysColl).UpdateOne(ctx, docD("_id", id), docD("$set", docD("retiredAt", at)))
	if err != nil {
		return fmt.Errorf("retire invitation key: %w", classify(err))
	}
	if res.MatchedCount == 0 {
		return survey.ErrNotFound
	}
	return nil
}

func newSigningKey(id int, now, activeFrom time.Time, by string) (survey.SigningKey, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return survey.SigningKey{}, fmt.Errorf("generate invitation key: %w", err)
	}
	return survey.SigningKey{ID: id, Key: key, CreatedAt: now, ActiveFrom: activeFrom, CreatedBy: by}, nil
}
