package store

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"hailong/survey"
)

// Questionnaire versions live in "forms", one document per version with
// _id "<id>@<version>" (claim-by-insert: two administrators creating the same
// version cannot both succeed). Which version applies to an area lives in
// "form_assignments", one document per area (_id = area code, or "*" for the
// default) holding that area's whole timeline, written by _id only.

// assignmentsCollection names the collection of assignment timelines.
const assignmentsCollection = "form_assignments"

func (s *Store) assignmentsColl() *mongo.Collection { return s.db.Collection(assignmentsCollection) }

// assignmentDoc is an area's timeline of assignments.
type assignmentDoc struct {
	Area    string              `bson:"_id"`
	Entries []survey.Assignment `bson:"entries"`
}

// Forms reads every questionnaire version, drafts included (a small
// collection), in _id order.
func (s *Store) Forms(ctx context.Context) ([]survey.Form, error) {
	var fs []survey.Form
	if err := findAll(ctx, s.forms, &fs); err != nil {
		return nil, fmt.Errorf("list forms: %w", err)
	}
	return fs, nil
}

// Form reads one version of a questionnaire, or survey.ErrNotFound.
func (s *Store) Form(ctx context.Context, id string, version int) (survey.Form, error) {
	var f survey.Form
	err := s.forms.FindOne(ctx, bson.D{{Key: "_id", Value: survey.FormKey(id, version)}}).Decode(&f)
	if err != nil {
		return survey.Form{}, classify(err)
	}
	return f, nil
}

// InsertForm stores a new questionnaire version; survey.ErrDuplicate when
// that version of the form exists already.
func (s *Store) InsertForm(ctx context.Context, f survey.Form) error {
	defer s.InvalidateCatalog()
	f.Key = survey.FormKey(f.ID, f.Version)
	return insertNew(ctx, s.forms, f)
}

// ReplaceDraft stores a changed draft (or a draft being published): only
// while the stored version is not published, else survey.ErrPublished;
// survey.ErrNotFound when there is no such version. The replace is
// conditional on the stored version still being a draft, so a publication
// between the check and the write is not undone.
func (s *Store) ReplaceDraft(ctx context.Context, f survey.Form) error {
	defer s.InvalidateCatalog()
	s.draftMu.Lock()
	defer s.draftMu.Unlock()
	f.Key = survey.FormKey(f.ID, f.Version)
	cur, err := s.Form(ctx, f.ID, f.Version)
	if err != nil {
		return err
	}
	if cur.Published {
		return survey.ErrPublished
	}
	res, err := s.forms.ReplaceOne(ctx, bson.D{{Key: "_id", Value: f.Key}, {Key: "published", Value: false}}, f)
	if err != nil {
		return fmt.Errorf("replace form %s: %w", f.Key, classify(err))
	}
	if res.MatchedCount == 0 {
		// Published (or deleted) since the read.
		if _, err := s.Form(ctx, f.ID, f.Version); errors.Is(err, survey.ErrNotFound) {
			return err
		}
		return survey.ErrPublished
	}
	return nil
}

// Assignments reads every area's timeline (a small collection), flattened.
func (s *Store) Assignments(ctx context.Context) ([]survey.Assignment, error) {
	var docs []assignmentDoc
	if err := findAll(ctx, s.assignmentsColl(), &docs); err != nil {
		return nil, fmt.Errorf("load form assignments: %w", err)
	}
	var out []survey.Assignment
	for _, d := range docs {
		for _, e := range d.Entries {
			e.Area = d.Area
			out = append(out, e)
		}
	}
	return out, nil
}

// AreaAssignments reads one area's timeline (by _id), oldest first; empty
// when the area has none.
func (s *Store) AreaAssignments(ctx context.Context, area string) ([]survey.Assignment, error) {
	var d assignmentDoc
	err := s.assignmentsColl().FindOne(ctx, bson.D{{Key: "_id", Value: area}}).Decode(&d)
	if err != nil {
		if err = classify(err); errors.Is(err, survey.ErrNotFound) {
			return nil, nil
		}
		return nil, fmt.Errorf("read form assignments of %s: %w", area, err)
	}
	for i := range d.Entries {
		d.Entries[i].Area = area
	}
	return survey.AreaAssignments(d.Entries, area), nil
}

// SetAssignment stores an area's whole timeline: replace by _id, or insert
// when the area has none yet (claim-by-insert; a concurrent first insert is
// followed by a replace, so the last writer wins).
func (s *Store) SetAssignment(ctx context.Context, area string, timeline []survey.Assignment) error {
	defer s.InvalidateCatalog()
	doc := assignmentDoc{Area: area, Entries: make([]survey.Assignment, 0, len(timeline))}
	doc.Entries = append(doc.Entries, survey.AreaAssignments(timeline, area)...)
	coll := s.assignmentsColl()
	for range 2 {
		err := replaceByID(ctx, coll, area, doc)
		if !errors.Is(err, survey.ErrNotFound) {
			if err != nil {
				return fmt.Errorf("set form assignments of %s: %w", area, err)
			}
			return nil
		}
		err = insertNew(ctx, coll, doc)
		if !errors.Is(err, survey.ErrDuplicate) {
			return err
		}
	}
	return fmt.Errorf("set form assignments of %s: %w", area, survey.ErrConflict)
}
