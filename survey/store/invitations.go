package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"hailong/survey"
)

// Invitations (survey.Invitation) live in invitationShards collections,
// "invitations_0" … "invitations_f", chosen by the first character of the
// short code: FerretDB finds a document by _id by scanning its collection
// (see rollups.go), so each stays a sixteenth of all invitations. The _id is
// the short code, itself derived from the keyed hash of the agency and
// dossier, so issuing is claim-by-insert: a second request for the same
// dossier is a duplicate key, answered by reading the first invitation back,
// unless that one expired unused: it is then renewed in place (a fresh
// link under the same short code, see renewInvitation).
// Whether an invitation was used is decided by the insert of its response
// (survey.InvitationResponseID); the usedAt/useKey fields set afterwards only
// let the link page say so without looking the response up.

const (
	invitationShards = 16
	invitationPrefix = "invitations_"
)

// invitationColl is the collection of the invitation with the code.
func (s *Store) invitationColl(code string) *mongo.Collection {
	i := 0
	if code != "" {
		i = int(code[0]) % invitationShards
	}
	return s.db.Collection(fmt.Sprintf("%s%x", invitationPrefix, i))
}

// Issued is the outcome of one invitation of IssueInvitations.
type Issued struct {
	Invitation survey.Invitation
	// Created is false when the dossier already had this invitation.
	Created bool
}

// IssueInvitations stores invitations, each under the first of its candidate
// codes (survey.InvitationCodes) that is free or already holds the same
// dossier's invitation; in the second case the stored invitation is returned
// unchanged. Each invitation is stored or found on its own: on an error some
// may be stored, and a retry of the same request returns them. Inserts are
// batched per collection.
func (s *Store) IssueInvitations(ctx context.Context, invs []survey.Invitation, candidates [][]string) ([]Issued, error) {
	out := make([]Issued, len(invs))
	pos := make([]int, len(invs)) // the candidate each invitation tries
	todo := make([]int, len(invs))
	for i := range todo {
		todo[i] = i
	}
	for tries := 0; len(todo) > 0; tries++ {
		if tries > 2*3 {
			return out, fmt.Errorf("issue invitations: codes keep changing under us")
		}
		byColl := map[string][]int{}
		for _, i := range todo {
			if pos[i] >= len(candidates[i]) {
				return out, fmt.Errorf("issue invitation: every candidate code is taken by another dossier")
			}
			invs[i].Code = candidates[i][pos[i]]
			name := s.invitationColl(invs[i].Code).Name()
			byColl[name] = append(byColl[name], i)
		}
		var again []int
		for name, idx := range byColl {
			dups, err := s.insertInvitations(ctx, s.db.Collection(name), invs, idx)
			if err != nil {
				return out, err
			}
			for _, i := range idx {
				if !dups[i] {
					out[i] = Issued{Invitation: invs[i], Created: true}
					s.countIssued(ctx, invs[i])
					continue
				}
				prev, err := s.Invitation(ctx, invs[i].Code)
				switch {
				case errors.Is(err, survey.ErrNotFound):
					again = append(again, i) // removed meanwhile: try the same code again
				case err != nil:
					return out, err
				case prev.Dossier == invs[i].Dossier && prev.Expired(invs[i].IssuedAt):
					renewed, err := s.renewInvitation(ctx, prev, invs[i])
					if err != nil {
						return out, err
					}
					if !renewed {
						again = append(again, i) // renewed or used meanwhile: read it again
						continue
					}
					out[i] = Issued{Invitation: invs[i], Created: true}
					s.countIssued(ctx, invs[i])
				case prev.Dossier == invs[i].Dossier:
					out[i] = Issued{Invitation: prev}
				default:
					pos[i]++ // the code names another dossier: the next candidate
					again = append(again, i)
				}
			}
		}
		todo = again
	}
	return out, nil
}

// insertInvitations inserts the invitations at idx into one collection and
// returns which were duplicates of an existing code.
func (s *Store) insertInvitations(ctx context.Context, coll *mongo.Collection, invs []survey.Invitation, idx []int) (map[int]bool, error) {
	docs := make([]any, len(idx))
	for k, i := range idx {
		docs[k] = invs[i]
	}
	dups := map[int]bool{}
	_, err := coll.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	if err == nil {
		return dups, nil
	}
	var bwe mongo.BulkWriteException
	if !errors.As(err, &bwe) || bwe.WriteConcernError != nil || len(bwe.WriteErrors) == 0 {
		return nil, fmt.Errorf("issue invitations: %w", classify(err))
	}
	for _, we := range bwe.WriteErrors {
		if !we.HasErrorCode(11000) {
			return nil, fmt.Errorf("issue invitation: %w", classify(we))
		}
		dups[idx[we.Index]] = true
	}
	return dups, nil
}

// Invitation reads an invitation by its short code, or survey.ErrNotFound.
func (s *Store) Invitation(ctx context.Context, code string) (survey.Invitation, error) {
	if _, ok := survey.NormalizeCode(code); !ok || strings.ToUpper(code) != code {
		return survey.Invitation{}, survey.ErrNotFound
	}
	var inv survey.Invitation
	if err := s.invitationColl(code).FindOne(ctx, docD("_id", code)).Decode(&inv); err != nil {
		return survey.Invitation{}, classify(err)
	}
	return inv, nil
}

// MarkInvitationUsed records that the form with the key was stored through
// the invitation. Only the request whose response insert succeeded (or a
// retry of it) calls it.
//
// The first call counts the use in the month of at (a retry, finding the
// use set, counts nothing); should the invitation have been counted
// expired meanwhile (its response stored just before the expiry, the mark
// after the sweep), that expiry is taken back.
func (s *Store) MarkInvitationUsed(ctx context.Context, code, key string, at time.Time) error {
	before, first, err := s.markUsedOnce(ctx, code, key, at)
	if err != nil || !first {
		return err
	}
	if err := s.incInvitationCount(ctx, before.Agency, before.Area, survey.MonthOf(at), "used", 1); err != nil {
		return err
	}
	if before.ExpiryCounted {
		return s.incInvitationCount(ctx, before.Agency, before.Area, survey.MonthOf(before.ExpiresAt), "expired", -1)
	}
	return nil
}

// renewInvitation gives a dossier whose invitation expired unused a fresh
// one under the same code: the old one is counted expired first (if the
// sweep has not yet), then replaced by inv, unless another request renewed
// it or a response used it meanwhile (renewed is then false). Old signed
// links keep their old expiry, so they stay expired; the short link and
// printed slip lead to the fresh one.
func (s *Store) renewInvitation(ctx context.Context, prev, inv survey.Invitation) (renewed bool, err error) {
	if _, err := s.countExpiry(ctx, prev, inv.IssuedAt); err != nil {
		return false, err
	}
	res, err := s.invitationColl(prev.Code).UpdateOne(ctx,
		docD("_id", prev.Code, "dossier", prev.Dossier, "useKey", docD("$exists", false), "expiryCounted", true, "expiresAt", prev.ExpiresAt),
		docD("$set", docD("area", inv.Area, "procedure", inv.Procedure, "issuedAt", inv.IssuedAt, "expiresAt", inv.ExpiresAt, "issuedBy", inv.IssuedBy),
			"$unset", docD("expiryCounted", "")))
	if err != nil {
		return false, fmt.Errorf("renew invitation: %w", classify(err))
	}
	return res.ModifiedCount == 1, nil
}
