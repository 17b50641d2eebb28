package store

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"hailong/survey"
)

// Session is a logged-in browser. Its _id is a hash of the cookie value, so
// a leaked database does not hand out live sessions.
type Session struct {
	ID        string    `bson:"_id"`
	Username  string    `bson:"user"`
	Epoch     int       `bson:"epoch"`
	CreatedAt time.Time `bson:"createdAt"`
	ExpiresAt time.Time `bson:"expiresAt"`
}

// InsertSession stores a new session.
func (s *Store) InsertSession(ctx context.Context, sess Session) error {
	if _, err := s.sessions.InsertOne(ctx, sess); err != nil {
		return fmt.Errorf("insert session: %w", classify(err))
	}
	return nil
}

// Session reads a session by its hashed id, or survey.ErrNotFound.
func (s *Store) Session(ctx context.Context, id string) (Session, error) {
	var sess Session
	if err := s.sessions.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&sess); err != nil {
		return Session{}, classify(err)
	}
	return sess, nil
}

// DeleteSession ends a session.
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	_, err := s.sessions.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
	return classify(err)
}

// APIToken is a bearer token for scripts and other systems; only its hash is
// stored, the token itself is shown once.
type APIToken struct {
	ID        string    `bson:"_id" json:"id"`
	Username  string    `bson:"user" json:"username"`
	Label     string    `bson:"label" json:"label"`
	CreatedAt time.Time `bson:"createdAt" json:"createdAt"`
	Revoked   bool      `bson:"revoked" json:"revoked"`
	// Prefix is the first characters of the token, to recognise it in lists.
	Prefix string `bson:"prefix" json:"prefix"`
}

// InsertToken stores a new token's hash.
func (s *Store) InsertToken(ctx context.Context, t APIToken) error {
	if _, err := s.tokens.InsertOne(ctx, t); err != nil {
		return fmt.Errorf("insert token: %w", classify(err))
	}
	return nil
}

// Token reads a token by its hash.
func (s *Store) Token(ctx context.Context, id string) (APIToken, error) {
	var t APIToken
	if err := s.tokens.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&t); err != nil {
		return APIToken{}, classify(err)
	}
	return t, nil
}

// RevokeToken marks a token revoked; it stops working at once.
func (s *Store) RevokeToken(ctx context.Context, id string) error {
	res, err := s.tokens.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: bson.D{{Key: "revoked", Value: true}}}})
	if err != nil {
		return fmt.Errorf("revoke token: %w", classify(err))
	}
	if res.MatchedCount == 0 {
		return survey.ErrNotFound
	}
	return nil
}

// Tokens lists every token (a small collection).
func (s *Store) Tokens(ctx context.Context) ([]APIToken, error) {
	var ts []APIToken
	if err := findAll(ctx, s.tokens, &ts); err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	return ts, nil
}

// LoginAttempts counts recent failed logins of a user name, to slow guessing.
type LoginAttempts struct {
	Username    string    `bson:"_id"`
	Failures    int       `bson:"failures"`
	LastFailure time.Time `bson:"lastFailure"`
}

// LoginAttempts reads the failure record of a user name (zero if none).
func (s *Store) LoginAttempts(ctx context.Context, username string) (LoginAttempts, error) {
	var a LoginAttempts
	err := s.attempts.FindOne(ctx, bson.D{{Key: "_id", Value: username}}).Decode(&a)
	if err == mongo.ErrNoDocuments {
		return LoginAttempts{Username: username}, nil
	}
	if err != nil {
		return LoginAttempts{}, classify(err)
	}
	return a, nil
}

// SetLoginAttempts stores the failure record; zero failures removes it.
func (s *Store) SetLoginAttempts(ctx context.Context, a LoginAttempts) error {
	filter := bson.D{{Key: "_id", Value: a.Username}}
	if a.Failures == 0 {
		_, err := s.attempts.DeleteOne(ctx, filter)
		return classify(err)
	}
	// Replace, not $inc: one document per user name, last writer wins, and a
	// lost increment only makes the delay a step shorter.
	if _, err := s.attempts.DeleteOne(ctx, filter); err != nil {
		return classify(err)
	}
	if _, err := s.attempts.InsertOne(ctx, a); err != nil && !mongo.IsDuplicateKeyError(err) {
		return classify(err)
	}
	return nil
}
