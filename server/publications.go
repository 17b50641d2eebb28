package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"hailong/survey"
)

// Publications (issue 16): an inspector or an administrator freezes the
// ranking of a period; the public reads it on /ket-qua and through the
// public API, never a ranking computed on the fly. See docs/publications.md.

// publishRequest is the body of POST /api/v1/publications (and the staff
// page's form).
type publishRequest struct {
	Period      string `json:"period"`
	Basis       string `json:"basis"`
	Provisional bool   `json:"provisional"`
}

// publishInput is a checked publish request.
type publishInput struct {
	Period      survey.Period
	Basis       survey.Basis
	Provisional bool
}

// Problems of a publish request beyond the field ones: the period has not
// ended (and the request is not provisional), or has not even begun.
const (
	problemNotEnded   = "not_ended"
	problemNotStarted = "not_started"
)

// checkPublish reads a publish request: a period as the rankings take it,
// a basis (the rankings' default when empty), and whether the period has
// ended by now (or the publication is provisional).
func (s *Server) checkPublish(req publishRequest, now time.Time) (publishInput, survey.FieldErrors) {
	in := publishInput{Basis: s.rankingBasis(), Provisional: req.Provisional}
	fe := survey.FieldErrors{}
	if req.Basis != "" {
		b, ok := survey.ParseBasis(req.Basis)
		if !ok {
			fe["basis"] = survey.ProblemInvalid
		}
		in.Basis = b
	}
	switch p, err := survey.ParsePeriod(req.Period); {
	case req.Period == "":
		fe["period"] = survey.ProblemRequired
	case err != nil:
		fe["period"] = survey.ProblemInvalid
	case !survey.PeriodStarted(p, now):
		fe["period"] = problemNotStarted
	case !survey.PeriodEnded(p, now) && !req.Provisional:
		fe["period"] = problemNotEnded
	default:
		in.Period = p
	}
	if len(fe) > 0 {
		return in, fe
	}
	return in, nil
}

// publisher is whom a snapshot is computed for: an inspector sees every
// agency, so the snapshot is never scoped to one user's agencies.
var publisher = &survey.User{Username: "publication", Role: survey.RoleInspector}

// publish freezes the ranking of the period and basis as a new revision,
// with what moved since the previous one, and audits it.
func (s *Server) publish(ctx context.Context, actor string, in publishInput) (survey.Publication, error) {
	cat, err := s.store.Catalog(ctx)
	if err != nil {
		return survey.Publication{}, err
	}
	r, err := s.ranking(ctx, publisher, cat, rankingQuery{Period: in.Period, Basis: in.Basis})
	if err != nil {
		return survey.Publication{}, err
	}
	rankings, err := json.Marshal(s.rankingsJSON(r))
	if err != nil {
		return survey.Publication{}, fmt.Errorf("publish: %w", err)
	}
	var after survey.PublishedRankings
	if err := json.Unmarshal(rankings, &after); err != nil {
		return survey.Publication{}, fmt.Errorf("publish: %w", err)
	}
	period := in.Period.String()
	at := time.Now().UTC().Truncate(time.Millisecond) // as the database keeps it
	return s.store.InsertPublication(ctx, period, in.Basis, func(prev *survey.Publication) (survey.Publication, error) {
		p := survey.Publication{
			Period: period, From: in.Period.From.String(), To: in.Period.To.String(), Basis: in.Basis,
			Revision: 1, Provisional: in.Provisional, PublishedAt: at, PublishedBy: actor,
			Rule: r.Rule.ID, Responses: after.CountResponses(),
		}
		if prev != nil {
			_, before, err := survey.ParsePublishedRankings([]byte(prev.Content))
			if err != nil {
				return p, err
			}
			p.Revision = prev.Revision + 1
			p.Diff = survey.DiffPublications(prev.Revision, before, after)
		}
		content := survey.PublicationContent{
			Period: p.Period, From: p.From, To: p.To, Basis: p.Basis, Revision: p.Revision,
			Provisional: p.Provisional, PublishedAt: at, Rule: p.Rule,
			Forms:     []survey.FormVersion{{ID: r.Form.ID, Version: r.Form.Version}},
			Responses: p.Responses, Rankings: rankings,
		}
		body, sum, err := content.Canonical()
		if err != nil {
			return p, err
		}
		p.Content, p.SHA256 = string(body), sum
		return p, nil
	})
}

// auditPublication records a publication, with what it replaced.
func (s *Server) auditPublication(c *gin.Context, p survey.Publication) {
	var before any
	if p.Revision > 1 {
		before = gin.H{"revision": p.Revision - 1}
	}
	s.audit(c, actor(c), "publication_publish", p.ID, before, gin.H{
		"period": p.Period, "basis": p.Basis, "revision": p.Revision, "provisional": p.Provisional,
		"rule": p.Rule, "responses": p.Responses, "sha256": p.SHA256, "diff": p.Diff,
	})
}

// ---- the JSON API ----

// PublicationRevisionJSON is one revision of a published period.
type PublicationRevisionJSON struct {
	Revision    int       `json:"revision"`
	Provisional bool      `json:"provisional"`
	PublishedAt time.Time `json:"publishedAt"`
	Rule        string    `json:"rule"`
	Responses   int64     `json:"responses"`
	SHA256      string    `json:"sha256"`
}

// PublicationJSON is a published period: its latest (or asked) revision
// and every revision.
type PublicationJSON struct {
	Period string       `json:"period"`
	From   string       `json:"from"`
	To     string       `json:"to"`
	Basis  survey.Basis `json:"basis"`
	PublicationRevisionJSON
	URL       string                    `json:"url"`
	Revisions []PublicationRevisionJSON `json:"revisions"`
}

// PublicationDetailJSON is one revision with its frozen content (exactly
// the JSON download, whose SHA-256 is sha256) and what moved since the
// revision before it.
type PublicationDetailJSON struct {
	PublicationJSON
	Diff      *survey.PublicationDiff `json:"diff"`
	Snapshot  json.RawMessage         `json:"snapshot"`
	Downloads map[string]string       `json:"downloads"`
}

// PublicationListJSON is GET /api/v1/publications.
type PublicationListJSON struct {
	Publications []PublicationJSON `json:"publications"`
}

func revisionJSON(p survey.Publication) PublicationRevisionJSON {
	return PublicationRevisionJSON{Revision: p.Revision, Provisional: p.Provisional, PublishedAt: p.PublishedAt.UTC(),
		Rule: p.Rule, Responses: p.Responses, SHA256: p.SHA256}
}

// publishedGroup is the revisions of one period and basis, oldest first.
type publishedGroup struct {
	Period, From, To string
	Basis            survey.Basis
	Revisions        []survey.Publication
}

// Latest is the group's newest revision.
func (g publishedGroup) Latest() survey.Publication { return g.Revisions[len(g.Revisions)-1] }

// publishedGroups groups every revision by period and basis, the most
// recently published group first.
func (s *Server) publishedGroups(ctx context.Context) ([]publishedGroup, error) {
	all, err := s.store.Publications(ctx)
	if err != nil {
		return nil, err
	}
	idx := map[string]int{}
	var out []publishedGroup
	for _, p := range all { // newest first
		i, ok := idx[p.Key]
		if !ok {
			i = len(out)
			idx[p.Key] = i
			out = append(out, publishedGroup{Period: p.Period, From: p.From, To: p.To, Basis: p.Basis})
		}
		out[i].Revisions = append(out[i].Revisions, p)
	}
	for i := range out {
		slices.SortFunc(out[i].Revisions, func(a, b survey.Publication) int { return a.Revision - b.Revision })
	}
	return out, nil
}

func publicationURL(period string, basis survey.Basis) string {
	return "/api/v1/publications/" + period + "?basis=" + string(basis)
}

func groupJSON(g publishedGroup, shown survey.Publication) PublicationJSON {
	j := PublicationJSON{Period: g.Period, From: g.From, To: g.To, Basis: g.Basis,
		PublicationRevisionJSON: revisionJSON(shown), URL: publicationURL(g.Period, g.Basis)}
	for _, r := range g.Revisions {
		j.Revisions = append(j.Revisions, revisionJSON(r))
	}
	return j
}

func (s *Server) apiPublish(c *gin.Context) error {
	var req publishRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	in, fe := s.checkPublish(req, time.Now())
	switch {
	case fe["period"] == problemNotEnded:
		return &apiCodeError{status: http.StatusConflict, code: "period_not_ended"}
	case fe["period"] == problemNotStarted:
		return &apiCodeError{status: http.StatusConflict, code: "period_not_started"}
	case fe != nil:
		return fieldErrorsIn("pub", fe)
	}
	p, err := s.publish(c.Request.Context(), actor(c), in)
	if err != nil {
		return err
	}
	s.auditPublication(c, p)
	g, err := s.findPublished(c.Request.Context(), p.Period, p.Basis)
	if err != nil {
		return err
	}
	c.JSON(http.StatusCreated, detailJSON(g, p))
	return nil
}

func detailJSON(g publishedGroup, p survey.Publication) PublicationDetailJSON {
	snap := fmt.Sprintf("/api/v1/publications/%s/snapshot?basis=%s&revision=%d", p.Period, p.Basis, p.Revision)
	return PublicationDetailJSON{
		PublicationJSON: groupJSON(g, p), Diff: p.Diff, Snapshot: json.RawMessage(p.Content),
		Downloads: map[string]string{"json": snap + "&format=json", "csv": snap + "&format=csv"},
	}
}

func (s *Server) apiPublications(c *gin.Context) error {
	gs, err := s.publishedGroups(c.Request.Context())
	if err != nil {
		return err
	}
	out := PublicationListJSON{Publications: []PublicationJSON{}}
	for _, g := range gs {
		out.Publications = append(out.Publications, groupJSON(g, g.Latest()))
	}
	c.Header("Cache-Control", "public, max-age=60")
	c.JSON(http.StatusOK, out)
	return nil
}

// findPublished is the group of a period and basis ("" : the most
// recently published basis of the period), or survey.ErrNotFound.
func (s *Server) findPublished(ctx context.Context, period string, basis survey.Basis) (publishedGroup, error) {
	gs, err := s.publishedGroups(ctx)
	if err != nil {
		return publishedGroup{}, err
	}
	for _, g := range gs {
		if g.Period == period && (basis == "" || g.Basis == basis) {
			return g, nil
		}
	}
	return publishedGroup{}, survey.ErrNotFound
}

// publicationQuery reads the period (any form ParsePeriod takes), basis
// and revision a public reader asks for.
type publicationQuery struct {
	Period   string
	Basis    survey.Basis
	Revision int // 0: the latest
}

func parsePublicationQuery(period string, get func(string) string) (publicationQuery, survey.FieldErrors) {
	var q publicationQuery
	fe := survey.FieldErrors{}
	if p, err := survey.ParsePeriod(period); err != nil {
		fe["period"] = survey.ProblemInvalid
	} else {
		q.Period = p.String()
	}
	if v := get("basis"); v != "" {
		b, ok := survey.ParseBasis(v)
		if !ok {
			fe["basis"] = survey.ProblemInvalid
		}
		q.Basis = b
	}
	if v := get("revision"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1_000_000 {
			fe["revision"] = survey.ProblemInvalid
		}
		q.Revision = n
	}
	if len(fe) > 0 {
		return q, fe
	}
	return q, nil
}

// loadPublication finds the revision asked for, with its content.
func (s *Server) loadPublication(ctx context.Context, q publicationQuery) (publishedGroup, survey.Publication, error) {
	g, err := s.findPublished(ctx, q.Period, q.Basis)
	if err != nil {
		return g, survey.Publication{}, err
	}
	rev := g.Latest().Revision
	if q.Revision > 0 {
		rev = q.Revision
	}
	p, err := s.store.Publication(ctx, g.Period, g.Basis, rev)
	return g, p, err
}

// publicationAPIQuery reads the period of the path and the query of a
// public API call, answering field errors as the API does.
func (s *Server) publicationAPIQuery(c *gin.Context) (publicationQuery, error) {
	q, fe := parsePublicationQuery(c.Param("period"), c.Query)
	if fe != nil {
		return q, fieldErrorsIn("pub", fe)
	}
	return q, nil
}

func (s *Server) apiPublication(c *gin.Context) error {
	q, err := s.publicationAPIQuery(c)
	if err != nil {
		return err
	}
	g, p, err := s.loadPublication(c.Request.Context(), q)
	if err != nil {
		return err
	}
	if notModified(c, publicationETag(p, "api")) {
		return nil
	}
	c.JSON(http.StatusOK, detailJSON(g, p))
	return nil
}

// apiPublicationSnapshot serves the frozen content as it was hashed
// (format=json, the default) or as CSV (format=csv).
func (s *Server) apiPublicationSnapshot(c *gin.Context) error {
	q, err := s.publicationAPIQuery(c)
	if err != nil {
		return err
	}
	format := c.DefaultQuery("format", "json")
	if format != "json" && format != "csv" {
		return fieldErrorsIn("pub", survey.FieldErrors{"format": survey.ProblemInvalid})
	}
	_, p, err := s.loadPublication(c.Request.Context(), q)
	if err != nil {
		return err
	}
	if notModified(c, publicationETag(p, format)) {
		return nil
	}
	name := fmt.Sprintf("hailong-%s-%s-r%d", p.Period, p.Basis, p.Revision)
	if p.Provisional {
		name += "-provisional"
	}
	c.Header("Content-Disposition", `attachment; filename="`+name+"."+format+`"`)
	if format == "json" {
		c.Data(http.StatusOK, "application/json; charset=utf-8", []byte(p.Content))
		return nil
	}
	body, err := publicationCSV(p)
	if err != nil {
		return err
	}
	c.Data(http.StatusOK, "text/csv; charset=utf-8", body)
	return nil
}

// publicationETag names one revision's rendering: its hash, revision and
// the form it is served in.
func publicationETag(p survey.Publication, form string) string {
	return fmt.Sprintf(`"%s-r%d-%s"`, p.SHA256[:32], p.Revision, form)
}

// notModified sets the caching headers of a published revision (public: it
// never changes; a little max-age because "latest" moves on a new
// revision) and answers 304 when the client has it.
func notModified(c *gin.Context, etag string) bool {
	c.Header("ETag", etag)
	if c.Query("lang") != "" {
		// The answer sets the language cookie: no shared cache may keep it.
		c.Header("Cache-Control", "private, max-age=300")
	} else {
		c.Header("Cache-Control", "public, max-age=300")
	}
	c.Header("Vary", "Accept-Encoding, Cookie")
	for _, tag := range strings.Split(c.GetHeader("If-None-Match"), ",") {
		if tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/"); tag == etag || tag == "*" {
			c.Status(http.StatusNotModified)
			return true
		}
	}
	return false
}
