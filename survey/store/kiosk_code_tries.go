package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"hailong/survey"
)

// The tries made against a pending pairing code are counted by claim-by-
// insert in "kiosk_code_tries": try n of a code is the document
// "<locator hash>|<nonce>|<n>", n from 1 to survey.PairingCodeMaxTries, and
// a try takes the first number whose insert succeeds. A duplicate _id is
// refused reliably on MongoDB and on the embedded FerretDB alike, so
// concurrent tries, from any number of processes, each get a different
// number and none is lost (an $inc counter on the code would lose some on
// FerretDB: DESIGN.md §2).

func (s *Store) kioskCodeTries() *mongo.Collection { return s.db.Collection("kiosk_code_tries") }

// tryID is the _id of the code's n-th try.
func tryID(code kioskCode, n int) string {
	return code.ID + "|" + code.Nonce + "|" + strconv.Itoa(n)
}

// claimTry takes the next of the code's tries and returns its number, from 1
// to survey.PairingCodeMaxTries, or 0 when every try is taken.
func (s *Store) claimTry(ctx context.Context, code kioskCode) (int, error) {
	for n := 1; n <= survey.PairingCodeMaxTries; n++ {
		_, err := s.kioskCodeTries().InsertOne(ctx, bson.D{{Key: "_id", Value: tryID(code, n)}})
		if err == nil {
			return n, nil
		}
		if !mongo.IsDuplicateKeyError(err) {
			return 0, fmt.Errorf("count pairing try: %w", classify(err))
		}
	}
	return 0, nil
}

// burnCode ends a code whose tries are used up: it is deleted, and its kiosk
// no longer names it. Its tries are kept (survey.PairingCodeMaxTries small
// documents), so a try still in flight, which read the code before it was
// deleted, finds none left; and a failure here leaves a code that refuses
// every try.
func (s *Store) burnCode(ctx context.Context, code kioskCode) {
	ctx, cancel := detached(ctx)
	defer cancel()
	if _, err := s.kioskCodes().DeleteOne(ctx, bson.D{{Key: "_id", Value: code.ID}, {Key: "nonce", Value: code.Nonce}}); err != nil {
		s.log.Warn("kiosk: burn pairing code", "err", err)
		return
	}
	s.clearCode(ctx, code)
}

// dropTries forgets the tries counted against a code that no longer exists.
// A failure leaves small documents that no later code counts (each issue of
// a code has its own nonce).
func (s *Store) dropTries(ctx context.Context, code kioskCode) {
	ctx, cancel := detached(ctx)
	defer cancel()
	for n := 1; n <= survey.PairingCodeMaxTries; n++ {
		if _, err := s.kioskCodeTries().DeleteOne(ctx, bson.D{{Key: "_id", Value: tryID(code, n)}}); err != nil {
			s.log.Warn("kiosk: drop pairing tries", "err", err)
			return
		}
	}
}

// newNonce returns 16 random bytes in hex.
func newNonce() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
