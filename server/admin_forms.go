package server

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"hailong/survey"
)

// The operations below are shared by the pages and the JSON API: they apply
// the domain rules, write, and record the change in the audit log. A rule
// broken is returned as survey.FieldErrors (never a 500).

// formParams reads :id and :version; a version that is not a number is not found.
func formParams(c *gin.Context) (string, int, error) {
	v, err := strconv.Atoi(c.Param("version"))
	if err != nil || v < 1 {
		return "", 0, survey.ErrNotFound
	}
	return c.Param("id"), v, nil
}

func formPath(id string, version int) string {
	return "/admin/forms/" + url.PathEscape(id) + "/" + strconv.Itoa(version)
}

// publishedProblem is the answer to any change of a published version.
var publishedProblem = survey.FieldErrors{survey.FieldVersion: survey.ProblemPublished}

// adminCatalog is the catalog with the forms and assignments read afresh
// from the database (the cached catalog may be a few seconds old when another
// instance made a change).
func (s *Server) adminCatalog(ctx context.Context) (*survey.Catalog, error) {
	cached, err := s.store.Catalog(ctx)
	if err != nil {
		return nil, err
	}
	forms, err := s.store.Forms(ctx)
	if err != nil {
		return nil, err
	}
	as, err := s.store.Assignments(ctx)
	if err != nil {
		return nil, err
	}
	cat := *cached
	cat.Forms, cat.Assignments = forms, as
	return &cat, nil
}

// createDraft makes the next version of a form from one of its versions.
func (s *Server) createDraft(c *gin.Context, id string, version int) (survey.Form, error) {
	ctx := c.Request.Context()
	src, err := s.store.Form(ctx, id, version)
	if err != nil {
		return survey.Form{}, err
	}
	for range 5 {
		forms, err := s.store.Forms(ctx)
		if err != nil {
			return survey.Form{}, err
		}
		d := survey.NewDraft(src, survey.NextVersion(forms, id))
		err = s.store.InsertForm(ctx, d)
		if errors.Is(err, survey.ErrDuplicate) {
			continue // another administrator took that number: take the next
		}
		if err != nil {
			return survey.Form{}, err
		}
		s.audit(c, actor(c), "form_draft", d.Key, gin.H{"from": src.Key}, d)
		return d, nil
	}
	return survey.Form{}, survey.ErrConflict
}

// saveDraft applies an edit to a draft. It returns the edited form (also
// when invalid, to show it again) and FieldErrors when a rule is broken or
// the version is published.
func (s *Server) saveDraft(c *gin.Context, id string, version int, e survey.FormEdit) (survey.Form, error) {
	ctx := c.Request.Context()
	cur, err := s.store.Form(ctx, id, version)
	if err != nil {
		return survey.Form{}, err
	}
	f, err := survey.ApplyEdit(cur, e)
	if errors.Is(err, survey.ErrPublished) {
		return cur, publishedProblem
	}
	cat, err := s.store.Catalog(ctx)
	if err != nil {
		return f, err
	}
	if fe := survey.CheckForm(f, cat); fe != nil {
		return f, fe
	}
	if err := s.store.ReplaceDraft(ctx, f); err != nil {
		if errors.Is(err, survey.ErrPublished) {
			return f, publishedProblem
		}
		return f, err
	}
	s.audit(c, actor(c), "form_edit", f.Key, cur, f)
	return f, nil
}

// publishDraft publishes a draft. Before the first new version of the
// default form is published, the version in force by default is pinned, so
// publishing alone never changes what citizens get: an assignment does.
func (s *Server) publishDraft(c *gin.Context, id string, version int) (survey.Form, error) {
	ctx := c.Request.Context()
	cur, err := s.store.Form(ctx, id, version)
	if err != nil {
		return survey.Form{}, err
	}
	if cur.Published {
		return cur, publishedProblem
	}
	cat, err := s.adminCatalog(ctx)
	if err != nil {
		return cur, err
	}
	p, err := survey.Publish(cur, cat, time.Now())
	if err != nil {
		return cur, err
	}
	if pin, ok := survey.PinBeforePublish(cat, p); ok {
		tl := []survey.Assignment{pin}
		if err := s.store.SetAssignment(ctx, survey.AllAreas, tl); err != nil {
			return cur, err
		}
		s.audit(c, actor(c), "form_assign", survey.AllAreas, nil, tl)
	}
	if err := s.store.ReplaceDraft(ctx, p); err != nil {
		if errors.Is(err, survey.ErrPublished) {
			return cur, publishedProblem
		}
		return cur, err
	}
	s.audit(c, actor(c), "form_publish", p.Key, gin.H{"published": false}, gin.H{"published": true, "publishedAt": p.PublishedAt})
	return p, nil
}

// assign adds an entry to an area's timeline and returns the new timeline.
func (s *Server) assign(c *gin.Context, a survey.Assignment) ([]survey.Assignment, error) {
	ctx := c.Request.Context()
	cat, err := s.adminCatalog(ctx)
	if err != nil {
		return nil, err
	}
	if fe := survey.CheckAssignment(a, cat); fe != nil {
		return nil, fe
	}
	before, err := s.store.AreaAssignments(ctx, a.Area)
	if err != nil {
		return nil, err
	}
	after := survey.AddAssignment(before, a)
	if err := s.store.SetAssignment(ctx, a.Area, after); err != nil {
		return nil, err
	}
	s.audit(c, actor(c), "form_assign", a.Area, before, after)
	return after, nil
}
