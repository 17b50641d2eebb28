package store

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

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
	// Kind says who made it: TokenLogin, a user for itself with its
	// password; TokenIssued, an administrator (integration keys).
	Kind string `bson:"kind,omitempty" json:"kind,omitempty"`
	// ExpiresAt ends the token; zero means it lasts until revoked (issued
	// tokens only).
	ExpiresAt time.Time `bson:"expiresAt,omitempty" json:"expiresAt,omitzero"`
	// Epoch is the user's epoch when the token was made (survey.User.Epoch):
	// a password reset, disablement or role change moves the user's epoch
	// on, and every token of an older epoch stops working.
	Epoch int `bson:"epoch" json:"-"`
}

// Kinds of API token.
const (
	TokenLogin  = "login"  // POST /api/v1/auth/token: expires, dies with the password
	TokenIssued = "issued" // issued by an administrator: lasts until revoked
)

// Live reports whether the token may be used at now by its user u: not
// revoked, not expired, and made in the user's current epoch.
func (t APIToken) Live(u survey.User, now time.Time) bool {
	return !t.Revoked && !u.Disabled && t.Username == u.Username && t.Epoch == u.Epoch &&
		(t.ExpiresAt.IsZero() || now.Before(t.ExpiresAt))
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
