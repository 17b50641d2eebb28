package store

import (
	"context"
	"crypto/rand"
	"fmt"
	"strconv"
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

// RotateInvitationKey is the administration's key rotation, the one path
// for its page, its API and the command line: it adds the next key, which
// signs from activation after now on (older keys keep verifying until
// retired), and audits it as actor with the key's activeFrom. It returns
// survey.ErrConflict when another rotation took the same number at the
// same time.
func (s *Store) RotateInvitationKey(ctx context.Context, now time.Time, activation time.Duration, actor string) (survey.SigningKey, error) {
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
	k, err := newSigningKey(next, now, now.Add(activation), actor)
	if err != nil {
		return survey.SigningKey{}, err
	}
	if _, err := s.db.Collection(invitationKeysColl).InsertOne(ctx, k); err != nil {
		if mongo.IsDuplicateKeyError(err) {
			return survey.SigningKey{}, survey.ErrConflict
		}
		return survey.SigningKey{}, fmt.Errorf("rotate invitation key: %w", classify(err))
	}
	s.auditKey(ctx, now, actor, "invitation_key_rotate", k.ID, map[string]any{"activeFrom": k.ActiveFrom})
	return k, nil
}

// RetireInvitationKey is the administration's key retirement, the one path
// for its page, its API and the command line: it stops key id from
// verifying, unless it is the only key that signs (survey.CheckRetireKey
// then returns survey.FieldErrors), and audits it as actor. It returns
// survey.ErrNotFound when there is no such key.
func (s *Store) RetireInvitationKey(ctx context.Context, id int, now time.Time, actor string) error {
	ks, err := s.InvitationKeys(ctx)
	if err != nil {
		return err
	}
	if err := survey.CheckRetireKey(ks, id, now); err != nil {
		return err
	}
	res, err := s.db.Collection(invitationKeysColl).UpdateOne(ctx, docD("_id", id), docD("$set", docD("retiredAt", now)))
	if err != nil {
		return fmt.Errorf("retire invitation key: %w", classify(err))
	}
	if res.MatchedCount == 0 {
		return survey.ErrNotFound
	}
	s.auditKey(ctx, now, actor, "invitation_key_retire", id, nil)
	return nil
}

// auditKey records a change of key id. The change is made already, so a
// failed audit write is logged rather than returned.
func (s *Store) auditKey(ctx context.Context, now time.Time, actor, action string, id int, after any) {
	e := survey.NewAuditEntry(now, actor, action, "key "+strconv.Itoa(id), nil, after)
	if err := s.AppendAudit(ctx, e); err != nil {
		s.log.Error("audit", "action", action, "err", err)
	}
}

func newSigningKey(id int, now, activeFrom time.Time, by string) (survey.SigningKey, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return survey.SigningKey{}, fmt.Errorf("generate invitation key: %w", err)
	}
	return survey.SigningKey{ID: id, Key: key, CreatedAt: now, ActiveFrom: activeFrom, CreatedBy: by}, nil
}
