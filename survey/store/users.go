package store

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"hailong/survey"
)

// User reads a staff account by user name, or survey.ErrNotFound.
func (s *Store) User(ctx context.Context, username string) (survey.User, error) {
	var u survey.User
	if err := s.users.FindOne(ctx, bson.D{{Key: "_id", Value: username}}).Decode(&u); err != nil {
		return survey.User{}, classify(err)
	}
	return u, nil
}

// InsertUser creates an account; survey.ErrDuplicate when the name is taken.
func (s *Store) InsertUser(ctx context.Context, u survey.User) error {
	if _, err := s.users.InsertOne(ctx, u); err != nil {
		if mongo.IsDuplicateKeyError(err) {
			return survey.ErrDuplicate
		}
		return fmt.Errorf("insert user: %w", classify(err))
	}
	return nil
}

// ReplaceUser stores a changed account.
func (s *Store) ReplaceUser(ctx context.Context, u survey.User) error {
	res, err := s.users.ReplaceOne(ctx, bson.D{{Key: "_id", Value: u.Username}}, u)
	if err != nil {
		return fmt.Errorf("replace user: %w", classify(err))
	}
	if res.MatchedCount == 0 {
		return survey.ErrNotFound
	}
	return nil
}

// Users lists every account (a small collection), by user name.
func (s *Store) Users(ctx context.Context) ([]survey.User, error) {
	var us []survey.User
	if err := findAll(ctx, s.users, &us); err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return us, nil
}
