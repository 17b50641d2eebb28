package server

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"hailong/survey"
	"hailong/survey/export"
)

// Publishing the CCHC index (issue 17): an inspector or an administrator
// freezes a year's result (the API's JSON, with its sentences) as a
// revision in "cchc_publications"; the public reads only what was
// published, on /ket-qua/cchc/{year} and GET /api/v1/cchc/{year}/published.
// See docs/cchc.md.

// errNoCCHCPoints: the year has a framework but no unit has points.
var errNoCCHCPoints = errors.New("no unit has CCHC points for the year")

// cchcPublishRequest is the body of POST /api/v1/cchc/{year}/publish.
type cchcPublishRequest struct {
	Provisional bool `json:"provisional"`
}

// cchcPublishWrites serialises the process's CCHC publications, so that two
// publishes at once take revisions 1 and 2 without relying on the embedded
// FerretDB's duplicate-key answer alone (see cchcWrites).
var cchcPublishWrites sync.Mutex

// checkCCHCPublishYear refuses a year not over yet (in the province's time)
// unless provisional, and a year not begun: the problem's code, or "".
func checkCCHCPublishYear(year int, provisional bool, now time.Time) string {
	p, err := survey.YearPeriod(year)
	switch {
	case err != nil:
		return "period_not_started"
	case !survey.PeriodStarted(p, now):
		return "period_not_started"
	case !survey.PeriodEnded(p, now) && !provisional:
		return "period_not_ended"
	}
	return ""
}

// publishCCHCYear freezes the year's result as its next revision.
func (s *Server) publishCCHCYear(ctx context.Context, actor string, year int, provisional bool) (survey.CCHCPublication, error) {
	cchcPublishWrites.Lock()
	defer cchcPublishWrites.Unlock()
	j, err := s.CCHCView(ctx, year)
	if errors.Is(err, survey.ErrNotFound) {
		return survey.CCHCPublication{}, errNoCCHCFramework
	}
	if err != nil {
		return survey.CCHCPublication{}, err
	}
	units := 0
	for _, g := range j.Groups {
		units += len(g.Units)
	}
	if units == 0 {
		return survey.CCHCPublication{}, errNoCCHCPoints
	}
	result, err := json.Marshal(j)
	if err != nil {
		return survey.CCHCPublication{}, fmt.Errorf("publish cchc: %w", err)
	}
	at := time.Now().UTC().Truncate(time.Millisecond) // as the database keeps it
	return s.store.InsertCCHCPublication(ctx, year, func(prev *survey.CCHCPublication) (survey.CCHCPublication, error) {
		p := survey.CCHCPublication{Year: year, Revision: 1, Provisional: provisional, PublishedAt: at,
			PublishedBy: actor, Framework: j.Framework.Version, Units: units}
		if prev != nil {
			p.Revision = prev.Revision + 1
		}
		body, sum, err := survey.CCHCPublicationContent{Year: year, Revision: p.Revision, Provisional: provisional,
			PublishedAt: at, Result: result}.Canonical()
		if err != nil {
			return p, err
		}
		p.Content, p.SHA256 = string(body), sum
		return p, nil
	})
}

// auditCCHCPublication records a publication.
func (s *Server) auditCCHCPublication(c *gin.Context, p survey.CCHCPublication) {
	var before any
	if p.Revision > 1 {
		before = gin.H{"revision": p.Revision - 1}
	}
	s.audit(c, actor(c), "cchc_publication", p.ID, before, gin.H{
		"year": p.Year, "revision": p.Revision, "provisional": p.Provisional,
		"framework": p.Framework, "units": p.Units, "sha256": p.SHA256,
	})
}

// ---- the JSON API ----

// CCHCRevisionJSON is one revision of a published year.
type CCHCRevisionJSON struct {
	Revision    int       `json:"revision"`
	Provisional bool      `json:"provisional"`
	PublishedAt time.Time `json:"publishedAt"`
	Framework   int       `json:"framework"`
	Units       int       `json:"units"`
	SHA256      string    `json:"sha256"`
}

// CCHCPublishedJSON is one revision of a published year with its frozen
// content (snapshot: exactly the JSON download, whose SHA-256 is sha256;
// snapshot.result is the year's index as the API answered it).
type CCHCPublishedJSON struct {
	Year int `json:"year"`
	CCHCRevisionJSON
	Revisions []CCHCRevisionJSON `json:"revisions"`
	Snapshot  json.RawMessage    `json:"snapshot"`
	Downloads map[string]string  `json:"downloads"`
	Page      string             `json:"page"`
}

func cchcRevisionJSON(p survey.CCHCPublication) CCHCRevisionJSON {
	return CCHCRevisionJSON{Revision: p.Revision, Provisional: p.Provisional, PublishedAt: p.PublishedAt.UTC(),
		Framework: p.Framework, Units: p.Units, SHA256: p.SHA256}
}

// cchcSnapshotURL is a revision's download.
func cchcSnapshotURL(year, revision int, format string) string {
	return fmt.Sprintf("/api/v1/cchc/%d/published/snapshot?revision=%d&format=%s", year, revision, format)
}

// cchcPublicURL is the public page of a year (revision 0: the latest).
func cchcPublicURL(year, revision int) string {
	u := "/ket-qua/cchc/" + strconv.Itoa(year)
	if revision > 0 {
		u += "?revision=" + strconv.Itoa(revision)
	}
	return u
}

// cchcRevisions lists a year's revisions without content, oldest first.
func (s *Server) cchcRevisions(ctx context.Context, year int) ([]survey.CCHCPublication, error) {
	all, err := s.store.CCHCPublications(ctx)
	if err != nil {
		return nil, err
	}
	var out []survey.CCHCPublication
	for _, p := range all {
		if p.Year == year {
			out = append(out, p)
		}
	}
	return out, nil
}

func (s *Server) cchcPublishedJSON(ctx context.Context, p survey.CCHCPublication) (CCHCPublishedJSON, error) {
	revs, err := s.cchcRevisions(ctx, p.Year)
	if err != nil {
		return CCHCPublishedJSON{}, err
	}
	j := CCHCPublishedJSON{Year: p.Year, CCHCRevisionJSON: cchcRevisionJSON(p), Revisions: []CCHCRevisionJSON{},
		Snapshot: json.RawMessage(p.Content), Page: cchcPublicURL(p.Year, p.Revision),
		Downloads: map[string]string{"json": cchcSnapshotURL(p.Year, p.Revision, "json"), "csv": cchcSnapshotURL(p.Year, p.Revision, "csv")}}
	for _, r := range revs {
		j.Revisions = append(j.Revisions, cchcRevisionJSON(r))
	}
	return j, nil
}

// cchcPublishErr answers the refusals of a publish.
func cchcPublishErr(err error) error {
	switch {
	case errors.Is(err, errNoCCHCFramework):
		return &apiCodeError{status: http.StatusConflict, code: "no_cchc_framework"}
	case errors.Is(err, errNoCCHCPoints):
		return &apiCodeError{status: http.StatusConflict, code: "no_cchc_points"}
	}
	return err
}

// apiCCHCPublish answers POST /api/v1/cchc/{year}/publish.
func (s *Server) apiCCHCPublish(c *gin.Context) error {
	year, err := cchcYearParam(c.Param("year"))
	if err != nil {
		return err
	}
	var req cchcPublishRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if code := checkCCHCPublishYear(year, req.Provisional, time.Now()); code != "" {
		return &apiCodeError{status: http.StatusConflict, code: code}
	}
	p, err := s.publishCCHCYear(c.Request.Context(), actor(c), year, req.Provisional)
	if err != nil {
		return cchcPublishErr(err)
	}
	s.auditCCHCPublication(c, p)
	j, err := s.cchcPublishedJSON(c.Request.Context(), p)
	if err != nil {
		return err
	}
	c.Header("Location", "/api/v1/cchc/"+strconv.Itoa(year)+"/published?revision="+strconv.Itoa(p.Revision))
	c.JSON(http.StatusCreated, j)
	return nil
}

// loadCCHCPublished reads the revision asked for (?revision=N; the latest
// by default) of the {year}: survey.ErrNotFound when it is not published.
func (s *Server) loadCCHCPublished(c *gin.Context) (survey.CCHCPublication, error) {
	year, err := cchcYearParam(c.Param("year"))
	if err != nil {
		return survey.CCHCPublication{}, err
	}
	if v := c.Query("revision"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1_000_000 {
			return survey.CCHCPublication{}, fieldErrorsIn("pub", survey.FieldErrors{"revision": survey.ProblemInvalid})
		}
		return s.store.CCHCPublication(c.Request.Context(), year, n)
	}
	return s.store.LatestCCHCPublication(c.Request.Context(), year)
}

// cchcETag names one revision's rendering.
func cchcETag(p survey.CCHCPublication, form string) string {
	return fmt.Sprintf(`"cchc-%s-r%d-%s"`, p.SHA256[:32], p.Revision, form)
}

// apiCCHCPublished answers GET /api/v1/cchc/{year}/published: public.
func (s *Server) apiCCHCPublished(c *gin.Context) error {
	p, err := s.loadCCHCPublished(c)
	if err != nil {
		return err
	}
	if notModified(c, cchcETag(p, "api")) {
		return nil
	}
	j, err := s.cchcPublishedJSON(c.Request.Context(), p)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, j)
	return nil
}

// apiCCHCPublishedSnapshot serves the frozen content as it was hashed
// (format=json, the default) or as CSV (format=csv).
func (s *Server) apiCCHCPublishedSnapshot(c *gin.Context) error {
	format := c.DefaultQuery("format", "json")
	if format != "json" && format != "csv" {
		return fieldErrorsIn("pub", survey.FieldErrors{"format": survey.ProblemInvalid})
	}
	p, err := s.loadCCHCPublished(c)
	if err != nil {
		return err
	}
	if notModified(c, cchcETag(p, format)) {
		return nil
	}
	name := fmt.Sprintf("hailong-cchc-%d-r%d", p.Year, p.Revision)
	if p.Provisional {
		name += "-provisional"
	}
	c.Header("Content-Disposition", `attachment; filename="`+name+"."+format+`"`)
	if format == "json" {
		c.Data(http.StatusOK, "application/json; charset=utf-8", []byte(p.Content))
		return nil
	}
	body, err := cchcPublicationCSV(p)
	if err != nil {
		return err
	}
	c.Data(http.StatusOK, "text/csv; charset=utf-8", body)
	return nil
}

// parseCCHCPublication reads a revision's frozen result.
func parseCCHCPublication(p survey.CCHCPublication) (survey.CCHCPublicationContent, CCHCJSON, error) {
	var content survey.CCHCPublicationContent
	var j CCHCJSON
	if err := json.Unmarshal([]byte(p.Content), &content); err != nil {
		return content, j, fmt.Errorf("cchc publication %s: %w", p.ID, err)
	}
	if err := json.Unmarshal(content.Result, &j); err != nil {
		return content, j, fmt.Errorf("cchc publication %s: %w", p.ID, err)
	}
	return content, j, nil
}

// cchcPublicationCSVHeader names the columns of a published year's CSV: one
// row per unit, group by group in rank order; index as published (two
// decimals); previous_rank and rank_change empty when not compared or new.
var cchcPublicationCSVHeader = []string{
	"year", "revision", "provisional", "sha256", "framework", "group", "rank", "of", "agency", "name_vi", "name_en",
	"points", "max", "index", "previous_rank", "rank_change", "new", "illustrative",
	"survey_source", "survey_index", "survey_points",
}

// cchcPublicationCSV writes a revision as CSV (UTF-8 with a BOM, CRLF, text
// neutralised against formulas, as the other exports).
func cchcPublicationCSV(p survey.CCHCPublication) ([]byte, error) {
	_, j, err := parseCCHCPublication(p)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.WriteString(export.UTF8BOM)
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	if err := w.Write(cchcPublicationCSVHeader); err != nil {
		return nil, err
	}
	num := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	opt := func(v *int) string {
		if v == nil {
			return ""
		}
		return strconv.Itoa(*v)
	}
	for _, g := range j.Groups {
		for _, u := range g.Units {
			si := ""
			if u.Survey.Index != nil {
				si = num(*u.Survey.Index)
			}
			rec := []string{
				strconv.Itoa(p.Year), strconv.Itoa(p.Revision), strconv.FormatBool(p.Provisional), p.SHA256,
				strconv.Itoa(j.Framework.Version), string(g.Group), strconv.Itoa(u.Rank), strconv.Itoa(u.Of),
				export.Neutralise(u.Agency), export.Neutralise(u.Name.Vi), export.Neutralise(u.Name.En),
				num(u.Points), num(u.Max), strconv.FormatFloat(u.Index, 'f', 2, 64),
				opt(u.PreviousRank), opt(u.RankChange), strconv.FormatBool(u.New), strconv.FormatBool(u.Illustrative),
				u.Survey.Source, si, num(u.Survey.Points),
			}
			if err := w.Write(rec); err != nil {
				return nil, err
			}
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// ---- the staff page's form ----

// cchcPublishSubmit answers the publish form of /cchc: back to the page
// with the revision made, or with the refusal worded.
func (s *Server) cchcPublishSubmit(c *gin.Context) error {
	year, err := cchcYearParam(c.Param("year"))
	if err != nil {
		return err
	}
	provisional := c.PostForm("provisional") == "1"
	v := url.Values{"year": {strconv.Itoa(year)}}
	if code := checkCCHCPublishYear(year, provisional, time.Now()); code != "" {
		v.Set("publish_error", code)
		c.Redirect(http.StatusSeeOther, "/cchc?"+v.Encode()+"#publish")
		return nil
	}
	p, err := s.publishCCHCYear(c.Request.Context(), actor(c), year, provisional)
	switch {
	case errors.Is(err, errNoCCHCFramework):
		v.Set("publish_error", "no_cchc_framework")
	case errors.Is(err, errNoCCHCPoints):
		v.Set("publish_error", "no_cchc_points")
	case err != nil:
		return err
	default:
		s.auditCCHCPublication(c, p)
		v.Set("published", strconv.Itoa(p.Revision))
	}
	c.Redirect(http.StatusSeeOther, "/cchc?"+v.Encode()+"#publish")
	return nil
}
