package store

import "context"

// DropInvitationCounts drops the invitations' counts, as in a data folder
// from before they existed (for the backfill's test).
func DropInvitationCounts(ctx context.Context, s *Store) error {
	return s.db.Collection(invitationCountsColl).Drop(ctx)
}
