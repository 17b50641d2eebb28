package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"hailong/survey"
)

// invitationCountsColl holds the invitations' counts (survey.InvitationCount):
// one small document per agency, area and month, "agency|area|YYYY-MM",
// with $inc counters issued, used and expired. Each event is counted once:
//   - issued when IssueInvitations creates (or renews) an invitation;
//   - used when MarkInvitationUsed first sets the invitation's useKey (a
//     retry finds it set and counts nothing);
//   - expired by SweepInvitations, which first marks the unused expired
//     invitation expiryCounted and counts it only when that mark changed
//     the document (a crash between the two loses the count rather than
//     doubling it).
//
// The document "~backfill" records that the counts of the invitations
// issued before the counts existed were added (BackfillInvitationCounts).
const invitationCountsColl = "invitation_counts"

const backfillMarker = "~backfill"

func countKey(agency, area string, m survey.Month) string {
	return agency + "|" + area + "|" + m.String()
}

// incInvitationCount adds to one month's counters (field is issued, used or
// expired).
func (s *Store) incInvitationCount(ctx context.Context, agency, area string, m survey.Month, field string, n int) error {
	coll := s.db.Collection(invitationCountsColl)
	filter := docD("_id", countKey(agency, area, m))
	update := docD("$inc", docD(field, n), "$setOnInsert", docD("agency", agency, "area", area, "month", m.String()))
	var err error
	for try := 0; try < 3; try++ {
		_, err = coll.UpdateOne(ctx, filter, update, options.UpdateOne().SetUpsert(true))
		if err == nil || !mongo.IsDuplicateKeyError(err) {
			break // two upserts of a new month race: the loser tries again
		}
	}
	if err != nil {
		return fmt.Errorf("count invitation %s: %w", field, classify(err))
	}
	return nil
}

// countIssued counts a created invitation; a failure is logged (the
// invitation is issued already).
func (s *Store) countIssued(ctx context.Context, inv survey.Invitation) {
	if err := s.incInvitationCount(ctx, inv.Agency, inv.Area, survey.MonthOf(inv.IssuedAt), "issued", 1); err != nil {
		s.log.Error("invitation counts", "err", err)
	}
}

// InvitationCounts reads the counts of the months from through to
// (inclusive), in no particular order.
func (s *Store) InvitationCounts(ctx context.Context, from, to survey.Month) ([]survey.InvitationCount, error) {
	filter := docD("agency", docD("$exists", true), "month", docD("$gte", from.String(), "$lte", to.String()))
	cur, err := s.db.Collection(invitationCountsColl).Find(ctx, filter)
	if err != nil {
		return nil, fmt.Errorf("read invitation counts: %w", classify(err))
	}
	var out []survey.InvitationCount
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("read invitation counts: %w", classify(err))
	}
	return out, nil
}

// countExpiry counts an unused expired invitation as expired, once: it
// marks it expiryCounted and counts it when the mark was new.
func (s *Store) countExpiry(ctx context.Context, inv survey.Invitation, now time.Time) (bool, error) {
	res, err := s.invitationColl(inv.Code).UpdateOne(ctx,
		docD("_id", inv.Code, "useKey", docD("$exists", false), "expiryCounted", docD("$exists", false), "expiresAt", docD("$lte", now)),
		docD("$set", docD("expiryCounted", true)))
	if err != nil {
		return false, fmt.Errorf("count expired invitation: %w", classify(err))
	}
	if res.ModifiedCount == 0 {
		return false, nil
	}
	return true, s.incInvitationCount(ctx, inv.Agency, inv.Area, survey.MonthOf(inv.ExpiresAt), "expired", 1)
}

// SweepResult is what one SweepInvitations did.
type SweepResult struct {
	Expired int // newly counted expired
	Deleted int // expired invitations deleted after the retention
}

// SweepInvitations counts every invitation that expired unused by now and
// is not counted yet, then deletes the counted ones whose expiry is older
// than retention (none when retention is zero or less). It is idempotent:
// a second sweep counts and deletes nothing more. The server runs it at
// start and every hour (server.StartInvitationSweep).
func (s *Store) SweepInvitations(ctx context.Context, now time.Time, retention time.Duration) (SweepResult, error) {
	var out SweepResult
	for i := 0; i < invitationShards; i++ {
		coll := s.db.Collection(fmt.Sprintf("%s%x", invitationPrefix, i))
		filter := docD("useKey", docD("$exists", false), "expiryCounted", docD("$exists", false), "expiresAt", docD("$lte", now))
		cur, err := coll.Find(ctx, filter, options.Find().SetProjection(docD("_id", 1, "agency", 1, "area", 1, "expiresAt", 1)))
		if err != nil {
			return out, fmt.Errorf("sweep invitations: %w", classify(err))
		}
		var invs []survey.Invitation
		if err := cur.All(ctx, &invs); err != nil {
			return out, fmt.Errorf("sweep invitations: %w", classify(err))
		}
		for _, inv := range invs {
			counted, err := s.countExpiry(ctx, inv, now)
			if err != nil {
				return out, err
			}
			if counted {
				out.Expired++
			}
		}
		if retention <= 0 {
			continue
		}
		res, err := coll.DeleteMany(ctx, docD("useKey", docD("$exists", false), "expiryCounted", true, "expiresAt", docD("$lt", now.Add(-retention))))
		if err != nil {
			return out, fmt.Errorf("delete expired invitations: %w", classify(err))
		}
		out.Deleted += int(res.DeletedCount)
	}
	return out, nil
}

// BackfillInvitationCounts adds, once per database, the issued and used
// counts of the invitations stored before the counts existed (an old data
// folder): the invitations issued, and used, before now. The marker is
// claimed first, so of two instances starting together one backfills; the
// server calls it before it serves, so every later event is counted as it
// happens. Expiries are left to SweepInvitations, which counts every
// uncounted one. It reports whether it backfilled.
func (s *Store) BackfillInvitationCounts(ctx context.Context, now time.Time) (bool, error) {
	coll := s.db.Collection(invitationCountsColl)
	if _, err := coll.InsertOne(ctx, docD("_id", backfillMarker, "at", now)); err != nil {
		if mongo.IsDuplicateKeyError(err) {
			return false, nil
		}
		return false, fmt.Errorf("backfill invitation counts: %w", classify(err))
	}
	type key struct {
		agency, area string
		m            survey.Month
	}
	sums := map[key]*survey.InvitationTally{}
	at := func(agency, area string, t time.Time) *survey.InvitationTally {
		k := key{agency, area, survey.MonthOf(t)}
		if sums[k] == nil {
			sums[k] = &survey.InvitationTally{}
		}
		return sums[k]
	}
	for i := 0; i < invitationShards; i++ {
		c := s.db.Collection(fmt.Sprintf("%s%x", invitationPrefix, i))
		cur, err := c.Find(ctx, docD("issuedAt", docD("$lt", now)),
			options.Find().SetProjection(docD("_id", 1, "agency", 1, "area", 1, "issuedAt", 1, "usedAt", 1, "useKey", 1)))
		if err != nil {
			return true, fmt.Errorf("backfill invitation counts: %w", classify(err))
		}
		for cur.Next(ctx) {
			var inv survey.Invitation
			if err := cur.Decode(&inv); err != nil {
				cur.Close(ctx)
				return true, fmt.Errorf("backfill invitation counts: %w", err)
			}
			at(inv.Agency, inv.Area, inv.IssuedAt).Issued++
			if inv.Used() && inv.UsedAt.Before(now) {
				at(inv.Agency, inv.Area, inv.UsedAt).Used++
			}
		}
		err = cur.Err()
		cur.Close(ctx)
		if err != nil {
			return true, fmt.Errorf("backfill invitation counts: %w", classify(err))
		}
	}
	for k, t := range sums {
		for _, f := range []struct {
			name string
			n    int
		}{{"issued", t.Issued}, {"used", t.Used}} {
			if f.n == 0 {
				continue
			}
			if err := s.incInvitationCount(ctx, k.agency, k.area, k.m, f.name, f.n); err != nil {
				return true, err
			}
		}
	}
	return true, nil
}

// markUsedOnce sets the invitation's use once and counts it: it returns the
// invitation as it was before, or ok false when its use was set already.
func (s *Store) markUsedOnce(ctx context.Context, code, key string, at time.Time) (survey.Invitation, bool, error) {
	var before survey.Invitation
	err := s.invitationColl(code).FindOneAndUpdate(ctx,
		docD("_id", code, "useKey", docD("$exists", false)),
		docD("$set", docD("usedAt", at, "useKey", key), "$unset", docD("expiryCounted", "")),
		options.FindOneAndUpdate().SetReturnDocument(options.Before)).Decode(&before)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return survey.Invitation{}, false, nil
	}
	if err != nil {
		return survey.Invitation{}, false, fmt.Errorf("mark invitation used: %w", classify(err))
	}
	return before, true, nil
}
